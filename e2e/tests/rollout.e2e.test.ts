// Rollouts (docs/architecture.md): when the AWS version behind a synced Secret changes, the
// Deployments that use it get a new pod template annotation and the real deployment
// controller creates a new ReplicaSet. Nothing restarts on a no-op refresh, a metadata-only
// change or a drift repair. (The test bed has no kubelet: pods never run, but Deployments
// and ReplicaSets behave as in any cluster.) Everything comes from examples/rollout-deployment.yaml.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, aws, kubectl, kubectlJson, secretValue as readSecret } from '../lib/cli.js';
import { freshNamespace, readyOf, secretValue, statusOf } from '../lib/context.js';
import { applyExample } from '../lib/examples.js';
import { waitFor } from '../lib/wait.js';
import { killOperator, operatorRunning, resumeOperator } from '../lib/operator.js';
import { waitForRefreshes } from '../lib/metrics.js';
import { rotate } from '../lib/rotation.js';

const RESTARTED_FOR = 'rotor.dev/restarted-for';
const REFRESH_SECONDS = 3;

let ns: string;
let remoteKey: string;
const workloads = ['web', 'worker'] as const;

interface Deployment {
  metadata: { generation: number };
  spec: { template: { metadata: { annotations?: Record<string, string> } } };
}

interface ReplicaSet {
  metadata: { name: string; ownerReferences?: { name: string }[] };
  spec: { template: { metadata: { annotations?: Record<string, string> } } };
}

interface LastRollout {
  time: string;
  targets: string[];
  versions: string;
}

async function replicaSets(app: string): Promise<ReplicaSet[]> {
  return (await kubectlJson<{ items: ReplicaSet[] }>('get', 'replicasets', '-n', ns, '-l', `app=${app}`)).items;
}

async function restartedFor(app: string): Promise<string | undefined> {
  const d = await kubectlJson<Deployment>('get', 'deployment', app, '-n', ns);
  return d.spec.template.metadata.annotations?.[RESTARTED_FOR];
}

async function snapshot() {
  const out: Record<string, { replicaSets: string[]; restartedFor?: string }> = {};
  for (const app of workloads) {
    out[app] = { replicaSets: (await replicaSets(app)).map((rs) => rs.metadata.name).sort(), restartedFor: await restartedFor(app) };
  }
  return out;
}

/** Waits until the ExternalSecret has completed `count` more successful refreshes. */
async function waitRefreshes(count: number): Promise<void> {
  await waitForRefreshes(ns, 'web-db', count, REFRESH_SECONDS * 1000);
}

beforeAll(async () => {
  ns = await freshNamespace('e2e-roll');
  remoteKey = `${ns}/web/db`;
  await applyExample('secretstore-default-chain.yaml', { namespace: ns });
  await waitFor('store Ready', async () => (await readyOf('secretstore', 'aws-secretsmanager', ns))?.status === 'True');
});

// Stop this file's ExternalSecrets (some refresh every few seconds) from loading the operator for the next files.
afterAll(async () => {
  if (ns) await kubectl('delete', 'namespace', ns, '--wait=false');
});

