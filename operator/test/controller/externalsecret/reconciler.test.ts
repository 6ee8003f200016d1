import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExternalSecret, SecretStore } from '../../../src/api/types.js';
import { ANNOTATION_OWNER, ANNOTATION_ROLLOUT_PENDING, LABEL_MANAGED } from '../../../src/api/types.js';
import { ANNOTATION_ADOPT_ESO } from '../../../src/api/eso.js';
import { ProviderError } from '../../../src/api/provider.js';
import { SharedFetcher } from '../../../src/aws/fetcher.js';
import { FetchingSecretSource } from '../../../src/controller/externalsecret/fetch-desired.js';
import { kubeApiErrorFor } from '../../../src/kube/client/errors.js';
import { ExternalSecretReconciler, ReconcileFailure, type ExternalSecretReconcilerDeps } from '../../../src/controller/externalsecret/reconciler.js';
import { stableOffsetMs, waveStart } from '../../../src/controller/externalsecret/refresh.js';
import { legacyTargetMAC, targetMAC } from '../../../src/controller/externalsecret/drift.js';
import { isDataStripped, secretForCache } from '../../../src/kube/informer/cache-transform.js';
import type { Secret } from '../../../src/kube/client/objects.js';
import type { SecretClient } from '../../../src/kube/ports.js';
import type { RolloutCoordinator, RolloutResult } from '../../../src/rollout/coordinator.js';
import {
  FakeEvents,
  FakeNamespaces,
  FakeProvider,
  FakeSecrets,
  FakeStatus,
  capturedLogger,
  externalSecret,
  secretStore,
} from '../fakes.js';

const SENTINEL = 'hunter2-SENTINEL-value';
const HOUR = 3_600_000;

/** A start time on a wave start of the fixture store's hourly refresh waves (refresh.ts), so delays are round. */
const T0 = waveStart(new Date('2026-03-01T00:00:00Z').getTime(), HOUR, stableOffsetMs('SecretStore/app/aws'));

function setup(
  options: {
    es?: ExternalSecret;
    stores?: SecretStore[];
    namespaceLabels?: Record<string, Record<string, string>>;
    /** The managed-Secret cache (labelled Secrets); `lagging` ones are in the API but not seen yet. */
    cache?: { lagging?: Set<string> };
    /** Other ExternalSecrets of the namespace, by name (every other name finds `es`). */
    others?: ExternalSecret[];
    /**
     * `secrets.get` answers as the manager's cache-first client does: labelled Secrets from a
     * cache that keeps a digest instead of data (not counted as API reads); readLive is the API.
     */
    dataLessCache?: boolean;
    /** Where the Created Event of a new Secret goes (created-events.ts). */
    createdEvents?: ExternalSecretReconcilerDeps['createdEvents'];
  } = {},
) {
  let now = T0;
  const objects = { es: options.es ?? externalSecret() };
  const secrets = new FakeSecrets();
  const status = new FakeStatus((_ns, _name, s) => {
    objects.es = { ...objects.es, status: s };
  });
  const events = new FakeEvents();
  const provider = new FakeProvider();
  provider.set('prod/db', JSON.stringify({ username: 'app', password: SENTINEL }), 'v-1111aaaa');
  const stores = options.stores ?? [secretStore()];
  const rollouts = { request: vi.fn(async (): Promise<RolloutResult> => ({ targets: ['Deployment/web'], unchanged: [], problems: [] })) };
  const requeue = vi.fn();
  const recreateFailed = vi.fn();
  const { logger, output } = capturedLogger();
  const fetcher = new SharedFetcher({ ttlMs: 0, batchWindowMs: 0 });
  /** A reconciler as a fresh operator process builds it: the same API server state, no memory. */
  const start = (rolloutPort: Pick<RolloutCoordinator, 'request'> = rollouts) =>
    new ExternalSecretReconciler({
      externalSecrets: { get: (_ns, name) => options.others?.find((o) => o.metadata.name === name) ?? objects.es },
      stores: {
        secretStore: (ns, name) => stores.find((s) => s.kind === 'SecretStore' && s.metadata.namespace === ns && s.metadata.name === name),
        clusterSecretStore: (name) => stores.find((s) => s.kind === 'ClusterSecretStore' && s.metadata.name === name),
      },
      namespaces: new FakeNamespaces(options.namespaceLabels),
      secrets: options.dataLessCache ? dataLessCacheFirst(secrets) : secrets,
      ...(options.dataLessCache ? { readLive: (ns: string, name: string) => secrets.get(ns, name) } : {}),
      status,
      events,
      ...(options.createdEvents ? { createdEvents: options.createdEvents } : {}),
      source: new FetchingSecretSource({ forStore: async () => ({ identityKey: 'id', provider }) }, fetcher),
      rollouts: rolloutPort,
      requeue,
      managedSecretsOf: (ns, owner) =>
        [...secrets.store.values()].filter((s) => s.metadata?.namespace === ns && s.metadata?.annotations?.[ANNOTATION_OWNER] === owner),
      ...(options.cache
        ? {
            cachedManagedSecret: (ns: string, name: string) => {
              const s = secrets.store.get(`${ns}/${name}`);
              return s?.metadata?.labels?.[LABEL_MANAGED] === 'true' && !options.cache!.lagging?.has(`${ns}/${name}`) ? structuredClone(s) : undefined;
            },
          }
        : {}),
      rolloutRetryMs: 30_000,
      onRecreateFailed: recreateFailed,
      sleep: async () => undefined,
      macKey: MAC_KEY,
      clock: { now: () => new Date(now).getTime() },
      logger,
    });
  const t = {
    reconciler: start(),
    secrets,
    status,
    events,
    provider,
    rollouts,
    requeue,
    recreateFailed,
    output,
    objects,
    advance: (ms: number) => (now += ms),
    reconcile: () => t.reconciler.reconcile('app', objects.es.metadata.name),
    /** The process died; a new one starts with `rolloutPort` as its coordinator. */
    restart: (rolloutPort?: Pick<RolloutCoordinator, 'request'>) => {
      t.reconciler = start(rolloutPort);
    },
    bumpGeneration: () => {
      objects.es = { ...objects.es, metadata: { ...objects.es.metadata, generation: (objects.es.metadata.generation ?? 1) + 1 } };
    },
  };
  return t;
}

const MAC_KEY = Buffer.alloc(32, 7);

/** The manager's cache-first Secret client over a data-less cache (controller/manager.ts). */
function dataLessCacheFirst(api: FakeSecrets): SecretClient {
  const refuseStripped = (s: Secret) => {
    if (isDataStripped(s)) throw new Error('wrote the cache copy back');
    return s;
  };
  return {
    get: async (ns, name) => {
      const s = api.store.get(`${ns}/${name}`);
      if (s?.metadata?.labels?.[LABEL_MANAGED] === 'true') return secretForCache(MAC_KEY)(structuredClone(s));
      return api.get(ns, name);
    },
    create: (s) => api.create(refuseStripped(s)),
    replace: (s) => api.replace(refuseStripped(s)),
    delete: (ns, name) => api.delete(ns, name),
  };
}

