import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue, type HandlerResult } from '../../../src/controller/runtime/workqueue.js';
import { backoffDelayMs } from '../../../src/platform/backoff.js';
import { ReconcileFailure } from '../../../src/controller/runtime/reconcile.js';

/** A handler whose calls stay pending until the test settles them. */
function controllableHandler() {
  const calls: string[] = [];
  const pending = new Map<string, { resolve: (r?: HandlerResult) => void; reject: (e: unknown) => void }[]>();
  const handler = vi.fn((key: string) => {
    calls.push(key);
    return new Promise<HandlerResult | void>((resolve, reject) => {
      const list = pending.get(key) ?? [];
      list.push({ resolve, reject });
      pending.set(key, list);
    });
  });
  const settle = (key: string) => {
    const list = pending.get(key);
    const next = list?.shift();
    if (!next) throw new Error(`no pending call for ${key}`);
    return next;
  };
  return {
    handler,
    calls,
    running: () => [...pending.entries()].filter(([, l]) => l.length > 0).map(([k]) => k),
    finish: (key: string, result?: HandlerResult) => settle(key).resolve(result),
    fail: (key: string, error: unknown = new Error('boom')) => settle(key).reject(error),
  };
}

const flush = () => vi.advanceTimersByTimeAsync(0);

describe('WorkQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('dedupes a key added many times before it runs', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ handler: h.handler });
    q.add('a');
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.depth).toBe(2);
    q.start();
    await flush();
    expect(h.calls).toEqual(['a']);
    h.finish('a');
    await flush();
    h.finish('b');
    await flush();
    expect(h.calls).toEqual(['a', 'b']);
    expect(q.depth).toBe(0);
  });

  it('processes a key re-added while running once more afterwards, never concurrently', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ handler: h.handler, concurrency: 4 });
    q.start();
    q.add('a');
    await flush();
    expect(h.running()).toEqual(['a']);
    q.add('a');
    q.add('a');
    await flush();
    // Still only one call despite free workers: the key is dirty, not queued.
    expect(h.calls).toEqual(['a']);
    expect(q.depth).toBe(0);
    h.finish('a');
    await flush();
    expect(h.calls).toEqual(['a', 'a']);
    h.finish('a');
    await flush();
    expect(h.calls).toEqual(['a', 'a']);
  });

  it('never runs more handlers than the concurrency bound', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ handler: h.handler, concurrency: 2 });
    q.start();
    for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
    await flush();
    expect(h.running().sort()).toEqual(['a', 'b']);
    expect(q.inFlight).toBe(2);
    expect(q.depth).toBe(3);
    h.finish('b');
    await flush();
    expect(h.running().sort()).toEqual(['a', 'c']);
    h.finish('a');
    h.finish('c');
    await flush();
    expect(h.running().sort()).toEqual(['d', 'e']);
  });

  // Issue 8 item 3: one store whose endpoint hangs held every worker; other tenants waited.
  it('a group at its limit keeps its keys queued without a worker; other groups go on', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ handler: h.handler, concurrency: 4, groupOf: (key) => key.split(':')[0]!, maxPerGroup: 2 });
    q.start();
    for (let i = 1; i <= 8; i++) q.add(`slow:${i}`);
    await flush();
    expect(h.running().sort()).toEqual(['slow:1', 'slow:2']);
    expect(q.depth).toBe(6);
    q.add('fast:a');
    q.add('other:b');
    await flush();
    expect(h.running().sort()).toEqual(['fast:a', 'other:b', 'slow:1', 'slow:2']);
    h.finish('fast:a');
    q.add('fast:c');
    await flush();
    // The free worker goes to fast:c, not to a third slow key.
    expect(h.running().sort()).toEqual(['fast:c', 'other:b', 'slow:1', 'slow:2']);
    h.finish('fast:c');
    await flush();
    expect(h.running().sort()).toEqual(['other:b', 'slow:1', 'slow:2']);
    h.finish('slow:1');
    await flush();
    expect(h.running().sort()).toEqual(['other:b', 'slow:2', 'slow:3']);
  });

  it('serves groups round-robin, so a long queue of one group does not delay another', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ handler: h.handler, concurrency: 1, groupOf: (key) => key.split(':')[0]! });
    for (let i = 1; i <= 3; i++) q.add(`big:${i}`);
    q.add('small:1');
    q.start();
    for (const expected of ['big:1', 'small:1', 'big:2', 'big:3']) {
      await flush();
      expect(h.running()).toEqual([expected]);
      h.finish(expected);
    }
  });

  it('a failing key of a limited group frees its slot for the group', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ handler: h.handler, concurrency: 4, groupOf: () => 'one', maxPerGroup: 1 });
    q.start();
    q.add('a');
    q.add('b');
    await flush();
    expect(h.running()).toEqual(['a']);
    h.fail('a');
    await flush();
    expect(h.running()).toEqual(['b']);
  });

  it('waits for start() before running anything', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ handler: h.handler });
    q.add('a');
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.calls).toEqual([]);
    q.start();
    await flush();
    expect(h.calls).toEqual(['a']);
  });

  it('retries a throwing key with exponential backoff and records retries', async () => {
    const errors: [string, number][] = [];
    const retries = vi.fn();
    const h = controllableHandler();
    const q = new WorkQueue({
      handler: h.handler,
      backoff: { baseMs: 1000, maxMs: 10_000, jitter: 0 },
      metrics: { incRetries: retries },
      onError: (key, _e, n) => errors.push([key, n]),
    });
    q.start();
    q.add('a');
    await flush();
    const expectedDelays = [1000, 2000, 4000, 8000, 10_000, 10_000];
    for (const [i, delay] of expectedDelays.entries()) {
      h.fail('a');
      await flush();
      expect(q.retries('a')).toBe(i + 1);
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(h.calls.length).toBe(i + 1);
      await vi.advanceTimersByTimeAsync(1);
      expect(h.calls.length).toBe(i + 2);
    }
    expect(retries).toHaveBeenCalledTimes(expectedDelays.length);
    expect(errors.map(([, n]) => n)).toEqual([1, 2, 3, 4, 5, 6]);
    // Success forgets the failures.
    h.finish('a');
    await flush();
    expect(q.retries('a')).toBe(0);
  });

  it('a retryable ReconcileFailure backs off like any error', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ handler: h.handler, backoff: { baseMs: 1000, maxMs: 10_000, jitter: 0 } });
    q.start();
    q.add('a');
    await flush();
    h.fail('a', new ReconcileFailure('throttled', true, 60_000));
    await flush();
    expect(q.retries('a')).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.calls).toEqual(['a', 'a']);
  });

  it('a terminal (non-retryable) ReconcileFailure is not retried: backoff reset, back only at its requeueAfterMs', async () => {
    const errors: [string, number][] = [];
    const retries = vi.fn();
    const h = controllableHandler();
    const q = new WorkQueue({
      handler: h.handler,
      backoff: { baseMs: 1000, maxMs: 10_000, jitter: 0 },
      metrics: { incRetries: retries },
      onError: (key, _e, n) => errors.push([key, n]),
    });
    q.start();
    q.add('a');
    await flush();
    h.fail('a'); // one ordinary failure first: its backoff must not survive the terminal one
    await vi.advanceTimersByTimeAsync(1000);
    expect(q.retries('a')).toBe(1);
    h.fail('a', new ReconcileFailure('spec.target.template: bad', false, 60_000));
    await flush();
    expect(q.retries('a')).toBe(0);
    expect(retries).toHaveBeenCalledTimes(1);
    expect(errors).toEqual([['a', 1], ['a', 0]]);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(h.calls).toEqual(['a', 'a']);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.calls).toEqual(['a', 'a', 'a']);
    // Without requeueAfterMs it waits for someone to add it (a watch event).
    h.fail('a', new ReconcileFailure('bad', false));
    await vi.advanceTimersByTimeAsync(24 * 3_600_000);
    expect(h.calls).toHaveLength(3);
    expect(q.delayedCount).toBe(0);
    q.add('a');
    await flush();
    expect(h.calls).toHaveLength(4);
  });

  it('keeps jittered backoff within [base*2^(n-1), cap] and reaches the cap', () => {
    const policy = { baseMs: 1000, maxMs: 300_000, jitter: 0.2 };
    for (let attempt = 1; attempt <= 20; attempt++) {
      const floor = Math.min(policy.maxMs, 1000 * 2 ** (attempt - 1));
      const low = backoffDelayMs(attempt, policy, () => 0);
      const high = backoffDelayMs(attempt, policy, () => 0.999999);
      expect(low).toBe(floor);
      expect(high).toBeGreaterThanOrEqual(low);
      expect(high).toBeLessThanOrEqual(Math.min(policy.maxMs, Math.ceil(floor * 1.2)));
    }
    expect(backoffDelayMs(9, policy, () => 0)).toBe(256_000);
    expect(backoffDelayMs(10, policy, () => 0)).toBe(300_000);
    expect(backoffDelayMs(10_000, policy, () => 0.5)).toBe(300_000);
    expect(backoffDelayMs(0, policy)).toBe(0);
    // Jitter actually spreads delays.
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(4400);
  });

  it('uses the injected randomness for jitter in the queue', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ handler: h.handler, backoff: { baseMs: 1000, maxMs: 60_000, jitter: 0.5 }, random: () => 0.5 });
    q.start();
    q.add('a');
    await flush();
    h.fail('a');
    await flush();
    await vi.advanceTimersByTimeAsync(1249);
    expect(h.calls.length).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.calls.length).toBe(2);
  });

  it('forget() resets the backoff of a key', async () => {
    const q = new WorkQueue({ handler: async () => {}, backoff: { baseMs: 1000, maxMs: 60_000, jitter: 0 } });
    q.addRateLimited('a');
    q.addRateLimited('a');
    q.addRateLimited('a');
    expect(q.retries('a')).toBe(3);
    q.forget('a');
    expect(q.retries('a')).toBe(0);
    q.addRateLimited('a');
    expect(q.retries('a')).toBe(1);
  });

  it('addAfter: the earliest requested time wins', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ handler: h.handler });
    q.start();
    q.addAfter('a', 5000);
    q.addAfter('a', 2000); // earlier: replaces
    q.addAfter('a', 10_000); // later: ignored
    expect(q.delayedCount).toBe(1);
    await vi.advanceTimersByTimeAsync(1999);
    expect(h.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.calls).toEqual(['a']);
    h.finish('a');
    await vi.advanceTimersByTimeAsync(20_000);
    // The replaced 5s and ignored 10s requests left no timers behind.
    expect(h.calls).toEqual(['a']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('requeues after the delay a handler asks for and forgets failures', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ handler: h.handler, backoff: { baseMs: 1000, maxMs: 60_000, jitter: 0 } });
    q.start();
    q.add('a');
    await flush();
    h.fail('a');
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.calls.length).toBe(2);
    h.finish('a', { requeueAfterMs: 60_000 });
    await flush();
    expect(q.retries('a')).toBe(0);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(h.calls.length).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.calls.length).toBe(3);
  });

  it('handles delays longer than the 24.8-day setTimeout limit', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ handler: h.handler });
    q.start();
    const thirtyDays = 30 * 24 * 3600_000;
    q.addAfter('a', thirtyDays);
    await vi.advanceTimersByTimeAsync(thirtyDays - 1000);
    expect(h.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.calls).toEqual(['a']);
  });

  it('reports depth and handler durations through the metric hooks', async () => {
    const depths: number[] = [];
    const durations: [number, string][] = [];
    const h = controllableHandler();
    const q = new WorkQueue({
      handler: h.handler,
      metrics: { setDepth: (d) => depths.push(d), observeDuration: (s, o) => durations.push([s, o]) },
    });
    q.add('a');
    q.add('b');
    expect(depths.at(-1)).toBe(2);
    q.start();
    await flush();
    expect(depths.at(-1)).toBe(1);
    await vi.advanceTimersByTimeAsync(1500);
    h.finish('a');
    await flush();
    h.fail('b');
    await flush();
    expect(durations[0]).toEqual([1.5, 'success']);
    expect(durations[1]).toEqual([0, 'error']);
    expect(depths.at(-1)).toBe(0);
    await q.shutdown();
  });

  it('counts adds (not deduplicated ones) and reports how long a key waited in the queue', async () => {
    let adds = 0;
    const waits: number[] = [];
    const h = controllableHandler();
    const q = new WorkQueue({ handler: h.handler, metrics: { incAdds: () => adds++, observeQueueDuration: (s) => waits.push(s) } });
    q.add('a');
    q.add('a');
    await vi.advanceTimersByTimeAsync(2000);
    q.start();
    await flush();
    expect(adds).toBe(1);
    expect(waits).toEqual([2]);
    q.add('a'); // dirty while processing: queued again when the handler finishes
    await vi.advanceTimersByTimeAsync(500);
    h.finish('a');
    await flush();
    expect(adds).toBe(2);
    expect(waits).toEqual([2, 0]);
    h.finish('a');
    await flush();
    await q.shutdown();
  });

  it('shutdown() stops accepting keys, clears timers and waits for running handlers', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ handler: h.handler, concurrency: 2 });
    q.start();
    q.add('a');
    q.add('b');
    q.add('c');
    q.addAfter('d', 10_000);
    q.addRateLimited('e');
    await flush();
    expect(h.running().sort()).toEqual(['a', 'b']);

    let drained: boolean | undefined;
    const done = q.shutdown(5000).then((r) => (drained = r));
    q.add('f');
    q.addAfter('g', 1);
    await flush();
    expect(drained).toBeUndefined();
    h.finish('a');
    await flush();
    expect(drained).toBeUndefined();
    h.finish('b');
    await done;
    expect(drained).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    // Queued 'c', delayed 'd'/'e' and late adds never ran.
    expect(h.calls.sort()).toEqual(['a', 'b']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('shutdown() gives up after its timeout when a handler hangs', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ handler: h.handler });
    q.start();
    q.add('a');
    await flush();
    const result = q.shutdown(1000);
    await vi.advanceTimersByTimeAsync(1000);
    await expect(result).resolves.toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    // A handler that finishes late does not requeue anything.
    h.finish('a', { requeueAfterMs: 10 });
    await vi.advanceTimersByTimeAsync(100);
    expect(h.calls).toEqual(['a']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a key re-added while running is not requeued after shutdown', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ handler: h.handler });
    q.start();
    q.add('a');
    await flush();
    q.add('a');
    const done = q.shutdown();
    h.finish('a');
    await expect(done).resolves.toBe(true);
    await flush();
    expect(h.calls).toEqual(['a']);
  });

  describe('addForEvent (events someone else causes, issue #15 item 4)', () => {
    it('never cuts a failing key\'s backoff short: 30 events during the backoff cause no extra pass', async () => {
      const h = controllableHandler();
      const q = new WorkQueue({ handler: h.handler, random: () => 0, backoff: { baseMs: 1_000, maxMs: 60_000, jitter: 0 } });
      q.start();
      q.add('app/db');
      await flush();
      h.fail('app/db');
      await flush();
      expect(h.calls).toEqual(['app/db']);
      for (let i = 0; i < 30; i++) {
        q.addForEvent('app/db');
        await vi.advanceTimersByTimeAsync(30);
      }
      expect(h.calls).toHaveLength(1);
      // The backoff timer still brings it back, once.
      await vi.advanceTimersByTimeAsync(1_000);
      expect(h.calls).toHaveLength(2);
    });

    it('a burst for a healthy key is coalesced to one pass per interval', async () => {
      const h = controllableHandler();
      const q = new WorkQueue({ handler: h.handler, eventIntervalMs: 1_000 });
      q.start();
      for (let i = 0; i < 30; i++) {
        q.addForEvent('app/db');
        await flush();
        if (h.running().includes('app/db')) h.finish('app/db');
        await vi.advanceTimersByTimeAsync(30);
      }
      // 30 events over 900 ms: the first runs at once, the rest wait for the interval's end.
      expect(h.calls).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(200);
      expect(h.calls).toHaveLength(2);
    });
  });
});

describe('WorkQueue and the event loop (real timers)', () => {
  it('lets timers run while handlers that do no I/O keep coming (a refresh wave that changes nothing)', async () => {
    const done: string[] = [];
    // Each handler burns 1 ms of CPU and never awaits I/O, like a refresh served from the cache.
    const q = new WorkQueue({
      concurrency: 4,
      handler: async (key) => {
        const until = performance.now() + 1;
        while (performance.now() < until);
        done.push(key);
      },
    });
    for (let i = 0; i < 300; i++) q.add(`k${i}`);
    // Stands in for the Lease renewal: due 5 ms after the wave starts.
    let doneWhenTimerFired: number | undefined;
    setTimeout(() => (doneWhenTimerFired = done.length), 5);
    q.start();
    await vi.waitFor(() => expect(done.length).toBe(300), { timeout: 10_000 });
    // The timer ran after about one turn's budget of handlers, not after all 300 (300 ms).
    expect(doneWhenTimerFired).toBeDefined();
    expect(doneWhenTimerFired!).toBeLessThan(100);
    await q.shutdown();
  });
});
