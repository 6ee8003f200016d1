// A watch-backed cache of one resource that never gives up.
//
// Like client-go's reflector, not like @kubernetes/client-node's makeInformer (which stops for
// good on any watch or list error other than 410, does not ask for bookmarks, and cannot notice
// a watch that silently stopped delivering). This informer runs list + watch in a loop:
//   - list (paginated) -> diff against the cache (emits add/update/delete, so deletions that
//     happened while disconnected are seen) -> watch from the list's resourceVersion;
//   - a clean close or client inactivity timeout resumes the watch from the last
//     resourceVersion (the server replays what we missed, or answers 410);
//   - 410 Gone (HTTP or an ERROR event), any other error, or a stall (no event and no bookmark
//     for stallTimeoutMs) restarts with a fresh relist;
//   - restarts back off exponentially with jitter (1s..30s by default).
// Handlers run synchronously inside watch callbacks: they must only enqueue work (timers and
// API calls belong in the work queue).
import type { Logger } from 'pino';
import { backoffDelayMs, type BackoffPolicy } from '../../platform/backoff.js';
import { httpStatusOf, isNotFound } from '../client/errors.js';
import type { KubeObject, ListWatchSource, WatchEvent, WatchHandle } from './list-watch.js';
import { IndexedCache, NAMESPACE_INDEX, type Indexers } from './indexer.js';
import { errorForLog } from '../../platform/error-for-log.js';
import { systemClock, type Clock } from '../../platform/clock.js';

export type RestartCause =
  /** The server ended the stream cleanly (e.g. its watch timeout): resume from resourceVersion. */
  | 'closed'
  /** No bytes arrived for the client's inactivity timeout: resume from resourceVersion. */
  | 'timeout'
  /** 410 Gone: our resourceVersion is too old; relist. */
  | 'gone'
  /** Network/HTTP error or an ERROR event other than 410: relist after backoff. */
  | 'error'
  /** No event and no bookmark for stallTimeoutMs: relist. */
  | 'stall'
  /** The list call failed: retry after backoff. */
  | 'list_error';

export interface ResilientInformerOptions<T extends KubeObject> {
  /** Name used in logs and metrics, e.g. "externalsecrets". */
  resource: string;
  source: ListWatchSource<T>;
  /** Restart when no event and no bookmark arrived for this long. Default 5 minutes. */
  stallTimeoutMs?: number;
  /** Restart backoff; default 1s doubling to 30s with up to +50% jitter. */
  backoff?: Partial<BackoffPolicy>;
  random?: () => number;
  /** Time source (platform/clock.ts); default the system clock, tests move it. */
  clock?: Clock;
  logger?: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** Metric hook: every restart of the list/watch loop. */
  onRestart?: (cause: RestartCause, error?: unknown) => void;
  /** Metric hook: healthy() changed. */
  onHealthChange?: (healthy: boolean) => void;
  /**
   * Applied to every listed or watched object before it is cached or handed to handlers, e.g.
   * to drop fields nobody reads (kube/informer/cache-transform.ts). Must not change the key or
   * resourceVersion, and must be idempotent (the list may apply it per page already).
   */
  transform?: (object: T) => T;
  /**
   * Objects to keep (checked before transform). One that fails it is not cached and is seen by
   * handlers as deleted when it was cached before (e.g. a Secret whose owner annotation now
   * names another namespace: kube/informer/cache-transform.ts admitSecret).
   */
  admit?: (object: T) => boolean;
  /**
   * A kind whose CRD may not be installed (a newer kind after an upgrade that did not apply the
   * CRDs: Helm never upgrades them). A 404 on list then counts as "synced, nothing there" instead
   * of blocking start() and /readyz — the other kinds keep working — and the list is retried
   * every absentRecheckMs until the CRD appears. Unset: a 404 is an error like any other.
   */
  optional?: { absentRecheckMs: number; whatToDo: string };
  /**
   * Indexes byIndex() looks up (indexer.ts), computed from the cached (transformed) object.
   * The namespace index is always there: list(namespace) uses it.
   */
  indexers?: Indexers<T>;
}

export const DEFAULT_STALL_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 30_000, jitter: 0.5 };
/** A watch that lasted this long (or delivered anything) proves the connection works. */
const PRODUCTIVE_WATCH_MS = 10_000;

type AddHandler<T> = (object: T) => void;
type UpdateHandler<T> = (object: T, previous: T) => void;
type DeleteHandler<T> = (object: T) => void;

interface WatchOutcome {
  cause: RestartCause;
  error?: unknown;
  /** Delivered at least one event or bookmark, or stayed open a while. */
  productive: boolean;
}

