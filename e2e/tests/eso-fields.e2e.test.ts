// ESO 2.9 ExternalSecret fields Rotor used to refuse or ignore (issue #17 item 10), on a real
// API server: creationPolicy CreateOrMerge (create, merge, re-create, retain), a merge
// rewrite, and nullBytePolicy Fail keeping the last good Secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, aws, kubectl, kubectlJson } from '../lib/cli.js';
import { freshNamespace, readyOf, secretValue, waitForReady } from '../lib/context.js';
import { applyExample } from '../lib/examples.js';
import { sleep, waitFor } from '../lib/wait.js';

let ns: string;
const remote = (suffix: string) => `${ns}/${suffix}`;

interface SecretObject {
  metadata: { uid: string; resourceVersion: string; labels?: Record<string, string>; ownerReferences?: unknown[] };
  data?: Record<string, string>;
}

async function getSecret(name: string): Promise<SecretObject | undefined> {
  try {
    return await kubectlJson<SecretObject>('get', 'secret', name, '-n', ns);
  } catch (error) {
    if (/not found/i.test((error as Error).message)) return undefined;
    throw error;
  }
}

const decoded = (secret: SecretObject | undefined, key: string) => {
  const v = secret?.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
};

function externalSecret(name: string, spec: Record<string, unknown>) {
  return JSON.stringify({
    apiVersion: 'rotor.dev/v1alpha1',
    kind: 'ExternalSecret',
    metadata: { name, namespace: ns },
    spec: { refreshInterval: '3s', secretStoreRef: { name: 'aws-secretsmanager', kind: 'SecretStore' }, ...spec },
  });
}

beforeAll(async () => {
  ns = await freshNamespace('e2e-fields');
  await applyExample('secretstore-default-chain.yaml', { namespace: ns });
  await waitFor('store Ready', async () => (await readyOf('secretstore', 'aws-secretsmanager', ns))?.status === 'True');
});

afterAll(async () => {
  if (ns) await kubectl('delete', 'namespace', ns, '--wait=false');
});

describe.concurrent('ESO 2.9 ExternalSecret fields', () => {
  it('creationPolicy CreateOrMerge: creates a missing Secret without owner, re-creates it when deleted, keeps it when the ExternalSecret goes', async () => {
    const v1 = secretValue('com1');
    await aws('secretsmanager', 'create-secret', '--name', remote('com/db'), '--secret-string', v1);
    await apply(externalSecret('com-new', { target: { name: 'com-new', creationPolicy: 'CreateOrMerge' }, data: [{ secretKey: 'password', remoteRef: { key: remote('com/db') } }] }));
    await waitForReady('externalsecret', 'com-new', ns, 'True', { timeoutMs: 60_000 });
    const created = (await getSecret('com-new'))!;
    expect(decoded(created, 'password') === v1, 'created with the value').toBe(true);
    expect(created.metadata.ownerReferences ?? [], 'no owner reference').toEqual([]);

    await kubectl('delete', 'secret', 'com-new', '-n', ns, '--wait=true');
    await waitFor('re-created', async () => {
      const again = await getSecret('com-new');
      return again !== undefined && again.metadata.uid !== created.metadata.uid && decoded(again, 'password') === v1;
    }, { timeoutMs: 30_000 });

    await kubectl('delete', 'externalsecret', 'com-new', '-n', ns, '--wait=true');
    await sleep(3_000);
    expect(decoded(await getSecret('com-new'), 'password') === v1, 'retained after the ExternalSecret is deleted').toBe(true);
  });

  it('creationPolicy CreateOrMerge into an existing Secret: merges its keys, keeps the others, writes nothing when unchanged', async () => {
    const v1 = secretValue('com2');
    await aws('secretsmanager', 'create-secret', '--name', remote('com/api'), '--secret-string', v1);
    await kubectl('create', 'secret', 'generic', 'com-existing', '-n', ns, '--from-literal=LOG_LEVEL=info');
    await apply(externalSecret('com-existing', { target: { name: 'com-existing', creationPolicy: 'CreateOrMerge' }, data: [{ secretKey: 'API_KEY', remoteRef: { key: remote('com/api') } }] }));
    await waitForReady('externalsecret', 'com-existing', ns, 'True', { timeoutMs: 60_000 });
    const merged = (await getSecret('com-existing'))!;
    expect(Object.keys(merged.data ?? {}).sort()).toEqual(['API_KEY', 'LOG_LEVEL']);
    expect(decoded(merged, 'API_KEY') === v1).toBe(true);
    expect(decoded(merged, 'LOG_LEVEL')).toBe('info');
    // Several 3 s refreshes with nothing changed: no write.
    await sleep(8_000);
    expect((await getSecret('com-existing'))!.metadata.resourceVersion).toBe(merged.metadata.resourceVersion);
  });

  it('dataFrom rewrite merge: found JSON secrets merged into one set of keys, priority last', async () => {
    await aws('secretsmanager', 'create-secret', '--name', remote('merge/base'), '--secret-string', JSON.stringify({ host: 'db.internal', user: 'app' }));
    await aws('secretsmanager', 'create-secret', '--name', remote('merge/override'), '--secret-string', JSON.stringify({ host: 'replica.internal' }));
    await apply(
      externalSecret('merged', {
        dataFrom: [{ find: { path: remote('merge/') }, rewrite: [{ merge: { priority: [remote('merge/override')], conflictPolicy: 'Ignore' } }] }],
      }),
    );
    await waitForReady('externalsecret', 'merged', ns, 'True', { timeoutMs: 60_000 });
    const secret = (await getSecret('merged'))!;
    expect(Object.fromEntries(Object.keys(secret.data ?? {}).map((k) => [k, decoded(secret, k)]))).toEqual({ host: 'replica.internal', user: 'app' });
  });

  it('nullBytePolicy Fail: a value with a NUL byte fails the sync naming the field, and the last good Secret stays', async () => {
    const good = Buffer.from('good').toString('base64');
    await aws('secretsmanager', 'create-secret', '--name', remote('nul/blob'), '--secret-string', good);
    await apply(externalSecret('nul', { data: [{ secretKey: 'blob', remoteRef: { key: remote('nul/blob'), decodingStrategy: 'Base64', nullBytePolicy: 'Fail' } }] }));
    await waitForReady('externalsecret', 'nul', ns, 'True', { timeoutMs: 60_000 });
    await aws('secretsmanager', 'put-secret-value', '--secret-id', remote('nul/blob'), '--secret-string', Buffer.from('a\u0000b').toString('base64'));
    const failed = await waitForReady('externalsecret', 'nul', ns, 'False', { timeoutMs: 30_000 });
    expect(failed.message).toContain('spec.data[0].remoteRef.nullBytePolicy');
    expect(decoded(await getSecret('nul'), 'blob')).toBe('good');
  });
});
