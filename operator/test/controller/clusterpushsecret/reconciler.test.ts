import { describe, expect, it } from 'vitest';
import { ClusterPushSecretReconciler } from '../../../src/controller/clusterpushsecret/reconciler.js';
import { desiredPushSecret, planPushSecret, validateClusterPushSecret } from '../../../src/controller/clusterpushsecret/plan.js';
import type { NamespaceView } from '../../../src/controller/clusterexternalsecret/externalsecret-plan.js';
import { PUSH_SECRET_FINALIZER, type ClusterPushSecret, type ClusterPushSecretStatus, type PushSecret } from '../../../src/api/push-types.js';
import type { PushSecretWriter } from '../../../src/kube/push-secrets.js';
import { FakeEvents, capturedLogger } from '../fakes.js';

function clusterPushSecret(spec: Partial<ClusterPushSecret['spec']> = {}): ClusterPushSecret {
  return {
    apiVersion: 'rotor.dev/v1alpha1',
    kind: 'ClusterPushSecret',
    metadata: { name: 'shared', uid: 'cps-uid', generation: 1 },
    spec: {
      namespaceSelectors: [{ matchLabels: { push: 'yes' } }],
      pushSecretSpec: {
        secretStoreRefs: [{ name: 'aws', kind: 'ClusterSecretStore' }],
        selector: { secret: { name: 'token' } },
        data: [{ match: { secretKey: 'token', remoteRef: { remoteKey: 'shared/token' } } }],
      },
      ...spec,
    },
  };
}

class FakePushSecretWriter implements PushSecretWriter {
  readonly objects = new Map<string, PushSecret>();
  private rv = 1;
  async create(ps: PushSecret) {
    const key = `${ps.metadata.namespace}/${ps.metadata.name}`;
    if (this.objects.has(key)) throw new Error('exists');
    const stored = { ...structuredClone(ps), metadata: { ...ps.metadata, uid: `uid-${key}`, resourceVersion: String(this.rv++) } };
    this.objects.set(key, stored);
    return structuredClone(stored);
  }
  async replace(ps: PushSecret) {
    const key = `${ps.metadata.namespace}/${ps.metadata.name}`;
    const stored = { ...structuredClone(ps), metadata: { ...ps.metadata, resourceVersion: String(this.rv++) } };
    this.objects.set(key, stored);
    return structuredClone(stored);
  }
  async delete(namespace: string, name: string) {
    this.objects.delete(`${namespace}/${name}`);
  }
}

function setup(initial: ClusterPushSecret, namespaces: NamespaceView[]) {
  let cps: ClusterPushSecret | undefined = initial;
  const writer = new FakePushSecretWriter();
  const statuses: ClusterPushSecretStatus[] = [];
  const events = new FakeEvents();
  const reconciler = new ClusterPushSecretReconciler({
    get: () => cps,
    namespaces: () => namespaces,
    pushSecrets: { get: (ns, name) => writer.objects.get(`${ns}/${name}`), list: () => [...writer.objects.values()] },
    writer,
    status: { clusterPushSecret: async (_n, s) => void statuses.push(structuredClone(s)) },
    events,
    clock: { now: () => Date.parse('2026-12-01T12:00:00Z') },
    logger: capturedLogger().logger,
  });
  const run = async () => {
    const result = await reconciler.reconcile(initial.metadata.name);
    if (cps && statuses.length) cps = { ...cps, status: statuses.at(-1) };
    return result;
  };
  return { writer, statuses, events, run, set: (next: ClusterPushSecret) => (cps = { ...next, status: cps?.status }), current: () => statuses.at(-1)! };
}

const ns = (name: string, labels: Record<string, string> = { push: 'yes' }): NamespaceView => ({ name, labels, terminating: false });