/** Cache key: "namespace/name", or "name" for cluster-scoped objects. */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function keyOf(object: KubeObject): string {
  return objectKey(object.metadata?.namespace, object.metadata?.name ?? '');
}

function resourceVersionOf(object: KubeObject): string | undefined {
  return object.metadata?.resourceVersion;
}

export class ResilientInformer<T extends KubeObject> {
  private readonly cache: IndexedCache<T>;
  private readonly addHandlers: AddHandler<T>[] = [];
  private readonly updateHandlers: UpdateHandler<T>[] = [];
  private readonly deleteHandlers: DeleteHandler<T>[] = [];

  private readonly stallTimeoutMs: number;
  private readonly backoff: BackoffPolicy;
  private readonly random: () => number;
  private readonly clock: Clock;

  private started = false;
  private stopped = false;
  /** optional kinds only: the last list answered 404 (its CRD is not installed). */
  private absent = false;
  private synced = false;
  private watching = false;
  private lastHealthy = false;
  private resourceVersion = '';
  private lastActivityAt: number | undefined;
  private failures = 0;

  /** Ends the open watch (stall, stop); undefined when no watch is open. */
  private endWatch: ((outcome: Omit<WatchOutcome, 'productive'>) => void) | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private wakeSleeper: (() => void) | undefined;
  private resolveStarted: (() => void) | undefined;
  private readonly startedPromise: Promise<void>;

  constructor(private readonly options: ResilientInformerOptions<T>) {
    this.cache = new IndexedCache<T>(options.indexers);
    this.stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? systemClock;
    this.startedPromise = new Promise((resolve) => {
      this.resolveStarted = resolve;
    });
  }

  get resource(): string {
    return this.options.resource;
  }

  onAdd(handler: AddHandler<T>): this {
    this.addHandlers.push(handler);
    return this;
  }

  onUpdate(handler: UpdateHandler<T>): this {
    this.updateHandlers.push(handler);
    return this;
  }

  onDelete(handler: DeleteHandler<T>): this {
    this.deleteHandlers.push(handler);
    return this;
  }

  /**
   * Starts the list/watch loop. Resolves after the first successful list (check hasSynced()),
   * or when stop() is called first. Never rejects: failures are retried forever.
   */
  start(): Promise<void> {
    if (!this.started) {
      this.started = true;
      void this.run();
    }
    return this.startedPromise;
  }

  /** Aborts the open watch and clears every timer. An in-flight list is left to finish and ignored. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.endWatch?.({ cause: 'closed' });
    this.clearStallTimer();
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.sleepTimer = undefined;
    this.wakeSleeper?.();
    this.resolveStarted?.();
    this.updateHealth();
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(objectKey(namespace, name));
  }

  /** Every cached object, or those of one namespace (an index lookup, not a scan). */
  list(namespace?: string): T[] {
    return namespace === undefined ? [...this.cache.values()] : this.cache.byIndex(NAMESPACE_INDEX, namespace);
  }

