// The Manager with ConfigMap targets: the managed-ConfigMap informer keeps no values, and an
// edit of a ConfigMap Rotor wrote is repaired through its owner annotation (drift watching).
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConfigMap, Secret } from '../../../src/kube/client/objects.js';
import type { ClusterExternalSecret, ExternalSecret, SecretStore } from '../../../src/api/types.js';
import { Manager, type ManagerSources } from '../../../src/controller/manager.js';
import type { ListWatchSource } from '../../../src/kube/informer/list-watch.js';
import { clusterExternalSecretMetrics, createMetrics, managerMetrics } from '../../../src/metrics.js';
import { FakeListWatch, type TestObject } from '../../kube/fake-list-watch.js';
import { FakeCesStatus, FakeEvents, FakeExternalSecretStore, FakeProvider, capturedLogger, externalSecret, secretStore } from '../fakes.js';
import { FakeManifests } from './fake-manifests.js';
import { externalSecretDeps, storeDeps } from '../manager-fixtures.js';

const source = <T>(fake: FakeListWatch) => fake as unknown as ListWatchSource<T & { metadata: TestObject['metadata'] }>;
const SENTINEL = 'cm-SENTINEL-value';

let running: Manager | undefined;
afterEach(async () => {
  await running?.stop(1_000);
  running = undefined;
});

describe('Manager with ConfigMap targets', () => {
  it('caches managed ConfigMaps without values and repairs an edited one', async () => {
    const fakes = { es: new FakeListWatch(), stores: new FakeListWatch(), css: new FakeListWatch(), secrets: new FakeListWatch(), ns: new FakeListWatch(), ces: new FakeListWatch(), cms: new FakeListWatch() };
    const sources: ManagerSources = {
      externalSecrets: source<ExternalSecret>(fakes.es),
      secretStores: source<SecretStore>(fakes.stores),
      clusterSecretStores: source<SecretStore>(fakes.css),
      managedSecrets: source<Secret>(fakes.secrets),
      namespaces: source(fakes.ns),
      clusterExternalSecrets: source<ClusterExternalSecret>(fakes.ces),
      managedConfigMaps: source<ConfigMap>(fakes.cms),
    };
    const metrics = createMetrics({ defaultMetrics: false });
    const provider = new FakeProvider();
    provider.set('prod/db', JSON.stringify({ password: SENTINEL }), 'v-1');
    const providers = { forStore: async () => ({ identityKey: 'id', provider }), forgetStore: () => undefined };
    const manifests = new FakeManifests();
    const manager = (running = new Manager({
      sources,
      logger: capturedLogger().logger,
      metrics: managerMetrics(metrics),
      concurrency: 2,
      watchStallMs: 60_000,
      externalSecretDeps: externalSecretDeps(providers, metrics),
      manifestTargets: { client: manifests, allowedKinds: ['ConfigMap'] },
      storeDeps: storeDeps(providers),
      clusterExternalSecretDeps: { writer: new FakeExternalSecretStore(() => undefined), status: new FakeCesStatus(), events: new FakeEvents(), clock: { now: () => Date.now() }, ...clusterExternalSecretMetrics(metrics) },
    }));
    fakes.stores.put(secretStore() as unknown as TestObject);
    fakes.es.put(externalSecret({ target: { name: 'cfg', manifest: { apiVersion: 'v1', kind: 'ConfigMap' } } }) as unknown as TestObject);
    await manager.start();
    await vi.waitFor(() => expect(manifests.configMap('app', 'cfg')?.data).toEqual({ password: SENTINEL }));

    // The API server's watch delivers the written ConfigMap: cached without its data.
    fakes.cms.put(structuredClone(manifests.configMap('app', 'cfg')) as unknown as TestObject);
    await vi.waitFor(() => expect(manager.managedConfigMaps!.get('app', 'cfg')).toBeDefined());
    expect(JSON.stringify(manager.managedConfigMaps!.get('app', 'cfg'))).not.toContain(SENTINEL);

    // Someone edits it: the watch event wakes its ExternalSecret, which puts the value back.
    manifests.tamper('ConfigMap', 'app', 'cfg', (o) => {
      o.data = { password: 'edited' };
    });
    fakes.cms.put(structuredClone(manifests.configMap('app', 'cfg')) as unknown as TestObject);
    await vi.waitFor(() => expect(manifests.configMap('app', 'cfg')?.data).toEqual({ password: SENTINEL }));
  });
});