describe('rollouts on rotation', () => {
  let firstVersion: string;

  it('first sync restarts nothing (rollout-deployment.yaml)', async () => {
    const password = secretValue('web1');
    firstVersion = (await aws<{ VersionId: string }>('secretsmanager', 'create-secret', '--name', remoteKey, '--secret-string', JSON.stringify({ password }))).VersionId;
    await applyExample('rollout-deployment.yaml', {
      namespace: ns,
      replace: { 'prod/': `${ns}/` },
      edit: (doc) => {
        if (doc.kind === 'ExternalSecret') doc.spec.refreshInterval = `${REFRESH_SECONDS}s`;
      },
    });
    await waitFor('Secret synced', async () => (await readSecret(ns, 'web-db', 'password').catch(() => undefined)) === password);
    for (const app of workloads) await waitFor(`first ReplicaSet of ${app}`, async () => (await replicaSets(app)).length === 1);
    await waitRefreshes(1);
    const state = await snapshot();
    for (const app of workloads) {
      expect(state[app]!.replicaSets, app).toHaveLength(1);
      expect(state[app]!.restartedFor, `${app} restarted on the first sync`).toBeUndefined();
    }
    expect((await statusOf<{ lastRollout?: LastRollout }>('externalsecret', 'web-db', ns)).lastRollout).toBeUndefined();
  });

  it('put-secret-value rolls out both Deployments: annotation, new ReplicaSet, status.lastRollout, events', async () => {
    const before = await snapshot();
    const password = secretValue('web2');
    const put = await aws<{ VersionId: string }>('secretsmanager', 'put-secret-value', '--secret-id', remoteKey, '--secret-string', JSON.stringify({ password }));
    await waitFor('rotated value synced', async () => (await readSecret(ns, 'web-db', 'password')) === password, { timeoutMs: REFRESH_SECONDS * 1000 + 5_000 });

    for (const app of workloads) {
      const rs = await waitFor(`new ReplicaSet of ${app}`, async () => {
        const sets = await replicaSets(app);
        return sets.length === 2 ? sets : undefined;
      });
      const fresh = rs.find((r) => !before[app]!.replicaSets.includes(r.metadata.name))!;
      expect(fresh, `${app}: a ReplicaSet that did not exist before`).toBeDefined();
      const annotation = fresh.spec.template.metadata.annotations?.[RESTARTED_FOR];
      expect(annotation, `${app}: new ReplicaSet carries the annotation`).toMatch(/^web-db=[0-9a-f]{16}$/);
      expect(await restartedFor(app)).toBe(annotation);
    }
    // Both restarted for the same versions.
    expect(await restartedFor('web')).toBe(await restartedFor('worker'));

    // Status is written once the (debounced) rollout has been applied.
    const status = await waitFor('status.lastRollout', async () => {
      const s = await statusOf<{ lastRollout?: LastRollout; syncedVersions: { versionId?: string }[] }>('externalsecret', 'web-db', ns);
      return s.lastRollout ? s : undefined;
    });
    expect(status.syncedVersions[0]?.versionId).toBe(put.VersionId);
    expect(status.lastRollout!.targets.sort()).toEqual(['Deployment/web', 'Deployment/worker']);
    expect(status.lastRollout!.versions).toBe(put.VersionId.slice(0, 8));
    expect(Date.parse(status.lastRollout!.time)).toBeGreaterThan(Date.now() - 60_000);
    expect(JSON.stringify(status).includes(password), 'a secret value in status').toBe(false);

    for (const app of workloads) {
      const events = await kubectlJson<{ items: { reason: string; message: string; involvedObject: { kind: string } }[] }>(
        'get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${app},involvedObject.kind=Deployment,reason=RolledOut`,
      );
      expect(events.items.length, `RolledOut event on Deployment ${app}`).toBeGreaterThan(0);
      expect(events.items[0]!.message).toContain('web-db');
      expect(events.items[0]!.message.includes(password)).toBe(false);
    }
    const esEvents = await kubectl('get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=web-db,involvedObject.kind=ExternalSecret,reason=RolloutTriggered', '-o', 'name');
    expect(esEvents.trim().length, 'RolloutTriggered event on the ExternalSecret').toBeGreaterThan(0);
    expect(firstVersion).not.toBe(put.VersionId);
  });

  it('no new ReplicaSet after several refreshes without a rotation', async () => {
    const before = await snapshot();
    const lastRollout = (await statusOf<{ lastRollout?: LastRollout }>('externalsecret', 'web-db', ns)).lastRollout;
    await waitRefreshes(3);
    expect(await snapshot()).toEqual(before);
    expect((await statusOf<{ lastRollout?: LastRollout }>('externalsecret', 'web-db', ns)).lastRollout).toEqual(lastRollout);
    expect(await readyOf('externalsecret', 'web-db', ns)).toMatchObject({ status: 'True' });
  });

  it('no new ReplicaSet for a metadata-only change of the Secret, nor for repairing an edited Secret', async () => {
    const before = await snapshot();
    const password = await readSecret(ns, 'web-db', 'password');

    // Metadata only: a template label on the Secret (same data, same versions).
    await kubectl('patch', 'externalsecret', 'web-db', '-n', ns, '--type', 'merge', '-p', JSON.stringify({ spec: { target: { template: { metadata: { labels: { tier: 'web' } } } } } }));
    await waitFor('label written to the Secret', async () => {
      const secret = await kubectlJson<{ metadata: { labels?: Record<string, string> } }>('get', 'secret', 'web-db', '-n', ns);
      return secret.metadata.labels?.tier === 'web';
    });
    // Drift repair: someone edits the data; Rotor restores it (same AWS version).
    await kubectl('patch', 'secret', 'web-db', '-n', ns, '--type', 'merge', '-p', JSON.stringify({ stringData: { password: 'tampered' } }));
    await waitFor('edited Secret repaired', async () => (await readSecret(ns, 'web-db', 'password')) === password, { timeoutMs: 30_000 });

    await waitRefreshes(2);
    expect(await snapshot()).toEqual(before);
  });
});

