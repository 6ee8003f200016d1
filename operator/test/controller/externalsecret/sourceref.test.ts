// The ExternalSecret reconciler with ESO's sourceRef: per-entry stores are resolved and
// access-checked like spec.secretStoreRef (failures name the entry), generators run on every
// refresh with no rollout for a regenerated value, and an expiring generated value (an ECR token)
// is refreshed before it expires even under a longer refreshInterval — also after a restart.
import { describe, expect, it, vi } from 'vitest';
import type { ExternalSecret, SecretStore } from '../../../src/api/types.js';
import type { GeneratedValues, GeneratorRef, GeneratorRunner } from '../../../src/api/generator.js';
import { SharedFetcher } from '../../../src/aws/fetcher.js';
import { FetchingSecretSource } from '../../../src/controller/externalsecret/fetch-desired.js';
import { ExternalSecretReconciler } from '../../../src/controller/externalsecret/reconciler.js';
import { stableOffsetMs, waveStart } from '../../../src/controller/externalsecret/refresh.js';
import type { RolloutResult } from '../../../src/rollout/coordinator.js';
import { FakeEvents, FakeNamespaces, FakeProvider, FakeSecrets, FakeStatus, capturedLogger, externalSecret, secretStore } from '../fakes.js';

const HOUR = 3_600_000;
/** On a wave start of this ExternalSecret's 24 h waves (only generators: its own waves, refresh.ts). */
const T0 = waveStart(new Date('2026-03-01T00:00:00Z').getTime(), 24 * HOUR, stableOffsetMs('ExternalSecret/app/db'));
const TOKEN_LIFETIME = 12 * HOUR;

class ExpiringRunner implements GeneratorRunner {
  runs = 0;
  constructor(private readonly now: () => number) {}
  async generate(_namespace: string, _ref: GeneratorRef): Promise<GeneratedValues> {
    this.runs++;
    return { data: { username: Buffer.from('AWS'), password: Buffer.from(`token-${this.runs}`) }, expiresAt: new Date(this.now() + TOKEN_LIFETIME) };
  }
}

function setup(es: ExternalSecret, stores: SecretStore[], namespaceLabels: Record<string, Record<string, string>> = {}) {
  let now = T0;
  const objects = { es };
  const secrets = new FakeSecrets();
  const status = new FakeStatus((_ns, _name, s) => {
    objects.es = { ...objects.es, status: s };
  });
  const events = new FakeEvents();
  const provider = new FakeProvider();
  provider.set('prod/db', JSON.stringify({ password: 'pw' }), 'v1');
  const runner = new ExpiringRunner(() => now);
  const rollouts = { request: vi.fn(async (): Promise<RolloutResult> => ({ targets: [], unchanged: [], problems: [] })) };
  const make = () =>
    new ExternalSecretReconciler({
      externalSecrets: { get: () => objects.es },
      stores: {
        secretStore: (ns, name) => stores.find((s) => s.kind === 'SecretStore' && s.metadata.namespace === ns && s.metadata.name === name),
        clusterSecretStore: (name) => stores.find((s) => s.kind === 'ClusterSecretStore' && s.metadata.name === name),
      },
      namespaces: new FakeNamespaces(namespaceLabels),
      secrets,
      status,
      events,
      source: new FetchingSecretSource({ forStore: async () => ({ identityKey: 'id', provider }) }, new SharedFetcher({ ttlMs: 0, batchWindowMs: 0 }), undefined, undefined, runner),
      rollouts,
      macKey: Buffer.alloc(32, 7),
      clock: { now: () => new Date(now).getTime() },
      logger: capturedLogger().logger,
    });
  const t = {
    reconciler: make(),
    objects,
    secrets,
    runner,
    rollouts,
    advance: (ms: number) => (now += ms),
    reconcile: () => t.reconciler.reconcile('app', 'db'),
    restart: () => (t.reconciler = make()),
    ready: () => objects.es.status?.conditions?.find((c) => c.type === 'Ready'),
  };
  return t;
}

const generatorEs = (refreshInterval: string) =>
  externalSecret({
    secretStoreRef: undefined,
    refreshInterval,
    data: [],
    dataFrom: [{ sourceRef: { generatorRef: { apiVersion: 'generators.rotor.dev/v1alpha1', kind: 'ECRAuthorizationToken', name: 'ecr' } } }],
  });

