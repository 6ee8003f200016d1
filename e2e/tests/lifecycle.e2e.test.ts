// The target Secret's life: creationPolicy (Owner / Orphan / Merge), deletionPolicy Delete
// when the remote secret is deleted, refusal to take over a Secret Rotor does not own, and
// immutable targets. Garbage collection is the real kube-controller-manager's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, aws, kubectl, kubectlJson, secretValue as readSecret } from '../lib/cli.js';
import { freshNamespace, readyOf, secretValue, waitForReady } from '../lib/context.js';
import { applyExample, type Manifest } from '../lib/examples.js';
import { sleep, waitFor } from '../lib/wait.js';

let ns: string;
const remote = (suffix: string) => `${ns}/${suffix}`;

interface SecretObject {
  metadata: { uid: string; resourceVersion: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: unknown[] };
  data?: Record<string, string>;
  immutable?: boolean;
}

function example(file: string, edit?: (doc: Manifest) => void) {
  return applyExample(file, { namespace: ns, replace: { 'prod/': `${ns}/` }, ...(edit ? { edit } : {}) });
}

const fastRefresh = (doc: Manifest) => {
  doc.spec.refreshInterval = '3s';
};

function externalSecret(name: string, remoteKey: string, target: Record<string, unknown>) {
  return JSON.stringify({
    apiVersion: 'rotor.dev/v1alpha1',
    kind: 'ExternalSecret',
    metadata: { name, namespace: ns },
    spec: {
      refreshInterval: '3s',
      secretStoreRef: { name: 'aws-secretsmanager', kind: 'SecretStore' },
      target,
      data: [{ secretKey: 'password', remoteRef: { key: remoteKey } }],
    },
  });
}

async function getSecret(name: string): Promise<SecretObject | undefined> {
  try {
    return await kubectlJson<SecretObject>('get', 'secret', name, '-n', ns);
  } catch (error) {
    if (/not found/i.test((error as Error).message)) return undefined;
    throw error;
  }
}

const waitCondition = (name: string, status: 'True' | 'False', timeoutMs = 60_000) => waitForReady('externalsecret', name, ns, status, { timeoutMs });

async function createRemote(suffix: string, value: string): Promise<string> {
  return (await aws<{ VersionId: string }>('secretsmanager', 'create-secret', '--name', remote(suffix), '--secret-string', value)).VersionId;
}

const decoded = (secret: SecretObject | undefined, key: string) => {
  const v = secret?.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
};

beforeAll(async () => {
  ns = await freshNamespace('e2e-life');
  await applyExample('secretstore-default-chain.yaml', { namespace: ns });
  await waitFor('store Ready', async () => (await readyOf('secretstore', 'aws-secretsmanager', ns))?.status === 'True');
});

// Stop this file's ExternalSecrets (some refresh every few seconds) from loading the operator for the next files.
afterAll(async () => {
  if (ns) await kubectl('delete', 'namespace', ns, '--wait=false');
});

