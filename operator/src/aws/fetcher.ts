// The fetch cache shared by every ExternalSecret, so that reads are shared (docs/architecture.md, "AWS calls"):
// - keyed by (provider identity key, service, key, version): two stores never share a
//   value, because a namespace must not read through another store's permissions;
// - identical concurrent requests wait on one read (single-flight);
// - a successful value is reused only if the read *started* at or after the caller's
//   `notBefore` (the start of its refresh wave, controller/externalsecret/refresh.ts): a refresh wave of
//   many ExternalSecrets naming one secret costs one read, yet no refresh is ever served a
//   value read before its wave began, so a rotation lands within one interval. Callers
//   without a wave (no periodic refresh) share reads started within the last `ttlMs`;
// - a value is dropped once nobody has used it for `ttlMs`, so a long wave (a large initial
//   sync) keeps sharing its reads for as long as it runs, and an idle cache stays empty;
// - requests for the same identity arriving within a tiny window (default 5 ms) are sent
//   as one getMany (BatchGetSecretValue / GetParameters);
// - errors are never cached; invalidate() drops values for a force-sync, invalidateRemote()
//   every identity's values of a secret AWS says changed (issue #16: the refreshes the event
//   triggers then share one new read);
// - onRead reports each successful read with its start time (the event router ignores events
//   older than the last read of their secret).
//
// Cached RemoteSecrets are shared between callers and must be treated as read-only.
import { ES_REASON } from '../api/types.js';
import { systemClock, type Clock } from '../platform/clock.js';
import { ProviderError, fetchRequestId, type FetchRequest, type RemoteSecret, type SecretsProvider } from '../api/provider.js';

export interface SharedFetcherOptions {
  clock?: Clock;
  /**
   * How long an unused value is kept, and how old a read callers without `notBefore` may
   * share. Default 10 s; 0 disables reuse (single-flight and batching remain).
   */
  ttlMs?: number;
  /** How long to wait for more requests of the same identity before sending a batch. Default 5 ms. */
  batchWindowMs?: number;
  /** Send a pending batch at once when it reaches this size. Default 100. */
  maxBatchSize?: number;
  /** Every successful read, with the time it was requested (ms). */
  onRead?: (service: SecretsProvider['service'], value: RemoteSecret, startedAtMs: number) => void;
}

export interface FetcherStats {
  /** Requests answered from the short-lived cache. */
  cacheHits: number;
  /** Requests that joined an identical read already in flight. */
  sharedInFlight: number;
  /** Reads sent to providers (one per distinct request). */
  reads: number;
  /** Provider calls made (get or getMany): reads / batches is the batching gain. */
  batches: number;
}

interface CachedValue {
  identityKey: string;
  service: string;
  key: string;
  value: RemoteSecret;
  /** When the read was requested: the value reflects every change made before this time. */
  startedAt: number;
  lastUsedAt: number;
}

export interface FetchOptions {
  /**
   * Reuse a cached or in-flight read only if it started at or after this time (ms since the
   * epoch): the start of the caller's refresh wave. Without it, reads started less than
   * `ttlMs` ago are shared.
   */
  notBefore?: number;
}

interface Waiter {
  cacheKey: string;
  service: SecretsProvider['service'];
  startedAt: number;
  request: FetchRequest;
  promise: Promise<RemoteSecret>;
  resolve: (value: RemoteSecret) => void;
  reject: (error: unknown) => void;
}

interface PendingBatch {
  provider: SecretsProvider;
  waiters: Waiter[];
  timer: ReturnType<typeof setTimeout>;
}

export class SharedFetcher {
  private readonly cache = new Map<string, CachedValue>();
  private readonly inflight = new Map<string, Waiter>();
  private readonly pending = new Map<string, PendingBatch>();
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly batchWindowMs: number;
  private readonly maxBatchSize: number;
  private readonly onRead: SharedFetcherOptions['onRead'];
  private lastSweep = 0;
  readonly stats: FetcherStats = { cacheHits: 0, sharedInFlight: 0, reads: 0, batches: 0 };

  constructor(options: SharedFetcherOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.ttlMs = options.ttlMs ?? 10_000;
    this.batchWindowMs = options.batchWindowMs ?? 5;
    this.maxBatchSize = options.maxBatchSize ?? 100;
    this.onRead = options.onRead;
  }

  /** One value, through the cache, single-flight and batching. Rejects with ProviderError. */
  get(identityKey: string, provider: SecretsProvider, request: FetchRequest, options: FetchOptions = {}): Promise<RemoteSecret> {
    const cacheKey = JSON.stringify([identityKey, provider.service, request.key, request.version ?? '']);
    const now = this.clock.now();
    // A read started before this is too old for the caller (it may predate a rotation).
    const notBefore = options.notBefore ?? now - this.ttlMs;
    const cached = this.cache.get(cacheKey);
    if (cached && this.ttlMs > 0 && cached.startedAt >= notBefore && now - cached.lastUsedAt < this.ttlMs) {
      this.stats.cacheHits++;
      cached.lastUsedAt = now;
      return Promise.resolve(cached.value);
    }
    const running = this.inflight.get(cacheKey);
    if (running && running.startedAt >= notBefore) {
      this.stats.sharedInFlight++;
      return running.promise;
    }
    // A new read; one still in flight from before notBefore answers its own callers but,
    // being older, no longer fills the cache (settle() checks it is still the current one).
    const waiter = newWaiter(cacheKey, provider.service, request, now);
    this.inflight.set(cacheKey, waiter);
    this.enqueue(identityKey, provider, waiter);
    return waiter.promise;
  }

