// The ExternalSecret reconciler with spec.target.manifest, against in-memory fakes: the same
// guarantees as a Secret target (no write when unchanged, last good object kept on failure,
// drift repaired from the data-less cache, deletionPolicy Delete) plus the tenancy gate.
import { describe, expect, it } from 'vitest';
import { kubeApiErrorFor } from '../../../src/kube/client/errors.js';
import type { ExternalSecret } from '../../../src/api/types.js';
import { ProviderError } from '../../../src/api/provider.js';
import { SharedFetcher } from '../../../src/aws/fetcher.js';
import { FetchingSecretSource } from '../../../src/controller/externalsecret/fetch-desired.js';
import { ExternalSecretReconciler, ReconcileFailure } from '../../../src/controller/externalsecret/reconciler.js';
import { ManifestTargets } from '../../../src/controller/manifest/manifest-targets.js';
import { withoutContent } from '../../../src/sync/manifest-content.js';
import type { GenericObject } from '../../../src/kube/client/objects.js';
import { FakeEvents, FakeNamespaces, FakeProvider, FakeSecrets, FakeStatus, capturedLogger, externalSecret, secretStore } from '../fakes.js';
import { FakeManifests } from './fake-manifests.js';
import type { GeneratedValues, GeneratorRunner } from '../../../src/api/generator.js';

const SENTINEL = 'hunter2-SENTINEL-value';
const KEY = Buffer.alloc(32, 9);

function setup(es: ExternalSecret, options: { allowedKinds?: string[]; generators?: GeneratorRunner } = {}) {
  let now = Date.parse('2026-03-01T00:10:00Z');
  const objects = { es };
  const manifests = new FakeManifests();
  const status = new FakeStatus((_ns, _name, s) => {
    objects.es = { ...objects.es, status: s };
  });
  const events = new FakeEvents();
  const provider = new FakeProvider();
  provider.set('prod/db', JSON.stringify({ host: 'db.internal', password: SENTINEL }), 'v-1');
  const { logger, output } = capturedLogger();
  const reconciler = new ExternalSecretReconciler({
    externalSecrets: { get: () => objects.es },
    stores: { secretStore: () => secretStore(), clusterSecretStore: () => undefined },
    namespaces: new FakeNamespaces(),
    secrets: new FakeSecrets(),
    status,
    events,
    source: new FetchingSecretSource({ forStore: async () => ({ identityKey: 'id', provider }) }, new SharedFetcher({ ttlMs: 0, batchWindowMs: 0 }), undefined, undefined, options.generators),
    macKey: KEY,
    clock: { now: () => new Date(now).getTime() },
    logger,
    manifestTargets: new ManifestTargets({
      client: manifests,
      allowedKinds: options.allowedKinds ?? ['ConfigMap'],
      macKey: KEY,
      // The manager's informer: labelled ConfigMaps, content replaced by its keyed digest.
      cachedConfigMap: (ns, name) => {
        const cm = manifests.configMap(ns, name);
        return cm?.metadata?.labels?.['rotor.dev/managed'] === 'true' ? withoutContent(KEY, structuredClone(cm), 'ConfigMap') : undefined;
      },
      managedConfigMapsOf: (ns, owner) =>
        [...manifests.objects.entries()]
          .filter(([k, o]) => k.startsWith(`ConfigMap/${ns}/`) && o.metadata?.annotations?.['rotor.dev/owner'] === owner)
          .map(([, o]) => withoutContent(KEY, structuredClone(o), 'ConfigMap')),
    }),
  });
  return {
    manifests,
    status,
    events,
    provider,
    output,
    objects,
    advance: (ms: number) => (now += ms),
    now: () => now,
    reconcile: () => reconciler.reconcile('app', objects.es.metadata.name),
    ready: () => objects.es.status?.conditions?.find((c) => c.type === 'Ready'),
  };
}

