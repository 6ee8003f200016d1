// A rotation's rollout survives the operator dying at any point between writing the Secret
// and clearing the rollout-pending marker: a new process (a new reconciler and coordinator
// over the same API server state) completes it, and restarts each workload exactly once.
import { describe, expect, it, vi } from 'vitest';
import { ANNOTATION_ROLLOUT_PENDING, ANNOTATION_RESTARTED_FOR, type ExternalSecret } from '../../../src/api/types.js';
import { SharedFetcher } from '../../../src/aws/fetcher.js';
import { ExternalSecretReconciler } from '../../../src/controller/externalsecret/reconciler.js';
import { FetchingSecretSource } from '../../../src/controller/externalsecret/fetch-desired.js';
import { RolloutCoordinator, type RolloutResult } from '../../../src/rollout/coordinator.js';
import { versionHash } from '../../../src/rollout/restarted-for.js';
import { FakeEventRecorder, FakeWorkloadClient } from '../../rollout/fakes.js';
import { FakeEvents, FakeNamespaces, FakeProvider, FakeSecrets, FakeStatus, capturedLogger, externalSecret, secretStore } from '../fakes.js';

const HOUR = 3_600_000;

type RolloutPort = Pick<RolloutCoordinator, 'request'>;

function cluster() {
  let now = new Date('2026-03-01T00:00:00Z').getTime();
  const objects: { es: ExternalSecret } = { es: externalSecret({ rollout: { targets: [{ kind: 'Deployment', name: 'web' }] } }) };
  const secrets = new FakeSecrets();
  const status = new FakeStatus((_ns, _name, s) => {
    objects.es = { ...objects.es, status: s };
  });
  const provider = new FakeProvider();
  provider.set('prod/db', JSON.stringify({ password: 'first' }), 'v-1111aaaa');
  const workloads = new FakeWorkloadClient().add({ kind: 'Deployment', name: 'web', namespace: 'app' });
  const requeue = vi.fn();
  const { logger } = capturedLogger();
  /** What a fresh operator process builds: no memory, only the API server's state. */
  const processWith = (rollouts: RolloutPort) =>
    new ExternalSecretReconciler({
      externalSecrets: { get: () => objects.es },
      stores: { secretStore: () => secretStore(), clusterSecretStore: () => undefined },
      namespaces: new FakeNamespaces(),
      secrets,
      status,
      events: new FakeEvents(),
      source: new FetchingSecretSource({ forStore: async () => ({ identityKey: 'id', provider }) }, new SharedFetcher({ ttlMs: 0, batchWindowMs: 0 })),
      rollouts,
      requeue,
      rolloutRetryMs: 30_000,
      macKey: Buffer.alloc(32, 7),
      clock: { now: () => new Date(now).getTime() },
      logger,
    });
  const coordinator = (debounceMs = 1) => new RolloutCoordinator({ workloads, events: new FakeEventRecorder(), debounceMs });
  /** A coordinator whose debounce window never ends: the process dies before it flushes. */
  const dying: RolloutPort = { request: () => new Promise<RolloutResult>(() => undefined) };
  return {
    objects,
    secrets,
    status,
    provider,
    workloads,
    requeue,
    processWith,
    /**
     * A process that has been running for a while: it has made its first pass (after a start,
     * a Secret in sync is refreshed at the next refresh wave, not at once).
     */
    async running(rollouts: RolloutPort) {
      const reconciler = processWith(rollouts);
      await reconciler.reconcile('app', 'db');
      return reconciler;
    },
    coordinator,
    dying,
    advance: (ms: number) => (now += ms),
    marker: () => secrets.store.get('app/db')?.metadata?.annotations?.[ANNOTATION_ROLLOUT_PENDING],
    rotate(value: string, versionId: string) {
      provider.set('prod/db', JSON.stringify({ password: value }), versionId);
      now += HOUR;
    },
    /** Runs passes the way the work queue would until the rollout has answered and been recorded. */
    async settle(reconciler: ExternalSecretReconciler) {
      await vi.waitFor(() => expect(requeue).toHaveBeenCalled());
      requeue.mockClear();
      await reconciler.reconcile('app', 'db');
    },
  };
}

