// ESO 2.9 fields found by operator/test/compat/eso-schema-coverage.test.ts, on a real API server
// and operator: spec.syncWindows holding periodic refreshes (and never a spec change), store
// status.capabilities and ExternalSecret status.binding, and the admission refusals that name
// the alternative (another controller class, service CertificateManager).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, aws, kubectl, kubectlJson, run } from '../lib/cli.js';
import { freshNamespace, harness, readyOf, secretValue, waitForReady } from '../lib/context.js';
import { applyExample } from '../lib/examples.js';
import { sleep, waitFor } from '../lib/wait.js';

let ns: string;

async function secretKey(name: string, key: string): Promise<string | undefined> {
  const s = await kubectlJson<{ data?: Record<string, string> }>('get', 'secret', name, '-n', ns);
  const v = s.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
}

function externalSecret(name: string, remoteKey: string, extra: Record<string, unknown>) {
  return JSON.stringify({
    apiVersion: 'rotor.dev/v1alpha1',
    kind: 'ExternalSecret',
    metadata: { name, namespace: ns },
    spec: {
      refreshInterval: '2s',
      secretStoreRef: { name: 'aws-secretsmanager', kind: 'SecretStore' },
      target: { name },
      data: [{ secretKey: 'password', remoteRef: { key: remoteKey } }],
      ...extra,
    },
  });
}

beforeAll(async () => {
  ns = await freshNamespace('e2e-esoschema');
  await applyExample('secretstore-default-chain.yaml', { namespace: ns });
  await waitFor('store Ready', async () => (await readyOf('secretstore', 'aws-secretsmanager', ns))?.status === 'True');
});

afterAll(async () => {
  if (ns) await kubectl('delete', 'namespace', ns, '--wait=false');
});

describe.concurrent('ESO 2.9 schema fields', () => {
  it('syncWindows deny (open now): the first sync runs, periodic refreshes wait, a spec change syncs at once', async () => {
    const key = `${ns}/windows/deny`;
    const v1 = secretValue('win1');
    await aws('secretsmanager', 'create-secret', '--name', key, '--secret-string', v1);
    const denyAlways = { syncWindows: { kind: 'deny', windows: [{ schedule: '* * * * *', duration: '2h' }] } };
    await apply(externalSecret('win-deny', key, denyAlways));
    await waitForReady('externalsecret', 'win-deny', ns, 'True', { timeoutMs: 60_000 });
    expect((await secretKey('win-deny', 'password')) === v1, 'first sync is never held').toBe(true);

    const v2 = secretValue('win2');
    await aws('secretsmanager', 'put-secret-value', '--secret-id', key, '--secret-string', v2);
    // Three intervals of 2 s: without the window the value would have been read.
    await sleep(7_000);
    expect((await secretKey('win-deny', 'password')) === v1, 'periodic refresh held by the deny window').toBe(true);

    // Allow windows that are open now let the same refresh through (a spec change syncs anyway).
    await apply(externalSecret('win-deny', key, { syncWindows: { kind: 'allow', windows: [{ schedule: '@every 1m', duration: '2h' }] } }));
    await waitFor('refreshed after the spec change', async () => (await secretKey('win-deny', 'password')) === v2, { timeoutMs: 30_000 });
  });

  it('syncWindows allow (open now): periodic refreshes run as without windows', async () => {
    const key = `${ns}/windows/allow`;
    const v1 = secretValue('win3');
    await aws('secretsmanager', 'create-secret', '--name', key, '--secret-string', v1);
    await apply(externalSecret('win-allow', key, { syncWindows: { kind: 'allow', windows: [{ schedule: '* * * * *', duration: '2h' }] } }));
    await waitForReady('externalsecret', 'win-allow', ns, 'True', { timeoutMs: 60_000 });
    const v2 = secretValue('win4');
    await aws('secretsmanager', 'put-secret-value', '--secret-id', key, '--secret-string', v2);
    await waitFor('periodic refresh inside the allow window', async () => (await secretKey('win-allow', 'password')) === v2, { timeoutMs: 30_000 });
    const status = await kubectlJson<{ status?: { binding?: { name?: string } } }>('get', 'externalsecret', 'win-allow', '-n', ns);
    expect(status.status?.binding).toEqual({ name: 'win-allow' });
  });

  it("a store with ESO 2.9's duration refreshInterval and controller default is Ready with capabilities ReadWrite", async () => {
    await apply(
      JSON.stringify({
        apiVersion: 'rotor.dev/v1alpha1',
        kind: 'SecretStore',
        metadata: { name: 'eso29-store', namespace: ns },
        spec: { controller: 'default', refreshInterval: '5m', provider: { aws: { service: 'SecretsManager', region: 'us-east-1', endpoint: harness().awsEndpointForStores } } },
      }),
    );
    await waitFor('store Ready', async () => (await readyOf('secretstore', 'eso29-store', ns))?.status === 'True', { timeoutMs: 60_000 });
    const store = await kubectlJson<{ status?: { capabilities?: string } }>('get', 'secretstore', 'eso29-store', '-n', ns);
    expect(store.status?.capabilities).toBe('ReadWrite');
  });

  it('refuses another controller class and service CertificateManager at admission, naming what to do', async () => {
    const store = (name: string, spec: Record<string, unknown>) =>
      JSON.stringify({ apiVersion: 'rotor.dev/v1alpha1', kind: 'SecretStore', metadata: { name, namespace: ns }, spec: { provider: { aws: { service: 'SecretsManager', region: 'us-east-1' } }, ...spec } });
    const other = await run('kubectl', ['apply', '-f', '-'], { input: store('other-class', { controller: 'team-b' }), allowFail: true });
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain('spec.controller: Rotor runs one controller class, default');
    const acm = await run('kubectl', ['apply', '-f', '-'], { input: store('acm', { provider: { aws: { service: 'CertificateManager', region: 'us-east-1' } } }), allowFail: true });
    expect(acm.code).not.toBe(0);
    expect(acm.stderr).toContain('keep ESO for ACM certificates');
  });
});