  /** Many values; per-key failures come back in the map (keyed by fetchRequestId). */
  async getMany(
    identityKey: string,
    provider: SecretsProvider,
    requests: FetchRequest[],
    options: FetchOptions = {},
  ): Promise<Map<string, RemoteSecret | ProviderError>> {
    const outcomes = await Promise.all(
      requests.map(async (request) => {
        try {
          return [fetchRequestId(request), await this.get(identityKey, provider, request, options)] as const;
        } catch (err) {
          return [fetchRequestId(request), asProviderError(err)] as const;
        }
      }),
    );
    return new Map<string, RemoteSecret | ProviderError>(outcomes);
  }

  /**
   * Drops cached values of one identity (or one request of it) so the next read goes to
   * AWS — for force-sync. Reads already in flight still answer their callers but are not
   * cached, and new callers start a fresh read.
   */
  invalidate(identityKey: string, request?: FetchRequest): void {
    const matches = (cacheKey: string, identity: string): boolean => {
      if (identity !== identityKey) return false;
      if (!request) return true;
      const [, , key, version] = JSON.parse(cacheKey) as [string, string, string, string];
      return key === request.key && version === (request.version ?? '');
    };
    for (const [cacheKey, entry] of this.cache) if (matches(cacheKey, entry.identityKey)) this.cache.delete(cacheKey);
    for (const cacheKey of this.inflight.keys()) {
      const [identity] = JSON.parse(cacheKey) as [string];
      if (matches(cacheKey, identity)) this.inflight.delete(cacheKey);
    }
  }

  /**
   * Drops every identity's cached and in-flight reads of `key` (any version) of `service`: AWS
   * said it changed. Reads in flight still answer their callers but fill no cache; the next
   * caller starts one new read that every other caller then shares.
   */
  invalidateRemote(service: SecretsProvider['service'], key: string): void {
    for (const [cacheKey, entry] of this.cache) if (entry.service === service && entry.key === key) this.cache.delete(cacheKey);
    for (const [cacheKey, waiter] of this.inflight) if (waiter.service === service && waiter.request.key === key) this.inflight.delete(cacheKey);
  }

  /** Number of cached values (for a gauge and tests). */
  get size(): number {
    return this.cache.size;
  }

  private enqueue(identityKey: string, provider: SecretsProvider, waiter: Waiter): void {
    let batch = this.pending.get(identityKey);
    if (!batch) {
      const timer = setTimeout(() => this.flush(identityKey), this.batchWindowMs);
      batch = { provider, waiters: [], timer };
      this.pending.set(identityKey, batch);
    }
    batch.waiters.push(waiter);
    if (batch.waiters.length >= this.maxBatchSize) {
      clearTimeout(batch.timer);
      this.flush(identityKey);
    }
  }

  private flush(identityKey: string): void {
    const batch = this.pending.get(identityKey);
    if (!batch) return;
    this.pending.delete(identityKey);
    this.sweep();
    const { provider, waiters } = batch;
    this.stats.reads += waiters.length;
    this.stats.batches++;
    const [only] = waiters;
    if (waiters.length === 1 && only) {
      provider.get(only.request).then(
        (value) => this.settle(identityKey, only, value),
        (err: unknown) => this.settle(identityKey, only, asProviderError(err)),
      );
      return;
    }
    provider.getMany(waiters.map((w) => w.request)).then(
      (results) => {
        for (const waiter of waiters) {
          const outcome = results.get(fetchRequestId(waiter.request));
          this.settle(
            identityKey,
            waiter,
            outcome ?? new ProviderError(ES_REASON.SecretSyncedError, `no result for ${waiter.request.key} from ${provider.service}`, { retryable: true }),
          );
        }
      },
      (err: unknown) => {
        for (const waiter of waiters) this.settle(identityKey, waiter, asProviderError(err));
      },
    );
  }

  private settle(identityKey: string, waiter: Waiter, outcome: RemoteSecret | ProviderError): void {
    // Only the read that is still current may fill the cache (invalidate() may have
    // replaced it with a newer one).
    const current = this.inflight.get(waiter.cacheKey) === waiter;
    if (current) this.inflight.delete(waiter.cacheKey);
    if (outcome instanceof ProviderError) {
      waiter.reject(outcome);
      return;
    }
    if (current && this.ttlMs > 0) {
      this.cache.set(waiter.cacheKey, { identityKey, service: waiter.service, key: waiter.request.key, value: outcome, startedAt: waiter.startedAt, lastUsedAt: this.clock.now() });
    }
    this.onRead?.(waiter.service, outcome, waiter.startedAt);
    waiter.resolve(outcome);
  }

  /** Drops values unused for the TTL, at most once per TTL so it stays cheap. */
  private sweep(): void {
    const now = this.clock.now();
    if (now - this.lastSweep < this.ttlMs) return;
    this.lastSweep = now;
    for (const [cacheKey, entry] of this.cache) if (now - entry.lastUsedAt >= this.ttlMs) this.cache.delete(cacheKey);
  }
}

function newWaiter(cacheKey: string, service: SecretsProvider['service'], request: FetchRequest, startedAt: number): Waiter {
  let resolve!: (value: RemoteSecret) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<RemoteSecret>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { cacheKey, service, startedAt, request, promise, resolve, reject };
}

function asProviderError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  // Only the error's name: an unexpected error's message is not known to be value-free.
  const name = err instanceof Error ? err.name : typeof err;
  return new ProviderError(ES_REASON.SecretSyncedError, `read failed unexpectedly (${name}); see the operator log`, { retryable: true, cause: err });
}
