// A rate-limited work queue with controller-runtime semantics:
//   - a key is queued at most once however often it is added (dedupe);
//   - a key added while its handler runs is processed again right after ("dirty while processing"),
//     and never by two handlers at once;
//   - addAfter() delays a key (earliest time wins); addRateLimited() delays it by a per-key
//     exponential backoff with jitter that forget() resets;
//   - addForEvent() is add() for events someone else causes: it never cuts a failing key's
//     backoff short and admits one pass per key per eventIntervalMs (a burst is coalesced);
//   - at most `concurrency` handlers run at once, and with `groupOf` at most `maxPerGroup` of
//     one group (e.g. one store), served round-robin across groups (fair-queue.ts);
//   - a handler that throws is retried with backoff, unless it throws a terminal
//     ReconcileFailure (reconcile.ts): then its backoff is reset and it comes back only at the
//     failure's requeueAfterMs or when someone adds it;
//   - handlers started back to back within one turn of the event loop stop after TURN_BUDGET_MS
//     and go on at the next turn. A refresh that changes nothing does no I/O, so a whole wave of
//     them ran in one chain of promise callbacks without the loop turning once: 30,000 took 21 s,
//     the leader Lease could not be renewed meanwhile, and the operator stepped down.
// All timers live here, never in watch callbacks, so shutdown() can clear every one of them.
import { backoffDelayMs, type BackoffPolicy } from '../../platform/backoff.js';
import { FairQueue } from './fair-queue.js';
import { isTerminal, type ReconcileResult } from './reconcile.js';
import { systemClock, type Clock } from '../../platform/clock.js';

export type HandlerResult = ReconcileResult;

/**
 * Real time for which handlers may be started back to back before the queue lets timers (the
 * Lease renewal) and I/O run. Small against the 10 s renew deadline, large against a handler.
 */
export const TURN_BUDGET_MS = 20;

/**
 * Processes one key. Resolve to finish it (optionally with a delayed requeue); throw to retry
 * it with per-key backoff, or throw a terminal ReconcileFailure not to retry it.
 */
export type KeyHandler = (key: string) => Promise<HandlerResult | void>;

/** Metric hooks; metrics.ts adapts them to prom-client. */
export interface WorkQueueMetrics {
  /** Keys waiting to be processed (not counting delayed ones). */
  setDepth?(depth: number): void;
  /** A key was queued (an add of a key already queued is not counted). */
  incAdds?(): void;
  /** How long a key waited in the queue before a handler took it. */
  observeQueueDuration?(seconds: number): void;
  /** A key was requeued with backoff after a failure. */
  incRetries?(): void;
  /** How long one handler call took. */
  observeDuration?(seconds: number, outcome: 'success' | 'error'): void;
}

export interface WorkQueueOptions {
  handler: KeyHandler;
  /** Handlers running at once. Default 1. */
  concurrency?: number;
  /** Group of a key (e.g. its store); with maxPerGroup, no group may hold every handler. */
  groupOf?: (key: string) => string;
  /** Handlers one group may run at once. Default: concurrency (no limit). */
  maxPerGroup?: number;
  /** addForEvent(): at most one event-caused pass per key per this many ms. Default 1 s. */
  eventIntervalMs?: number;
  /** Per-key retry backoff; default 1s doubling to 5 min, up to +20% jitter. */
  backoff?: Partial<BackoffPolicy>;
  random?: () => number;
  /** Time source (platform/clock.ts); default the system clock, tests move it. */
  clock?: Clock;
  metrics?: WorkQueueMetrics;
  /** Called when a handler throws (for logging); `retries` counts consecutive failures of the key. */
  onError?: (key: string, error: unknown, retries: number) => void;
}

