// In-cluster tier (ROTOR_E2E_HARNESS=node or kind): Rotor installed with `helm install`, two
// replicas with leader election, and a workload whose pods really run. A rotation in AWS
// replaces the pods and the new pods see the new value (read from inside them); a no-op
// refresh restarts nothing; deleting the leader hands over to the other replica; `helm
// upgrade` and `helm uninstall` keep the synced Secrets (README "Install on a cluster").
// Times printed with [measure] are the figures in docs/benchmarks.md.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, aws, kubectl, kubectlJson, run, secretValue as readSecret } from '../lib/cli.js';
import { freshNamespace, harness, readyOf, secretValue } from '../lib/context.js';
import { applyExample } from '../lib/examples.js';
import { isReady, leaseHolder, operatorPods, pods, saveOperatorLogs, secretReaderDeployment, valuesSeenBy, type Pod } from '../lib/cluster.js';
import { waitFor } from '../lib/wait.js';
import { waitForRefreshes } from '../lib/metrics.js';

const REFRESH_SECONDS = 2;
const repo = resolve(import.meta.dirname, '../..');
const inCluster = harness().inCluster;
let ns: string;
let remoteKey: string;

const appPods = async () => pods(ns, 'app=app');
const names = (list: Pod[]) => list.map((p) => p.metadata.name).sort();

/** Puts a new value in AWS; resolves once a new, Ready pod that is not in `before` sees it. */
async function rotateAndWaitForNewPod(before: Pod[], label: string): Promise<{ value: string; ms: number; pod: string }> {
  const value = secretValue(label);
  const t0 = Date.now();
  await aws('secretsmanager', 'put-secret-value', '--secret-id', remoteKey, '--secret-string', JSON.stringify({ password: value }));
  const old = new Set(names(before));
  const pod = await waitFor(
    `a new pod of app seeing ${label}`,
    async () => {
      const all = await appPods();
      const fresh = all.filter((p) => !old.has(p.metadata.name) && isReady(p));
      if (fresh.length === 0) return undefined;
      const seen = await valuesSeenBy(ns, fresh[0]!.metadata.name, 'password');
      return seen.env === value && seen.file === value ? fresh[0]!.metadata.name : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 250 },
  );
  const ms = Date.now() - t0;
  // The old pods are gone, not just outnumbered.
  await waitFor('old app pods gone', async () => (await appPods()).every((p) => !old.has(p.metadata.name)), { timeoutMs: 60_000 });
  return { value, ms, pod };
}

/**
 * Waits for `count` more refreshes of the ExternalSecret. A refresh that changes nothing
 * writes no status (refreshTime moves only on a change or the heartbeat), so this uses the
 * shared helper: the exact last-sync metric where the harness exposes it, else the intervals.
 */
async function waitRefreshes(count: number): Promise<void> {
  await waitForRefreshes(ns, 'app-db', count, REFRESH_SECONDS * 1000);
}