const configMapEs = (extra: Partial<ExternalSecret['spec']['target']> = {}) =>
  externalSecret(
    {
      target: { name: 'cfg', manifest: { apiVersion: 'v1', kind: 'ConfigMap' }, ...extra },
      data: [
        { secretKey: 'host', remoteRef: { key: 'prod/db', property: 'host' } },
        { secretKey: 'password', remoteRef: { key: 'prod/db', property: 'password' } },
      ],
    },
    { labels: { team: 'pay' } },
  );

describe('ExternalSecret with target.manifest: ConfigMap', () => {
  it('creates the ConfigMap from the remote value, with data as text, and reports Ready', async () => {
    const t = setup(configMapEs());
    await t.reconcile();
    const cm = t.manifests.configMap('app', 'cfg')!;
    expect(cm.data).toEqual({ host: 'db.internal', password: SENTINEL });
    // ESO copies the ExternalSecret's labels when there is no template.
    expect(cm.metadata!.labels).toEqual({ team: 'pay', 'rotor.dev/managed': 'true' });
    expect(cm.metadata!.ownerReferences?.[0]).toMatchObject({ kind: 'ExternalSecret', name: 'db', controller: true });
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'SecretSynced' });
    expect(t.ready()!.message).toContain('ConfigMap app/cfg synced: 2 keys from 1 remote secret');
    expect(t.events.reasons()).toEqual(['Normal/Created']);
  });

  it('writes nothing when nothing changed, and updates on rotation', async () => {
    const t = setup(configMapEs());
    await t.reconcile();
    const writes = t.manifests.writes;
    t.advance(3_600_000);
    await t.reconcile();
    expect(t.manifests.writes).toBe(writes);
    t.provider.set('prod/db', JSON.stringify({ host: 'db2.internal', password: SENTINEL }), 'v-2');
    t.advance(3_600_000);
    await t.reconcile();
    expect((t.manifests.configMap('app', 'cfg')!.data as Record<string, string>)['host']).toBe('db2.internal');
    expect(t.manifests.writes).toBe(writes + 1);
  });

  it('spec.syncWindows holds periodic refreshes as for a Secret target', async () => {
    const es = configMapEs();
    // A deny window open all day: the first sync runs, periodic refreshes wait.
    es.spec.syncWindows = { kind: 'deny', windows: [{ schedule: '0 0 * * *', duration: '24h' }] };
    const t = setup(es);
    await t.reconcile();
    const writes = t.manifests.writes;
    t.provider.set('prod/db', JSON.stringify({ host: 'db2.internal', password: SENTINEL }), 'v-2');
    t.advance(3_600_000);
    await t.reconcile();
    expect(t.manifests.writes).toBe(writes);
    expect((t.manifests.configMap('app', 'cfg')!.data as Record<string, string>)['host']).toBe('db.internal');
  });

  it('a generated value that expires is refreshed before it does, as for a Secret target', async () => {
    const HOUR = 3_600_000;
    let runs = 0;
    let clock = () => 0;
    const runner: GeneratorRunner = {
      generate: async (): Promise<GeneratedValues> => ({ data: { token: Buffer.from(`token-${++runs}`) }, expiresAt: new Date(clock() + 12 * HOUR) }),
    };
    const es = externalSecret({
      secretStoreRef: undefined,
      refreshInterval: '24h',
      target: { name: 'cfg', manifest: { apiVersion: 'v1', kind: 'ConfigMap' } },
      data: [],
      dataFrom: [{ sourceRef: { generatorRef: { apiVersion: 'generators.rotor.dev/v1alpha1', kind: 'STSSessionToken', name: 'sts' } } }],
    });
    const t = setup(es, { generators: runner });
    clock = t.now;
    const first = await t.reconcile();
    expect(t.objects.es.status?.generatedExpiresAt).toBe(new Date(t.now() + 12 * HOUR).toISOString());
    // Due 11 h after generation (12 h − 1 h), sooner than the 24 h interval.
    expect(first.requeueAfterMs).toBeLessThanOrEqual(11 * HOUR);
    t.advance(11 * HOUR);
    await t.reconcile();
    expect(runs).toBe(2);
    expect((t.manifests.configMap('app', 'cfg')!.data as Record<string, string>)['token']).toBe('token-2');
  });

  it('a failed refresh keeps the last good ConfigMap', async () => {
    const t = setup(configMapEs());
    await t.reconcile();
    const before = structuredClone(t.manifests.configMap('app', 'cfg'));
    t.provider.failWith = new ProviderError('AccessDenied', 'not authorized to perform secretsmanager:GetSecretValue', { retryable: false });
    t.advance(3_600_000);
    await expect(t.reconcile()).rejects.toBeInstanceOf(ReconcileFailure);
    expect(t.manifests.configMap('app', 'cfg')).toEqual(before);
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'AccessDenied' });
  });

  it('repairs drift found through the data-less cache before the next refresh', async () => {
    const t = setup(configMapEs());
    await t.reconcile();
    const reads = t.manifests.reads;
    await t.reconcile(); // no drift: decided from the cache, no API read, no write
    expect(t.manifests.reads).toBe(reads);
    t.manifests.tamper('ConfigMap', 'app', 'cfg', (o) => {
      (o.data as Record<string, string>)['host'] = 'evil.example';
    });
    await t.reconcile();
    expect((t.manifests.configMap('app', 'cfg')!.data as Record<string, string>)['host']).toBe('db.internal');
    t.manifests.tamper('ConfigMap', 'app', 'cfg', (o) => {
      delete o.metadata!.annotations!['rotor.dev/owner'];
    });
    await t.reconcile();
    expect(t.manifests.configMap('app', 'cfg')!.metadata!.annotations!['rotor.dev/owner']).toBe('app/db');
  });

  it('re-creates a deleted ConfigMap', async () => {
    const t = setup(configMapEs());
    await t.reconcile();
    t.manifests.objects.clear();
    await t.reconcile();
    expect((t.manifests.configMap('app', 'cfg')!.data as Record<string, string>)['host']).toBe('db.internal');
  });

  it('deletionPolicy Delete deletes it once every remote secret is gone', async () => {
    const t = setup(configMapEs({ deletionPolicy: 'Delete' }));
    await t.reconcile();
    t.provider.values.clear();
    t.advance(3_600_000);
    await t.reconcile();
    expect(t.manifests.configMap('app', 'cfg')).toBeUndefined();
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'SecretDeleted' });
    expect(t.events.reasons()).toContain('Normal/Deleted');
  });

  it('a new spec.target.name: the ConfigMap is written under it and the old one deleted', async () => {
    const t = setup(configMapEs());
    await t.reconcile();
    t.objects.es = { ...t.objects.es, metadata: { ...t.objects.es.metadata, generation: 2 }, spec: { ...t.objects.es.spec, target: { ...t.objects.es.spec.target, name: 'cfg2' } } };
    await t.reconcile();
    expect(t.manifests.configMap('app', 'cfg2')).toBeDefined();
    expect(t.manifests.configMap('app', 'cfg')).toBeUndefined();
    expect(t.events.reasons()).toEqual(['Normal/Created', 'Normal/Created', 'Normal/Deleted']);
  });

  it('refuses to overwrite a ConfigMap it did not create', async () => {
    const t = setup(configMapEs());
    await t.manifests.create(t.manifests.kinds[0]!, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'app' }, data: { mine: 'yes' } } as GenericObject);
    await t.reconcile();
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'TargetNotOwned' });
    expect(t.manifests.configMap('app', 'cfg')!.data).toEqual({ mine: 'yes' });
  });

  it('templates produce the data and the metadata', async () => {
    const t = setup(configMapEs({ template: { engineVersion: 'v2', metadata: { labels: { tier: 'db' } }, data: { 'url': 'postgres://{{ .host }}:5432' } } }));
    await t.reconcile();
    const cm = t.manifests.configMap('app', 'cfg')!;
    expect(cm.data).toEqual({ url: 'postgres://db.internal:5432' });
    expect(cm.metadata!.labels).toEqual({ tier: 'db', 'rotor.dev/managed': 'true' });
  });

  it('never puts a value in status, events or logs', async () => {
    const t = setup(configMapEs());
    await t.reconcile();
    t.manifests.tamper('ConfigMap', 'app', 'cfg', (o) => {
      (o.data as Record<string, string>)['host'] = 'x';
    });
    await t.reconcile();
    const surfaces = JSON.stringify(t.objects.es.status) + JSON.stringify(t.events.events) + t.output();
    expect(surfaces).not.toContain(SENTINEL);
  });
});

