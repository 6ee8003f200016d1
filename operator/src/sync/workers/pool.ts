// A small pool of worker threads for template work (Go templates and gjson in wasm, Liquid),
// so that no template ever runs on the main thread, where the health probe, the Lease renewal
// and every other tenant's reconcile run.
//   - fair: jobs queue per tenant (namespace) and are served round-robin (fair-queue.ts);
//   - bounded in time: a job's deadline is absolute and counts the time spent waiting in the
//     queue (an ExternalSecret has one budget for all its template work, build.ts). A job whose
//     deadline passes while queued is dropped; one still running is stopped by terminating its
//     worker, which is then replaced on demand. A dispatched job also runs at most
//     `maxRunMs`, so one tenant holds a worker for a bounded slice;
//   - lazy: workers start on first use (start-up time is not charged to the job) and stop after
//     `idleStopMs` without work, giving their memory back.
// Protocol: the pool posts `{ id, budgetMs, ...message }` (budgetMs: the time left); the worker answers `{ id, progress }` any number
// of times and then one final `{ id, ... }` without `progress`. A worker signals readiness with
// one message of any shape after it starts.
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { FairQueue } from './fair-queue.js';

/** Who a job is for and until when it may run (performance.now() milliseconds). */
export interface JobScope {
  tenant: string;
  deadline: number;
}

/** The job ran out of its time budget: `queued` when it never reached a worker. */
export class DeadlineError extends Error {
  override name = 'DeadlineError';
  constructor(
    message: string,
    readonly queued: boolean,
  ) {
    super(message);
  }
}

/**
 * A job's budget ran out before any worker was free: the pool is busy with other work, the
 * job itself is not at fault. Callers report it as a retryable condition.
 */
export class WorkersBusyError extends Error {
  override name = 'WorkersBusyError';
  constructor() {
    super("the template workers were busy with other templates until this ExternalSecret's template time budget ran out; retrying");
  }
}

/** The worker failed (crashed, exited, did not start): never caused by a value. */
export class PoolWorkerError extends Error {
  override name = 'PoolWorkerError';
}

export interface WorkerPoolOptions {
  /** Most workers running at once. */
  size: number;
  /** Creates one worker; the pool waits for its first message (readiness). */
  create(): Promise<Worker>;
  /** Longest one dispatched job may run, whatever its deadline. */
  maxRunMs: number;
  idleStopMs?: number;
  startupTimeoutMs?: number;
}

interface Job {
  id: number;
  scope: JobScope;
  message: object;
  onProgress: ((progress: unknown) => void) | undefined;
  resolve(final: Record<string, unknown>): void;
  reject(error: Error): void;
  queueTimer?: NodeJS.Timeout;
}

interface Slot {
  worker?: Worker;
  job?: Job;
  runTimer?: NodeJS.Timeout;
  idleTimer?: NodeJS.Timeout;
}

const now = (): number => performance.now();

export class WorkerPool {
  private readonly queue = new FairQueue<Job>();
  private readonly slots: Slot[];
  private nextId = 1;
  private readonly idleStopMs: number;
  private readonly startupTimeoutMs: number;

  constructor(private readonly options: WorkerPoolOptions) {
    this.slots = Array.from({ length: Math.max(1, options.size) }, () => ({}));
    this.idleStopMs = options.idleStopMs ?? 5 * 60_000;
    this.startupTimeoutMs = options.startupTimeoutMs ?? 30_000;
  }

  /** Workers currently alive (tests, metrics). */
  get liveWorkers(): number {
    return this.slots.filter((s) => s.worker).length;
  }