  /** The cached objects filed under `value` in the index `name` (options.indexers). */
  byIndex(name: string, value: string): T[] {
    return this.cache.byIndex(name, value);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Synced at least once and a watch is open (or being resumed after a clean close), or an optional kind is not installed. */
  healthy(): boolean {
    return this.started && !this.stopped && this.synced && (this.watching || this.absent);
  }

  /** An optional kind whose CRD the API server does not serve (see options.optional). */
  isAbsent(): boolean {
    return this.absent;
  }

  /** Milliseconds since the last list, event or bookmark; Infinity before the first list. */
  lastEventAge(): number {
    return this.lastActivityAt === undefined ? Infinity : this.clock.now() - this.lastActivityAt;
  }

  // ------------------------------------------------------------ loop

  private async run(): Promise<void> {
    let needRelist = true;
    while (!this.stopped) {
      if (needRelist) {
        try {
          await this.relist();
        } catch (error) {
          if (this.stopped) break;
          if (this.options.optional && isNotFound(error)) {
            this.markAbsent();
            await this.sleep(this.options.optional.absentRecheckMs);
            continue;
          }
          this.failures++;
          this.restarted('list_error', error);
          await this.sleep(backoffDelayMs(this.failures, this.backoff, this.random));
          continue;
        }
        if (this.stopped) break;
      }
      const outcome = await this.watchOnce();
      if (this.stopped) break;
      needRelist = outcome.cause === 'gone' || outcome.cause === 'error' || outcome.cause === 'stall';
      if (outcome.productive) this.failures = 0;
      // An unproductive watch (ended at once, nothing received) or any relist cause backs off,
      // so a server that keeps failing is not hammered; a normal resume is immediate.
      if (needRelist || !outcome.productive) this.failures++;
      if (needRelist) {
        this.watching = false;
        this.updateHealth();
      }
      this.restarted(outcome.cause, outcome.error);
      await this.sleep(backoffDelayMs(this.failures, this.backoff, this.random));
    }
    this.watching = false;
    this.updateHealth();
  }

  private restarted(cause: RestartCause, error?: unknown): void {
    const quiet = cause === 'closed' || cause === 'timeout';
    const fields = { resource: this.options.resource, cause, failures: this.failures, err: errorForLog(error) };
    if (quiet) this.options.logger?.debug(fields, 'watch ended; resuming from last resourceVersion');
    else this.options.logger?.warn(fields, 'watch restarting with a relist');
    try {
      this.options.onRestart?.(cause, error);
    } catch (hookError) {
      this.options.logger?.error({ resource: this.options.resource, err: errorForLog(hookError) }, 'onRestart hook failed');
    }
  }

  private async relist(): Promise<void> {
    // Admitted and transformed page by page where the source supports it, so a large list
    // never holds every object in full at once.
    const { items, resourceVersion } = await this.options.source.list((item) => this.prepare(item));
    if (this.stopped) return;
    const fresh = new Map<string, T>();
    for (const item of items) {
      const prepared = this.prepare(item);
      if (prepared !== undefined) fresh.set(keyOf(prepared), prepared);
    }
    // Deletions first: consumers learn what vanished while we were not watching.
    for (const [key, previous] of [...this.cache]) {
      if (!fresh.has(key)) {
        this.cache.delete(key);
        this.emitDelete(previous);
      }
    }
    for (const [key, object] of fresh) {
      const previous = this.cache.get(key);
      this.cache.set(key, object);
      if (!previous) this.emitAdd(object);
      else if (resourceVersionOf(previous) !== resourceVersionOf(object)) this.emitUpdate(object, previous);
    }
    this.resourceVersion = resourceVersion;
    this.lastActivityAt = this.clock.now();
    if (this.absent) {
      this.absent = false;
      this.options.logger?.info({ resource: this.options.resource }, 'the resource is served now; watching it');
    }
    if (!this.synced) {
      this.synced = true;
      this.options.logger?.info({ resource: this.options.resource, objects: this.cache.size }, 'informer synced');
      this.resolveStarted?.();
    }
  }

  /**
   * The API server does not serve this optional kind: empty the cache (its objects went with
   * the CRD), count as synced so start() and readiness do not wait for it, and say once what to do.
   */
  private markAbsent(): void {
    for (const [key, previous] of [...this.cache]) {
      this.cache.delete(key);
      this.emitDelete(previous);
    }
    if (!this.absent) {
      this.absent = true;
      this.options.logger?.warn({ resource: this.options.resource }, `the API server does not serve ${this.options.resource}: ${this.options.optional!.whatToDo}`);
    }
    this.resourceVersion = '';
    this.lastActivityAt = this.clock.now();
    if (!this.synced) {
      this.synced = true;
      this.resolveStarted?.();
    }
    this.updateHealth();
  }

  /** Runs one watch request until it ends; resolves with why it ended. */
  private watchOnce(): Promise<WatchOutcome> {
    return new Promise<WatchOutcome>((resolve) => {
      const openedAt = this.clock.now();
      let ended = false;
      let delivered = 0;
      let handle: WatchHandle | undefined;

      const finish = (outcome: Omit<WatchOutcome, 'productive'>): void => {
        if (ended) return;
        ended = true;
        this.endWatch = undefined;
        this.clearStallTimer();
        handle?.abort();
        resolve({ ...outcome, productive: delivered > 0 || this.clock.now() - openedAt >= PRODUCTIVE_WATCH_MS });
      };
      this.endWatch = finish;
      this.armStallTimer(finish);

      const onEvent = (event: WatchEvent<T>): void => {
        if (ended) return;
        if (event.type === 'ERROR') {
          const code = event.status.code;
          const error = new Error(`watch error ${code ?? '?'} ${event.status.reason ?? ''}: ${event.status.message ?? ''}`.trim());
          finish({ cause: code === 410 ? 'gone' : 'error', error });
          return;
        }
        delivered++;
        this.lastActivityAt = this.clock.now();
        if (event.type === 'BOOKMARK') {
          if (event.resourceVersion) this.resourceVersion = event.resourceVersion;
          return;
        }
        this.apply(event.type, event.object);
      };

      const onDone = (error?: unknown): void => {
        if (ended) return;
        if (error === undefined || error === null) finish({ cause: 'closed' });
        else if (isGone(error)) finish({ cause: 'gone', error });
        else if (isTimeout(error)) finish({ cause: 'timeout', error });
        else finish({ cause: 'error', error });
      };

      this.options.source.watch(this.resourceVersion, onEvent, onDone).then(
        (opened) => {
          if (ended) {
            opened.abort();
            return;
          }
          handle = opened;
          this.watching = true;
          this.updateHealth();
        },
        (error: unknown) => finish({ cause: 'error', error }),
      );
    });
  }

  /** The object as cached (admitted and transformed), or undefined when it is not kept. */
  private prepare(object: T): T | undefined {
    if (this.options.admit && !this.options.admit(object)) return undefined;
    return this.options.transform ? this.options.transform(object) : object;
  }

  private apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', received: T): void {
    const admitted = this.prepare(received);
    const rv = resourceVersionOf(received);
    if (rv) this.resourceVersion = rv;
    if (admitted === undefined) {
      // Not (or no longer) kept: gone as far as handlers know; they hear of what was cached.
      const key = keyOf(received);
      const previous = this.cache.get(key);
      if (previous) {
        this.cache.delete(key);
        this.emitDelete(previous);
      }
      return;
    }
    const object = admitted;
    const key = keyOf(object);
    const previous = this.cache.get(key);
    if (type === 'DELETED') {
      if (!previous) return;
      this.cache.delete(key);
      this.emitDelete(object);
      return;
    }
    this.cache.set(key, object);
    if (!previous) this.emitAdd(object);
    // A resumed watch may replay an event we already applied: same resourceVersion, no news.
    else if (resourceVersionOf(previous) !== rv) this.emitUpdate(object, previous);
  }

