// The Manager wired as main.ts wires it, with in-memory list/watch sources standing in for
// the API server: events reach the right queue, deleted objects release what they held.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Secret } from '../../src/kube/client/objects.js';
import type { ClusterExternalSecret, ExternalSecret, SecretStore, StoreKind } from '../../src/api/types.js';
import { ANNOTATION_OWNER } from '../../src/api/types.js';
import { Manager, type ManagerSources } from '../../src/controller/manager.js';
import type { ListWatchSource } from '../../src/kube/informer/list-watch.js';
import { ProviderError, type SecretsProvider } from '../../src/api/provider.js';
import { clusterExternalSecretMetrics, createMetrics, managerMetrics } from '../../src/metrics.js';
import { FakeListWatch, type TestObject } from '../kube/fake-list-watch.js';
import { FakeCesStatus, FakeEvents, FakeExternalSecretStore, FakeProvider, FakeSecrets, FakeStatus, capturedLogger, clusterExternalSecret, externalSecret, secretStore } from './fakes.js';
import { kubeApiErrorFor } from '../../src/kube/client/errors.js';
import { externalSecretDeps, storeDeps } from './manager-fixtures.js';

/** Typed views of the untyped fake: the fake only needs metadata.name/namespace. */
const source = <T>(fake: FakeListWatch) => fake as unknown as ListWatchSource<T & { metadata: TestObject['metadata'] }>;

function setup(options: { providerFor?: (store: SecretStore) => SecretsProvider | undefined; concurrency?: number; storeConcurrency?: number; storeStatus?: FakeStatus } = {}) {
  const fakes = {
    externalSecrets: new FakeListWatch(),
    secretStores: new FakeListWatch(),
    clusterSecretStores: new FakeListWatch(),
    managedSecrets: new FakeListWatch(),
    namespaces: new FakeListWatch(),
    clusterExternalSecrets: new FakeListWatch(),
  };
  const sources = {
    externalSecrets: source<ExternalSecret>(fakes.externalSecrets),
    secretStores: source<SecretStore>(fakes.secretStores),
    clusterSecretStores: source<SecretStore>(fakes.clusterSecretStores),
    managedSecrets: source<Secret>(fakes.managedSecrets),
    namespaces: source(fakes.namespaces),
    clusterExternalSecrets: source<ClusterExternalSecret>(fakes.clusterExternalSecrets),
  } as ManagerSources;
  const metrics = createMetrics({ defaultMetrics: false });
  const provider = new FakeProvider();
  provider.set('prod/db', JSON.stringify({ password: 'p-1' }), 'v-1');
  const secrets = new FakeSecrets();
  const forgotten: string[] = [];
  const storeChecks: string[] = [];
  const providers = {
    forStore: async (s: SecretStore) => {
      storeChecks.push(`${s.kind}/${s.metadata.namespace ?? ''}/${s.metadata.name}`);
      const chosen = options.providerFor?.(s) ?? provider;
      return { identityKey: `${s.kind}/${s.metadata.namespace ?? ''}/${s.metadata.name}`, provider: chosen };
    },
    forgetStore: (s: { kind: StoreKind; metadata: { namespace?: string; name: string } }) =>
      forgotten.push(`${s.kind}/${s.metadata.namespace ?? ''}/${s.metadata.name}`),
  };
  const { logger, output } = capturedLogger();
  // ExternalSecrets a ClusterExternalSecret writes show up in the ExternalSecret informer, as on a real server.
  const esWriter = new FakeExternalSecretStore((type, es) => (type === 'put' ? fakes.externalSecrets.put(es as unknown as TestObject) : fakes.externalSecrets.remove(es.metadata.namespace, es.metadata.name)));
  const cesStatus = new FakeCesStatus();
  const manager = new Manager({
    sources,
    logger,
    metrics: managerMetrics(metrics),
    concurrency: options.concurrency ?? 2,
    ...(options.storeConcurrency ? { storeConcurrency: options.storeConcurrency } : {}),
    watchStallMs: 60_000,
    externalSecretDeps: externalSecretDeps(providers, metrics, { secrets }),
    storeDeps: storeDeps(providers, options.storeStatus ? { status: options.storeStatus } : {}),
    clusterExternalSecretDeps: { writer: esWriter, status: cesStatus, events: new FakeEvents(), clock: { now: () => Date.now() }, ...clusterExternalSecretMetrics(metrics) },
  });
  const put = (fake: FakeListWatch, object: unknown) => fake.put(object as TestObject);
  return { manager, fakes, metrics, provider, secrets, forgotten, storeChecks, put, esWriter, cesStatus, output };
}