describe.skipIf(!inCluster)('Rotor as pods in a real cluster', () => {
  beforeAll(async () => {
    ns = await freshNamespace('e2e-cluster');
    remoteKey = `${ns}/app/db`;
    await applyExample('secretstore-default-chain.yaml', { namespace: ns });
    await waitFor('store Ready', async () => (await readyOf('secretstore', 'aws-secretsmanager', ns))?.status === 'True', { timeoutMs: 60_000 });
  });

  afterAll(async () => {
    if (ns) await kubectl('delete', 'namespace', ns, '--wait=false');
  });

  it('the chart runs two Ready replicas, non-root with a read-only root filesystem, one of them leading', async () => {
    const ops = await operatorPods();
    expect(ops.filter(isReady), 'Ready operator pods').toHaveLength(2);
    const deploy = await kubectlJson<{ spec: { template: { spec: { serviceAccountName: string; containers: { securityContext: Record<string, unknown> }[] } } } }>(
      'get', 'deployment', 'rotor', '-n', harness().operatorNamespace,
    );
    expect(deploy.spec.template.spec.serviceAccountName).toBe('rotor');
    expect(deploy.spec.template.spec.containers[0]!.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, readOnlyRootFilesystem: true });
    // From inside: the process really is uid 65532 and / is read-only.
    const inside = JSON.parse(
      (await run('kubectl', ['exec', '-n', harness().operatorNamespace, ops[0]!.metadata.name, '--', 'node', '-e',
        "let ro = false; try { require('fs').writeFileSync('/probe', 'x'); } catch (e) { ro = e.code === 'EROFS'; } process.stdout.write(JSON.stringify({ uid: process.getuid(), ro }))"])).stdout,
    ) as { uid: number; ro: boolean };
    expect(inside).toEqual({ uid: 65532, ro: true });
    expect(names(ops)).toContain(await leaseHolder());
  });

  it('pods read the synced Secret through env and a mounted file', async () => {
    const password = secretValue('app1');
    await aws('secretsmanager', 'create-secret', '--name', remoteKey, '--secret-string', JSON.stringify({ password }));
    await apply(JSON.stringify({
      apiVersion: 'rotor.dev/v1alpha1',
      kind: 'ExternalSecret',
      metadata: { name: 'app-db', namespace: ns },
      spec: {
        refreshInterval: `${REFRESH_SECONDS}s`,
        secretStoreRef: { name: 'aws-secretsmanager', kind: 'SecretStore' },
        target: { name: 'app-db' },
        data: [{ secretKey: 'password', remoteRef: { key: remoteKey, property: 'password' } }],
        rollout: { targets: [{ kind: 'Deployment', name: 'app' }] },
      },
    }));
    await waitFor('Secret synced', async () => (await readSecret(ns, 'app-db', 'password').catch(() => undefined)) === password);
    await apply(JSON.stringify(secretReaderDeployment('app', ns, 'app-db', 'password')));
    const pod = await waitFor('app pod Ready', async () => (await appPods()).find(isReady)?.metadata.name, { timeoutMs: 120_000 });
    expect(await valuesSeenBy(ns, pod, 'password')).toEqual({ env: password, file: password });
  });

  it('put-secret-value: Rotor rolls the Deployment, old pods are replaced, new pods see the new value', async () => {
    const before = await appPods();
    const { ms, pod } = await rotateAndWaitForNewPod(before, 'app2');
    console.log(`[measure] rotation-to-new-pod: ${ms} ms (put-secret-value -> new pod Ready and seeing the value; refreshInterval ${REFRESH_SECONDS}s)`);
    expect(names(await appPods())).toEqual([pod]);
  });

  it('a refresh that finds the same version restarts nothing', async () => {
    const before = await appPods();
    await waitRefreshes(3);
    const after = await appPods();
    expect(names(after)).toEqual(names(before));
    expect(after.map((p) => p.status.containerStatuses?.[0]?.restartCount)).toEqual([0]);
  });

  it('deleting the leader pod: the other replica takes over and a rotation made meanwhile reaches new pods', async () => {
    const leader = await leaseHolder();
    const ops = await operatorPods();
    const standby = ops.find((p) => p.metadata.name !== leader)!;
    expect(standby, 'a standby replica').toBeDefined();
    await saveOperatorLogs('failover');
    const before = await appPods();
    const t0 = Date.now();
    await kubectl('delete', 'pod', leader, '-n', harness().operatorNamespace, '--wait=false');
    // Rotate right away, while leadership is changing hands.
    const rotation = rotateAndWaitForNewPod(before, 'app3');
    const newLeader = await waitFor('a new leader', async () => {
      const h = await leaseHolder();
      return h && h !== leader ? h : undefined;
    }, { timeoutMs: 60_000, intervalMs: 100 });
    const takeoverMs = Date.now() - t0;
    const { ms } = await rotation;
    console.log(`[measure] leader takeover: ${takeoverMs} ms (pod delete -> Lease held by ${newLeader === standby.metadata.name ? 'the standby' : 'another replica'}); rotation during takeover -> new pod: ${ms} ms`);
    expect(newLeader).not.toBe(leader);
    await waitFor('two Ready operator pods again', async () => (await operatorPods()).filter(isReady).length === 2, { timeoutMs: 120_000 });
  });

  it('helm upgrade with a changed value keeps the Secret and the new replicas keep syncing', async () => {
    const secretUid = (await kubectlJson<{ metadata: { uid: string } }>('get', 'secret', 'app-db', '-n', ns)).metadata.uid;
    await saveOperatorLogs('upgrade');
    await run('helm', ['upgrade', 'rotor', resolve(repo, 'charts/rotor'), '-n', harness().operatorNamespace, '--reuse-values', '--set', 'concurrency=2', '--wait', '--timeout', '5m']);
    await kubectl('rollout', 'status', 'deployment/rotor', '-n', harness().operatorNamespace, '--timeout=3m');
    const args = (await kubectlJson<{ spec: { template: { spec: { containers: { args: string[] }[] } } } }>('get', 'deployment', 'rotor', '-n', harness().operatorNamespace))
      .spec.template.spec.containers[0]!.args;
    expect(args).toContain('--concurrency=2');
    expect((await kubectlJson<{ metadata: { uid: string } }>('get', 'secret', 'app-db', '-n', ns)).metadata.uid).toBe(secretUid);
    // The upgraded operator still rotates.
    await rotateAndWaitForNewPod(await appPods(), 'app4');
  });

  it('helm uninstall removes the operator but keeps the CRDs, ExternalSecrets and Secrets', async () => {
    const value = await readSecret(ns, 'app-db', 'password');
    const podsBefore = names(await appPods());
    await saveOperatorLogs('uninstall');
    try {
      await run('helm', ['uninstall', 'rotor', '-n', harness().operatorNamespace, '--wait']);
      await waitFor('operator pods gone', async () => (await operatorPods()).length === 0, { timeoutMs: 60_000 });
      expect((await run('kubectl', ['get', 'deployment', 'rotor', '-n', harness().operatorNamespace], { allowFail: true })).code).not.toBe(0);
      await kubectl('get', 'crd', 'externalsecrets.rotor.dev');
      await kubectl('get', 'externalsecret', 'app-db', '-n', ns);
      expect(await readSecret(ns, 'app-db', 'password')).toBe(value);
      expect(names(await appPods())).toEqual(podsBefore);
    } finally {
      // Leave the operator installed for whatever runs next (and for the log scan).
      await run('bash', [resolve(repo, 'e2e/testbed/rotor-pod.sh'), 'helm']);
    }
    await waitFor('operator back', async () => (await operatorPods()).filter(isReady).length === 2, { timeoutMs: 120_000 });
  });
});
