// The core path a user follows: create a secret with the AWS CLI, apply a SecretStore and
// an ExternalSecret, read the Kubernetes Secret, rotate, and watch Rotor follow.
import { beforeAll, describe, expect, it } from 'vitest';
import { apply, aws, kubectl, kubectlJson, secretValue as readSecret } from '../lib/cli.js';
import { freshNamespace, harness, readyOf, secretValue, statusOf } from '../lib/context.js';
import { waitFor } from '../lib/wait.js';
import { killOperator, operatorRunning, resumeOperator } from '../lib/operator.js';

let ns: string;
const name = (suffix: string) => `${ns}/${suffix}`;

function store(storeName = 'aws') {
  return `
apiVersion: rotor.dev/v1alpha1
kind: SecretStore
metadata: {name: ${storeName}, namespace: ${ns}}
spec:
  provider:
    aws:
      service: SecretsManager
      region: us-east-1
      endpoint: ${harness().awsEndpointForStores}
`;
}

beforeAll(async () => {
  ns = await freshNamespace('e2e-sm');
  await apply(store());
  await waitFor('store Ready', async () => (await readyOf('secretstore', 'aws', ns))?.status === 'True');
});

describe('Secrets Manager -> Kubernetes Secret', () => {
  it('syncs a JSON secret by property, sets labels and owner reference, and reports Ready', async () => {
    const password = secretValue('pw');
    const created = await aws('secretsmanager', 'create-secret', '--name', name('db'), '--secret-string', JSON.stringify({ username: 'app', password }));
    await apply(`
apiVersion: rotor.dev/v1alpha1
kind: ExternalSecret
metadata: {name: db, namespace: ${ns}}
spec:
  refreshInterval: 5s
  secretStoreRef: {name: aws, kind: SecretStore}
  target: {name: db-credentials}
  data:
    - secretKey: password
      remoteRef: {key: ${name('db')}, property: password}
    - secretKey: username
      remoteRef: {key: ${name('db')}, property: username}
`);
    await waitFor('Secret synced', async () => (await readSecret(ns, 'db-credentials', 'password').catch(() => undefined)) === password);
    expect(await readSecret(ns, 'db-credentials', 'username')).toBe('app');

    const secret = await kubectlJson('get', 'secret', 'db-credentials', '-n', ns);
    expect(secret.metadata.labels['rotor.dev/managed']).toBe('true');
    expect(secret.metadata.ownerReferences[0]).toMatchObject({ kind: 'ExternalSecret', name: 'db', controller: true });

    const ready = await waitFor('Ready', async () => {
      const r = await readyOf('externalsecret', 'db', ns);
      return r?.status === 'True' ? r : undefined;
    });
    expect(ready.reason).toBe('SecretSynced');
    const status = await statusOf('externalsecret', 'db', ns);
    expect(status.syncedVersions[0].versionId).toBe(created.VersionId);

    const table = await kubectl('get', 'externalsecrets', '-n', ns);
    expect(table).toMatch(/NAME\s+STORE\s+REFRESH INTERVAL\s+STATUS\s+READY/);
    expect(table).toMatch(/db\s+aws\s+5s\s+SecretSynced\s+True/);
    // The plural means ExternalSecrets only: no CRD declares it as a category any more.
    expect(table).not.toContain('secretstore.rotor.dev/');
    const described = await kubectl('describe', 'externalsecret', 'db', '-n', ns);
    expect(described).toMatch(/Created/);
    expect(described).not.toContain(password);
  });

  it('follows put-secret-value within the refresh interval and records the new VersionId', async () => {
    const next = secretValue('pw2');
    const put = await aws('secretsmanager', 'put-secret-value', '--secret-id', name('db'), '--secret-string', JSON.stringify({ username: 'app', password: next }));
    await waitFor('rotation followed', async () => (await readSecret(ns, 'db-credentials', 'password')) === next, { timeoutMs: 30_000 });
    const status = await waitFor('new VersionId in status', async () => {
      const s = await statusOf('externalsecret', 'db', ns);
      return s.syncedVersions?.[0]?.versionId === put.VersionId ? s : undefined;
    });
    expect(status.conditions.find((c: { type: string }) => c.type === 'Ready').status).toBe('True');
  });

  it('repairs the Secret when someone edits or deletes it', async () => {
    const current = await readSecret(ns, 'db-credentials', 'password');
    await kubectl('patch', 'secret', 'db-credentials', '-n', ns, '--type', 'merge', '-p', JSON.stringify({ data: { password: Buffer.from('tampered').toString('base64') } }));
    await waitFor('edit repaired', async () => (await readSecret(ns, 'db-credentials', 'password')) === current, { timeoutMs: 30_000 });
    await kubectl('delete', 'secret', 'db-credentials', '-n', ns);
    await waitFor('deleted Secret re-created', async () => (await readSecret(ns, 'db-credentials', 'password').catch(() => undefined)) === current, { timeoutMs: 30_000 });
  });

  it('reports a missing secret clearly and keeps the previously synced Secret', async () => {
    const keep = await readSecret(ns, 'db-credentials', 'password');
    await kubectl('patch', 'externalsecret', 'db', '-n', ns, '--type', 'json', '-p', JSON.stringify([{ op: 'add', path: '/spec/data/-', value: { secretKey: 'extra', remoteRef: { key: name('does-not-exist') } } }]));
    const ready = await waitFor('SecretMissing', async () => {
      const r = await readyOf('externalsecret', 'db', ns);
      return r?.status === 'False' ? r : undefined;
    });
    expect(ready.reason).toBe('SecretMissing');
    expect(ready.message).toContain(name('does-not-exist'));
    expect(ready.message).toContain('us-east-1');
    expect(await readSecret(ns, 'db-credentials', 'password')).toBe(keep);
    const events = await kubectl('get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=db,reason=SyncFailed');
    expect(events).toContain('SyncFailed');
  });

  it('garbage-collects an Owner Secret when its ExternalSecret is deleted', async () => {
    await kubectl('delete', 'externalsecret', 'db', '-n', ns);
    await waitFor('Secret removed by the garbage collector', async () => {
      const out = await kubectl('get', 'secret', '-n', ns, '-o', 'name');
      return !out.includes('secret/db-credentials');
    }, { timeoutMs: 60_000 });
  });
});