describe('durable rollouts: the operator is killed between the Secret write and the restart', () => {
  const PENDING = 'rotor.dev/rollout-pending';
  const secretMeta = async () =>
    kubectlJson<{ metadata: { resourceVersion: string; annotations?: Record<string, string> }; data?: Record<string, string> }>('get', 'secret', 'web-db', '-n', ns);

  it('SIGKILL right after the data changed: after the restart each workload restarts exactly once', async () => {
    // The kill must land inside the rollout debounce (1 s on the bed). On a loaded machine the
    // kubectl poll that sees the write can be later than that; such an attempt proves nothing,
    // so it is repeated with a new rotation (the operator is always brought back, even on failure).
    const killInsideDebounce = async (attempt: number) => {
      const before = await snapshot();
      const password = secretValue(`web-kill-${attempt}`);
      await aws('secretsmanager', 'put-secret-value', '--secret-id', remoteKey, '--secret-string', JSON.stringify({ password }));
      const encoded = Buffer.from(password).toString('base64');
      const written = await waitFor('rotated data written', async () => {
        const s = await secretMeta();
        return s.data?.password === encoded ? s : undefined;
      }, { timeoutMs: REFRESH_SECONDS * 1000 + 10_000, intervalMs: 50 });
      await killOperator();
      const late = (await Promise.all(workloads.map(async (app) => (await restartedFor(app)) !== before[app]!.restartedFor))).some(Boolean);
      return { before, written, late };
    };

    let attempt: Awaited<ReturnType<typeof killInsideDebounce>> | undefined;
    try {
      for (let n = 1; n <= 3; n++) {
        attempt = await killInsideDebounce(n);
        if (!attempt.late) break;
        await resumeOperator();
        await waitFor('pending marker of the late attempt cleared', async () => (await secretMeta()).metadata.annotations?.[PENDING] === undefined, { timeoutMs: 30_000 });
      }
      const { before, written, late } = attempt!;
      expect(late, 'in 3 attempts the kill never landed before the debounced restart').toBe(false);
      expect(written.metadata.annotations?.[PENDING], 'the rollout is on record in the same write as the data').toMatch(/@/);
      for (const app of workloads) {
        expect(await restartedFor(app), `${app}: the kill must land before the debounced restart`).toBe(before[app]!.restartedFor);
      }

      await resumeOperator();
      for (const app of workloads) {
        await waitFor(`${app} restarted after the operator came back`, async () => (await replicaSets(app)).length === before[app]!.replicaSets.length + 1, { timeoutMs: 30_000 });
      }
      await waitFor('marker cleared', async () => (await secretMeta()).metadata.annotations?.[PENDING] === undefined, { timeoutMs: 15_000 });
      const status = await statusOf<{ lastRollout?: LastRollout; version?: string }>('externalsecret', 'web-db', ns);
      expect(status.lastRollout?.versions).toBe(status.version);
      expect(status.lastRollout?.targets.sort()).toEqual(['Deployment/web', 'Deployment/worker']);

      // Exactly once: a plain restart with nothing new, and the refreshes after it, restart nothing.
      const after = await snapshot();
      await killOperator();
      await resumeOperator();
      await waitRefreshes(2);
      expect(await snapshot()).toEqual(after);
      for (const app of workloads) expect(after[app]!.replicaSets).toHaveLength(before[app]!.replicaSets.length + 1);
    } finally {
      // Never leave the bed without an operator: every later test file needs it.
      if (!(await operatorRunning())) await resumeOperator();
    }
  });
});