  // ------------------------------------------------------------ timers

  private armStallTimer(finish: (outcome: Omit<WatchOutcome, 'productive'>) => void): void {
    this.clearStallTimer();
    const since = this.lastActivityAt ?? this.clock.now();
    const remaining = Math.max(0, since + this.stallTimeoutMs - this.clock.now());
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      const idle = this.clock.now() - (this.lastActivityAt ?? since);
      if (idle >= this.stallTimeoutMs) {
        finish({ cause: 'stall', error: new Error(`no watch event or bookmark for ${Math.round(idle / 1000)}s`) });
      } else {
        this.armStallTimer(finish);
      }
    }, remaining);
  }

  private clearStallTimer(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.wakeSleeper = () => {
        this.wakeSleeper = undefined;
        resolve();
      };
      this.sleepTimer = setTimeout(() => {
        this.sleepTimer = undefined;
        this.wakeSleeper?.();
      }, ms);
    });
  }

  // ------------------------------------------------------------ handlers & health

  private updateHealth(): void {
    const healthy = this.healthy();
    if (healthy === this.lastHealthy) return;
    this.lastHealthy = healthy;
    try {
      this.options.onHealthChange?.(healthy);
    } catch (error) {
      this.options.logger?.error({ resource: this.options.resource, err: errorForLog(error) }, 'onHealthChange hook failed');
    }
  }

  private emitAdd(object: T): void {
    for (const handler of this.addHandlers) this.safely('add', object, () => handler(object));
  }

  private emitUpdate(object: T, previous: T): void {
    for (const handler of this.updateHandlers) this.safely('update', object, () => handler(object, previous));
  }

  private emitDelete(object: T): void {
    for (const handler of this.deleteHandlers) this.safely('delete', object, () => handler(object));
  }

  /** A throwing handler must not break the watch loop or starve the other handlers. */
  private safely(event: string, object: T, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.options.logger?.error({ resource: this.options.resource, event, object: keyOf(object), err: errorForLog(error) }, 'informer handler failed');
    }
  }
}

function isGone(error: unknown): boolean {
  return httpStatusOf(error) === 410;
}

function isTimeout(error: unknown): boolean {
  return (error as { name?: unknown }).name === 'TimeoutError';
}

/** Error text for logs; never the object itself (it may hold Secret data). */

/** What /readyz needs from an informer. */
export type InformerHealth = Pick<ResilientInformer<KubeObject>, 'resource' | 'healthy' | 'hasSynced' | 'lastEventAge'>;

/**
 * Readiness over several informers: ok when every one is healthy, otherwise one reason per
 * unhealthy informer (for /readyz and the logs).
 */
export function informerReadiness(informers: readonly InformerHealth[]): { ok: boolean; reasons: string[] } {
  const reasons: string[] = [];
  for (const informer of informers) {
    if (informer.healthy()) continue;
    if (!informer.hasSynced()) {
      reasons.push(`watch ${informer.resource} has not synced yet`);
      continue;
    }
    const age = informer.lastEventAge();
    const since = Number.isFinite(age) ? ` (last event ${Math.round(age / 1000)}s ago)` : '';
    reasons.push(`watch ${informer.resource} is not healthy${since}`);
  }
  return { ok: reasons.length === 0, reasons };
}
