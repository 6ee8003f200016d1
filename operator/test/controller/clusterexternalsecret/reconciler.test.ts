import { describe, expect, it } from 'vitest';
import { ClusterExternalSecretReconciler } from '../../../src/controller/clusterexternalsecret/reconciler.js';
import { controllingClusterExternalSecret, desiredExternalSecret, type NamespaceView } from '../../../src/controller/clusterexternalsecret/externalsecret-plan.js';
import { ReconcileFailure } from '../../../src/controller/externalsecret/reconciler.js';
import { KubeApiError } from '../../../src/kube/client/errors.js';
import type { ClusterExternalSecret, ExternalSecret } from '../../../src/api/types.js';
import { FakeCesStatus, FakeEvents, FakeExternalSecretStore, capturedLogger, clusterExternalSecret, externalSecret } from '../fakes.js';

function setup(initial: ClusterExternalSecret, namespaces: NamespaceView[], options: { cacheLags?: boolean } = {}) {
  let ces: ClusterExternalSecret | undefined = initial;
  let views = namespaces;
  const store = new FakeExternalSecretStore();
  // The informer cache: the store itself, or (cacheLags) a snapshot taken only when asked.
  let snapshot = new Map<string, ExternalSecret>();
  const cache = () => (options.cacheLags ? snapshot : store.objects);
  const status = new FakeCesStatus();
  const events = new FakeEvents();
  const results: Array<{ ready: boolean; provisioned: number; failed: number }> = [];
  const reconciler = new ClusterExternalSecretReconciler({
    get: () => ces,
    namespaces: () => views,
    externalSecrets: { get: (ns, name) => cache().get(`${ns}/${name}`), controlledBy: (ces) => [...cache().values()].filter((es) => controllingClusterExternalSecret(es) === ces) },
    writer: store,
    status,
    events,
    clock: { now: () => Date.parse('2026-11-29T12:00:00Z') },
    logger: capturedLogger().logger,
    onResult: (_name, r) => results.push(r),
  });
  const run = async () => {
    const result = await reconciler.reconcile(initial.metadata.name);
    // The next pass sees what it wrote, as it would through the informer.
    if (ces && status.byName.has(ces.metadata.name)) ces = { ...ces, status: status.byName.get(ces.metadata.name) };
    return result;
  };
  return {
    store,
    status,
    events,
    results,
    run,
    current: () => status.byName.get(initial.metadata.name)!,
    setCes: (next: ClusterExternalSecret | undefined) => (ces = next && { ...next, status: ces?.status }),
    setNamespaces: (next: NamespaceView[]) => (views = next),
    syncCache: () => (snapshot = new Map([...store.objects].map(([k, v]) => [k, structuredClone(v)]))),
  };
}

const ns = (name: string, labels: Record<string, string> = { shared: 'db' }): NamespaceView => ({ name, labels, terminating: false });

