// Issue #15 item 5: the Go engine (templates and gjson reads) is shared by all namespaces. A
// namespace that queues slow templates must not make another namespace's harmless gjson read
// wait behind all of them, and the deadline counts time spent in the queue.
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { GoEngineError, WasmGoEngine } from '../../../src/sync/template/go/engine.js';
import { WorkersBusyError } from '../../../src/sync/workers/pool.js';

// One worker, as under the chart's 256 MiB limit; each call may run 1 s (the default slice).
const go = new WasmGoEngine({ workers: 1, callTimeoutMs: 1000 });
afterAll(() => go.close());

const HOSTILE = '{{ range 10000000000 }}{{ end }}';
const scope = (tenant: string, budgetMs: number) => ({ tenant, deadline: performance.now() + budgetMs });

describe('Go engine: fairness between namespaces', () => {
  it("namespace B's gjson read completes promptly while namespace A has 5 hostile templates queued", { timeout: 30_000 }, async () => {
    // Warm the worker so start-up is not part of the measurement.
    expect((await go.property(Buffer.from('{"a":1}'), 'a'))?.toString()).toBe('1');
    const started = performance.now();
    // Five ExternalSecrets of namespace A, each with its own 5 s budget.
    const hostile = Array.from({ length: 5 }, () => go.scoped(scope('team-a', 5000)).render([{ text: HOSTILE }], {}, 1024).then(
      () => 'rendered',
      (error: unknown) => (error as Error).name,
    ));
    const read = go.scoped(scope('team-b', 5000)).property(Buffer.from('{"db":{"password":"x"}}'), 'db.password');
    const value = await read;
    const waited = performance.now() - started;
    expect(value?.toString()).toBe('x');
    console.log(`gjson read of namespace B behind 5 hostile templates of namespace A: ${Math.round(waited)} ms`);
    // One of A's slices (1 s) and a worker restart; in one FIFO it waited for all 5 (5 s and more).
    // The margin is for 2 shared cores under a parallel test run.
    expect(waited).toBeLessThan(3000);
    // Each hostile template was stopped (running: GoEngineError) or ran out of budget waiting.
    for (const outcome of await Promise.all(hostile)) expect(['GoEngineError', 'WorkersBusyError']).toContain(outcome);
  });

  it('the deadline counts queue time: a call whose budget runs out while waiting fails as busy, without running', { timeout: 30_000 }, async () => {
    await go.property(Buffer.from('{"a":1}'), 'a');
    const hog = go.scoped(scope('team-a', 5000)).render([{ text: HOSTILE }], {}, 1024).catch((error: unknown) => error);
    const started = performance.now();
    const late = await go
      .scoped(scope('team-b', 300))
      .property(Buffer.from('{"a":1}'), 'a')
      .catch((error: unknown) => error);
    expect(late).toBeInstanceOf(WorkersBusyError);
    // Failed at its own deadline (300 ms), not after the hog's 1 s slice.
    expect(performance.now() - started).toBeLessThan(900);
    expect(await hog).toBeInstanceOf(GoEngineError);
  });

  it('a running call is stopped at the end of its budget, not only at the per-call slice', { timeout: 30_000 }, async () => {
    await go.property(Buffer.from('{"a":1}'), 'a');
    const started = performance.now();
    const error = await go
      .scoped(scope('team-a', 400))
      .render([{ text: HOSTILE }], {}, 1024)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoEngineError);
    expect((error as Error).message).toMatch(/time budget for all its templates ran out/);
    expect(performance.now() - started).toBeLessThan(900);
  });
});

describe('Go engine: start-up is not charged to the budget', () => {
  it('the first call of a fresh engine (module read and compiled, worker started) succeeds within a 300 ms budget', { timeout: 60_000 }, async () => {
    const fresh = new WasmGoEngine({ workers: 1 });
    try {
      const out = await fresh.scoped(scope('team-a', 300)).property(Buffer.from('{"a":"b"}'), 'a');
      expect(out?.toString()).toBe('b');
    } finally {
      await fresh.close();
    }
  });
});