export const DEFAULT_EVENT_INTERVAL_MS = 1_000;
export const DEFAULT_QUEUE_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 5 * 60_000, jitter: 0.2 };
/** setTimeout fires at once for delays above 2^31-1 ms (~24.8 days); longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Delayed {
  readyAt: number;
  timer: NodeJS.Timeout;
}

export class WorkQueue {
  private readonly queue: FairQueue;
  /** Keys that need processing: queued, or re-added while being processed. */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, Delayed>();
  private readonly failures = new Map<string, number>();
  /** When each queued key entered the queue (for the queue-latency metric). */
  private readonly queuedAt = new Map<string, number>();
  /** When addForEvent last queued each key (pruned once older than eventIntervalMs). */
  private readonly eventAddedAt = new Map<string, number>();
  private readonly concurrency: number;
  private readonly backoff: BackoffPolicy;
  private readonly random: () => number;
  private readonly clock: Clock;
  private started = false;
  private shuttingDown = false;
  /** When the current run of back-to-back starts began (performance.now); undefined after the loop turned. */
  private turnStartedAt: number | undefined;
  /** A pump waits for the next turn of the event loop. */
  private pumpDeferred = false;
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly options: WorkQueueOptions) {
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
    this.queue = new FairQueue({
      ...(options.groupOf ? { groupOf: options.groupOf } : {}),
      maxRunningPerGroup: Math.max(1, Math.floor(options.maxPerGroup ?? this.concurrency)),
    });
    this.backoff = { ...DEFAULT_QUEUE_BACKOFF, ...options.backoff };
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? systemClock;
  }

  /** Starts the handlers. Keys added before start() wait (e.g. until informers have synced). */
  start(): void {
    if (this.started || this.shuttingDown) return;
    this.started = true;
    this.pump();
  }

  /** Queues a key unless it is already queued. Ignored after shutdown(). */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    // A key being processed is queued again when its handler finishes, never run twice at once.
    if (this.processing.has(key)) return;
    this.enqueue(key);
    this.pump();
  }

  /**
   * Queues a key because of an event someone else caused (an edit of a Secret, which any user
   * of its namespace can repeat at will), with two limits add() does not have:
   *   - a key in failure backoff is left to its backoff timer (which exists for every failed
   *     key): edits must not turn a failing key's retries into one AWS read per edit;
   *   - at most one such add per key per eventIntervalMs; a later one within the interval is
   *     coalesced into one delayed add at the interval's end.
   */
  addForEvent(key: string): void {
    if (this.shuttingDown || this.failures.has(key)) return;
    const now = this.clock.now();
    const interval = this.options.eventIntervalMs ?? DEFAULT_EVENT_INTERVAL_MS;
    this.pruneEventTimes(now, interval);
    const last = this.eventAddedAt.get(key);
    if (last !== undefined && now - last < interval) {
      this.addAfter(key, last + interval - now);
      return;
    }
    this.eventAddedAt.set(key, now);
    this.add(key);
  }

  /** Queues a key after `delayMs`. If it is already waiting, the earlier time wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const readyAt = this.clock.now() + delayMs;
    const existing = this.delayed.get(key);
    if (existing && existing.readyAt <= readyAt) return;
    if (existing) clearTimeout(existing.timer);
    this.schedule(key, readyAt);
  }

  /** Queues a key after its backoff delay, which doubles with each call until forget(key). */
  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    const attempt = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, attempt);
    this.options.metrics?.incRetries?.();
    this.addAfter(key, backoffDelayMs(attempt, this.backoff, this.random));
  }

  /** Resets the key's backoff (call after it succeeded). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Consecutive failures recorded for the key. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Keys waiting to run now (excludes delayed keys and running ones). */
  get depth(): number {
    return this.queue.length;
  }

  get inFlight(): number {
    return this.processing.size;
  }

  /** Keys waiting for a delayed requeue. */
  get delayedCount(): number {
    return this.delayed.size;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /**
   * Stops accepting keys, drops queued and delayed ones (the next leader relists them), clears
   * every timer and waits up to `timeoutMs` for running handlers. Resolves true when they all
   * finished in time.
   */
  async shutdown(timeoutMs = 30_000): Promise<boolean> {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.queue.clear();
    this.queuedAt.clear();
    this.eventAddedAt.clear();
    this.dirty.clear();
    this.reportDepth();
    if (this.processing.size === 0) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.drainWaiters = this.drainWaiters.filter((w) => w !== onDrained);
        resolve(false);
      }, timeoutMs);
      const onDrained = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.drainWaiters.push(onDrained);
    });
  }

  // ------------------------------------------------------------ internals

  /** Keeps eventAddedAt to the keys seen within the last interval (bounded by recent activity). */
  private pruneEventTimes(now: number, interval: number): void {
    if (this.eventAddedAt.size < 256) return;
    for (const [key, at] of this.eventAddedAt) if (now - at >= interval) this.eventAddedAt.delete(key);
  }

  private schedule(key: string, readyAt: number): void {
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, readyAt - this.clock.now()));
    const timer = setTimeout(() => {
      if (this.clock.now() < readyAt) {
        this.schedule(key, readyAt);
        return;
      }
      this.delayed.delete(key);
      this.add(key);
    }, wait);
    this.delayed.set(key, { readyAt, timer });
  }

  private pump(): void {
    if (this.pumpDeferred || this.yieldsTurn()) return;
    while (this.started && !this.shuttingDown && this.processing.size < this.concurrency) {
      // undefined: nothing queued, or every queued key's group is at its limit.
      const key = this.queue.take();
      if (key === undefined) break;
      const queuedAt = this.queuedAt.get(key);
      this.queuedAt.delete(key);
      if (queuedAt !== undefined) this.options.metrics?.observeQueueDuration?.((this.clock.now() - queuedAt) / 1000);
      this.dirty.delete(key);
      this.processing.add(key);
      this.reportDepth();
      void this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    const startedAt = this.clock.now();
    try {
      const result = await this.options.handler(key);
      this.options.metrics?.observeDuration?.((this.clock.now() - startedAt) / 1000, 'success');
      this.forget(key);
      const requeueAfterMs = result ? result.requeueAfterMs : undefined;
      if (requeueAfterMs !== undefined) this.addAfter(key, requeueAfterMs);
    } catch (error) {
      this.options.metrics?.observeDuration?.((this.clock.now() - startedAt) / 1000, 'error');
      if (isTerminal(error)) {
        this.forget(key);
        if (error.requeueAfterMs !== undefined) this.addAfter(key, error.requeueAfterMs);
      } else {
        this.addRateLimited(key);
      }
      try {
        this.options.onError?.(key, error, this.retries(key));
      } catch {
        // A failing log hook must not wedge the key in `processing`.
      }
    } finally {
      this.processing.delete(key);
      this.queue.done(key);
      if (this.dirty.has(key) && !this.shuttingDown) this.enqueue(key);
      if (this.processing.size === 0 && this.drainWaiters.length > 0) {
        const waiters = this.drainWaiters;
        this.drainWaiters = [];
        for (const waiter of waiters) waiter();
      }
      this.pump();
    }
  }

  /**
   * True when this turn of the event loop has started handlers for TURN_BUDGET_MS: the pump is
   * then deferred to the next turn (setImmediate), after the timers and I/O waiting meanwhile.
   */
  private yieldsTurn(): boolean {
    const now = performance.now();
    if (this.turnStartedAt === undefined) {
      this.turnStartedAt = now;
      // Runs once the loop has turned: the next run of starts gets a fresh budget.
      setImmediate(() => (this.turnStartedAt = undefined));
      return false;
    }
    if (now - this.turnStartedAt <= TURN_BUDGET_MS) return false;
    this.pumpDeferred = true;
    setImmediate(() => {
      this.pumpDeferred = false;
      this.pump();
    });
    return true;
  }

  private enqueue(key: string): void {
    this.queue.push(key);
    this.queuedAt.set(key, this.clock.now());
    this.options.metrics?.incAdds?.();
    this.reportDepth();
  }

  private reportDepth(): void {
    this.options.metrics?.setDepth?.(this.queue.length);
  }
}