describe('ClusterExternalSecretReconciler', () => {
  it('creates the ExternalSecret in every selected namespace and reports them provisioned', async () => {
    const t = setup(clusterExternalSecret(), [ns('team-a'), ns('team-b'), ns('other', {})]);
    expect(await t.run()).toEqual({ requeueAfterMs: 3_600_000 });
    expect([...t.store.objects.keys()].sort()).toEqual(['team-a/shared-db', 'team-b/shared-db']);
    expect(t.current()).toMatchObject({
      externalSecretName: 'shared-db',
      provisionedNamespaces: ['team-a', 'team-b'],
      conditions: [{ type: 'Ready', status: 'True', reason: 'Provisioned', message: 'ExternalSecret shared-db is in 2 namespace(s)' }],
      observedGeneration: 1,
    });
    expect(t.current().failedNamespaces).toBeUndefined();
    expect(t.events.reasons()).toEqual(['Normal/Provisioned']);
    expect(t.results.at(-1)).toEqual({ ready: true, provisioned: 2, failed: 0 });
  });

  it('writes nothing on a second pass when nothing changed', async () => {
    const t = setup(clusterExternalSecret(), [ns('team-a')]);
    await t.run();
    const calls = t.store.calls.length;
    const writes = t.status.writes;
    await t.run();
    expect(t.store.calls.length).toBe(calls);
    expect(t.status.writes).toBe(writes);
  });

  it('does not create twice while the informer has not seen its own create yet', async () => {
    const t = setup(clusterExternalSecret(), [ns('team-a')], { cacheLags: true });
    await t.run();
    await t.run();
    expect(t.store.calls).toEqual(['create team-a/shared-db']);
    t.syncCache();
    await t.run();
    expect(t.store.calls).toEqual(['create team-a/shared-db']);
  });

  it('updates the ExternalSecrets when the spec changes', async () => {
    const ces = clusterExternalSecret();
    const t = setup(ces, [ns('team-a')]);
    await t.run();
    t.setCes({ ...ces, metadata: { ...ces.metadata, generation: 2 }, spec: { ...ces.spec, externalSecretSpec: { ...ces.spec.externalSecretSpec, refreshInterval: '5m' } } });
    await t.run();
    expect(t.store.objects.get('team-a/shared-db')!.spec.refreshInterval).toBe('5m');
    expect(t.current().observedGeneration).toBe(2);
  });

  it('deletes the ExternalSecret of a namespace that stops matching', async () => {
    const t = setup(clusterExternalSecret(), [ns('team-a'), ns('team-b')]);
    await t.run();
    t.setNamespaces([ns('team-a'), ns('team-b', { shared: 'no' })]);
    await t.run();
    expect([...t.store.objects.keys()]).toEqual(['team-a/shared-db']);
    expect(t.current().provisionedNamespaces).toEqual(['team-a']);
  });

  it('renaming externalSecretName replaces the old ExternalSecrets with new ones', async () => {
    const ces = clusterExternalSecret();
    const t = setup(ces, [ns('team-a')]);
    await t.run();
    t.setCes({ ...ces, spec: { ...ces.spec, externalSecretName: 'db' } });
    await t.run();
    expect([...t.store.objects.keys()]).toEqual(['team-a/db']);
    expect(t.current().externalSecretName).toBe('db');
  });

  it('leaves a foreign ExternalSecret of the same name untouched and lists its namespace as failed', async () => {
    const t = setup(clusterExternalSecret(), [ns('team-a'), ns('team-b')]);
    const foreign = t.store.put(externalSecret({ refreshInterval: '7m' }, { name: 'shared-db', namespace: 'team-b', uid: undefined }));
    expect(await t.run()).toEqual({ requeueAfterMs: 3_600_000 });
    expect(t.store.objects.get('team-b/shared-db')).toEqual(foreign);
    expect(t.store.calls).toEqual(['create team-a/shared-db']);
    expect(t.current()).toMatchObject({
      provisionedNamespaces: ['team-a'],
      failedNamespaces: [{ namespace: 'team-b', reason: expect.stringContaining('ExternalSecret team-b/shared-db already exists and was not created by it') }],
      conditions: [{ status: 'False', reason: 'NamespacesFailed', message: expect.stringMatching(/^1 of 2 selected namespace\(s\) failed/) }],
    });
    expect(t.events.reasons()).toEqual(['Warning/NamespacesFailed']);
    expect(t.results.at(-1)).toEqual({ ready: false, provisioned: 1, failed: 1 });
  });

  it('never deletes a foreign ExternalSecret in a namespace that stops matching', async () => {
    const t = setup(clusterExternalSecret(), [ns('team-a', {})]);
    t.store.put(externalSecret({}, { name: 'shared-db', namespace: 'team-a', uid: undefined }));
    await t.run();
    expect([...t.store.objects.keys()]).toEqual(['team-a/shared-db']);
    expect(t.store.calls).toEqual([]);
  });

  it('reports InvalidSpec naming the embedded field, and creates nothing', async () => {
    const t = setup(clusterExternalSecret({ externalSecretSpec: { secretStoreRef: { name: 'aws' }, refreshInterval: 'soon', data: [{ secretKey: 'k', remoteRef: { key: 'x' } }] } }), [ns('team-a')]);
    expect(await t.run()).toEqual({});
    expect(t.store.calls).toEqual([]);
    expect(t.current().conditions?.[0]).toMatchObject({ status: 'False', reason: 'InvalidSpec', message: expect.stringContaining('spec.externalSecretSpec.refreshInterval') });
  });

  it('an API failure lists the namespace with the error and backs off', async () => {
    const t = setup(clusterExternalSecret(), [ns('team-a')]);
    t.store.failNext = new KubeApiError(503, 'create ExternalSecret team-a/shared-db: service unavailable');
    await expect(t.run()).rejects.toBeInstanceOf(ReconcileFailure);
    expect(t.current().failedNamespaces).toEqual([{ namespace: 'team-a', reason: 'create ExternalSecret team-a/shared-db: service unavailable' }]);
    await t.run();
    expect(t.current().provisionedNamespaces).toEqual(['team-a']);
    expect(t.current().failedNamespaces).toBeUndefined();
  });

  it('says when no namespace is selected', async () => {
    const t = setup(clusterExternalSecret({ namespaceSelectors: undefined }), [ns('team-a')]);
    await t.run();
    expect(t.current().conditions?.[0]).toMatchObject({ status: 'True', reason: 'Provisioned', message: expect.stringContaining('no namespace is selected') });
  });

  it('does nothing for a deleted ClusterExternalSecret (the garbage collector removes its ExternalSecrets)', async () => {
    const t = setup(clusterExternalSecret(), [ns('team-a')]);
    await t.run();
    t.setCes(undefined);
    expect(await t.run()).toEqual({});
    expect(t.store.calls).toEqual(['create team-a/shared-db']);
    expect(desiredExternalSecret(clusterExternalSecret(), 'team-a').metadata.ownerReferences?.[0]).toMatchObject({ uid: 'ces-uid', controller: true });
  });
});
