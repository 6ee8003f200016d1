// In-cluster tier: the operator pod's memory and CPU after syncing 1,000 ExternalSecrets,
// read from the kubelet (Summary API) and compared with the chart's limits. The numbers are
// printed as [measure] lines for docs/benchmarks.md. ROTOR_E2E_SCALE changes the count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, aws, kubectl, kubectlJson } from '../lib/cli.js';
import { freshNamespace, harness, readyOf, secretValue } from '../lib/context.js';
import { applyExample } from '../lib/examples.js';
import { isReady, leaseHolder, operatorPods, podUsage } from '../lib/cluster.js';
import { sleep, waitFor } from '../lib/wait.js';

const COUNT = Number(process.env.ROTOR_E2E_SCALE ?? 1000);
// Ten AWS secrets, each read by COUNT/10 ExternalSecrets (as many apps share one credential).
const REMOTES = 10;
let ns: string;

const parseQuantity = (q: string): number => {
  const m = /^([0-9.]+)(Ki|Mi|Gi|m)?$/.exec(q);
  if (!m) throw new Error(`unexpected quantity ${q}`);
  const n = Number(m[1]);
  return m[2] === 'Ki' ? n * 1024 : m[2] === 'Mi' ? n * 1024 ** 2 : m[2] === 'Gi' ? n * 1024 ** 3 : m[2] === 'm' ? n / 1000 : n;
};

describe.skipIf(!harness().inCluster)(`operator pod resources with ${COUNT} ExternalSecrets`, () => {
  beforeAll(async () => {
    ns = await freshNamespace('e2e-scale');
    await applyExample('secretstore-default-chain.yaml', { namespace: ns });
    await waitFor('store Ready', async () => (await readyOf('secretstore', 'aws-secretsmanager', ns))?.status === 'True', { timeoutMs: 60_000 });
    for (let i = 0; i < REMOTES; i++) {
      await aws('secretsmanager', 'create-secret', '--name', `${ns}/shared/${i}`, '--secret-string', JSON.stringify({ password: secretValue(`scale${i}`) }));
    }
  });

  afterAll(async () => {
    if (ns) await kubectl('delete', 'namespace', ns, '--wait=false');
  });

  it(`syncs ${COUNT} ExternalSecrets and stays within the chart's limits`, async () => {
    const items = Array.from({ length: COUNT }, (_, i) => ({
      apiVersion: 'rotor.dev/v1alpha1',
      kind: 'ExternalSecret',
      metadata: { name: `es-${i}`, namespace: ns },
      spec: {
        refreshInterval: '1h',
        secretStoreRef: { name: 'aws-secretsmanager', kind: 'SecretStore' },
        target: { name: `es-${i}` },
        data: [{ secretKey: 'password', remoteRef: { key: `${ns}/shared/${i % REMOTES}`, property: 'password' } }],
      },
    }));
    const t0 = Date.now();
    for (let i = 0; i < COUNT; i += 250) await apply(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: items.slice(i, i + 250) }));
    await waitFor(`${COUNT} Secrets`, async () => {
      const n = (await kubectl('get', 'secrets', '-n', ns, '-o', 'name')).split('\n').filter((l) => l.startsWith('secret/es-')).length;
      return n >= COUNT;
    }, { timeoutMs: 15 * 60_000, intervalMs: 3000 });
    const syncMs = Date.now() - t0;

    // Settled: let the kubelet's CPU window (10s) cover a quiet period after the initial sync.
    await sleep(15_000);
    const leader = await leaseHolder();
    const pod = (await operatorPods()).find((p) => p.metadata.name === leader && isReady(p));
    expect(pod, 'the leader pod').toBeDefined();
    const usage = await waitFor('kubelet stats for the leader', () => podUsage(harness().operatorNamespace, leader, pod!.spec.nodeName!), { timeoutMs: 60_000, intervalMs: 2000 });
    const deploy = await kubectlJson<{ spec: { template: { spec: { containers: { resources: { limits?: Record<string, string>; requests?: Record<string, string> } }[] } } } }>(
      'get', 'deployment', 'rotor', '-n', harness().operatorNamespace,
    );
    const resources = deploy.spec.template.spec.containers[0]!.resources;
    const memLimit = parseQuantity(resources.limits!.memory!);
    const cpuRequest = parseQuantity(resources.requests!.cpu!);
    const mib = (b: number) => (b / 1048576).toFixed(1);
    console.log(
      `[measure] ${COUNT} ExternalSecrets synced in ${(syncMs / 1000).toFixed(1)} s; leader pod working set ${mib(usage.memoryWorkingSetBytes)} MiB ` +
        `of a ${mib(memLimit)} MiB limit (${((100 * usage.memoryWorkingSetBytes) / memLimit).toFixed(0)}%), CPU ${(usage.cpuNanoCores / 1e6).toFixed(1)} millicores ` +
        `(request ${(cpuRequest * 1000).toFixed(0)}m, no CPU limit)`,
    );
    expect(usage.memoryWorkingSetBytes).toBeLessThan(memLimit);
    // Not OOM-killed or restarted along the way.
    const after = (await operatorPods()).find((p) => p.metadata.name === leader)!;
    expect(after.status.containerStatuses?.[0]?.restartCount).toBe(0);
    // The initial sync of 1,000 takes minutes on a loaded 2-core machine.
  }, 20 * 60_000);
});
