// Renders Liquid templates in a pool of worker threads (pool.ts, liquid-worker.ts): the main
// thread only sends the texts and values and waits. The Liquid templates of one
// ExternalSecret render one after the other under the ExternalSecret's single budget, each
// for at most 1 s, taking turns with other namespaces' templates.
import { Worker } from 'node:worker_threads';
import { DeadlineError, PoolWorkerError, WorkerPool, WorkersBusyError, type JobScope } from '../workers/pool.js';
import { poolSizes } from '../workers/sizing.js';

export interface LiquidUnit {
  text: string;
  /** Spec field, named in messages. */
  field: string;
  /** The text comes from a Secret: errors must not quote it. */
  sensitive: boolean;
}

/**
 * Per unit: the output, or a message for the status (it names the field). `skipped`: not
 * rendered because an earlier template used up the budget (that one carries the message).
 */
export type LiquidResult = { ok: true; out: string } | { ok: false; message: string; skipped?: boolean };

export interface LiquidRenderer {
  render(units: LiquidUnit[], values: ReadonlyMap<string, Buffer>, scope: JobScope): Promise<LiquidResult[]>;
  /** Whether each text parses as Liquid (nothing is rendered). */
  parses(texts: string[], scope: JobScope): Promise<boolean[]>;
}

export interface LiquidWorkerPoolOptions {
  workers?: number;
  /** Longest one template may run: the slice for which one tenant holds a worker. */
  maxRunMs?: number;
  idleStopMs?: number;
  /** V8 old-generation cap of each worker, MiB: a template that allocates without end stops its worker only. */
  maxHeapMiB?: number;
}

const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './liquid-worker.ts' : './liquid-worker.js', import.meta.url);

interface Progress {
  index: number;
  result: LiquidResult;
}

export class LiquidWorkerPool implements LiquidRenderer {
  private readonly pool: WorkerPool;

  constructor(options: LiquidWorkerPoolOptions = {}) {
    const maxHeapMiB = options.maxHeapMiB ?? 48;
    this.pool = new WorkerPool({
      size: options.workers ?? poolSizes().liquidWorkers,
      // LiquidJS stops a template itself at 1 s (template.ts, renderLimit) with a clear message;
      // the pool's cap is a little later, for work LiquidJS cannot interrupt (one huge filter call).
      maxRunMs: options.maxRunMs ?? 1250,
      ...(options.idleStopMs !== undefined ? { idleStopMs: options.idleStopMs } : {}),
      create: async () =>
        new Worker(WORKER_URL, {
          stdout: true,
          stderr: true,
          resourceLimits: { maxOldGenerationSizeMb: maxHeapMiB, maxYoungGenerationSizeMb: 4 },
        }),
    });
  }

  async render(units: LiquidUnit[], values: ReadonlyMap<string, Buffer>, scope: JobScope): Promise<LiquidResult[]> {
    // A Map, not an object: a fetched key named __proto__ must stay data on both sides.
    const wire = new Map([...values].map(([k, v]) => [k, new Uint8Array(v.buffer, v.byteOffset, v.byteLength)]));
    const results: LiquidResult[] = [];
    // One request per template: between two of them the pool serves other namespaces, so a
    // tenant's many entries take turns with everyone else's instead of holding a worker.
    for (const [at, unit] of units.entries()) {
      let result: LiquidResult | undefined;
      try {
        await this.pool.run(scope, { units: [unit], values: wire }, (progress) => {
          result = (progress as Progress).result;
        });
      } catch (error) {
        if (!(error instanceof DeadlineError) && !(error instanceof PoolWorkerError)) throw error;
        // Not one template ran: other namespaces' templates held the workers. Retryable.
        if (error instanceof DeadlineError && error.queued && at === 0) throw new WorkersBusyError();
        const message =
          error instanceof PoolWorkerError
            ? `${unit.field}: the template worker stopped while rendering this template (it ran out of memory or crashed); make the template allocate less`
            : error.queued
              ? `${unit.field}: not rendered: the ExternalSecret's time budget for all its templates ran out before this template's turn; make the templates before it do less work`
              : `${unit.field}: the template was stopped while rendering: ${error.message}; make it do less work, for example no loop over a huge range`;
        results.push({ ok: false, message });
        // The rest cannot run in the budget that is left: the message above says why.
        for (let i = at + 1; i < units.length; i++) results.push({ ok: false, message: '', skipped: true });
        return results;
      }
      results.push(result ?? { ok: false, message: `${unit.field}: internal error: the template worker gave no result` });
    }
    return results;
  }

  async parses(texts: string[], scope: JobScope): Promise<boolean[]> {
    try {
      const out = await this.pool.run(scope, { parse: texts });
      return Array.isArray(out.parsed) ? (out.parsed as boolean[]) : texts.map(() => false);
    } catch (error) {
      if (error instanceof DeadlineError && error.queued) throw new WorkersBusyError();
      // Texts too costly to parse in the budget are not Liquid for the engine choice; rendering
      // with the chosen engine then reports what is wrong with them.
      if (error instanceof DeadlineError || error instanceof PoolWorkerError) return texts.map(() => false);
      throw error;
    }
  }

  /** Stops the workers (tests, shutdown). */
  close(): Promise<void> {
    return this.pool.close();
  }

  get liveWorkers(): number {
    return this.pool.liveWorkers;
  }
}

let shared: LiquidWorkerPool | undefined;

/** The process-wide Liquid pool (sized from the memory limit, started on first use). */
export function liquidRenderer(): LiquidWorkerPool {
  shared ??= new LiquidWorkerPool();
  return shared;
}