describe('ExternalSecretReconciler', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  it('creates the Secret, records versions and reports Ready', async () => {
    const result = await t.reconcile();
    expect(result.requeueAfterMs).toBe(HOUR);
    expect(t.secrets.value('app', 'db', 'password')).toBe(SENTINEL);
    const secret = t.secrets.store.get('app/db')!;
    expect(secret.metadata?.labels?.[LABEL_MANAGED]).toBe('true');
    expect(secret.metadata?.ownerReferences?.[0]?.uid).toBe('es-uid');
    const status = t.objects.es.status!;
    expect(status.conditions?.[0]).toMatchObject({ type: 'Ready', status: 'True', reason: 'SecretSynced' });
    expect(status.syncedVersions).toEqual([{ key: 'password', remoteKey: 'prod/db', versionId: 'v-1111aaaa' }]);
    expect(status.dataMAC).toMatch(/^v2:[0-9a-f]{64}$/);
    expect(status.observedGeneration).toBe(1);
    expect(t.events.reasons()).toEqual(['Normal/Created']);
  });

  it('forgets the status it wrote once the informer delivers a newer object, not an interval later (heap per ExternalSecret, issue #18)', async () => {
    t.objects.es = { ...t.objects.es, metadata: { ...t.objects.es.metadata, resourceVersion: '10' } };
    await t.reconcile();
    expect(t.reconciler.statusesHeld).toBe(1);
    // The informer still has the object the pass read: the written status is still needed.
    t.reconciler.observed(t.objects.es);
    expect(t.reconciler.statusesHeld).toBe(1);
    // Our status write arrives through the watch with a new resourceVersion.
    t.reconciler.observed({ ...t.objects.es, metadata: { ...t.objects.es.metadata, resourceVersion: '11' } });
    expect(t.reconciler.statusesHeld).toBe(0);
  });

  it('hands the Created Event of a new Secret to createdEvents with its store, so a burst is folded per store (issue #18)', async () => {
    const created = vi.fn(async () => undefined);
    const u = setup({ createdEvents: { created } });
    await u.reconcile();
    expect(created).toHaveBeenCalledTimes(1);
    expect(created).toHaveBeenCalledWith(
      { apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', name: 'db', namespace: 'app', uid: 'es-uid' },
      expect.objectContaining({ kind: 'SecretStore', name: 'aws', namespace: 'app' }),
      'created Secret app/db (1 key)',
    );
    expect(u.events.reasons()).toEqual([]);
    // An update is not a creation: its Event is written as before.
    u.provider.set('prod/db', JSON.stringify({ username: 'app', password: 'other' }), 'v-2222bbbb');
    u.advance(HOUR);
    await u.reconcile();
    expect(created).toHaveBeenCalledTimes(1);
    expect(u.events.reasons()).toEqual(['Normal/Updated']);
  });

  it('records its uid on every target it writes, Orphan ones too (rotor.dev/owner-uid: what ties Secret events to it)', async () => {
    for (const creationPolicy of ['Owner', 'Orphan'] as const) {
      const c = setup({ es: externalSecret({ target: { name: 'db', creationPolicy } }) });
      await c.reconcile();
      expect(c.secrets.store.get('app/db')!.metadata?.annotations?.['rotor.dev/owner-uid'], creationPolicy).toBe('es-uid');
    }
  });

  describe('Secrets cached without their data (issue #15, item 6)', () => {
    it('a refresh that changes nothing reads no Secret from the API; a rotation and a repair read it and write the values', async () => {
      const c = setup({ dataLessCache: true });
      await c.reconcile();
      const reads = c.secrets.reads;
      c.advance(HOUR);
      await c.reconcile();
      expect(c.provider.calls).toBe(2);
      expect(c.secrets.reads).toBe(reads);
      expect(c.secrets.writes).toBe(1);

      c.secrets.tamper('app', 'db', { password: Buffer.from('edited').toString('base64') });
      c.advance(1000);
      await c.reconcile();
      expect(c.secrets.value('app', 'db', 'password')).toBe(SENTINEL);

      c.provider.set('prod/db', JSON.stringify({ username: 'app', password: 'rotated' }), 'v-2222bbbb');
      c.advance(HOUR);
      await c.reconcile();
      expect(c.secrets.value('app', 'db', 'password')).toBe('rotated');
      expect(Object.keys(c.secrets.store.get('app/db')!.data ?? {})).toEqual(['password']);
      expect(c.rollouts.request).toHaveBeenCalledTimes(1);
      // The rollout marker is cleared by writing the Secret back: from the API copy, values intact.
      await c.reconcile();
      expect(c.secrets.store.get('app/db')!.metadata?.annotations?.[ANNOTATION_ROLLOUT_PENDING]).toBeUndefined();
      expect(c.secrets.value('app', 'db', 'password')).toBe('rotated');
    });
  });

  describe('upgrade from a status.dataMAC with the cluster-wide key (issue #15, item 7)', () => {
    const content = { data: { password: Buffer.from(SENTINEL) }, type: 'Opaque', labels: {}, annotations: {} };

    /** The state an older Rotor left: v1 MAC in status and on the Secret, no owner-uid annotation. */
    async function writtenByOlderRotor() {
      const c = setup({ dataLessCache: true });
      await c.reconcile();
      const legacy = legacyTargetMAC(MAC_KEY, content);
      c.objects.es = { ...c.objects.es, status: { ...c.objects.es.status, dataMAC: legacy } };
      const annotations = c.secrets.store.get('app/db')!.metadata!.annotations!;
      annotations['rotor.dev/data-mac'] = legacy;
      delete annotations['rotor.dev/owner-uid'];
      c.restart();
      return { c, legacy };
    }

    it('the first pass only rewrites status: no Secret write, no AWS read, no rollout; later refreshes keep the Secret', async () => {
      const { c, legacy } = await writtenByOlderRotor();
      const writes = c.secrets.writes;
      const calls = c.provider.calls;
      const reads = c.secrets.reads;
      c.advance(60_000); // not due: only drift could make this pass sync
      await c.reconcile();
      expect(c.objects.es.status?.dataMAC).toBe(targetMAC(MAC_KEY, 'es-uid', content));
      expect(c.secrets.writes).toBe(writes);
      expect(c.provider.calls).toBe(calls);
      expect(c.secrets.reads).toBe(reads + 1); // the one read that checks the old MAC against the values
      expect(c.rollouts.request).not.toHaveBeenCalled();

      // Next passes: no drift, no read; the refresh leaves the old annotation until the data changes.
      c.advance(60_000);
      await c.reconcile();
      c.advance(HOUR);
      await c.reconcile();
      expect(c.provider.calls).toBe(calls + 1);
      expect(c.secrets.writes).toBe(writes);
      expect(c.secrets.reads).toBe(reads + 1);
      expect(c.secrets.store.get('app/db')!.metadata?.annotations?.['rotor.dev/data-mac']).toBe(legacy);
      expect(c.rollouts.request).not.toHaveBeenCalled();
    });

    it('a Secret edited while the old MAC was on record is still repaired', async () => {
      const { c } = await writtenByOlderRotor();
      c.secrets.tamper('app', 'db', { password: Buffer.from('edited').toString('base64') });
      c.advance(60_000);
      await c.reconcile();
      expect(c.secrets.value('app', 'db', 'password')).toBe(SENTINEL);
      expect(c.objects.es.status?.dataMAC).toBe(targetMAC(MAC_KEY, 'es-uid', content));
    });
  });

  describe('first pass of a new ExternalSecret with the managed-Secret cache', () => {
    it('creates the Secret without reading it from the API first (one round trip fewer)', async () => {
      const c = setup({ cache: {} });
      await c.reconcile();
      expect(c.secrets.value('app', 'db', 'password')).toBe(SENTINEL);
      expect(c.objects.es.status?.conditions?.[0]).toMatchObject({ status: 'True', reason: 'SecretSynced' });
      expect(c.secrets.reads).toBe(0);
      // Later passes (status written) read as before: the cache-first client (here the API).
      c.advance(HOUR);
      await c.reconcile();
      expect(c.secrets.reads).toBe(1);
    });

    it('a Secret that exists but is not ours: the create fails, the pass reads it and refuses to overwrite it', async () => {
      const c = setup({ cache: {} });
      await c.secrets.create({ metadata: { name: 'db', namespace: 'app' }, data: { password: Buffer.from('theirs').toString('base64') } });
      await c.reconcile();
      expect(c.objects.es.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'TargetNotOwned' });
      expect(c.secrets.value('app', 'db', 'password')).toBe('theirs');
      expect(c.secrets.reads).toBe(1);
    });

    it('our Secret that the cache has not seen yet is planned from the API copy, not duplicated', async () => {
      const lagging = new Set<string>();
      const c = setup({ cache: { lagging } });
      await c.reconcile();
      const written = c.secrets.writes;
      // The status write is lost (say the process died): the next process starts without status.
      c.objects.es = { ...c.objects.es, status: undefined };
      lagging.add('app/db');
      c.restart();
      await c.reconcile();
      expect(c.objects.es.status?.conditions?.[0]).toMatchObject({ status: 'True', reason: 'SecretSynced' });
      expect(c.secrets.writes).toBe(written);
      expect(c.secrets.reads).toBe(1);
    });

    it('an ExternalSecret adopting ESO\'s Secret reads it (it exists by design)', async () => {
      const c = setup({ cache: {}, es: externalSecret({}, { annotations: { [ANNOTATION_ADOPT_ESO]: 'db' } }) });
      await c.reconcile();
      expect(c.secrets.reads).toBe(1);
    });

    it('takes ESO\'s Secret over in one update when annotated, and refuses naming ESO\'s ExternalSecret when not', async () => {
      const esoSecret = {
        metadata: {
          name: 'db',
          namespace: 'app',
          labels: { 'reconcile.external-secrets.io/managed': 'true', 'reconcile.external-secrets.io/created-by': 'h' },
          annotations: { 'reconcile.external-secrets.io/data-hash': 'h' },
          ownerReferences: [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: 'db', uid: 'eso-uid', controller: true }],
        },
        data: { password: Buffer.from(SENTINEL).toString('base64') },
      };
      const refused = setup({ cache: {} });
      await refused.secrets.create(structuredClone(esoSecret));
      await refused.reconcile();
      expect(refused.objects.es.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'TargetNotOwned', message: expect.stringMatching(/managed by ESO's ExternalSecret app\/db .*rotor migrate --live/) });

      const c = setup({ cache: {}, es: externalSecret({}, { annotations: { [ANNOTATION_ADOPT_ESO]: 'db' } }) });
      await c.secrets.create(structuredClone(esoSecret));
      const writes = c.secrets.writes;
      await c.reconcile();
      expect(c.secrets.writes - writes).toBe(1);
      const secret = c.secrets.store.get('app/db')!;
      expect(secret.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'ExternalSecret', uid: 'es-uid', controller: true })]);
      expect(Object.keys(secret.metadata?.labels ?? {})).toEqual([LABEL_MANAGED]);
      expect(secret.metadata?.annotations?.['reconcile.external-secrets.io/data-hash']).toBeUndefined();
      expect(c.secrets.value('app', 'db', 'password')).toBe(SENTINEL);
      expect(c.events.reasons()).toContain('Normal/Adopted');
      expect(c.objects.es.status?.conditions?.[0]).toMatchObject({ status: 'True', reason: 'SecretSynced' });
    });

    it('a Merge target is always read from the API', async () => {
      const c = setup({ cache: {}, es: externalSecret({ target: { name: 'db', creationPolicy: 'Merge' } }) });
      await c.secrets.create({ metadata: { name: 'db', namespace: 'app' }, data: { other: Buffer.from('x').toString('base64') } });
      await c.reconcile();
      expect(c.secrets.reads).toBe(1);
      expect(c.secrets.value('app', 'db', 'password')).toBe(SENTINEL);
    });
  });

  it('makes no AWS call and no write before the interval elapses', async () => {
    await t.reconcile();
    const calls = t.provider.calls;
    const writes = t.secrets.writes + t.status.writes;
    t.advance(10 * 60_000);
    expect(await t.reconcile()).toEqual({ requeueAfterMs: 50 * 60_000 });
    expect(t.provider.calls).toBe(calls);
    expect(t.secrets.writes + t.status.writes).toBe(writes);
  });

  it('writes no status for a refresh that changed nothing; refreshTime moves on the 5 minute heartbeat', async () => {
    t = setup({ es: externalSecret({ refreshInterval: '1m' }) });
    await t.reconcile();
    const firstWrite = t.objects.es.status!.refreshTime!;
    const statusWrites = t.status.writes;
    const calls = t.provider.calls;
    for (let minute = 1; minute <= 4; minute++) {
      t.advance(60_000);
      expect(await t.reconcile()).toEqual({ requeueAfterMs: 60_000 });
    }
    expect(t.provider.calls).toBe(calls + 4); // four refreshes read AWS ...
    expect(t.status.writes).toBe(statusWrites); // ... and wrote nothing
    t.advance(60_000);
    await t.reconcile();
    expect(t.status.writes).toBe(statusWrites + 1);
    expect(Date.parse(t.objects.es.status!.refreshTime!) - Date.parse(firstWrite)).toBe(5 * 60_000);
  });

  it('status.syncedResourceVersion is ESO\'s "<generation>-<metadata hash>"; a label change re-syncs and updates it, idle refreshes write nothing', async () => {
    t = setup({ es: externalSecret({ refreshInterval: '1m' }) });
    await t.reconcile();
    const first = t.objects.es.status!.syncedResourceVersion!;
    expect(first).toMatch(new RegExp(`^${t.objects.es.metadata.generation ?? 0}-[0-9a-f]{56}$`));
    const calls = t.provider.calls;
    const writes = t.status.writes;
    // A label edit: no generation change, yet ESO syncs again and records the new version.
    t.objects.es = { ...t.objects.es, metadata: { ...t.objects.es.metadata, labels: { ...t.objects.es.metadata.labels, tier: 'gold' } } };
    await t.reconcile();
    expect(t.provider.calls).toBe(calls + 1);
    expect(t.status.writes).toBe(writes + 1);
    expect(t.objects.es.status!.syncedResourceVersion).not.toBe(first);
    // In step again: the next passes before the interval neither read nor write.
    await t.reconcile();
    t.advance(60_000);
    await t.reconcile();
    expect(t.status.writes).toBe(writes + 1);
  });

  it("status.binding names the target Secret, as ESO's does (not under creationPolicy None); idle passes write nothing", async () => {
    t = setup({ es: externalSecret({ refreshInterval: '1m', target: { name: 'db-creds' } }) });
    await t.reconcile();
    expect(t.objects.es.status!.binding).toEqual({ name: 'db-creds' });
    const writes = t.status.writes;
    t.advance(60_000);
    await t.reconcile();
    expect(t.status.writes).toBe(writes);
    const none = setup({ es: externalSecret({ target: { name: 'db-creds', creationPolicy: 'None' } }) });
    await none.reconcile();
    expect(none.objects.es.status?.binding).toBeUndefined();
  });

  it('writes status with a fresh refreshTime whenever something else in it changes', async () => {
    t = setup({ es: externalSecret({ refreshInterval: '1m' }) });
    await t.reconcile();
    t.advance(60_000);
    t.provider.set('prod/db', JSON.stringify({ username: 'app', password: 'rotated' }), 'v-2222bbbb');
    const writes = t.status.writes;
    await t.reconcile();
    expect(t.status.writes).toBe(writes + 1);
    expect(t.objects.es.status!.refreshTime).toBe(new Date(T0 + 60_000).toISOString());
  });

  it('after a restart: no AWS call and no write for a Secret in sync, and its first refresh is within one interval', async () => {
    await t.reconcile();
    t.advance(7 * HOUR + 1234); // down for hours: refreshTime is long overdue
    t.restart();
    const calls = t.provider.calls;
    const writes = t.secrets.writes + t.status.writes;
    const first = await t.reconcile();
    expect(t.provider.calls).toBe(calls);
    expect(t.secrets.writes + t.status.writes).toBe(writes);
    expect(first.requeueAfterMs).toBeGreaterThan(0);
    expect(first.requeueAfterMs).toBeLessThanOrEqual(HOUR);
    // Other passes before it (informer events) do not move it or fetch.
    t.advance(1000);
    expect(await t.reconcile()).toEqual({ requeueAfterMs: first.requeueAfterMs! - 1000 });
    // At its time it refreshes (and, the heartbeat being overdue only after a restart period, writes nothing).
    t.advance(first.requeueAfterMs! - 1000);
    expect(await t.reconcile()).toEqual({ requeueAfterMs: HOUR });
    expect(t.provider.calls).toBe(calls + 1);
  });

  it('after a restart: a Secret that is missing, or an ExternalSecret whose last sync failed, syncs at once', async () => {
    await t.reconcile();
    t.advance(3 * HOUR);
    t.restart();
    await t.secrets.delete('app', 'db');
    const calls = t.provider.calls;
    await t.reconcile();
    expect(t.provider.calls).toBe(calls + 1);
    expect(t.secrets.value('app', 'db', 'password')).toBe(SENTINEL);

    t.provider.failWith = new ProviderError('Throttled', 'slow down', { retryable: true });
    t.advance(HOUR);
    await expect(t.reconcile()).rejects.toBeInstanceOf(ReconcileFailure);
    t.restart();
    t.provider.failWith = undefined;
    await t.reconcile();
    expect(t.provider.calls).toBe(calls + 3);
    expect(t.objects.es.status!.conditions![0]).toMatchObject({ status: 'True' });
  });

  it('does not rewrite the Secret or roll out when a refresh finds the same version', async () => {
    await t.reconcile();
    t.advance(HOUR);
    await t.reconcile();
    expect(t.secrets.writes).toBe(1);
    expect(t.rollouts.request).not.toHaveBeenCalled();
    expect(t.events.reasons()).toEqual(['Normal/Created']);
  });

  it('follows a rotation and requests a rollout with version identifiers only', async () => {
    await t.reconcile();
    t.provider.set('prod/db', JSON.stringify({ password: 'rotated-value' }), 'v-2222bbbb');
    t.advance(HOUR);
    await t.reconcile();
    expect(t.secrets.value('app', 'db', 'password')).toBe('rotated-value');
    expect(t.objects.es.status?.syncedVersions?.[0]?.versionId).toBe('v-2222bbbb');
    expect(t.rollouts.request).toHaveBeenCalledTimes(1);
    const request = JSON.stringify(t.rollouts.request.mock.calls[0]);
    expect(request).toContain('v-2222bbbb');
    expect(request).not.toContain('rotated-value');
    // The pass does not wait for the (debounced) rollout; its answer brings the ExternalSecret back.
    await vi.waitFor(() => expect(t.requeue).toHaveBeenCalledWith('app', 'db'));
    await t.reconcile();
    expect(t.objects.es.status?.lastRollout?.targets).toEqual(['Deployment/web']);
    expect(t.secrets.store.get('app/db')!.metadata?.annotations?.[ANNOTATION_ROLLOUT_PENDING]).toBeUndefined();
    expect(t.rollouts.request).toHaveBeenCalledTimes(1);
  });

  it('does not roll out when a new version leaves the selected data unchanged', async () => {
    await t.reconcile();
    // Only username changes; the ExternalSecret selects password, whose value stays the same.
    t.provider.set('prod/db', JSON.stringify({ username: 'someone-else', password: SENTINEL }), 'v-3333cccc');
    t.advance(HOUR);
    await t.reconcile();
    expect(t.objects.es.status?.syncedVersions?.[0]?.versionId).toBe('v-3333cccc');
    expect(t.rollouts.request).not.toHaveBeenCalled();
  });

  it('keeps the last good Secret when a refresh fails, and says why in status and events', async () => {
    await t.reconcile();
    t.provider.failWith = new ProviderError('AccessDenied', 'the role needs secretsmanager:GetSecretValue on prod/db', { code: 'AccessDeniedException' });
    t.advance(HOUR);
    await expect(t.reconcile()).rejects.toBeInstanceOf(ReconcileFailure);
    expect(t.secrets.value('app', 'db', 'password')).toBe(SENTINEL);
    expect(t.objects.es.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'AccessDenied' });
    expect(t.objects.es.status?.conditions?.[0]?.message).toMatch(/secretsmanager:GetSecretValue/);
    expect(t.events.reasons()).toContain('Warning/SyncFailed');
  });

  it('a spec error is a terminal failure (no backoff retries) that looks again at the next refresh; an AWS-side one backs off', async () => {
    await t.reconcile();
    t.objects.es = externalSecret({ data: [{ secretKey: 'password', remoteRef: { key: 'prod/db', property: 'no-such-key' } }] });
    t.advance(HOUR);
    const terminal = await t.reconcile().catch((e: unknown) => e);
    expect(terminal).toBeInstanceOf(ReconcileFailure);
    expect(terminal).toMatchObject({ retryable: false, requeueAfterMs: HOUR });
    expect(t.objects.es.status?.conditions?.[0]).toMatchObject({ status: 'False' });
    expect(t.secrets.value('app', 'db', 'password')).toBe(SENTINEL);
    t.objects.es = externalSecret();
    t.provider.failWith = new ProviderError('AccessDenied', 'denied', {});
    t.advance(HOUR);
    await expect(t.reconcile()).rejects.toMatchObject({ retryable: true, requeueAfterMs: undefined });
  });

  it('retries a failed refresh on the next pass (the failure is still due)', async () => {
    await t.reconcile();
    t.provider.failWith = new ProviderError('ProviderUnavailable', 'endpoint unreachable', { retryable: true, unavailable: true });
    t.advance(HOUR);
    await expect(t.reconcile()).rejects.toMatchObject({ retryable: true });
    t.provider.failWith = undefined;
    t.provider.set('prod/db', JSON.stringify({ password: 'after-outage' }), 'v-3');
    await t.reconcile();
    expect(t.secrets.value('app', 'db', 'password')).toBe('after-outage');
    expect(t.objects.es.status?.conditions?.[0]?.status).toBe('True');
  });

  it('names the missing key and region', async () => {
    t.objects.es = externalSecret({ data: [{ secretKey: 'x', remoteRef: { key: 'nope' } }] });
    await expect(t.reconcile()).rejects.toThrow(/nope not found in region us-east-1/);
    expect(t.objects.es.status?.conditions?.[0]?.reason).toBe('SecretMissing');
  });

  it('leaves out an optional key that does not exist', async () => {
    t.objects.es = externalSecret({
      data: [
        { secretKey: 'password', remoteRef: { key: 'prod/db', property: 'password' } },
        { secretKey: 'extra', remoteRef: { key: 'not-there' }, optional: true },
      ],
    });
    await t.reconcile();
    expect(Object.keys(t.secrets.store.get('app/db')!.data!)).toEqual(['password']);
    expect(t.objects.es.status?.conditions?.[0]?.message).toMatch(/optional keys not found and left out: extra/);
  });

  it('reports an invalid spec without calling AWS', async () => {
    t.objects.es = externalSecret({ data: [{ secretKey: 'p', remoteRef: { key: 'prod/db', property: 'a', jmesPath: 'b' } }] });
    await t.reconcile();
    expect(t.provider.calls).toBe(0);
    expect(t.objects.es.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(t.objects.es.status?.conditions?.[0]?.message).toMatch(/spec\.data\[0\]\.remoteRef/);
  });

  it('reports invalid JSON for a property without quoting the value', async () => {
    t.provider.set('prod/db', `not-json-${SENTINEL}`, 'v-9');
    await expect(t.reconcile()).rejects.toThrow(/not valid JSON/);
    expect(JSON.stringify(t.objects.es.status)).not.toContain(SENTINEL);
    expect(JSON.stringify(t.events.events)).not.toContain(SENTINEL);
  });

  it('reports a missing store', async () => {
    t = setup({ stores: [] });
    // Not a backoff retry (no ReconcileFailure): creating the store requeues it; the periodic refresh looks again.
    expect(await t.reconcile()).toEqual({ requeueAfterMs: HOUR });
    expect(t.objects.es.status?.conditions?.[0]?.message).toMatch(/SecretStore app\/aws not found/);
    expect(t.objects.es.status?.conditions?.[0]?.reason).toBe('StoreNotFound');
  });

  it('enforces ClusterSecretStore conditions on every reconcile', async () => {
    const store = secretStore('ClusterSecretStore', { conditions: [{ namespaceSelector: { matchLabels: { team: 'payments' } } }] });
    t = setup({ es: externalSecret({ secretStoreRef: { name: 'aws', kind: 'ClusterSecretStore' } }), stores: [store], namespaceLabels: { app: { team: 'web' } } });
    // Looked at again at the next refresh wave of the ClusterSecretStore (its own phase).
    const { requeueAfterMs } = await t.reconcile();
    expect(requeueAfterMs).toBeGreaterThan(0);
    expect(requeueAfterMs).toBeLessThanOrEqual(HOUR);
    expect(t.objects.es.status?.conditions?.[0]?.message).toMatch(/does not allow namespace app.*spec\.conditions\[0\]/);
    expect(t.objects.es.status?.conditions?.[0]?.reason).toBe('StoreNotAllowed');
    expect(t.provider.calls).toBe(0);
  });

  it('a failure only a Kubernetes change can heal waits for that change (or the periodic refresh), never backs off', async () => {
    await t.secrets.create({ metadata: { name: 'db', namespace: 'app' }, data: { mine: 'eA==' } });
    for (const [refreshPolicy, expected] of [['Periodic', { requeueAfterMs: HOUR }], ['OnChange', {}]] as const) {
      t.objects.es = externalSecret({ refreshPolicy });
      const result = await t.reconcile();
      expect(result, refreshPolicy).toEqual(expected);
      expect(t.objects.es.status?.conditions?.[0], refreshPolicy).toMatchObject({ status: 'False', reason: 'TargetNotOwned' });
    }
    // Once the blocking Secret is gone, the next pass (the failure is still due) creates it.
    await t.secrets.delete('app', 'db');
    t.objects.es = externalSecret({ refreshPolicy: 'OnChange' });
    await t.reconcile();
    expect(t.secrets.value('app', 'db', 'password')).toBe(SENTINEL);
    // An AWS-side failure still backs off: nothing in the cluster would tell us it healed.
    t.provider.failWith = new ProviderError('AccessDenied', 'denied', {});
    t.advance(HOUR);
    t.objects.es = externalSecret();
    await expect(t.reconcile()).rejects.toBeInstanceOf(ReconcileFailure);
  });

  it('refuses to overwrite a Secret it does not own', async () => {
    await t.secrets.create({ metadata: { name: 'db', namespace: 'app' }, data: { mine: 'eA==' } });
    expect(await t.reconcile()).toEqual({ requeueAfterMs: HOUR });
    expect(t.objects.es.status?.conditions?.[0]?.message).toMatch(/already exists.*creationPolicy: Merge/);
    expect(t.secrets.store.get('app/db')!.data).toEqual({ mine: 'eA==' });
    expect(t.objects.es.status?.conditions?.[0]?.reason).toBe('TargetNotOwned');
  });

  it('repairs a managed Secret someone edited, detected by MAC without a refresh being due', async () => {
    await t.reconcile();
    t.secrets.tamper('app', 'db', { password: Buffer.from('edited').toString('base64') });
    t.advance(60_000);
    await t.reconcile();
    expect(t.secrets.value('app', 'db', 'password')).toBe(SENTINEL);
  });

  it('repairs the metadata it owns from the watch event alone, without a refresh being due', async () => {
    t.objects.es = externalSecret({ target: { template: { metadata: { labels: { team: 'payments' }, annotations: { note: 'from-template' } } } } });
    await t.reconcile();
    const edits: Array<[string, (s: import('../../../src/kube/client/objects.js').Secret) => void]> = [
      ['managed label removed', (s) => delete s.metadata!.labels![LABEL_MANAGED]],
      ['template label edited', (s) => (s.metadata!.labels!.team = 'someone-else')],
      ['template label removed', (s) => delete s.metadata!.labels!.team],
      ['template annotation edited', (s) => (s.metadata!.annotations!.note = 'edited')],
      ['owner annotation removed', (s) => delete s.metadata!.annotations![ANNOTATION_OWNER]],
      ['owner reference removed', (s) => delete s.metadata!.ownerReferences],
    ];
    for (const [what, edit] of edits) {
      edit(t.secrets.store.get('app/db')!);
      t.advance(1000);
      const calls = t.provider.calls;
      await t.reconcile();
      const secret = t.secrets.store.get('app/db')!;
      expect(t.provider.calls, what).toBeGreaterThan(calls);
      expect(secret.metadata?.labels, what).toMatchObject({ [LABEL_MANAGED]: 'true', team: 'payments' });
      expect(secret.metadata?.annotations, what).toMatchObject({ note: 'from-template', [ANNOTATION_OWNER]: 'app/db' });
      expect(secret.metadata?.ownerReferences?.[0]?.uid, what).toBe('es-uid');
    }
    // Labels and annotations that are not Rotor's are left alone and trigger nothing.
    t.secrets.store.get('app/db')!.metadata!.labels!['other-tool'] = 'x';
    const calls = t.provider.calls;
    await t.reconcile();
    expect(t.provider.calls).toBe(calls);
    expect(t.rollouts.request).not.toHaveBeenCalled();
  });

  it('refreshForRollout: the next pass reads AWS now (Periodic only) and the promise settles after it', async () => {
    await t.reconcile();
    t.provider.set('prod/db', JSON.stringify({ password: 'rotated-alongside' }), 'v-2222bbbb');
    t.advance(60_000); // not due for another 59 minutes
    let settled = false;
    const done = t.reconciler.refreshForRollout('app', 'db').then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 0));
    expect(settled).toBe(false);
    await t.reconcile();
    await done;
    expect(t.secrets.value('app', 'db', 'password')).toBe('rotated-alongside');
    expect(t.rollouts.request).toHaveBeenCalledTimes(1);

    t = setup({ es: externalSecret({ refreshPolicy: 'OnChange' }) });
    await t.reconcile();
    t.provider.set('prod/db', JSON.stringify({ password: 'rotated-alongside' }), 'v-2222bbbb');
    const calls = t.provider.calls;
    const waiting = t.reconciler.refreshForRollout('app', 'db');
    await t.reconcile();
    await waiting;
    expect(t.provider.calls, 'OnChange does not follow rotations').toBe(calls);
  });

  it('refreshForEvent: the next pass reads AWS now and records status.lastEvent in its one status write; a failed pass keeps the event for its retry', async () => {
    await t.reconcile();
    const writes = t.status.writes;
    t.provider.set('prod/db', JSON.stringify({ password: 'rotated' }), 'v-2222bbbb');
    t.advance(60_000); // not due for another 59 minutes
    const event = { time: '2026-03-01T00:00:30.000Z', type: 'SecretLabelUpdated', source: 'aws.secretsmanager' };
    t.provider.failWith = new ProviderError('ProviderUnavailable', 'endpoint down', { retryable: true, unavailable: true });
    t.reconciler.refreshForEvent('app', 'db', { event, receivedAtMs: T0 + 59_000 });
    await expect(t.reconcile()).rejects.toBeInstanceOf(ReconcileFailure);
    t.provider.failWith = undefined;
    const afterFailure = t.status.writes;
    await t.reconcile();
    expect(t.secrets.value('app', 'db', 'password')).toBe('rotated');
    expect(t.objects.es.status?.lastEvent).toEqual(event);
    expect(t.status.writes - afterFailure, 'one status write for the refresh, lastEvent in it').toBe(1);
    expect(afterFailure - writes).toBe(1); // the failure's Ready=False
    // Taken: the next pass is back to the schedule.
    const calls = t.provider.calls;
    await t.reconcile();
    expect(t.provider.calls).toBe(calls);
  });

  it('refreshForEvent with a rotation outcome sets AWSRotation (transition time = event time) and keeps it across a later plain change', async () => {
    await t.reconcile();
    t.advance(60_000);
    const failedAt = '2026-03-01T00:00:40.000Z';
    t.reconciler.refreshForEvent('app', 'db', { event: { time: failedAt, type: 'RotationFailed', source: 'aws.secretsmanager' }, receivedAtMs: T0, rotation: 'Failed' });
    t.reconciler.refreshForEvent('app', 'db', { event: { time: failedAt, type: 'PutSecretValue', source: 'aws.secretsmanager' }, receivedAtMs: T0 });
    await t.reconcile();
    expect(t.objects.es.status?.conditions?.find((c) => c.type === 'AWSRotation')).toMatchObject({ status: 'False', reason: 'RotationFailed', lastTransitionTime: failedAt });
    expect(t.objects.es.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(t.objects.es.status?.lastEvent?.type).toBe('PutSecretValue');
    t.advance(60_000);
    t.reconciler.refreshForEvent('app', 'db', { event: { time: '2026-03-01T00:02:00.000Z', type: 'RotationSucceeded', source: 'aws.secretsmanager' }, receivedAtMs: T0, rotation: 'Succeeded' });
    await t.reconcile();
    expect(t.objects.es.status?.conditions?.find((c) => c.type === 'AWSRotation')).toMatchObject({ status: 'True', reason: 'RotationSucceeded' });
  });

  it('a store spec change re-syncs a periodic ExternalSecret now; OnChange and CreatedOnce do not follow it (ESO)', async () => {
    t = setup({ es: externalSecret({ refreshInterval: '10h' }) });
    await t.reconcile();
    t.provider.set('prod/db', JSON.stringify({ password: 'from-the-new-store' }), 'v-2222bbbb');
    t.advance(HOUR);
    await t.reconcile();
    expect(t.secrets.value('app', 'db', 'password'), 'Periodic: not yet its wave').toBe(SENTINEL);
    t.reconciler.storeChanged('app', 'db');
    await t.reconcile();
    expect(t.secrets.value('app', 'db', 'password')).toBe('from-the-new-store');
    for (const refreshPolicy of ['OnChange', 'CreatedOnce'] as const) {
      t = setup({ es: externalSecret({ refreshPolicy }) });
      await t.reconcile();
      t.provider.set('prod/db', JSON.stringify({ password: 'from-the-new-store' }), 'v-2222bbbb');
      t.reconciler.storeChanged('app', 'db');
      const calls = t.provider.calls;
      await t.reconcile();
      expect(t.secrets.value('app', 'db', 'password'), refreshPolicy).toBe(SENTINEL);
      expect(t.provider.calls, refreshPolicy).toBe(calls);
    }
  });

  it('a store spec change made while no operator ran re-syncs a periodic ExternalSecret after the restart (status.syncedStore)', async () => {
    const store = secretStore();
    store.metadata.uid = 'store-uid';
    const r = setup({ es: externalSecret({ refreshInterval: '10h' }), stores: [store] });
    await r.reconcile();
    expect(r.objects.es.status?.syncedStore).toBe('store-uid/1');
    r.provider.set('prod/db', JSON.stringify({ password: 'from-the-new-store' }), 'v-2222bbbb');
    r.restart();
    r.advance(HOUR);
    await r.reconcile();
    expect(r.secrets.value('app', 'db', 'password'), 'same store, not yet its wave').toBe(SENTINEL);
    // Edited while the operator was down: no watch event reaches the new process, only the status remembers.
    store.metadata.generation = 2;
    r.restart();
    await r.reconcile();
    expect(r.secrets.value('app', 'db', 'password')).toBe('from-the-new-store');
    expect(r.objects.es.status?.syncedStore).toBe('store-uid/2');
    const calls = r.provider.calls;
    await r.reconcile();
    expect(r.provider.calls, 'once').toBe(calls);
  });

  it('a status written before syncedStore existed is not a store change (no re-sync of everything at upgrade)', async () => {
    const store = secretStore();
    store.metadata.uid = 'store-uid';
    const r = setup({ es: externalSecret({ refreshPolicy: 'OnChange' }), stores: [store] });
    await r.reconcile();
    const { syncedStore: _dropped, ...older } = r.objects.es.status!;
    r.objects.es = { ...r.objects.es, status: older };
    store.metadata.generation = 5;
    r.provider.set('prod/db', JSON.stringify({ password: 'from-the-new-store' }), 'v-2222bbbb');
    r.restart();
    await r.reconcile();
    expect(r.secrets.value('app', 'db', 'password')).toBe(SENTINEL);
  });

  it('renaming spec.target.name deletes the Secret it owned under the old name, after writing the new one', async () => {
    t.objects.es = externalSecret({ target: { creationPolicy: 'Owner' } });
    await t.reconcile();
    // A Secret of the same name pattern it never owned stays whatever happens.
    await t.secrets.create({ metadata: { name: 'unrelated', namespace: 'app', annotations: { [ANNOTATION_OWNER]: 'app/db' } }, data: {} });
    t.objects.es = { ...t.objects.es, spec: { ...t.objects.es.spec, target: { name: 'db-v2', creationPolicy: 'Owner' } } };
    t.bumpGeneration();
    await t.reconcile();
    expect(t.secrets.value('app', 'db-v2', 'password')).toBe(SENTINEL);
    expect(t.secrets.store.has('app/db')).toBe(false);
    expect(t.secrets.store.has('app/unrelated')).toBe(true);
    expect(t.events.events.find((e) => e.reason === 'Deleted')?.message).toMatch(/deleted Secret app\/db: spec\.target\.name is now db-v2/);
  });

  it('renaming spec.target.name leaves an Orphan target behind', async () => {
    t.objects.es = externalSecret({ target: { creationPolicy: 'Orphan' } });
    await t.reconcile();
    t.objects.es = { ...t.objects.es, spec: { ...t.objects.es.spec, target: { name: 'db-v2', creationPolicy: 'Orphan' } } };
    t.bumpGeneration();
    await t.reconcile();
    expect(t.secrets.store.has('app/db-v2')).toBe(true);
    expect(t.secrets.store.has('app/db')).toBe(true);
  });

  it('re-creates a managed Secret someone deleted', async () => {
    await t.reconcile();
    await t.secrets.delete('app', 'db');
    await t.reconcile();
    expect(t.secrets.value('app', 'db', 'password')).toBe(SENTINEL);
  });

  it('resyncs at once when the spec changes', async () => {
    await t.reconcile();
    t.objects.es = { ...t.objects.es, spec: { ...t.objects.es.spec, data: [{ secretKey: 'user', remoteRef: { key: 'prod/db', property: 'username' } }] } };
    t.bumpGeneration();
    await t.reconcile();
    expect(t.secrets.value('app', 'db', 'user')).toBe('app');
    expect(t.objects.es.status?.observedGeneration).toBe(2);
  });

  it('honours rotor.dev/force-sync', async () => {
    await t.reconcile();
    const calls = t.provider.calls;
    t.advance(1000);
    const later = String(Math.floor((new Date('2026-03-01T00:00:01Z').getTime() + 500) / 1000) + 1);
    t.objects.es = { ...t.objects.es, metadata: { ...t.objects.es.metadata, annotations: { 'rotor.dev/force-sync': later } } };
    await t.reconcile();
    expect(t.provider.calls).toBe(calls + 1);
    await t.reconcile();
    expect(t.provider.calls).toBe(calls + 1);
  });

  it("honours ESO's external-secrets.io/force-sync like rotor.dev/force-sync", async () => {
    await t.reconcile();
    // A status without syncedResourceVersion (written before the field): an annotation change is
    // then no metadata change, so only the force-sync itself can ask for the refresh.
    delete t.objects.es.status!.syncedResourceVersion;
    const calls = t.provider.calls;
    t.advance(1000);
    const later = String(Math.floor((new Date('2026-03-01T00:00:01Z').getTime() + 500) / 1000) + 1);
    t.objects.es = { ...t.objects.es, metadata: { ...t.objects.es.metadata, annotations: { 'external-secrets.io/force-sync': later } } };
    await t.reconcile();
    expect(t.provider.calls).toBe(calls + 1);
    await t.reconcile();
    expect(t.provider.calls).toBe(calls + 1);
  });

  it('deletionPolicy Delete removes the Secret once every remote secret is gone', async () => {
    t.objects.es = externalSecret({ target: { deletionPolicy: 'Delete', creationPolicy: 'Owner' } });
    await t.reconcile();
    t.provider.values.clear();
    t.advance(HOUR);
    await t.reconcile();
    expect(t.secrets.store.has('app/db')).toBe(false);
    expect(t.objects.es.status?.conditions?.[0]?.reason).toBe('SecretDeleted');
  });

  it('deletionPolicy Delete with creationPolicy Orphan (admitted, as ESO): syncs, and when the remote secrets are gone fails and keeps the Secret', async () => {
    t.objects.es = externalSecret({ target: { deletionPolicy: 'Delete', creationPolicy: 'Orphan' } });
    await t.reconcile();
    expect(t.secrets.value('app', 'db', 'password')).toBe(SENTINEL);
    t.provider.values.clear();
    t.advance(HOUR);
    await t.reconcile().catch(() => undefined);
    expect(t.secrets.store.has('app/db')).toBe(true);
    const ready = t.objects.es.status?.conditions?.[0];
    expect(ready).toMatchObject({ status: 'False', reason: 'SecretSyncedError' });
    expect(ready?.message).toMatch(/deletionPolicy Delete deletes only a Secret the ExternalSecret owns and spec\.target\.creationPolicy is Orphan: Secret db is kept; set creationPolicy Owner/);
  });

  it('deletionPolicy Delete never deletes a Secret that changed after the decision: 409, retried from a re-read', async () => {
    t.objects.es = externalSecret({ target: { deletionPolicy: 'Delete', creationPolicy: 'Owner' } });
    await t.reconcile();
    t.provider.values.clear();
    t.advance(HOUR);
    // Someone writes the Secret between the operator's read and its delete.
    const realDelete = t.secrets.delete.bind(t.secrets);
    const deletes: unknown[] = [];
    t.secrets.delete = async (ns, name, expected) => {
      deletes.push(expected);
      if (deletes.length === 1) t.secrets.tamper(ns, name, { other: 'eA==' });
      return realDelete(ns, name, expected);
    };
    const failure = await t.reconcile().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ReconcileFailure);
    expect((failure as ReconcileFailure).retryable).toBe(true);
    expect(t.secrets.store.has('app/db')).toBe(true);
    expect(deletes[0]).toMatchObject({ resourceVersion: expect.any(String) });
    await t.reconcile(); // the retry reads the Secret again and decides on that version
    expect(t.secrets.store.has('app/db')).toBe(false);
  });

  it('deletionPolicy Delete: later refreshes keep reporting SecretDeleted, without failing or warning again', async () => {
    t.objects.es = externalSecret({ target: { deletionPolicy: 'Delete', creationPolicy: 'Owner' } });
    await t.reconcile();
    t.provider.values.clear();
    t.advance(HOUR);
    await t.reconcile();
    const events = t.events.events.length;
    t.advance(HOUR);
    await expect(t.reconcile()).resolves.toBeDefined();
    expect(t.secrets.store.has('app/db')).toBe(false);
    expect(t.objects.es.status?.conditions?.[0]?.reason).toBe('SecretDeleted');
    expect(t.events.events.length).toBe(events);

    // Re-created in AWS: synced again.
    t.provider.set('prod/db', JSON.stringify({ password: SENTINEL }), 'v-2222bbbb');
    t.advance(HOUR);
    await t.reconcile();
    expect(t.secrets.value('app', 'db', 'password')).toBe(SENTINEL);
    expect(t.objects.es.status?.conditions?.[0]?.reason).toBe('SecretSynced');
  });

  it('deletionPolicy Delete never reports SecretDeleted for a remote secret that never existed', async () => {
    t.provider.values.clear();
    t.objects.es = externalSecret({ target: { deletionPolicy: 'Delete', creationPolicy: 'Owner' } });
    await expect(t.reconcile()).rejects.toThrow(/not found/);
    expect(t.objects.es.status?.conditions?.[0]?.reason).toBe('SecretMissing');
  });

  it('a pass that starts before the informer saw our status write works from that status: no false drift, lastRollout kept', async () => {
    t.objects.es = externalSecret({}, { resourceVersion: '7' });
    await t.reconcile();
    t.objects.es = { ...t.objects.es, metadata: { ...t.objects.es.metadata, resourceVersion: '8' } }; // informer caught up
    t.provider.set('prod/db', JSON.stringify({ username: 'app', password: `${SENTINEL}-2` }), 'v-2222bbbb');
    t.advance(HOUR);
    const stale = structuredClone(t.objects.es);
    await t.reconcile();
    expect(t.rollouts.request).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => expect(t.requeue).toHaveBeenCalled());
    await t.reconcile();
    expect(t.objects.es.status?.lastRollout?.targets).toEqual(['Deployment/web']);
    const writes = { status: t.status.writes, secrets: t.secrets.writes };

    // Our Secret write triggers the next pass at once; the informer still holds the object
    // from before our status write (same resourceVersion).
    t.objects.es = stale;
    await t.reconcile();
    expect(t.status.writes, 'no status written from the stale copy').toBe(writes.status);
    expect(t.secrets.writes).toBe(writes.secrets);
    expect(t.output()).not.toContain('target-drifted');

    // Once the informer has a newer object, it is used as it is.
    t.objects.es = { ...stale, metadata: { ...stale.metadata, resourceVersion: '9' }, spec: { ...stale.spec, refreshInterval: '2h' }, status: { ...stale.status, refreshTime: undefined } };
    t.bumpGeneration();
    await t.reconcile();
    expect(t.status.writes).toBe(writes.status + 1);
    expect(t.rollouts.request).toHaveBeenCalledTimes(1);
  });

  it('deletionPolicy Retain keeps the Secret when the remote secret is gone', async () => {
    await t.reconcile();
    t.provider.values.clear();
    t.advance(HOUR);
    await expect(t.reconcile()).rejects.toThrow(/not found/);
    expect(t.secrets.value('app', 'db', 'password')).toBe(SENTINEL);
  });

  it('Merge writes its keys into an existing Secret without taking ownership', async () => {
    await t.secrets.create({ metadata: { name: 'db', namespace: 'app' }, data: { other: 'b3RoZXI=' } });
    t.objects.es = externalSecret({ target: { creationPolicy: 'Merge' } });
    await t.reconcile();
    const secret = t.secrets.store.get('app/db')!;
    expect(secret.data?.other).toBe('b3RoZXI=');
    expect(t.secrets.value('app', 'db', 'password')).toBe(SENTINEL);
    expect(secret.metadata?.ownerReferences).toBeUndefined();
    expect(secret.metadata?.annotations?.[ANNOTATION_OWNER]).toBe('app/db');
  });

  it('Merge refuses a Secret another ExternalSecret owns, naming it in status and a Warning, and leaves the Secret alone', async () => {
    const owner = externalSecret({ target: { name: 'db' } }, { name: 'owner-es', uid: 'owner-uid' });
    const c = setup({ others: [owner], es: externalSecret({ target: { name: 'db', creationPolicy: 'Merge' } }, { name: 'merger', uid: 'merger-uid' }) });
    await c.secrets.create({
      metadata: {
        name: 'db',
        namespace: 'app',
        labels: { [LABEL_MANAGED]: 'true' },
        annotations: { [ANNOTATION_OWNER]: 'app/owner-es' },
        ownerReferences: [{ apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', name: 'owner-es', uid: 'owner-uid', controller: true }],
      },
      data: { user: 'YXBw' },
    });
    const writes = c.secrets.writes;
    await c.reconcile();
    expect(c.secrets.writes).toBe(writes);
    expect(c.secrets.store.get('app/db')!.data).toEqual({ user: 'YXBw' });
    expect(c.objects.es.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'TargetNotOwned' });
    expect(c.objects.es.status?.conditions?.[0]?.message).toContain('is owned by ExternalSecret app/owner-es');
    expect(c.events.events.find((e) => e.type === 'Warning')?.message).toContain('ExternalSecret app/owner-es');
    // Once the owner stops writing the Secret whole (here: it merges too), the keys go in.
    owner.spec.target = { name: 'db', creationPolicy: 'Merge' };
    c.advance(HOUR);
    await c.reconcile();
    expect(c.secrets.value('app', 'db', 'password')).toBe(SENTINEL);
  });

  describe('re-creating an immutable Secret (delete, then create)', () => {
    const unavailable = () => kubeApiErrorFor(503, { reason: 'ServiceUnavailable', message: 'etcdserver: request timed out' }, 'POST /api/v1/namespaces/app/secrets');
    const rotate = async (c: ReturnType<typeof setup>) => {
      await c.reconcile();
      c.provider.set('prod/db', JSON.stringify({ password: `${SENTINEL}-2` }), 'v-2');
      c.advance(HOUR);
    };

    it.each([1, 2])('retries a create that failed %i time(s) at once: the new Secret stands, no Warning', async (failures) => {
      const c = setup({ es: externalSecret({ target: { name: 'db', immutable: true } }) });
      await rotate(c);
      const create = vi.spyOn(c.secrets, 'create');
      for (let i = 0; i < failures; i++) create.mockRejectedValueOnce(unavailable());
      await c.reconcile();
      expect(create).toHaveBeenCalledTimes(failures + 1);
      expect(c.secrets.value('app', 'db', 'password')).toBe(`${SENTINEL}-2`);
      expect(c.secrets.store.get('app/db')!.immutable).toBe(true);
      expect(c.events.reasons()).not.toContain('Warning/RecreateFailed');
      expect(c.recreateFailed).not.toHaveBeenCalled();
    });

    it('a create that keeps failing: Warning naming the gap, metric, backoff; the next pass creates the Secret', async () => {
      const c = setup({ es: externalSecret({ target: { name: 'db', immutable: true } }) });
      await rotate(c);
      const create = vi.spyOn(c.secrets, 'create').mockRejectedValue(unavailable());
      await expect(c.reconcile()).rejects.toBeInstanceOf(ReconcileFailure);
      expect(create).toHaveBeenCalledTimes(4);
      expect(c.secrets.store.has('app/db')).toBe(false);
      expect(c.recreateFailed).toHaveBeenCalledTimes(1);
      const warning = c.events.events.find((e) => e.reason === 'RecreateFailed');
      expect(warning?.type).toBe('Warning');
      expect(warning?.message).toMatch(/Secret app\/db was deleted to re-create it .* failed 4 times .* missing until a retry succeeds/);
      expect(c.objects.es.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'SecretSyncedError' });
      expect(JSON.stringify([c.events.events, c.objects.es.status, c.output()])).not.toContain(SENTINEL);
      create.mockRestore();
      await c.reconcile();
      expect(c.secrets.value('app', 'db', 'password')).toBe(`${SENTINEL}-2`);
    });
  });

  it('refuses a Secret over the 1 MiB Kubernetes limit with advice, keeping the last good one', async () => {
    await t.reconcile();
    t.provider.set('prod/db', JSON.stringify({ password: 'x'.repeat(1024 * 1024 + 1) }), 'v-big');
    t.advance(HOUR);
    await expect(t.reconcile()).rejects.toThrow(/over the Kubernetes limit of 1 MiB; select fewer keys/);
    expect(t.secrets.value('app', 'db', 'password')).toBe(SENTINEL);
    expect(t.objects.es.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'SecretSyncedError' });
  });

  it('never writes a secret value to the log, status or events', async () => {
    await t.reconcile();
    t.provider.set('prod/db', JSON.stringify({ password: `${SENTINEL}-2` }), 'v-2');
    t.advance(HOUR);
    await t.reconcile();
    t.provider.failWith = new ProviderError('AccessDenied', 'denied', {});
    t.advance(HOUR);
    await t.reconcile().catch(() => undefined);
    expect(t.output().length).toBeGreaterThan(0);
    expect(t.output()).not.toContain(SENTINEL);
    expect(JSON.stringify(t.objects.es.status)).not.toContain(SENTINEL);
    expect(JSON.stringify(t.events.events)).not.toContain(SENTINEL);
  });
});
