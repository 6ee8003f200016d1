import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Lease } from '../../../src/kube/client/objects.js';
import { ConflictError, KubeApiError, kubeApiErrorFor } from '../../../src/kube/client/errors.js';
import { LeaderElector, kubeLeaseApi, type LeaseApi } from '../../../src/kube/informer/leader.js';
import { LeadershipLostError, WriteFence } from '../../../src/kube/client/write-fence.js';

/** One Lease store shared by all candidates, with resourceVersion checks like the API server. */
class FakeLeaseStore {
  lease: Lease | undefined;
  private rv = 1;
  writes = 0;

  /** A candidate's view; `partitioned()` makes its calls fail like a network split. */
  client(partitioned: () => boolean = () => false): LeaseApi {
    const guard = () => {
      if (partitioned()) throw new KubeApiError(0, 'connect ECONNREFUSED');
    };
    return {
      get: async () => {
        guard();
        // Round-trip through JSON like the wire: MicroTimes come back as strings.
        return this.lease ? (JSON.parse(JSON.stringify(this.lease)) as Lease) : undefined;
      },
      create: async (lease) => {
        guard();
        if (this.lease) throw new ConflictError('create Lease: already exists', 'AlreadyExists');
        this.lease = this.store(lease);
        return this.lease;
      },
      replace: async (lease) => {
        guard();
        if (lease.metadata?.resourceVersion !== this.lease?.metadata?.resourceVersion) {
          throw new ConflictError('update Lease: the object has been modified', 'Conflict');
        }
        this.lease = this.store(lease);
        return this.lease;
      },
    };
  }

  private store(lease: Lease): Lease {
    this.writes++;
    const stored = JSON.parse(JSON.stringify(lease)) as Lease;
    stored.metadata = { ...stored.metadata, resourceVersion: String(++this.rv) };
    return stored;
  }
}

function candidate(store: FakeLeaseStore, identity: string, partitioned?: () => boolean) {
  const log: string[] = [];
  const elector = new LeaderElector({
    lease: store.client(partitioned),
    namespace: 'rotor-system',
    name: 'rotor-leader',
    identity,
    random: () => 0.5,
    onStartedLeading: () => log.push('started'),
    onStoppedLeading: () => log.push('stopped'),
  });
  return { elector, log };
}

