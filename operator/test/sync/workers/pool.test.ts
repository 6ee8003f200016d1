// The worker pool's guarantees, with small inline workers: a job past its deadline is stopped
// and its worker replaced; a job whose deadline passes in the queue never runs; a worker that
// runs out of memory fails only its job.
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { DeadlineError, PoolWorkerError, WorkerPool } from '../../../src/sync/workers/pool.js';

const WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => {
  if (m.op === 'spin') for (;;) {}
  if (m.op === 'oom') { const keep = []; for (;;) keep.push(new Array(1e6).fill(Math.random())); }
  parentPort.postMessage({ id: m.id, progress: 'started' });
  parentPort.postMessage({ id: m.id, value: m.value, budgetMs: m.budgetMs });
});
parentPort.postMessage({ ready: true });
`;

const pool = new WorkerPool({
  size: 1,
  maxRunMs: 5000,
  create: async () => new Worker(WORKER, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 } }),
});
afterAll(() => pool.close());
const scope = (tenant: string, ms: number) => ({ tenant, deadline: performance.now() + ms });

describe('WorkerPool', () => {
  it('answers with the final message, after progress, and tells the worker the time left', async () => {
    const progress: unknown[] = [];
    const out = await pool.run(scope('a', 5000), { op: 'echo', value: 42 }, (p) => progress.push(p));
    expect(out.value).toBe(42);
    expect(progress).toEqual(['started']);
    expect(out.budgetMs).toBeGreaterThan(4000);
    expect(out.budgetMs).toBeLessThanOrEqual(5000);
  });
  it('stops a job at its deadline, terminating the worker, and the next job gets a fresh one', { timeout: 20_000 }, async () => {
    const started = performance.now();
    const error = await pool.run(scope('a', 300), { op: 'spin' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineError);
    expect((error as DeadlineError).queued).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
    expect((await pool.run(scope('a', 5000), { op: 'echo', value: 'again' })).value).toBe('again');
  });
  it('a job whose deadline passes while it waits never runs', { timeout: 20_000 }, async () => {
    const hog = pool.run(scope('a', 1000), { op: 'spin' }).catch((e: unknown) => e);
    const started = performance.now();
    const late = await pool.run(scope('b', 200), { op: 'echo', value: 1 }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(DeadlineError);
    expect((late as DeadlineError).queued).toBe(true);
    expect(performance.now() - started).toBeLessThan(800);
    expect(await hog).toBeInstanceOf(DeadlineError);
  });
  it('a worker that runs out of memory fails its job only', { timeout: 30_000 }, async () => {
    const error = await pool.run(scope('a', 20_000), { op: 'oom' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PoolWorkerError);
    expect((await pool.run(scope('a', 5000), { op: 'echo', value: 'alive' })).value).toBe('alive');
  });
});
