// The push controllers wired in the Manager as operator.ts wires them, with in-memory
// list/watch sources: a PushSecret is pushed, a change of its source Secret re-pushes at once
// (found through the index), and Secrets no PushSecret selects are not kept.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Secret } from '../../../src/kube/client/objects.js';
import type { ClusterExternalSecret, ExternalSecret, SecretStore } from '../../../src/api/types.js';
import type { ClusterPushSecret, PushSecret } from '../../../src/api/push-types.js';
import { Manager, type ManagerSources } from '../../../src/controller/manager.js';
import type { ListWatchSource } from '../../../src/kube/informer/list-watch.js';
import { clusterExternalSecretMetrics, createMetrics, managerMetrics } from '../../../src/metrics.js';
import { FakeListWatch, type TestObject } from '../../kube/fake-list-watch.js';
import { FakeCesStatus, FakeEvents, FakeExternalSecretStore, FakeNamespaces, capturedLogger, secretStore } from '../fakes.js';
import { FakePushers, FakePushStatus, FakeSources, pushSecret } from './fakes.js';
import { externalSecretDeps, storeDeps } from '../manager-fixtures.js';

const source = <T>(fake: FakeListWatch) => fake as unknown as ListWatchSource<T & { metadata: TestObject['metadata'] }>;
const managers: Manager[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop(1_000)));
});

function setup() {
  const fakes = Object.fromEntries(
    ['externalSecrets', 'secretStores', 'clusterSecretStores', 'managedSecrets', 'namespaces', 'clusterExternalSecrets', 'pushSecrets', 'clusterPushSecrets', 'sourceSecrets'].map((k) => [k, new FakeListWatch()]),
  ) as Record<string, FakeListWatch>;
  const sources = {
    externalSecrets: source<ExternalSecret>(fakes.externalSecrets!),
    secretStores: source<SecretStore>(fakes.secretStores!),
    clusterSecretStores: source<SecretStore>(fakes.clusterSecretStores!),
    managedSecrets: source<Secret>(fakes.managedSecrets!),
    namespaces: source(fakes.namespaces!),
    clusterExternalSecrets: source<ClusterExternalSecret>(fakes.clusterExternalSecrets!),
    push: {
      pushSecrets: source<PushSecret>(fakes.pushSecrets!),
      clusterPushSecrets: source<ClusterPushSecret>(fakes.clusterPushSecrets!),
      sourceSecrets: source<Secret>(fakes.sourceSecrets!),
    },
  } as ManagerSources;
  const metrics = createMetrics({ defaultMetrics: false });
  const providers = { forStore: async () => Promise.reject(new Error('no reads here')), forgetStore: () => undefined };
  const pushers = new FakePushers();
  const live = new FakeSources();
  const pushStatus = new FakePushStatus();
  const manager = new Manager({
    sources,
    logger: capturedLogger().logger,
    metrics: managerMetrics(metrics),
    concurrency: 2,
    watchStallMs: 60_000,
    externalSecretDeps: externalSecretDeps(providers, metrics),
    storeDeps: storeDeps(providers),
    clusterExternalSecretDeps: { writer: new FakeExternalSecretStore(), status: new FakeCesStatus(), events: new FakeEvents(), clock: { now: () => Date.now() }, ...clusterExternalSecretMetrics(metrics) },
    push: {
      pushSecret: { namespaces: new FakeNamespaces(), sources: live, pushers, status: pushStatus, finalizers: pushStatus, events: new FakeEvents(), clock: { now: () => Date.now() } },
      clusterPushSecret: { writer: { create: async (p) => p, replace: async (p) => p, delete: async () => undefined }, status: { clusterPushSecret: async () => undefined }, events: new FakeEvents(), clock: { now: () => Date.now() } },
    },
  });
  managers.push(manager);
  const put = (fake: string, object: unknown) => fakes[fake]!.put(object as TestObject);
  const secret = (name: string, value: string, labels: Record<string, string> = {}) => {
    live.put('app', name, { password: value }, labels);
    const stored = live.secrets.get(`app/${name}`)!;
    put('sourceSecrets', { ...stored, metadata: { ...stored.metadata, resourceVersion: value } });
  };
  return { manager, pushers, live, put, secret, fakes };
}

describe('push controllers in the Manager', () => {
  it('pushes a PushSecret, and re-pushes at once when its source Secret changes', async () => {
    const t = setup();
    t.put('secretStores', secretStore('SecretStore'));
    t.secret('source', 'one');
    t.secret('unrelated', 'x');
    t.put('pushSecrets', pushSecret());
    await t.manager.start();
    const remote = t.pushers.remote('SecretStore', 'aws');
    await vi.waitFor(() => expect(remote.values.get('team/db')).toBe('one'));

    t.secret('source', 'two');
    await vi.waitFor(() => expect(remote.values.get('team/db')).toBe('two'));
    // Only the selected Secret is kept by the source informer, and without its data.
    expect(t.manager.push!.sourceSecrets.list().map((s) => s.metadata?.name)).toEqual(['source']);
    expect(t.manager.push!.sourceSecrets.list()[0]!.data).toBeUndefined();
    // An unrelated Secret's change pushes nothing.
    const calls = remote.calls.length;
    t.secret('unrelated', 'y');
    await new Promise((r) => setTimeout(r, 50));
    expect(remote.calls.length).toBe(calls);
  });

  it('watches Secrets only once a PushSecret selects one (no list of every Secret otherwise), and is ready either way', async () => {
    const t = setup();
    t.put('secretStores', secretStore('SecretStore'));
    t.secret('source', 'one');
    await t.manager.start();
    expect(t.fakes.sourceSecrets!.listCalls).toBe(0);
    expect(t.manager.readiness()).toMatchObject({ ok: true });
    t.put('pushSecrets', pushSecret());
    await vi.waitFor(() => expect(t.fakes.sourceSecrets!.listCalls).toBe(1));
    await vi.waitFor(() => expect(t.pushers.remote('SecretStore', 'aws').values.get('team/db')).toBe('one'));
    t.secret('source', 'two');
    await vi.waitFor(() => expect(t.pushers.remote('SecretStore', 'aws').values.get('team/db')).toBe('two'));
  });

  it('a Secret matched by a PushSecret label selector triggers it', async () => {
    const t = setup();
    t.put('secretStores', secretStore('SecretStore'));
    t.put('pushSecrets', pushSecret({ selector: { secret: { selector: { matchLabels: { push: 'yes' } } } }, data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: 'labelled' } } }] }));
    await t.manager.start();
    await vi.waitFor(() => expect(t.manager.push!.reconciler).toBeDefined());
    t.secret('later', 'created-after', { push: 'yes' });
    await vi.waitFor(() => expect(t.pushers.remote('SecretStore', 'aws').values.get('labelled')).toBe('created-after'));
  });
});