describe('durable rollouts', () => {
  it('never marks or restarts on the first sync, nor on a restart with nothing new', async () => {
    const c = cluster();
    await c.processWith(c.coordinator()).reconcile('app', 'db');
    expect(c.marker()).toBeUndefined();
    const next = c.processWith(c.coordinator());
    await next.reconcile('app', 'db');
    c.advance(HOUR);
    await next.reconcile('app', 'db');
    expect(c.workloads.patches).toHaveLength(0);
    expect(c.requeue).not.toHaveBeenCalled();
  });

  it('records the rollout on the Secret in the same write as the rotated data', async () => {
    const c = cluster();
    const p = await c.running(c.dying);
    const writes = c.secrets.writes;
    c.rotate('second', 'v-2222bbbb');
    await p.reconcile('app', 'db');
    expect(c.secrets.writes).toBe(writes + 1);
    expect(c.secrets.value('app', 'db', 'password')).toBe('second');
    expect(c.marker()).toBe('prod/db@v-2222bbbb');
  });

  it('the process dies in the debounce window after the Secret write: the next process restarts the workload once', async () => {
    const c = cluster();
    await c.processWith(c.coordinator()).reconcile('app', 'db');
    const dying = await c.running(c.dying);
    c.rotate('second', 'v-2222bbbb');
    await dying.reconcile('app', 'db');
    expect(c.workloads.patches).toHaveLength(0);

    const next = c.processWith(c.coordinator());
    await next.reconcile('app', 'db');
    await c.settle(next);
    expect(c.workloads.patches).toHaveLength(1);
    expect(c.marker()).toBeUndefined();
    expect(c.objects.es.status?.lastRollout?.targets).toEqual(['Deployment/web']);

    // Exactly once: later passes and later processes restart nothing more.
    await next.reconcile('app', 'db');
    const third = c.processWith(c.coordinator());
    c.advance(HOUR);
    await third.reconcile('app', 'db');
    expect(c.workloads.patches).toHaveLength(1);
  });

  it('the process dies after the Secret write but before the status write: the rollout still happens once', async () => {
    const c = cluster();
    await c.processWith(c.coordinator()).reconcile('app', 'db');
    const dying = await c.running(c.dying);
    c.rotate('second', 'v-2222bbbb');
    const write = c.status.externalSecret.bind(c.status);
    c.status.externalSecret = async () => {
      throw new Error('process killed');
    };
    await expect(dying.reconcile('app', 'db')).rejects.toThrow();
    c.status.externalSecret = write;
    expect(c.objects.es.status?.syncedVersions?.[0]?.versionId, 'status still names the old version').toBe('v-1111aaaa');

    const next = c.processWith(c.coordinator());
    await next.reconcile('app', 'db');
    await c.settle(next);
    expect(c.workloads.patches).toHaveLength(1);
    expect(c.objects.es.status?.syncedVersions?.[0]?.versionId).toBe('v-2222bbbb');
    expect(c.marker()).toBeUndefined();
  });

  it('the process dies after the patch but before the marker is cleared: the workload is not restarted again', async () => {
    const c = cluster();
    const first = await c.running(c.coordinator());
    c.rotate('second', 'v-2222bbbb');
    await first.reconcile('app', 'db');
    await vi.waitFor(() => expect(c.workloads.patches).toHaveLength(1));
    await vi.waitFor(() => expect(c.requeue).toHaveBeenCalled());
    c.requeue.mockClear();
    // ...and dies before the pass that would clear the marker.
    expect(c.marker()).toBe('prod/db@v-2222bbbb');

    const next = c.processWith(c.coordinator());
    await next.reconcile('app', 'db');
    await c.settle(next);
    expect(c.workloads.patches).toHaveLength(1);
    expect(c.marker()).toBeUndefined();
    expect(c.objects.es.status?.lastRollout?.targets, 'recorded from what the workload carries').toEqual(['Deployment/web']);
    expect(c.workloads.find('Deployment', 'web', 'app')?.templateAnnotations?.[ANNOTATION_RESTARTED_FOR]).toMatch(/^db=[0-9a-f]{16}$/);
  });

  it('a newer rotation before the old rollout ran restarts once, for the newest versions', async () => {
    const c = cluster();
    await c.processWith(c.coordinator()).reconcile('app', 'db');
    const dying = await c.running(c.dying);
    c.rotate('second', 'v-2222bbbb');
    await dying.reconcile('app', 'db');
    c.rotate('third', 'v-3333cccc');
    // A debounce window longer than a few passes, as in production (2 s).
    const next = c.processWith(c.coordinator(50));
    // The first pass asks for the recorded rollout; the Secret being in sync with its status,
    // the refresh waits for the next wave, which finds the newer version and asks for that:
    // both land in one debounce window, the later ask wins.
    await next.reconcile('app', 'db');
    expect(c.marker()).toBe('prod/db@v-2222bbbb');
    c.advance(HOUR);
    await next.reconcile('app', 'db');
    expect(c.marker()).toBe('prod/db@v-3333cccc');
    await c.settle(next);
    expect(c.marker()).toBeUndefined();
    expect(c.workloads.patches).toHaveLength(1);
    expect(c.workloads.patches[0]?.annotations[ANNOTATION_RESTARTED_FOR]).toBe(`db=${versionHash('prod/db@v-3333cccc')}`);
  });

  it('a failed patch keeps the marker and asks again after the retry delay', async () => {
    const c = cluster();
    await c.processWith(c.coordinator()).reconcile('app', 'db');
    c.rotate('second', 'v-2222bbbb');
    const answers: RolloutResult[] = [
      { targets: [], unchanged: [], problems: ['could not restart Deployment/web (HTTP 500); see the operator log'], retry: true },
      { targets: ['Deployment/web'], unchanged: [], problems: [] },
    ];
    const request = vi.fn(async () => answers.shift()!);
    const p = c.processWith({ request });
    await p.reconcile('app', 'db'); // first pass of the process: in sync, nothing asked
    expect(request).not.toHaveBeenCalled();
    c.advance(HOUR);
    await p.reconcile('app', 'db');
    await vi.waitFor(() => expect(c.requeue).toHaveBeenCalled());
    c.requeue.mockClear();
    const result = await p.reconcile('app', 'db');
    expect(result.requeueAfterMs).toBeLessThanOrEqual(30_000);
    expect(c.marker()).toBe('prod/db@v-2222bbbb');
    expect(request).toHaveBeenCalledTimes(1);
    c.advance(30_000);
    await p.reconcile('app', 'db');
    expect(request).toHaveBeenCalledTimes(2);
    await c.settle(p);
    expect(c.marker()).toBeUndefined();
  });
});