describe('ExternalSecret with sourceRef.storeRef', () => {
  it('a missing per-entry store fails with StoreNotFound naming the entry; the Secret is not written', async () => {
    const t = setup(externalSecret({ data: [{ secretKey: 'p', remoteRef: { key: 'prod/db', property: 'password' }, sourceRef: { storeRef: { name: 'nope' } } }] }), [secretStore()]);
    await t.reconcile().catch(() => undefined);
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'StoreNotFound' });
    expect(t.ready()!.message).toBe('SecretStore app/nope (spec.data[0].sourceRef.storeRef) not found; create it in this namespace, or set spec.data[0].sourceRef.storeRef.kind: ClusterSecretStore');
    expect(t.secrets.store.size).toBe(0);
  });

  it('a per-entry ClusterSecretStore is access-checked like spec.secretStoreRef', async () => {
    const guarded: SecretStore = { ...secretStore('ClusterSecretStore'), metadata: { name: 'guarded', generation: 1 }, spec: { ...secretStore().spec, conditions: [{ namespaces: ['other'] }] } };
    const t = setup(
      externalSecret({ dataFrom: [{ extract: { key: 'prod/db' }, sourceRef: { storeRef: { name: 'guarded', kind: 'ClusterSecretStore' } } }], data: [] }),
      [secretStore(), guarded],
    );
    await t.reconcile().catch(() => undefined);
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'StoreNotAllowed' });
    expect(t.ready()!.message).toMatch(/^spec\.dataFrom\[0\]\.sourceRef\.storeRef: ClusterSecretStore guarded does not allow namespace app/);
  });

  it('syncs with no spec.secretStoreRef when every entry names its store', async () => {
    const t = setup(externalSecret({ secretStoreRef: undefined, data: [{ secretKey: 'p', remoteRef: { key: 'prod/db', property: 'password' }, sourceRef: { storeRef: { name: 'aws' } } }] }), [secretStore()]);
    await t.reconcile();
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'SecretSynced' });
    expect(t.secrets.store.get('app/db')?.data?.p).toBe(Buffer.from('pw').toString('base64'));
  });
});

describe('ExternalSecret with a generator', () => {
  it('refreshes an ECR token 1 h before its 12 h expiry under refreshInterval 24h, writes the new value, rolls nothing', async () => {
    const t = setup(generatorEs('24h'), []);
    const first = await t.reconcile();
    expect(t.runner.runs).toBe(1);
    expect(t.objects.es.status?.generatedExpiresAt).toBe(new Date(T0 + TOKEN_LIFETIME).toISOString());
    // Due 11 h after generation (12 h − min(1 h, 12 h / 4)), not at the next 24 h wave.
    expect(first.requeueAfterMs).toBe(11 * HOUR);
    t.advance(10 * HOUR);
    await t.reconcile();
    expect(t.runner.runs).toBe(1);
    t.advance(HOUR);
    await t.reconcile();
    expect(t.runner.runs).toBe(2);
    expect(Buffer.from(t.secrets.store.get('app/db')!.data!.password!, 'base64').toString()).toBe('token-2');
    expect(t.objects.es.status?.generatedExpiresAt).toBe(new Date(T0 + 11 * HOUR + TOKEN_LIFETIME).toISOString());
    expect(t.rollouts.request).not.toHaveBeenCalled();
  });

  it('keeps the deadline across a restart (status.generatedExpiresAt + refreshTime)', async () => {
    const t = setup(generatorEs('24h'), []);
    await t.reconcile();
    t.restart();
    t.advance(11 * HOUR);
    await t.reconcile();
    expect(t.runner.runs).toBe(2);
  });

  it('a shorter refreshInterval still regenerates on every refresh (ESO), the expiry does not delay it', async () => {
    const t = setup(generatorEs('1h'), []);
    const first = await t.reconcile();
    expect(first.requeueAfterMs).toBeLessThanOrEqual(HOUR);
    t.advance(first.requeueAfterMs!);
    await t.reconcile();
    expect(t.runner.runs).toBe(2);
  });
});