describe('ExternalSecret with target.manifest: tenancy', () => {
  it('refuses a kind the admin did not allow, naming the chart value, and writes nothing', async () => {
    const t = setup(externalSecret({ target: { name: 'w', manifest: { apiVersion: 'example.com/v1', kind: 'Widget' } } }));
    const result = await t.reconcile();
    expect(t.manifests.writes).toBe(0);
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'TargetKindNotAllowed' });
    expect(t.ready()!.message).toContain('targets.allowedKinds');
    expect(t.events.reasons()).toEqual(['Warning/SyncFailed']);
    // A chart change restarts the operator: no backoff retries, the periodic pass looks again.
    expect(result.requeueAfterMs).toBeGreaterThan(0);
  });

  it('refuses a RoleBinding even when listed', async () => {
    const t = setup(externalSecret({ target: { name: 'rb', manifest: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' } } }), { allowedKinds: ['RoleBinding.rbac.authorization.k8s.io'] });
    await t.reconcile();
    expect(t.manifests.writes).toBe(0);
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'TargetKindNotAllowed' });
  });

  it('refuses a listed kind that discovery reports as cluster-scoped', async () => {
    const t = setup(externalSecret({ target: { name: 'cw', manifest: { apiVersion: 'example.com/v1', kind: 'ClusterWidget' } } }), { allowedKinds: ['ClusterWidget.example.com'] });
    await t.reconcile();
    expect(t.manifests.writes).toBe(0);
    expect(t.ready()!.message).toContain('cluster-scoped');
  });

  it('a 403 on an allowed kind says which RBAC is missing', async () => {
    const t = setup(externalSecret({ target: { name: 'w', manifest: { apiVersion: 'example.com/v1', kind: 'Widget' } } }), { allowedKinds: ['Widget.example.com'] });
    t.manifests.get = async () => {
      throw kubeApiErrorFor(403, undefined, 'forbidden');
    };
    await expect(t.reconcile()).rejects.toBeInstanceOf(ReconcileFailure);
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'AccessDenied' });
    expect(t.ready()!.message).toContain('may not get widgets.example.com');
  });

  it('writes an allowed kind with the data in spec.data (ESO)', async () => {
    const t = setup(externalSecret({ target: { name: 'w', manifest: { apiVersion: 'example.com/v1', kind: 'Widget' } } }), { allowedKinds: ['ConfigMap', 'Widget.example.com'] });
    await t.reconcile();
    expect(t.manifests.objects.get('Widget/app/w')).toMatchObject({ apiVersion: 'example.com/v1', kind: 'Widget', spec: { data: { password: SENTINEL } } });
    const writes = t.manifests.writes;
    // Not cached (only ConfigMaps are watched): drift is checked against a fresh read.
    t.manifests.tamper('Widget', 'app', 'w', (o) => {
      (o.spec as Record<string, unknown>)['data'] = {};
    });
    await t.reconcile();
    expect(t.manifests.writes).toBe(writes + 1);
    expect(t.manifests.objects.get('Widget/app/w')!.spec).toEqual({ data: { password: SENTINEL } });
  });
});