  /** Runs one job; resolves with the worker's final message, rejects with DeadlineError or PoolWorkerError. */
  run(scope: JobScope, message: object, onProgress?: (progress: unknown) => void): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const job: Job = { id: this.nextId++, scope, message, onProgress, resolve, reject };
      const wait = scope.deadline - now();
      if (wait <= 0) {
        reject(new DeadlineError('the time budget was used up before this template could start', true));
        return;
      }
      this.queue.push(scope.tenant, job);
      job.queueTimer = setTimeout(() => {
        if (this.queue.remove(scope.tenant, job)) reject(new DeadlineError('the time budget ran out while this template waited for a free template worker', true));
      }, wait);
      job.queueTimer.unref();
      this.pump();
    });
  }

  /** Stops every worker (tests, shutdown); queued jobs fail. The next run starts workers again. */
  async close(): Promise<void> {
    for (const job of this.queue.drain()) {
      clearTimeout(job.queueTimer);
      job.reject(new PoolWorkerError('the template workers were stopped'));
    }
    await Promise.all(this.slots.map((slot) => this.stop(slot, new PoolWorkerError('the template workers were stopped'))));
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.job || this.queue.size === 0) continue;
      const job = this.queue.shift()!;
      clearTimeout(job.queueTimer);
      slot.job = job;
      clearTimeout(slot.idleTimer);
      void this.dispatch(slot, job);
    }
  }

  private async dispatch(slot: Slot, job: Job): Promise<void> {
    let worker = slot.worker;
    if (!worker) {
      const began = now();
      try {
        worker = await this.startWorker(slot);
      } catch (error) {
        this.finish(slot, job);
        job.reject(error instanceof Error ? error : new PoolWorkerError('the template worker could not start'));
        return;
      }
      // Start-up is the pool's cost, not the template's: move the deadline by it.
      job.scope = { ...job.scope, deadline: job.scope.deadline + (now() - began) };
    }
    if (slot.job !== job) return;
    const budgetLeft = job.scope.deadline - now();
    const byBudget = budgetLeft <= this.options.maxRunMs;
    const left = byBudget ? budgetLeft : this.options.maxRunMs;
    slot.runTimer = setTimeout(() => {
      if (slot.job !== job) return;
      void this.stop(slot);
      this.finish(slot, job);
      job.reject(new DeadlineError(byBudget ? "the ExternalSecret's time budget for all its templates ran out" : `it ran longer than the ${this.options.maxRunMs} ms one template call may take`, false));
    }, Math.max(1, left));
    slot.runTimer.unref();
    // The worker's clock is its own: it gets the time left, not the deadline.
    worker.postMessage({ id: job.id, budgetMs: Math.max(1, Math.floor(job.scope.deadline - now())), ...job.message });
  }

  private startWorker(slot: Slot): Promise<Worker> {
    return this.options.create().then(
      (worker) =>
        new Promise<Worker>((resolve, reject) => {
          worker.unref();
          const startup = setTimeout(() => {
            void worker.terminate();
            reject(new PoolWorkerError(`the template worker did not start within ${this.startupTimeoutMs} ms`));
          }, this.startupTimeoutMs);
          worker.once('message', () => {
            clearTimeout(startup);
            slot.worker = worker;
            this.listen(slot, worker);
            resolve(worker);
          });
          worker.once('error', () => {
            clearTimeout(startup);
            reject(new PoolWorkerError('the template worker failed to start'));
          });
        }),
    );
  }

  private listen(slot: Slot, worker: Worker): void {
    worker.on('message', (message: Record<string, unknown>) => {
      const job = slot.job;
      if (slot.worker !== worker || !job || message.id !== job.id) return;
      if ('progress' in message) {
        job.onProgress?.(message.progress);
        return;
      }
      this.finish(slot, job);
      job.resolve(message);
    });
    const gone = (reason: string) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      const job = slot.job;
      if (!job) return;
      this.finish(slot, job);
      job.reject(new PoolWorkerError(reason));
    };
    worker.on('error', () => gone('the template worker failed (for example it ran out of memory)'));
    worker.on('exit', () => gone('the template worker exited'));
  }

  /** Frees the slot and serves the next job. */
  private finish(slot: Slot, job: Job): void {
    if (slot.job !== job) return;
    clearTimeout(slot.runTimer);
    slot.job = undefined;
    if (slot.worker) {
      const worker = slot.worker;
      slot.idleTimer = setTimeout(() => {
        if (slot.worker === worker && !slot.job) void this.stop(slot);
      }, this.idleStopMs);
      slot.idleTimer.unref();
    }
    this.pump();
  }

  private async stop(slot: Slot, error?: Error): Promise<void> {
    const worker = slot.worker;
    slot.worker = undefined;
    clearTimeout(slot.idleTimer);
    if (error && slot.job) {
      const job = slot.job;
      clearTimeout(slot.runTimer);
      slot.job = undefined;
      job.reject(error);
    }
    if (worker) await worker.terminate();
  }
}