describe.concurrent('target Secret lifecycle', () => {
  it('deletionPolicy Delete: deleting the AWS secret deletes the Kubernetes Secret (externalsecret-deletion-policy.yaml)', async () => {
    const value = secretValue('apikey');
    await createRemote('feature/api-key', value);
    await example('externalsecret-deletion-policy.yaml', fastRefresh);
    await waitCondition('feature-api-key', 'True');
    expect(decoded(await getSecret('feature-api-key'), 'api-key') === value, 'synced').toBe(true);

    await aws('secretsmanager', 'delete-secret', '--secret-id', remote('feature/api-key'), '--force-delete-without-recovery');
    await waitFor('Secret deleted', async () => (await getSecret('feature-api-key')) === undefined, { timeoutMs: 30_000 });
    const ready = await waitCondition('feature-api-key', 'False');
    expect(ready.reason).toBe('SecretDeleted');
    expect(ready.message).toContain('deletionPolicy Delete');
    const events = await kubectl('get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=feature-api-key,reason=Deleted', '-o', 'name');
    expect(events.trim().length, 'Deleted event').toBeGreaterThan(0);
    // Later refreshes neither bring it back nor turn the status into a failure.
    await sleep(7_000);
    expect(await getSecret('feature-api-key')).toBeUndefined();
    expect((await readyOf('externalsecret', 'feature-api-key', ns))?.reason).toBe('SecretDeleted');
    const failures = await kubectl('get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=feature-api-key,reason=SyncFailed', '-o', 'name');
    expect(failures.trim(), 'no SyncFailed warnings after the intended deletion').toBe('');
  });

  it('creationPolicy Orphan: the Secret outlives its ExternalSecret, while an Owner Secret is garbage-collected', async () => {
    const orphanValue = secretValue('orphan');
    const ownedValue = secretValue('owned');
    await createRemote('orphan/db', orphanValue);
    await createRemote('owned/db', ownedValue);
    await apply(externalSecret('orphan', remote('orphan/db'), { name: 'orphan', creationPolicy: 'Orphan' }));
    await apply(externalSecret('owned', remote('owned/db'), { name: 'owned' }));
    await waitCondition('orphan', 'True');
    await waitCondition('owned', 'True');
    const orphan = (await getSecret('orphan'))!;
    expect(decoded(orphan, 'password') === orphanValue, 'orphan synced').toBe(true);
    expect(orphan.metadata.ownerReferences ?? []).toEqual([]);
    expect((await getSecret('owned'))!.metadata.ownerReferences).toHaveLength(1);

    await kubectl('delete', 'externalsecret', 'orphan', 'owned', '-n', ns, '--wait=true');
    // The garbage collector has acted once the Owner Secret is gone; the Orphan one must remain.
    await waitFor('Owner Secret garbage-collected', async () => (await getSecret('owned')) === undefined, { timeoutMs: 60_000 });
    const after = await getSecret('orphan');
    expect(after, 'Orphan Secret still exists').toBeDefined();
    expect(after!.metadata.uid).toBe(orphan.metadata.uid);
    expect(decoded(after, 'password') === orphanValue, 'Orphan Secret keeps its value').toBe(true);
  });

  it('creationPolicy Merge: writes its keys into an existing Secret and keeps the others (externalsecret-merge.yaml)', async () => {
    const v1 = secretValue('merge1');
    await createRemote('app/db', JSON.stringify({ password: v1 }));
    await kubectl('create', 'secret', 'generic', 'app-config', '-n', ns, '--from-literal=LOG_LEVEL=info', '--from-literal=FEATURE_X=on');
    await kubectl('label', 'secret', 'app-config', '-n', ns, 'team=payments');
    await example('externalsecret-merge.yaml', fastRefresh);
    await waitCondition('app-config-db', 'True');
    let secret = (await getSecret('app-config'))!;
    expect(Object.keys(secret.data ?? {}).sort()).toEqual(['DB_PASSWORD', 'FEATURE_X', 'LOG_LEVEL']);
    expect(decoded(secret, 'DB_PASSWORD') === v1, 'DB_PASSWORD merged').toBe(true);
    expect(decoded(secret, 'LOG_LEVEL')).toBe('info');
    expect(decoded(secret, 'FEATURE_X')).toBe('on');
    expect(secret.metadata.labels?.team).toBe('payments');
    expect(secret.metadata.ownerReferences ?? [], 'a merged Secret is not owned by the ExternalSecret').toEqual([]);

    // Someone else updates their key; a rotation updates only Rotor's key.
    await kubectl('patch', 'secret', 'app-config', '-n', ns, '--type', 'merge', '-p', JSON.stringify({ stringData: { LOG_LEVEL: 'warn' } }));
    const v2 = secretValue('merge2');
    await aws('secretsmanager', 'put-secret-value', '--secret-id', remote('app/db'), '--secret-string', JSON.stringify({ password: v2 }));
    await waitFor('rotation merged', async () => decoded(await getSecret('app-config'), 'DB_PASSWORD') === v2, { timeoutMs: 30_000 });
    secret = (await getSecret('app-config'))!;
    expect(decoded(secret, 'LOG_LEVEL')).toBe('warn');
    expect(decoded(secret, 'FEATURE_X')).toBe('on');

    // Not owned: deleting the ExternalSecret leaves the Secret.
    await kubectl('delete', 'externalsecret', 'app-config-db', '-n', ns, '--wait=true');
    await sleep(3_000);
    expect(decoded(await getSecret('app-config'), 'FEATURE_X')).toBe('on');
  });

  it('creationPolicy Merge into a Secret that does not exist: says to create it, creates nothing', async () => {
    await createRemote('merge-missing/db', secretValue('mm'));
    await apply(externalSecret('merge-missing', remote('merge-missing/db'), { name: 'not-there', creationPolicy: 'Merge' }));
    const ready = await waitCondition('merge-missing', 'False');
    expect(ready.message).toContain('does not exist');
    expect(ready.message).toContain('not-there');
    expect(await getSecret('not-there')).toBeUndefined();
  });

  it('refuses to take over an existing Secret it does not own (TargetNotOwned) and leaves it untouched', async () => {
    const theirs = secretValue('theirs');
    await kubectl('create', 'secret', 'generic', 'legacy', '-n', ns, `--from-literal=password=${theirs}`);
    const before = (await getSecret('legacy'))!;
    await createRemote('legacy/db', secretValue('ours'));
    await apply(externalSecret('legacy', remote('legacy/db'), { name: 'legacy' }));
    const ready = await waitCondition('legacy', 'False');
    expect(ready.reason).toBe('TargetNotOwned');
    expect(ready.message).toContain(`Secret ${ns}/legacy already exists`);
    expect(ready.message).toContain('creationPolicy: Merge');
    // Several refreshes later it is still untouched.
    await sleep(7_000);
    const after = (await getSecret('legacy'))!;
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(decoded(after, 'password') === theirs, 'the other owner\'s value is kept').toBe(true);
    expect(after.metadata.labels?.['rotor.dev/managed']).toBeUndefined();
    expect(after.metadata.ownerReferences ?? []).toEqual([]);
    expect((await readyOf('externalsecret', 'legacy', ns))?.reason).toBe('TargetNotOwned');
  });

  it('immutable target: created immutable, replaced (not edited) when the value rotates (externalsecret-immutable.yaml)', async () => {
    const v1 = secretValue('imm1');
    await createRemote('payments/signing-key', v1);
    await example('externalsecret-immutable.yaml', fastRefresh);
    await waitCondition('signing-key', 'True');
    const first = (await getSecret('signing-key'))!;
    expect(first.immutable).toBe(true);
    expect(decoded(first, 'key') === v1, 'synced').toBe(true);

    const v2 = secretValue('imm2');
    await aws('secretsmanager', 'put-secret-value', '--secret-id', remote('payments/signing-key'), '--secret-string', v2);
    const second = await waitFor(
      'immutable Secret replaced with the new value',
      async () => {
        const s = await getSecret('signing-key');
        return s && decoded(s, 'key') === v2 ? s : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(second.immutable).toBe(true);
    expect(second.metadata.uid, 'a new Secret object').not.toBe(first.metadata.uid);
    expect(second.metadata.ownerReferences).toHaveLength(1);
    expect((await waitCondition('signing-key', 'True')).reason).toBe('SecretSynced');
    expect(await readSecret(ns, 'signing-key', 'key').then((v) => v === v2)).toBe(true);
  });
});