const readySeries = async (metrics: ReturnType<typeof createMetrics>) =>
  (await metrics.registry.getSingleMetricAsString('rotor_externalsecret_ready')).split('\n').filter((l) => l.startsWith('rotor_externalsecret_ready{'));

let running: Manager | undefined;

/** A running Manager whose ExternalSecret app/db has written its Secret. */
async function startedWithOneSyncedExternalSecret() {
  const t = setup();
  t.put(t.fakes.secretStores, secretStore());
  t.put(t.fakes.externalSecrets, externalSecret());
  running = t.manager;
  await t.manager.start();
  await vi.waitFor(() => expect(t.secrets.value('app', 'db', 'password')).toBe('p-1'));
  return t;
}
afterEach(async () => {
  await running?.stop(1_000);
  running = undefined;
});

describe('Manager', () => {
  it('an upgrade without the ClusterExternalSecret CRD still syncs ExternalSecrets and is ready', async () => {
    const t = setup();
    t.fakes.clusterExternalSecrets.listError = kubeApiErrorFor(404, { reason: 'NotFound', message: 'the server could not find the requested resource' }, 'GET /apis/rotor.dev/v1alpha1/clusterexternalsecrets');
    t.put(t.fakes.secretStores, secretStore());
    t.put(t.fakes.externalSecrets, externalSecret());
    running = t.manager;
    await t.manager.start();
    await vi.waitFor(() => expect(t.secrets.value('app', 'db', 'password')).toBe('p-1'));
    expect(t.manager.readiness()).toEqual({ ok: true, reasons: [] });
    expect(t.manager.clusterExternalSecrets.isAbsent()).toBe(true);
  });

  it('ClusterExternalSecret: a namespace created or relabelled gains or loses its ExternalSecret at once; a deleted copy is re-created', async () => {
    const t = setup();
    t.put(t.fakes.namespaces, { metadata: { name: 'team-a', labels: { shared: 'db' } } });
    t.put(t.fakes.clusterExternalSecrets, clusterExternalSecret({ refreshTime: '1h' }));
    running = t.manager;
    await t.manager.start();
    await vi.waitFor(() => expect([...t.esWriter.objects.keys()]).toEqual(['team-a/shared-db']));

    t.put(t.fakes.namespaces, { metadata: { name: 'team-b', labels: { shared: 'db' } } });
    await vi.waitFor(() => expect([...t.esWriter.objects.keys()].sort()).toEqual(['team-a/shared-db', 'team-b/shared-db']));

    t.put(t.fakes.namespaces, { metadata: { name: 'team-a', labels: {} } });
    await vi.waitFor(() => expect([...t.esWriter.objects.keys()]).toEqual(['team-b/shared-db']));
    await vi.waitFor(() => expect(t.cesStatus.byName.get('shared-db')?.provisionedNamespaces).toEqual(['team-b']));

    // Someone deletes the copy: it comes back without waiting for refreshTime.
    const copy = t.esWriter.objects.get('team-b/shared-db')!;
    t.esWriter.objects.delete('team-b/shared-db');
    t.fakes.externalSecrets.remove('team-b', copy.metadata.name);
    await vi.waitFor(() => expect([...t.esWriter.objects.keys()]).toEqual(['team-b/shared-db']));
  });

  it('syncs an ExternalSecret and removes its metric series when it is deleted', async () => {
    const t = await startedWithOneSyncedExternalSecret();
    await vi.waitFor(async () => expect(await readySeries(t.metrics)).toEqual(['rotor_externalsecret_ready{namespace="app",name="db"} 1']));

    t.fakes.externalSecrets.remove('app', 'db');
    await vi.waitFor(async () => expect(await readySeries(t.metrics)).toEqual([]));
  });

  it('releases a deleted SecretStore and ClusterSecretStore (clients, sockets, credentials)', async () => {
    const t = setup();
    t.put(t.fakes.secretStores, secretStore());
    t.put(t.fakes.clusterSecretStores, { ...secretStore('ClusterSecretStore'), metadata: { name: 'shared', generation: 1 } });
    running = t.manager;
    await t.manager.start();
    await vi.waitFor(() => expect(t.storeChecks.sort()).toEqual(['ClusterSecretStore//shared', 'SecretStore/app/aws']));
    expect(t.forgotten).toEqual([]);

    t.fakes.secretStores.remove('app', 'aws');
    t.fakes.clusterSecretStores.remove(undefined, 'shared');
    await vi.waitFor(() => expect(t.forgotten.sort()).toEqual(['ClusterSecretStore//shared', 'SecretStore/app/aws']));
  });

  it('a force-sync annotation on a store re-validates it at once; other annotation edits do not', async () => {
    const t = setup();
    const store = secretStore();
    t.put(t.fakes.secretStores, store);
    running = t.manager;
    await t.manager.start();
    await vi.waitFor(() => expect(t.storeChecks).toEqual(['SecretStore/app/aws']));
    t.put(t.fakes.secretStores, { ...store, metadata: { ...store.metadata, annotations: { note: 'x' } } });
    await new Promise((r) => setTimeout(r, 50));
    expect(t.storeChecks).toHaveLength(1);
    t.put(t.fakes.secretStores, { ...store, metadata: { ...store.metadata, annotations: { note: 'x', 'rotor.dev/force-sync': '1700000000' } } });
    await vi.waitFor(() => expect(t.storeChecks).toHaveLength(2));
  });

  it('a status-only update does not reconcile again; a spec change does', async () => {
    const t = setup();
    t.put(t.fakes.secretStores, secretStore());
    const es = externalSecret();
    t.put(t.fakes.externalSecrets, es);
    running = t.manager;
    await t.manager.start();
    await vi.waitFor(() => expect(t.provider.calls).toBe(1));

    t.put(t.fakes.externalSecrets, { ...es, status: { refreshTime: new Date().toISOString() } });
    await new Promise((r) => setTimeout(r, 50));
    expect(t.provider.calls).toBe(1);

    t.put(t.fakes.externalSecrets, { ...es, metadata: { ...es.metadata, generation: 2 }, spec: { ...es.spec, refreshInterval: '2h' } });
    await vi.waitFor(() => expect(t.provider.calls).toBe(2));
  });

  it('a managed Secret deleted by someone is re-created through its owner annotation', async () => {
    const t = await startedWithOneSyncedExternalSecret();
    const written = (await t.secrets.get('app', 'db'))!;
    expect(written.metadata?.annotations?.[ANNOTATION_OWNER]).toBe('app/db');
    t.put(t.fakes.managedSecrets, written);

    await t.secrets.delete('app', 'db');
    t.fakes.managedSecrets.remove('app', 'db');
    await vi.waitFor(() => expect(t.secrets.value('app', 'db', 'password')).toBe('p-1'));
  });

  it('Secret edits naming a failing ExternalSecret cause no AWS read: not from another namespace, not past its backoff (issue #15 item 4)', async () => {
    const t = setup();
    t.provider.failWith = new ProviderError('AccessDenied', 'denied', { code: 'AccessDeniedException', retryable: true });
    t.put(t.fakes.secretStores, secretStore());
    t.put(t.fakes.externalSecrets, externalSecret());
    running = t.manager;
    await t.manager.start();
    await vi.waitFor(() => expect(t.provider.calls).toBe(1));

    // 30 edits of a Secret in another namespace that names the victim, and 30 of one in its
    // own namespace (no uid recorded, as an older Rotor wrote Orphan targets): both within the
    // victim's first backoff (1 s).
    for (let i = 0; i < 30; i++) {
      t.put(t.fakes.managedSecrets, { metadata: { name: 'forged', namespace: 'evil', labels: { 'rotor.dev/managed': 'true' }, annotations: { [ANNOTATION_OWNER]: 'app/db', n: String(i) } } });
      t.put(t.fakes.managedSecrets, { metadata: { name: 'local', namespace: 'app', labels: { 'rotor.dev/managed': 'true' }, annotations: { [ANNOTATION_OWNER]: 'app/db', n: String(i) } } });
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(t.provider.calls).toBe(1);
  });

  it('the managed-Secret cache keeps no values, nor Secrets claiming an owner in another namespace; edits are still repaired (issue #15 item 6)', async () => {
    const t = await startedWithOneSyncedExternalSecret();
    t.put(t.fakes.managedSecrets, (await t.secrets.get('app', 'db'))!);
    t.put(t.fakes.managedSecrets, { metadata: { name: 'big', namespace: 'evil', labels: { 'rotor.dev/managed': 'true' }, annotations: { [ANNOTATION_OWNER]: 'app/db' } }, data: { x: 'QUFB'.repeat(4096) } });
    await vi.waitFor(() => expect(t.manager.managedSecrets.get('app', 'db')).toBeDefined());
    expect(t.manager.managedSecrets.get('app', 'db')!.data).toBeUndefined();
    expect(t.manager.managedSecrets.get('evil', 'big')).toBeUndefined();

    t.secrets.tamper('app', 'db', { password: Buffer.from('edited').toString('base64') });
    t.put(t.fakes.managedSecrets, (await t.secrets.get('app', 'db'))!);
    await vi.waitFor(() => expect(t.secrets.value('app', 'db', 'password')).toBe('p-1'));
  });

  it('an unexpected 422 is logged by its field paths, never with the API server\'s text (issue #15 item 7)', async () => {
    const storeStatus = new FakeStatus();
    storeStatus.store = async () => {
      const body = { code: 422, reason: 'Invalid', message: 'Invalid value: "hunter2-from-a-template"', details: { causes: [{ field: 'status.conditions', message: 'hunter2-from-a-template' }] } };
      throw kubeApiErrorFor(422, body, 'PUT /apis/rotor.dev/v1alpha1/namespaces/app/secretstores/aws/status');
    };
    const t = setup({ storeStatus });
    t.put(t.fakes.secretStores, secretStore());
    running = t.manager;
    await t.manager.start();
    await vi.waitFor(() => expect(t.output()).toContain('unexpected reconcile error'));
    expect(t.output()).toContain('status.conditions');
    expect(t.output()).not.toContain('hunter2-from-a-template');
  });

  it('a store that hangs holds at most storeConcurrency workers: another store’s ExternalSecret syncs meanwhile', async () => {
    const hanging = new FakeProvider();
    const calls: string[] = [];
    hanging.getMany = (requests) => {
      calls.push(...requests.map((r) => r.key));
      return new Promise(() => undefined); // never answers
    };
    const t = setup({ providerFor: (s) => (s.metadata.name === 'slow' ? hanging : undefined), concurrency: 3, storeConcurrency: 2 });
    t.put(t.fakes.secretStores, { ...secretStore(), metadata: { name: 'slow', namespace: 'app', generation: 1 } });
    t.put(t.fakes.secretStores, { ...secretStore(), metadata: { name: 'fast', namespace: 'other', generation: 1 } });
    for (let i = 1; i <= 5; i++) {
      t.put(t.fakes.externalSecrets, externalSecret({ secretStoreRef: { name: 'slow', kind: 'SecretStore' }, data: [{ secretKey: 'k', remoteRef: { key: `slow/${i}` } }] }, { name: `s${i}`, uid: `s${i}` }));
    }
    running = t.manager;
    await t.manager.start();
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    t.put(t.fakes.externalSecrets, externalSecret({ secretStoreRef: { name: 'fast', kind: 'SecretStore' } }, { name: 'db', namespace: 'other' }));
    await vi.waitFor(() => expect(t.secrets.value('other', 'db', 'password')).toBe('p-1'));
    expect(calls).toHaveLength(2);
  });

  it('finds a store\'s ExternalSecrets, an owner\'s managed Secrets and the rollout siblings by index, reading no other object (issue #18 item 4)', async () => {
    const t = setup();
    const N = 2000;
    const nsOf = (i: number) => `ns-${i % 20}`;
    const periodic = (i: number) => i % 3 !== 0;
    for (let i = 0; i < N; i++) {
      const kind = i % 7 === 0 ? 'ClusterSecretStore' : 'SecretStore';
      t.put(t.fakes.externalSecrets, externalSecret({ secretStoreRef: { name: `store-${i % 100}`, kind }, refreshPolicy: periodic(i) ? 'Periodic' : 'OnChange' }, { name: `es-${i}`, namespace: nsOf(i) }));
      t.put(t.fakes.managedSecrets, { metadata: { name: `s-${i}`, namespace: nsOf(i), labels: { 'rotor.dev/managed': 'true' }, annotations: { [ANNOTATION_OWNER]: `${nsOf(i)}/es-${i % 200}` } } });
    }
    await Promise.all([t.manager.externalSecrets.start(), t.manager.managedSecrets.start()]);
    let reads = 0;
    for (const o of [...t.manager.externalSecrets.list(), ...t.manager.managedSecrets.list()] as Array<{ metadata: unknown; spec?: unknown }>) {
      for (const field of ['metadata', 'spec'] as const) {
        const value = o[field];
        Object.defineProperty(o, field, { get: () => (reads++, value), configurable: true });
      }
    }
    const count = (f: (i: number) => boolean) => Array.from({ length: N }, (_, i) => i).filter(f).length;

    const using = t.manager.externalSecretsUsing({ ...secretStore('SecretStore'), metadata: { name: 'store-8', namespace: 'ns-8' } }, 'SecretStore');
    expect(using).toHaveLength(count((i) => i % 100 === 8 && i % 7 !== 0));
    const usingCluster = t.manager.externalSecretsUsing({ ...secretStore('ClusterSecretStore'), metadata: { name: 'store-14' } }, 'ClusterSecretStore');
    expect(usingCluster).toHaveLength(count((i) => i % 100 === 14 && i % 7 === 0));
    expect(reads).toBe(0);

    const owned = t.manager.managedSecretsOf('ns-7', 'ns-7/es-7');
    expect(owned.map((s) => s.metadata!.name).sort()).toEqual(Array.from({ length: N }, (_, i) => i).filter((i) => i % 200 === 7).map((i) => `s-${i}`).sort());
    const siblings = t.manager.siblingRefresher().candidates('ns-3');
    expect(siblings).toHaveLength(count((i) => nsOf(i) === 'ns-3' && periodic(i)));
    // Reading the answers themselves is all: a scan would read every one of the 4,000 objects.
    expect(reads).toBeLessThanOrEqual(4 * (owned.length + siblings.length));
    await Promise.all([t.manager.externalSecrets.stop(), t.manager.managedSecrets.stop()]);
  });

  it('is ready only once every informer has synced, and stop() closes every watch', async () => {
    const t = setup();
    expect(t.manager.readiness().ok).toBe(false);
    await t.manager.start();
    expect(t.manager.readiness()).toEqual({ ok: true, reasons: [] });
    await t.manager.stop(1_000);
    for (const fake of Object.values(t.fakes)) expect(fake.open).toBeUndefined();
  });
});