describe('LeaderElector', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('creates the Lease and leads; a second candidate stays standby', async () => {
    const store = new FakeLeaseStore();
    const a = candidate(store, 'pod-a');
    const b = candidate(store, 'pod-b');
    a.elector.start();
    await vi.advanceTimersByTimeAsync(0);
    b.elector.start();
    for (let i = 0; i < 30; i++) {
      await vi.advanceTimersByTimeAsync(1000);
      expect(a.elector.isLeader()).toBe(true);
      expect(b.elector.isLeader()).toBe(false);
    }
    expect(a.log).toEqual(['started']);
    expect(b.log).toEqual([]);
    expect(b.elector.currentLeader()).toBe('pod-a');
    const spec = store.lease!.spec!;
    expect(spec.holderIdentity).toBe('pod-a');
    expect(spec.leaseDurationSeconds).toBe(15);
    expect(spec.leaseTransitions).toBe(0);
    // MicroTime with six fractional digits, as the API server requires.
    expect(String(spec.renewTime)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    await a.elector.stop();
    await b.elector.stop();
  });

  it('only one of two candidates started together wins', async () => {
    const store = new FakeLeaseStore();
    const a = candidate(store, 'pod-a');
    const b = candidate(store, 'pod-b');
    a.elector.start();
    b.elector.start();
    await vi.advanceTimersByTimeAsync(20_000);
    expect([a.elector.isLeader(), b.elector.isLeader()].filter(Boolean)).toHaveLength(1);
    await a.elector.stop();
    await b.elector.stop();
  });

  it('a leader that cannot renew steps down; the standby takes over only after the lease expired', async () => {
    const store = new FakeLeaseStore();
    let split = false;
    const a = candidate(store, 'pod-a', () => split);
    const b = candidate(store, 'pod-b');
    a.elector.start();
    await vi.advanceTimersByTimeAsync(0);
    b.elector.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(a.elector.isLeader()).toBe(true);

    split = true;
    const splitAt = Date.now();
    let aSteppedDownAt: number | undefined;
    let bLeadsAt: number | undefined;
    for (let t = 0; t < 40_000; t += 100) {
      await vi.advanceTimersByTimeAsync(100);
      // Never two leaders at once.
      expect(a.elector.isLeader() && b.elector.isLeader()).toBe(false);
      if (!a.elector.isLeader() && aSteppedDownAt === undefined) aSteppedDownAt = Date.now() - splitAt;
      if (b.elector.isLeader() && bLeadsAt === undefined) bLeadsAt = Date.now() - splitAt;
    }
    // Renew deadline 10s after the last successful renewal (up to one retry period before the split).
    expect(aSteppedDownAt).toBeGreaterThanOrEqual(8_000);
    expect(aSteppedDownAt).toBeLessThanOrEqual(12_000);
    // Lease duration 15s from b's last observation of a renewal, and strictly after a let go.
    expect(bLeadsAt).toBeGreaterThanOrEqual(13_000);
    expect(bLeadsAt).toBeLessThanOrEqual(20_000);
    expect(bLeadsAt!).toBeGreaterThan(aSteppedDownAt!);
    expect(a.log).toEqual(['started', 'stopped']);
    expect(b.log).toEqual(['started']);
    expect(store.lease!.spec!.holderIdentity).toBe('pod-b');
    expect(store.lease!.spec!.leaseTransitions).toBe(1);

    // When the split heals, a does not grab it back.
    split = false;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(b.elector.isLeader()).toBe(true);
    await a.elector.stop();
    await b.elector.stop();
  });

  it('stop() releases the Lease so the standby takes over at its next retry', async () => {
    const store = new FakeLeaseStore();
    const a = candidate(store, 'pod-a');
    const b = candidate(store, 'pod-b');
    a.elector.start();
    await vi.advanceTimersByTimeAsync(0);
    b.elector.start();
    await vi.advanceTimersByTimeAsync(4000);
    await a.elector.stop();
    expect(a.log).toEqual(['started', 'stopped']);
    expect(store.lease!.spec!.holderIdentity).toBe('');
    expect(store.lease!.spec!.leaseDurationSeconds).toBe(1);
    // retryPeriod 2s * (1 + 1.2 * 0.5) = 3.2s at most, far below the 15s lease.
    await vi.advanceTimersByTimeAsync(3300);
    expect(b.elector.isLeader()).toBe(true);
    await b.elector.stop();
  });

  it('stop() leaves no timers and calls no hooks for a standby', async () => {
    const store = new FakeLeaseStore();
    const a = candidate(store, 'pod-a');
    const b = candidate(store, 'pod-b');
    a.elector.start();
    await vi.advanceTimersByTimeAsync(0);
    b.elector.start();
    await vi.advanceTimersByTimeAsync(5000);
    await b.elector.stop();
    await a.elector.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(b.log).toEqual([]);
    const writes = store.writes;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(store.writes).toBe(writes);
  });

  it('a candidate whose write loses a race (409) does not lead', async () => {
    const store = new FakeLeaseStore();
    const api = store.client();
    // Another writer sneaks in between our read and our write.
    const racing: LeaseApi = {
      ...api,
      replace: async (lease) => {
        await store.client().replace({ ...(await api.get('', ''))!, spec: { holderIdentity: 'intruder', leaseDurationSeconds: 15 } });
        return api.replace(lease);
      },
    };
    await api.create({ metadata: { name: 'rotor-leader', namespace: 'rotor-system' }, spec: { holderIdentity: '', leaseDurationSeconds: 1 } });
    const elector = new LeaderElector({ lease: racing, namespace: 'rotor-system', name: 'rotor-leader', identity: 'pod-a' });
    elector.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(elector.isLeader()).toBe(false);
    expect(store.lease!.spec!.holderIdentity).toBe('intruder');
    await elector.stop();
  });

  it('steps down when a renewal hangs past the renew deadline', async () => {
    const store = new FakeLeaseStore();
    const api = store.client();
    let hang = false;
    const hanging: LeaseApi = { ...api, get: (ns, n) => (hang ? new Promise(() => {}) : api.get(ns, n)) };
    const log: string[] = [];
    const elector = new LeaderElector({
      lease: hanging,
      namespace: 'n',
      name: 'l',
      identity: 'pod-a',
      onStoppedLeading: () => log.push('stopped'),
    });
    elector.start();
    await vi.advanceTimersByTimeAsync(3000);
    expect(elector.isLeader()).toBe(true);
    hang = true;
    await vi.advanceTimersByTimeAsync(12_500);
    expect(elector.isLeader()).toBe(false);
    expect(log).toEqual(['stopped']);
    hang = false;
    await elector.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  describe('term counted from the start of the last renewal; writes fenced', () => {
    /** A leader whose Lease calls can be made to hang or answer late, with a write fence. */
    function hangable() {
      const store = new FakeLeaseStore();
      const api = store.client();
      const control = { hang: false, replaceDelayMs: 0, onReplace: (_lease: Lease) => {} };
      const lease: LeaseApi = {
        ...api,
        get: (ns, n) => (control.hang ? new Promise(() => {}) : api.get(ns, n)),
        replace: async (l) => {
          if (control.replaceDelayMs > 0) await new Promise((r) => setTimeout(r, control.replaceDelayMs));
          control.onReplace(l);
          return api.replace(l);
        },
      };
      const log: Array<[string, number]> = [];
      const fence = new WriteFence();
      const elector = new LeaderElector({
        lease,
        namespace: 'n',
        name: 'l',
        identity: 'pod-a',
        writeFence: fence,
        onStartedLeading: () => log.push(['started', Date.now()]),
        onStoppedLeading: () => log.push(['stopped', Date.now()]),
      });
      /** Stops it, letting a hung attempt run into its deadline. */
      const stop = async () => {
        control.hang = false;
        const stopping = elector.stop();
        await vi.advanceTimersByTimeAsync(20_000);
        await stopping;
      };
      return { store, control, log, fence, elector, stop };
    }

    it('steps down at renewal start + renewDeadline while the next renewal hangs, not when it times out', async () => {
      const h = hangable();
      const t0 = Date.now();
      h.elector.start();
      await vi.advanceTimersByTimeAsync(5_000); // renewals started at 0, 2 s and 4 s succeeded
      h.control.hang = true; // the one at 6 s never answers
      await vi.advanceTimersByTimeAsync(8_999);
      expect(h.elector.isLeader()).toBe(true);
      expect(h.log.map(([e]) => e)).toEqual(['started']);
      await vi.advanceTimersByTimeAsync(1);
      // 4 s + 10 s: on time, although the hung request has 2 s left before it times out.
      expect(h.log).toEqual([['started', t0], ['stopped', t0 + 14_000]]);
      expect(h.elector.isLeader()).toBe(false);
      await h.stop();
    });

    it('counts the term from when a slow renewal was sent, not from when its answer came', async () => {
      const h = hangable();
      const t0 = Date.now();
      h.elector.start();
      await vi.advanceTimersByTimeAsync(5_000);
      h.control.replaceDelayMs = 5_000; // the renewal sent at 6 s is answered at 11 s
      await vi.advanceTimersByTimeAsync(5_500);
      h.control.hang = true; // and nothing answers after it
      await vi.advanceTimersByTimeAsync(20_000);
      // The write may have landed at 6 s, so the term ends at 6 + 10 s, not 11 + 10 s.
      expect(h.log).toEqual([['started', t0], ['stopped', t0 + 16_000]]);
      await h.stop();
    });

    it('fences writes at renewal start + leaseDuration - margin: admitted before, refused and aborted after', async () => {
      const h = hangable();
      const t0 = Date.now();
      expect(() => h.fence.admit('PATCH secret')).toThrow(LeadershipLostError); // not leading yet
      h.elector.start();
      await vi.advanceTimersByTimeAsync(5_000);
      h.control.hang = true; // last good renewal started at 4 s
      const inFlight = h.fence.admit('PUT /api/v1/namespaces/a/secrets/db'); // a write sent while still leading
      await vi.advanceTimersByTimeAsync(t0 + 14_000 - Date.now()); // stepped down: the drain may still write
      expect(h.elector.isLeader()).toBe(false);
      expect(h.fence.open).toBe(true);
      expect(inFlight.aborted).toBe(false);
      await vi.advanceTimersByTimeAsync(3_999); // 17.999 s
      expect(() => h.fence.admit('PATCH status')).not.toThrow();
      await vi.advanceTimersByTimeAsync(1); // 4 s + 15 s lease - 1 s margin
      expect(inFlight.aborted).toBe(true);
      expect(inFlight.reason).toBeInstanceOf(LeadershipLostError);
      expect(() => h.fence.admit('PATCH status')).toThrow('PATCH status: refused: the leader Lease was not renewed in time; only the leader writes');
      await h.stop();
    });

    it('steps down and fences at once when another replica holds the Lease', async () => {
      const h = hangable();
      h.elector.start();
      await vi.advanceTimersByTimeAsync(3_000);
      const inFlight = h.fence.admit('PATCH x');
      // Someone else's write (e.g. a replica whose clock ran fast) took it over.
      await h.store.client().replace({ ...h.store.lease!, spec: { ...h.store.lease!.spec, holderIdentity: 'pod-b' } });
      await vi.advanceTimersByTimeAsync(2_000);
      expect(h.elector.isLeader()).toBe(false);
      expect(h.log.map(([e]) => e)).toEqual(['started', 'stopped']);
      expect(inFlight.aborted).toBe(true);
      expect(() => h.fence.admit('PATCH y')).toThrow('PATCH y: refused: replica pod-b holds the leader Lease; only the leader writes');
      await h.elector.stop();
    });

    it('stop() closes the fence before it releases the Lease', async () => {
      const h = hangable();
      h.elector.start();
      await vi.advanceTimersByTimeAsync(3_000);
      expect(h.fence.open).toBe(true); // opened by the renewals
      const openWhenReleased: boolean[] = [];
      h.control.onReplace = (lease) => {
        if (lease.spec?.holderIdentity === '') openWhenReleased.push(h.fence.open);
      };
      await h.elector.stop();
      expect(openWhenReleased).toEqual([false]);
      expect(h.store.lease!.spec!.holderIdentity).toBe('');
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  it('keeps renewing when a leadership callback throws', async () => {
    const store = new FakeLeaseStore();
    const elector = new LeaderElector({
      lease: store.client(),
      namespace: 'n',
      name: 'l',
      identity: 'pod-a',
      onStartedLeading: () => {
        throw new Error('callback bug');
      },
    });
    elector.start();
    await vi.advanceTimersByTimeAsync(0);
    const writes = store.writes;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(elector.isLeader()).toBe(true);
    expect(store.writes).toBe(writes + 5);
    await elector.stop();
  });

  it('rejects a renew deadline that is not shorter than the lease', () => {
    const store = new FakeLeaseStore();
    expect(
      () => new LeaderElector({ lease: store.client(), namespace: 'n', name: 'l', identity: 'x', leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }),
    ).toThrow(/renewDeadline/);
  });
});

describe('kubeLeaseApi', () => {
  it('maps 404 to undefined and 409 to ConflictError', async () => {
    const notFound = kubeApiErrorFor(404, { kind: 'Status', code: 404, reason: 'NotFound', message: 'leases "l" not found' }, 'GET lease');
    const conflict = kubeApiErrorFor(409, { kind: 'Status', code: 409, reason: 'Conflict', message: 'the object has been modified' }, 'PUT lease');
    const api = kubeLeaseApi({
      readNamespacedLease: async () => {
        throw notFound;
      },
      createNamespacedLease: async () => {
        throw conflict;
      },
      replaceNamespacedLease: async () => {
        throw conflict;
      },
    });
    await expect(api.get('ns', 'l')).resolves.toBeUndefined();
    await expect(api.create({ metadata: { name: 'l', namespace: 'ns' } })).rejects.toBeInstanceOf(ConflictError);
    await expect(api.replace({ metadata: { name: 'l', namespace: 'ns' } })).rejects.toThrow('update Lease ns/l: the object has been modified');
  });
});