describe('ClusterPushSecretReconciler', () => {
  it('creates the PushSecret in every selected namespace, owned by it, and reports them provisioned', async () => {
    const t = setup(clusterPushSecret({ pushSecretMetadata: { labels: { team: 'x' } } }), [ns('a'), ns('b'), ns('c', {})]);
    expect(await t.run()).toEqual({ requeueAfterMs: 3_600_000 });
    expect([...t.writer.objects.keys()].sort()).toEqual(['a/shared', 'b/shared']);
    const created = t.writer.objects.get('a/shared')!;
    expect(created.metadata.labels).toEqual({ team: 'x', 'rotor.dev/cluster-push-secret': 'shared' });
    expect(created.metadata.ownerReferences).toEqual([{ apiVersion: 'rotor.dev/v1alpha1', kind: 'ClusterPushSecret', name: 'shared', uid: 'cps-uid', controller: true, blockOwnerDeletion: true }]);
    expect(created.spec.data![0]!.match.remoteRef.remoteKey).toBe('shared/token');
    expect(t.current()).toMatchObject({ pushSecretName: 'shared', provisionedNamespaces: ['a', 'b'], conditions: [{ status: 'True', reason: 'Provisioned' }] });
  });

  it('deletes the PushSecret of a namespace that stops matching, and after a rename', async () => {
    const namespaces = [ns('a'), ns('b')];
    const t = setup(clusterPushSecret(), namespaces);
    await t.run();
    namespaces[1] = ns('b', {});
    await t.run();
    expect([...t.writer.objects.keys()]).toEqual(['a/shared']);
    t.set(clusterPushSecret({ pushSecretName: 'renamed' }));
    await t.run();
    expect([...t.writer.objects.keys()]).toEqual(['a/renamed']);
  });

  it('never touches a PushSecret of that name it does not control: the namespace fails with what to do', async () => {
    const t = setup(clusterPushSecret(), [ns('a')]);
    await t.writer.create({ ...desiredPushSecret(clusterPushSecret(), 'a'), metadata: { name: 'shared', namespace: 'a' } });
    await t.run();
    expect(t.current()).toMatchObject({ failedNamespaces: [{ namespace: 'a', reason: expect.stringContaining('PushSecret a/shared already exists and was not created by it') }], conditions: [{ reason: 'NamespacesFailed' }] });
    expect(t.events.reasons()).toEqual(['Warning/NamespacesFailed']);
  });

  it('updates a PushSecret whose spec drifted, keeping its deletionPolicy finalizer', () => {
    const cps = clusterPushSecret();
    const existing = { ...desiredPushSecret(cps, 'a'), metadata: { ...desiredPushSecret(cps, 'a').metadata, finalizers: [PUSH_SECRET_FINALIZER], resourceVersion: '7' } };
    expect(planPushSecret(cps, 'a', existing)).toEqual({ action: 'none' });
    const drifted = { ...existing, spec: { ...existing.spec, updatePolicy: 'IfNotExists' as const } };
    const plan = planPushSecret(cps, 'a', drifted);
    expect(plan).toMatchObject({ action: 'update', pushSecret: { metadata: { finalizers: [PUSH_SECRET_FINALIZER], resourceVersion: '7' } } });
  });

  it('labels the PushSecret with the ClusterPushSecret name only when the name is a valid label value', () => {
    expect(desiredPushSecret(clusterPushSecret(), 'a').metadata.labels).toEqual({ 'rotor.dev/cluster-push-secret': 'shared' });
    const long = { ...clusterPushSecret(), metadata: { name: 'a'.repeat(64), uid: 'cps-uid' } };
    expect(desiredPushSecret(long, 'a').metadata.labels).toEqual({});
  });

  it('refuses an invalid embedded spec, naming it from spec.pushSecretSpec', async () => {
    const bad = clusterPushSecret({ refreshTime: 'soon' });
    bad.spec.pushSecretSpec.refreshInterval = '1d';
    expect(validateClusterPushSecret(bad).map((p) => p.field)).toEqual(['spec.refreshTime', 'spec.pushSecretSpec.refreshInterval']);
    const t = setup(bad, [ns('a')]);
    expect(await t.run()).toEqual({});
    expect(t.writer.objects.size).toBe(0);
    expect(t.current().conditions![0]).toMatchObject({ reason: 'InvalidSpec' });
  });
});
