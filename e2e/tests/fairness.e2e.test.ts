// One tenant's store whose AWS endpoint hangs must not stall the others (issue 8 item 3):
// its calls end at the per-call deadline, it holds at most --store-concurrency workers, its
// ExternalSecrets say ProviderUnavailable (keeping their last good Secret), and another
// tenant's rotation still lands within its refresh interval plus a little slack.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, aws, kubectl, kubectlJson, secretValue as readSecret } from '../lib/cli.js';
import { freshNamespace, harness, readyOf, secretValue, waitForReady } from '../lib/context.js';
import { SwitchableEndpoint } from '../lib/switchable-endpoint.js';
import { sleep, waitFor } from '../lib/wait.js';

// The hanging endpoint lives in this test process: an operator in a kind pod cannot reach it.
const local = process.env.ROTOR_E2E_HARNESS !== 'kind';
// More than the operator's workers (--concurrency, 16 by default): without the store share the
// hung store's refreshes would take every worker.
const HUNG = 20;
const INTERVAL_S = 5;
/** Polling with kubectl every 200 ms plus the operator's own scheduling. */
const SLACK_MS = 2_500;

let slowNs: string;
let fastNs: string;
let endpoint: SwitchableEndpoint;

function store(ns: string, url: string) {
  return `
apiVersion: rotor.dev/v1alpha1
kind: SecretStore
metadata: {name: aws, namespace: ${ns}}
spec:
  provider:
    aws: {service: SecretsManager, region: us-east-1, endpoint: "${url}"}
`;
}

function externalSecret(ns: string, name: string, key: string, interval: string) {
  return `
apiVersion: rotor.dev/v1alpha1
kind: ExternalSecret
metadata: {name: ${name}, namespace: ${ns}}
spec:
  refreshInterval: ${interval}
  secretStoreRef: {name: aws, kind: SecretStore}
  target: {name: ${name}}
  data:
    - secretKey: password
      remoteRef: {key: ${key}}
`;
}

beforeAll(async () => {
  if (!local) return;
  slowNs = await freshNamespace('e2e-slow');
  fastNs = await freshNamespace('e2e-fast');
  endpoint = await SwitchableEndpoint.start(harness().awsEndpointForStores);
  await apply(store(slowNs, endpoint.url));
  await apply(store(fastNs, harness().awsEndpointForStores));
});

afterAll(async () => {
  for (const ns of [slowNs, fastNs]) if (ns) await kubectl('delete', 'namespace', ns, '--wait=false');
  await endpoint?.close();
});

describe.skipIf(!local)('fairness: a hanging store', () => {
  it('does not delay another tenant’s rotation; its own ExternalSecrets turn ProviderUnavailable and keep their Secret', async () => {
    const good = new Map<string, string>();
    for (let i = 0; i < HUNG; i++) good.set(`s${i}`, secretValue(`slow${i}`));
    const fastKey = `${fastNs}/db`;
    await Promise.all([
      ...[...good].map(([name, value]) => aws('secretsmanager', 'create-secret', '--name', `${slowNs}/${name}`, '--secret-string', value)),
      aws('secretsmanager', 'create-secret', '--name', fastKey, '--secret-string', secretValue('fast0')),
    ]);
    await apply([...good.keys()].map((name) => externalSecret(slowNs, name, `${slowNs}/${name}`, '10s')).join('\n---\n'));
    await apply(externalSecret(fastNs, 'db', fastKey, `${INTERVAL_S}s`));
    for (const name of good.keys()) await waitForReady('externalsecret', name, slowNs, 'True');
    await waitForReady('externalsecret', 'db', fastNs, 'True');

    endpoint.hang();
    const hungAt = Date.now();
    // Watched from the start of the hang, beside the rotations below.
    const allNotReady = waitFor(
      `all ${HUNG} ExternalSecrets of the hung store not Ready`,
      async () => {
        const list = await kubectlJson<{ items: { status?: { conditions?: { type: string; status: string; message: string }[] } }[] }>('get', 'externalsecrets', '-n', slowNs);
        const down = list.items.filter((es) => es.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'False' && /no answer within/.test(c.message)));
        return down.length === HUNG ? Date.now() - hungAt : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    // Let the hung store's refreshes pile up before measuring the other tenant.
    await sleep(INTERVAL_S * 1000);

    const latencies: number[] = [];
    for (let round = 1; round <= 3; round++) {
      const next = secretValue(`fast${round}`);
      await aws('secretsmanager', 'put-secret-value', '--secret-id', fastKey, '--secret-string', next);
      // From when the new version exists (the AWS CLI itself takes a second or two to start).
      const putAt = Date.now();
      await waitFor('rotation of the other tenant', async () => (await readSecret(fastNs, 'db', 'password')) === next, {
        timeoutMs: 40_000,
        intervalMs: 200,
      });
      latencies.push(Date.now() - putAt);
    }
    console.log(`other tenant's rotation latency with a hanging store: ${latencies.map((l) => `${(l / 1000).toFixed(1)}s`).join(', ')} (interval ${INTERVAL_S}s)`);
    for (const latency of latencies) expect(latency).toBeLessThanOrEqual(INTERVAL_S * 1000 + SLACK_MS);

    // Every ExternalSecret of the hung store has been re-checked and says why it is not Ready,
    // and still has its last good Secret.
    const notReadyAfterMs = await allNotReady;
    for (let i = 0; i < HUNG; i++) {
      const ready = (await readyOf('externalsecret', `s${i}`, slowNs))!;
      expect(ready.reason).toBe('ProviderUnavailable');
      expect(ready.message).toContain(endpoint.url);
      expect(await readSecret(slowNs, `s${i}`, 'password')).toBe(good.get(`s${i}`));
    }
    console.log(`all ${HUNG} ExternalSecrets of the hung store not Ready ${(notReadyAfterMs / 1000).toFixed(1)}s after the hang began`);
    // One 10 s refresh interval plus the deadline of the call that meets the hang, plus slack.
    expect(notReadyAfterMs).toBeLessThanOrEqual(20_000);
  });
});
