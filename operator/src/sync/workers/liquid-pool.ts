// Renders Liquid templates in a pool of worker threads (pool.ts, liquid-worker.ts): the main
// thread only sends the texts and values and waits. All Liquid templates of one
// ExternalSecret go to one worker in one request, under the ExternalSecret's single budget.
import { Worker } from 'node:worker_threads';
import { DeadlineError, PoolWorkerError, WorkerPool, WorkersBusyError, type JobScope } from './pool.js';
import { poolSizes } from './sizing.js';

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
}

export interface LiquidWorkerPoolOptions {
  workers?: number;
  /** Longest one request (all Liquid templates of an ExternalSecret) may run. */
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
      maxRunMs: options.maxRunMs ?? 10_000,
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
    if (units.length === 0) return [];
    const results: Array<LiquidResult | undefined> = units.map(() => undefined);
    // A Map, not an object: a fetched key named __proto__ must stay data on both sides.
    const wire = new Map([...values].map(([k, v]) => [k, new Uint8Array(v.buffer, v.byteOffset, v.byteLength)]));
    try {
      await this.pool.run(scope, { units, values: wire }, (progress) => {
        const p = progress as Progress;
        results[p.index] = p.result;
      });
    } catch (error) {
      if (error instanceof DeadlineError && error.queued) {
        throw new WorkersBusyError();
      }
      if (!(error instanceof DeadlineError) && !(error instanceof PoolWorkerError)) throw error;
      const at = results.findIndex((r) => r === undefined);
      const field = units[at]?.field ?? 'spec.target.template';
      const message =
        error instanceof DeadlineError
          ? `${field}: the template was stopped while rendering: ${error.message}; make it (or the templates before it) do less work, for example no loop over a huge range`
          : `${field}: the template worker stopped while rendering this template (it ran out of memory or crashed); make the template allocate less`;
      return results.map((r, i) => r ?? (i === at ? { ok: false, message } : { ok: false, message: '', skipped: true }));
    }
    return results.map((r, i) => r ?? { ok: false, message: `${units[i]!.field}: internal error: the template worker gave no result` });
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