describe('watch-driven repair of what Rotor owns, and store changes', () => {
  it('restores the managed label and template labels at once, without waiting for the (1h) refresh', async () => {
    await aws('secretsmanager', 'create-secret', '--name', name('meta'), '--secret-string', secretValue('meta'));
    await apply(`
apiVersion: rotor.dev/v1alpha1
kind: ExternalSecret
metadata: {name: meta, namespace: ${ns}}
spec:
  refreshInterval: 1h
  secretStoreRef: {name: aws, kind: SecretStore}
  target:
    name: meta
    template: {metadata: {labels: {team: payments}}}
  data: [{secretKey: value, remoteRef: {key: ${name('meta')}}}]
`);
    const labels = async () => (await kubectlJson<{ metadata: { labels?: Record<string, string> } }>('get', 'secret', 'meta', '-n', ns)).metadata.labels ?? {};
    await waitFor('synced with labels', async () => (await labels().catch((): Record<string, string> => ({})))['team'] === 'payments');
    for (const [what, args] of [
      ['managed label removed', ['rotor.dev/managed-']],
      ['template label edited', ['team=someone-else', '--overwrite']],
    ] as const) {
      const started = Date.now();
      await kubectl('label', 'secret', 'meta', '-n', ns, ...args);
      await waitFor(`${what}: repaired`, async () => {
        const l = await labels();
        return l['rotor.dev/managed'] === 'true' && l['team'] === 'payments';
      }, { timeoutMs: 10_000, intervalMs: 100 });
      console.log(`${what}: repaired ${((Date.now() - started) / 1000).toFixed(1)} s after the edit (refresh interval 1h)`);
    }
  });

  it('a store spec change re-syncs a Ready Periodic ExternalSecret from the new store at once; an OnChange one waits for its own spec change', async () => {
    const east = secretValue('east');
    const west = secretValue('west');
    await aws('secretsmanager', 'create-secret', '--name', name('regional'), '--secret-string', east);
    await aws('secretsmanager', 'create-secret', '--name', name('regional'), '--secret-string', west, '--region', 'us-west-2');
    await apply(store('regional'));
    await waitFor('store Ready', async () => (await readyOf('secretstore', 'regional', ns))?.status === 'True');
    // Periodic with an hour's interval: only the store change can make it fetch within the test.
    const externalSecret = (es: string, policy: string, interval: string) => `
apiVersion: rotor.dev/v1alpha1
kind: ExternalSecret
metadata: {name: ${es}, namespace: ${ns}}
spec:
  refreshPolicy: ${policy}
  refreshInterval: ${interval}
  secretStoreRef: {name: regional, kind: SecretStore}
  target: {name: ${es}}
  data: [{secretKey: value, remoteRef: {key: ${name('regional')}}}]
`;
    await apply(externalSecret('regional', 'Periodic', '1h'));
    await apply(externalSecret('regional-onchange', 'OnChange', '1h'));
    const value = (es: string) => readSecret(ns, es, 'value').catch(() => undefined);
    await waitFor('both synced from us-east-1', async () => (await value('regional')) === east && (await value('regional-onchange')) === east);
    await kubectl('patch', 'secretstore', 'regional', '-n', ns, '--type', 'merge', '-p', JSON.stringify({ spec: { provider: { aws: { region: 'us-west-2' } } } }));
    await waitFor('Periodic re-synced from us-west-2', async () => (await value('regional')) === west, { timeoutMs: 20_000 });
    // ESO: OnChange follows only the ExternalSecret. The store watch handled both at once, so
    // after the Periodic one moved (plus a margin) the OnChange one has had its chance to.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await value('regional-onchange')).toBe(east);
    // Its own spec change re-syncs it, through the store's new spec.
    await kubectl('patch', 'externalsecret', 'regional-onchange', '-n', ns, '--type', 'merge', '-p', JSON.stringify({ spec: { refreshInterval: '2h' } }));
    await waitFor('OnChange re-synced from us-west-2 after its spec change', async () => (await value('regional-onchange')) === west, { timeoutMs: 20_000 });

    // The same store edit while no operator runs: only status.syncedStore (store uid/generation)
    // can tell the next process that the Periodic ExternalSecret read an older store spec.
    const uid = (await kubectlJson<{ metadata: { uid: string } }>('get', 'secretstore', 'regional', '-n', ns)).metadata.uid;
    await waitFor('status.syncedStore recorded', async () => (await statusOf('externalsecret', 'regional', ns))?.syncedStore === `${uid}/2`);
    try {
      await killOperator();
      await kubectl('patch', 'secretstore', 'regional', '-n', ns, '--type', 'merge', '-p', JSON.stringify({ spec: { provider: { aws: { region: 'us-east-1' } } } }));
      await resumeOperator();
      await waitFor('Periodic re-synced from us-east-1 after the restart', async () => (await value('regional')) === east, { timeoutMs: 30_000 });
      expect((await statusOf('externalsecret', 'regional', ns))?.syncedStore).toBe(`${uid}/3`);
      expect(await value('regional-onchange')).toBe(west);
    } finally {
      // Never leave the bed without an operator: every later test file needs it.
      if (!(await operatorRunning())) await resumeOperator();
    }
  });
});
