// Benchmark: AWS API calls Rotor makes, counted by the operator's own
// rotor_aws_api_calls_total metric, against the real operator on the test bed.
// Counts, not timings, so the numbers are stable on any machine.
//   bash scripts/bench.sh
import { describe, expect, it } from 'vitest';
import { apply, aws, kubectl, kubectlJson } from '../lib/cli.js';
import { applySecretsManagerStore, freshNamespace, harness, secretValue, waitForReady } from '../lib/context.js';
import { waitForRefreshes } from '../lib/metrics.js';
import { waitFor } from '../lib/wait.js';
import { inject } from 'vitest';

const EXTERNAL_SECRETS = 40;
const REMOTE_SECRETS = 10;
const REFRESH = '20s';

const REFRESH_MS = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Counts = Map<string, number>;

/** rotor_aws_api_calls_total by service:operation, and rotor_sync_total of passes that refreshed. */
async function metrics(): Promise<{ calls: Counts; syncs: Counts }> {
  const text = await (await fetch(inject('rotorEnv').ROTOR_METRICS_URL!)).text();
  const calls: Counts = new Map();
  const syncs: Counts = new Map();
  for (const line of text.split('\n')) {
    const m = /^(rotor_aws_api_calls_total|rotor_sync_total)\{([^}]*)\} (\d+(?:\.\d+)?)/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (m[1] === 'rotor_sync_total') {
      if (labels.result === 'synced' || labels.result === 'unchanged') syncs.set(labels.result, Number(m[3]));
      continue;
    }
    const key = `${labels.service}:${labels.operation}`;
    calls.set(key, (calls.get(key) ?? 0) + Number(m[3]));
  }
  return { calls, syncs };
}

async function awsCalls(): Promise<Counts> {
  return (await metrics()).calls;
}

function diff(after: Counts, before: Counts): Counts {
  const out: Counts = new Map();
  for (const [k, v] of after) if (v - (before.get(k) ?? 0) > 0) out.set(k, v - (before.get(k) ?? 0));
  return out;
}

const total = (c: Counts, prefix = '') => [...c].filter(([k]) => k.startsWith(prefix)).reduce((s, [, v]) => s + v, 0);
const show = (c: Counts) => [...c].map(([k, v]) => `${k}=${v}`).join(', ') || 'none';

async function refreshTimes(ns: string): Promise<string[]> {
  const list = await kubectlJson<{ items: { status?: { refreshTime?: string } }[] }>('get', 'externalsecrets', '-n', ns);
  return list.items.map((i) => i.status?.refreshTime ?? '');
}

describe('AWS calls per ExternalSecret', () => {
  it(`${EXTERNAL_SECRETS} ExternalSecrets x 2 keys over ${REMOTE_SECRETS} shared secrets`, async () => {
    const ns = await freshNamespace('bench');
    const names = Array.from({ length: REMOTE_SECRETS }, (_, i) => `${ns}/svc-${i}`);
    for (const name of names) await aws('secretsmanager', 'create-secret', '--name', name, '--secret-string', JSON.stringify({ token: secretValue('bench') }));
    await applySecretsManagerStore(ns);
    const docs = Array.from({ length: EXTERNAL_SECRETS }, (_, i) => `
apiVersion: rotor.dev/v1alpha1
kind: ExternalSecret
metadata: {name: app-${i}, namespace: ${ns}}
spec:
  refreshInterval: ${REFRESH}
  secretStoreRef: {name: aws}
  data:
    - {secretKey: a, remoteRef: {key: ${names[i % REMOTE_SECRETS]}, property: token}}
    - {secretKey: b, remoteRef: {key: ${names[(i + 3) % REMOTE_SECRETS]}, property: token}}
`);
    const before = await awsCalls();
    const started = Date.now();
    await apply(docs.join('\n---\n'));
    let synced = 0;
    await waitFor('all synced', async () => {
      const times = await refreshTimes(ns);
      synced = times.filter((t) => t !== '').length;
      return synced === EXTERNAL_SECRETS;
    }, { timeoutMs: 180_000, intervalMs: 1000 }).catch((error: Error) => {
      throw new Error(`${error.message} (${synced} of ${EXTERNAL_SECRETS} synced)`);
    });
    const syncedAt = Date.now();
    const initial = diff(await awsCalls(), before);
    console.log(`\nBENCH initial sync of ${EXTERNAL_SECRETS} ExternalSecrets took ${((syncedAt - started) / 1000).toFixed(1)} s`);

    // Steady state: count AWS calls and refreshes over two refresh intervals.
    const windowStart = await metrics();
    await sleep(2 * REFRESH_MS + 2_000);
    const windowEnd = await metrics();
    const wave = diff(windowEnd.calls, windowStart.calls);
    const refreshes = total(diff(windowEnd.syncs, windowStart.syncs));
    // Without sharing or batching every data entry costs one GetSecretValue per refresh.
    const naivePerRefresh = 2;
    const perRefresh = total(wave, 'SecretsManager') / refreshes;
    const report = [
      `initial sync: ${total(initial, 'SecretsManager')} Secrets Manager calls for ${EXTERNAL_SECRETS} ExternalSecrets x 2 keys (${show(initial)}); one call per key would be ${EXTERNAL_SECRETS * naivePerRefresh}`,
      `steady state: ${refreshes} refreshes in ${(2 * REFRESH_MS + 2_000) / 1000} s cost ${total(wave, 'SecretsManager')} calls (${show(wave)})`,
      `Secrets Manager calls per ExternalSecret refresh: ${perRefresh.toFixed(3)} (one call per key: ${naivePerRefresh}.000; ratio ${(naivePerRefresh / perRefresh).toFixed(1)}x fewer)`,
    ];
    console.log(`\nBENCH ${report.join('\nBENCH ')}`);
    expect(refreshes).toBeGreaterThanOrEqual(EXTERNAL_SECRETS);
    expect(perRefresh).toBeLessThan(naivePerRefresh);
    await kubectl('delete', 'namespace', ns, '--wait=false');
  });

  it('STS calls in steady state for an assumed role', async () => {
    const ns = await freshNamespace('bench-sts');
    const key = `${ns}/cfg`;
    await aws('secretsmanager', 'create-secret', '--name', key, '--secret-string', secretValue('sts'));
    await aws('iam', 'create-role', '--role-name', `${ns}-reader`, '--assume-role-policy-document', '{"Version":"2012-10-17","Statement":[]}');
    const before = await awsCalls();
    await apply(`
apiVersion: rotor.dev/v1alpha1
kind: SecretStore
metadata: {name: xacct, namespace: ${ns}}
spec:
  provider:
    aws:
      service: SecretsManager
      region: us-east-1
      endpoint: ${harness().awsEndpointForStores}
      role: arn:aws:iam::000000000000:role/${ns}-reader
      externalID: bench
---
apiVersion: rotor.dev/v1alpha1
kind: ExternalSecret
metadata: {name: cfg, namespace: ${ns}}
spec:
  refreshInterval: 5s
  secretStoreRef: {name: xacct}
  data: [{secretKey: v, remoteRef: {key: ${key}}}]
`);
    const REFRESHES = 6;
    await waitForReady('externalsecret', 'cfg', ns);
    await waitForRefreshes(ns, 'cfg', REFRESHES - 1, 5_000);
    const calls = diff(await awsCalls(), before);
    const sts = total(calls, 'STS');
    console.log(`\nBENCH assumed role: ${sts} STS call(s) over ${REFRESHES} refreshes (${show(calls)})`);
    expect(sts).toBe(1);
    await kubectl('delete', 'namespace', ns, '--wait=false');
  });
});
