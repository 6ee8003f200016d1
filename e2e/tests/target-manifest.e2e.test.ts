// spec.target.manifest (ESO's non-Secret targets, issue #17 item 10) on a real API server: a
// ConfigMap built from a Secrets Manager value, updated on rotation, repaired after an edit
// (the managed-ConfigMap watch), deleted by deletionPolicy Delete as ESO does, and a kind the
// chart does not allow refused with a message naming targets.allowedKinds. The values never
// reach the ExternalSecret's status or Events (the harness scans the operator log).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, aws, kubectl, kubectlJson } from '../lib/cli.js';
import { freshNamespace, readyOf, secretValue, waitForReady } from '../lib/context.js';
import { applyExample } from '../lib/examples.js';
import { sleep, waitFor } from '../lib/wait.js';

let ns: string;
const remote = (suffix: string) => `${ns}/${suffix}`;

interface ConfigMapObject {
  metadata: { uid: string; resourceVersion: string; labels?: Record<string, string>; ownerReferences?: Array<{ kind: string; name: string }> };
  data?: Record<string, string>;
}

async function getConfigMap(name: string): Promise<ConfigMapObject | undefined> {
  try {
    return await kubectlJson<ConfigMapObject>('get', 'configmap', name, '-n', ns);
  } catch (error) {
    if (/not found/i.test((error as Error).message)) return undefined;
    throw error;
  }
}

function externalSecret(name: string, spec: Record<string, unknown>) {
  return JSON.stringify({
    apiVersion: 'rotor.dev/v1alpha1',
    kind: 'ExternalSecret',
    metadata: { name, namespace: ns },
    spec: { refreshInterval: '3s', secretStoreRef: { name: 'aws-secretsmanager', kind: 'SecretStore' }, ...spec },
  });
}

/** The ExternalSecret's status and Events: surfaces that must never hold a value. */
async function surfaces(name: string): Promise<string> {
  const es = await kubectl('get', 'externalsecret', name, '-n', ns, '-o', 'json');
  const events = await kubectl('get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${name}`, '-o', 'json');
  return es + events;
}

beforeAll(async () => {
  ns = await freshNamespace('e2e-manifest');
  await applyExample('secretstore-default-chain.yaml', { namespace: ns });
  await waitFor('store Ready', async () => (await readyOf('secretstore', 'aws-secretsmanager', ns))?.status === 'True');
});

afterAll(async () => {
  if (ns) await kubectl('delete', 'namespace', ns, '--wait=false');
});

describe.concurrent('spec.target.manifest', () => {
  it('a ConfigMap from a Secrets Manager value: created, updated on rotation, repaired after an edit, never in status or Events', async () => {
    const v1 = secretValue('cm1');
    await aws('secretsmanager', 'create-secret', '--name', remote('app/config'), '--secret-string', JSON.stringify({ host: 'db.internal', token: v1 }));
    await apply(
      externalSecret('app-config', {
        target: { name: 'app-config', manifest: { apiVersion: 'v1', kind: 'ConfigMap' } },
        dataFrom: [{ extract: { key: remote('app/config') } }],
      }),
    );
    const ready = await waitForReady('externalsecret', 'app-config', ns, 'True', { timeoutMs: 60_000 });
    expect(ready.message).toContain(`ConfigMap ${ns}/app-config synced`);
    const created = (await getConfigMap('app-config'))!;
    expect(created.data?.['host']).toBe('db.internal');
    expect(created.data?.['token'] === v1, 'the value, as text').toBe(true);
    expect(created.metadata.labels?.['rotor.dev/managed']).toBe('true');
    expect(created.metadata.ownerReferences?.map((r) => `${r.kind}/${r.name}`)).toEqual(['ExternalSecret/app-config']);

    // Refreshes with nothing changed write nothing.
    await sleep(7_000);
    expect((await getConfigMap('app-config'))!.metadata.resourceVersion).toBe(created.metadata.resourceVersion);

    const v2 = secretValue('cm2');
    await aws('secretsmanager', 'put-secret-value', '--secret-id', remote('app/config'), '--secret-string', JSON.stringify({ host: 'db.internal', token: v2 }));
    await waitFor('rotated into the ConfigMap', async () => (await getConfigMap('app-config'))?.data?.['token'] === v2, { timeoutMs: 30_000 });

    await kubectl('patch', 'configmap', 'app-config', '-n', ns, '--type=merge', '-p', JSON.stringify({ data: { token: 'edited', extra: 'x' } }));
    await waitFor('drift repaired', async () => {
      const cm = await getConfigMap('app-config');
      return cm?.data?.['token'] === v2 && cm.data['extra'] === undefined;
    }, { timeoutMs: 30_000 });

    const shown = await surfaces('app-config');
    expect(shown.includes(v1) || shown.includes(v2), 'a value in status or Events').toBe(false);
  });

  it('deletionPolicy Delete: deleting the AWS secret deletes the ConfigMap (ESO)', async () => {
    await aws('secretsmanager', 'create-secret', '--name', remote('flags'), '--secret-string', 'on');
    await apply(
      externalSecret('flags', {
        target: { name: 'flags', manifest: { apiVersion: 'v1', kind: 'ConfigMap' }, deletionPolicy: 'Delete' },
        data: [{ secretKey: 'FEATURE', remoteRef: { key: remote('flags') } }],
      }),
    );
    await waitForReady('externalsecret', 'flags', ns, 'True', { timeoutMs: 60_000 });
    expect((await getConfigMap('flags'))?.data).toEqual({ FEATURE: 'on' });
    await aws('secretsmanager', 'delete-secret', '--secret-id', remote('flags'), '--force-delete-without-recovery');
    await waitFor('ConfigMap deleted', async () => (await getConfigMap('flags')) === undefined, { timeoutMs: 30_000 });
    const done = await waitForReady('externalsecret', 'flags', ns, 'False', { timeoutMs: 30_000 });
    expect(done.reason).toBe('SecretDeleted');
    await sleep(5_000);
    expect(await getConfigMap('flags'), 'not brought back').toBeUndefined();
  });

  it('a kind the chart does not allow is refused with a message naming targets.allowedKinds, and nothing is written', async () => {
    await apply(
      externalSecret('binding', {
        target: { name: 'binding', manifest: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' } },
        data: [{ secretKey: 'x', remoteRef: { key: remote('app/config') } }],
      }),
    );
    await apply(
      externalSecret('app', {
        target: { name: 'app', manifest: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application' } },
        data: [{ secretKey: 'x', remoteRef: { key: remote('app/config') } }],
      }),
    );
    const binding = await waitForReady('externalsecret', 'binding', ns, 'False', { timeoutMs: 60_000 });
    expect(binding.reason).toBe('TargetKindNotAllowed');
    expect(binding.message).toContain('RoleBinding.rbac.authorization.k8s.io can never be');
    const app = await waitForReady('externalsecret', 'app', ns, 'False', { timeoutMs: 60_000 });
    expect(app.reason).toBe('TargetKindNotAllowed');
    expect(app.message).toContain('targets.allowedKinds');
    expect(await kubectl('get', 'rolebinding', 'binding', '-n', ns, '--ignore-not-found', '-o', 'name')).toBe('');
  });
});