describe('secrets rotating together restart a workload once', () => {
  const INTERVAL_SECONDS = 8;
  const names = ['combo-a', 'combo-b'] as const;
  const remote = (name: string) => `${ns}/${name}`;
  const es = (name: string) => `apiVersion: rotor.dev/v1alpha1
kind: ExternalSecret
metadata: {name: ${name}, namespace: ${ns}}
spec:
  refreshInterval: ${INTERVAL_SECONDS}s
  secretStoreRef: {name: aws-secretsmanager, kind: SecretStore}
  target: {name: ${name}}
  data: [{secretKey: password, remoteRef: {key: ${remote(name)}, property: password}}]
`;

  it('two ExternalSecrets created half an interval apart, rotated together: one new ReplicaSet with both versions', async () => {
    for (const name of names) {
      await aws('secretsmanager', 'create-secret', '--name', remote(name), '--secret-string', JSON.stringify({ password: secretValue(name) }));
    }
    await apply(`apiVersion: apps/v1
kind: Deployment
metadata: {name: combo, namespace: ${ns}, labels: {app: combo}, annotations: {rotor.dev/reload: "combo-a,combo-b"}}
spec:
  replicas: 1
  selector: {matchLabels: {app: combo}}
  template:
    metadata: {labels: {app: combo}}
    spec: {containers: [{name: combo, image: busybox:1.36}]}
`);
    // Half an interval apart, so their periodic refreshes never fall in one debounce window.
    await apply(es('combo-a'));
    await waitFor('combo-a synced', async () => (await readyOf('externalsecret', 'combo-a', ns))?.status === 'True');
    await new Promise((r) => setTimeout(r, (INTERVAL_SECONDS / 2) * 1000));
    await apply(es('combo-b'));
    await waitFor('combo-b synced', async () => (await readyOf('externalsecret', 'combo-b', ns))?.status === 'True');
    await waitFor('first ReplicaSet of combo', async () => (await replicaSets('combo')).length === 1);

    const rotated = Object.fromEntries(names.map((n) => [n, secretValue(`${n}-2`)]));
    // Both rotations sent at once through the SDK: two aws CLI runs one after the other can be
    // seconds apart on a loaded machine, more than the bed's 1 s rollout debounce.
    await Promise.all(names.map((name) => rotate(remote(name), JSON.stringify({ password: rotated[name] }))));
    for (const name of names) {
      await waitFor(`${name} rotated`, async () => (await readSecret(ns, name, 'password')) === rotated[name], { timeoutMs: INTERVAL_SECONDS * 1000 + 10_000 });
    }
    await waitFor('combo restarted for both', async () => /combo-a=.*combo-b=/.test((await restartedFor('combo')) ?? ''), { timeoutMs: 20_000 });
    // Another full interval: a second restart would have happened by now.
    await new Promise((r) => setTimeout(r, INTERVAL_SECONDS * 1000));
    expect(await replicaSets('combo'), 'one restart for both rotations').toHaveLength(2);
  });
});
