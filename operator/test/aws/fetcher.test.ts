import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ES_REASON, type DataFromFind } from '../../src/api/types.js';
import { SharedFetcher } from '../../src/aws/fetcher.js';
import { ProviderError, fetchRequestId, type FetchRequest, type RemoteSecret, type SecretsProvider } from '../../src/api/provider.js';
import { ManualClock } from './helpers.js';

/** In-memory provider that records how it was called. */
class RecordingProvider implements SecretsProvider {
  readonly service = 'SecretsManager' as const;
  readonly values = new Map<string, string>();
  readonly getCalls: FetchRequest[] = [];
  readonly getManyCalls: FetchRequest[][] = [];
  failNext?: ProviderError;
  /** When set, answers are computed at call time but delivered only once it resolves. */
  hold?: Promise<void>;

  async get(request: FetchRequest): Promise<RemoteSecret> {
    this.getCalls.push(request);
    const value = this.read(request);
    await this.hold;
    return value;
  }

  async getMany(requests: FetchRequest[]): Promise<Map<string, RemoteSecret | ProviderError>> {
    this.getManyCalls.push(requests);
    const out = new Map<string, RemoteSecret | ProviderError>();
    for (const request of requests) {
      try {
        out.set(fetchRequestId(request), this.read(request));
      } catch (err) {
        out.set(fetchRequestId(request), err as ProviderError);
      }
    }
    await this.hold;
    return out;
  }

  async find(_query: DataFromFind): Promise<RemoteSecret[]> {
    return [];
  }

  async validate(): Promise<void> {}

  get totalCalls(): number {
    return this.getCalls.length + this.getManyCalls.length;
  }

  private read(request: FetchRequest): RemoteSecret {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    const value = this.values.get(request.key);
    if (value === undefined) throw new ProviderError(ES_REASON.SecretMissing, `secret ${request.key} not found`, { notFound: true });
    return { name: request.key, value: Buffer.from(value), binary: false, versionId: `v-${value}`, region: 'eu-west-1' };
  }
}

let clock: ManualClock;
let provider: RecordingProvider;
let fetcher: SharedFetcher;

beforeEach(() => {
  vi.useFakeTimers();
  clock = new ManualClock();
  provider = new RecordingProvider();
  provider.values.set('a', 'A1').set('b', 'B1').set('c', 'C1');
  fetcher = new SharedFetcher({ clock, ttlMs: 10_000, batchWindowMs: 5 });
});
afterEach(() => vi.useRealTimers());

/** Lets the batch window pass and the provider promises settle. */
const settle = () => vi.advanceTimersByTimeAsync(5);

describe('SharedFetcher', () => {
  it('single-flights identical concurrent requests', async () => {
    const pending = Array.from({ length: 50 }, () => fetcher.get('store-1', provider, { key: 'a' }));
    await settle();
    const values = await Promise.all(pending);
    expect(provider.getCalls).toEqual([{ key: 'a' }]);
    expect(provider.getManyCalls).toHaveLength(0);
    expect(new Set(values.map((v) => v.value.toString()))).toEqual(new Set(['A1']));
    expect(fetcher.stats).toMatchObject({ reads: 1, sharedInFlight: 49 });
  });

  it('coalesces different keys arriving within the window into one getMany', async () => {
    const pending = [fetcher.get('store-1', provider, { key: 'a' }), fetcher.get('store-1', provider, { key: 'b' }), fetcher.get('store-1', provider, { key: 'c', version: 'AWSPREVIOUS' })];
    await settle();
    await Promise.all(pending);
    expect(provider.getManyCalls).toEqual([[{ key: 'a' }, { key: 'b' }, { key: 'c', version: 'AWSPREVIOUS' }]]);
    expect(provider.getCalls).toHaveLength(0);
  });

  it('does not batch across the window or across identities', async () => {
    const other = new RecordingProvider();
    other.values.set('a', 'OTHER');
    const first = fetcher.get('store-1', provider, { key: 'a' });
    const foreign = fetcher.get('store-2', other, { key: 'a' });
    await settle();
    const late = fetcher.get('store-1', provider, { key: 'b' });
    await settle();
    expect((await first).value.toString()).toBe('A1');
    expect((await foreign).value.toString()).toBe('OTHER'); // never served from store-1's read
    expect((await late).value.toString()).toBe('B1');
    expect(provider.getCalls).toEqual([{ key: 'a' }, { key: 'b' }]);
    expect(other.getCalls).toEqual([{ key: 'a' }]);
  });

  it('reuses a value within the TTL and reads again after it (a rotation is seen)', async () => {
    const first = fetcher.get('store-1', provider, { key: 'a' });
    await settle();
    await first;
    provider.values.set('a', 'A2');
    clock.advance(9_000);
    expect((await fetcher.get('store-1', provider, { key: 'a' })).value.toString()).toBe('A1');
    expect(provider.totalCalls).toBe(1);
    expect(fetcher.stats.cacheHits).toBe(1);

    clock.advance(1_001);
    const again = fetcher.get('store-1', provider, { key: 'a' });
    await settle();
    expect((await again).value.toString()).toBe('A2');
    expect(provider.totalCalls).toBe(2);
  });

  it('never serves a read started before the caller\'s notBefore (its refresh wave), even within the TTL', async () => {
    clock.current = 100_000;
    const first = fetcher.getMany('store-1', provider, [{ key: 'a' }], { notBefore: 100_000 });
    await settle();
    await first;
    provider.values.set('a', 'A2');
    clock.advance(4_000);
    // A second ExternalSecret of the same wave shares the read.
    expect((await fetcher.get('store-1', provider, { key: 'a' }, { notBefore: 100_000 })).value.toString()).toBe('A1');
    expect(provider.totalCalls).toBe(1);

    // The next wave of a 5 s ExternalSecret starts at 105 000: the rotation must be read, although
    // the value is only 5 s old and in use.
    clock.advance(1_000);
    const next = fetcher.getMany('store-1', provider, [{ key: 'a' }], { notBefore: 105_000 });
    await settle();
    expect((await next).get(fetchRequestId({ key: 'a' }))).toMatchObject({ value: Buffer.from('A2') });
    expect(provider.totalCalls).toBe(2);
    // A caller whose wave (a longer interval) began earlier shares the newer read.
    expect((await fetcher.get('store-1', provider, { key: 'a' }, { notBefore: 0 })).value.toString()).toBe('A2');
    expect(provider.totalCalls).toBe(2);
  });

  it('keeps sharing a read for a whole long wave while it is used, and drops it once idle for the TTL', async () => {
    clock.current = 1_000_000;
    const wave = { notBefore: 1_000_000 };
    const first = fetcher.get('store-1', provider, { key: 'a' }, wave);
    await settle();
    await first;
    // A long initial sync: the key is asked for every 8 s for a minute; the read is shared throughout.
    for (let i = 0; i < 8; i++) {
      clock.advance(8_000);
      await fetcher.get('store-1', provider, { key: 'a' }, wave);
    }
    expect(provider.totalCalls).toBe(1);
    // Unused for the TTL: dropped, the next caller of the same wave reads again.
    clock.advance(10_000);
    const late = fetcher.get('store-1', provider, { key: 'a' }, wave);
    await settle();
    await late;
    expect(provider.totalCalls).toBe(2);
  });

  it('does not join a read still in flight that started before notBefore; the newer read fills the cache', async () => {
    clock.current = 50_000;
    let release!: () => void;
    provider.hold = new Promise((resolve) => (release = resolve));
    const old = fetcher.get('store-1', provider, { key: 'a' }, { notBefore: 40_000 });
    await settle(); // the read of A1 is on the wire (slow)
    provider.values.set('a', 'A2');
    clock.current = 60_000;
    provider.hold = undefined;
    const fresh = fetcher.get('store-1', provider, { key: 'a' }, { notBefore: 60_000 });
    await settle();
    expect((await fresh).value.toString()).toBe('A2');
    expect(fetcher.stats.sharedInFlight).toBe(0);
    release();
    expect((await old).value.toString()).toBe('A1'); // its own caller still gets an answer
    expect((await fetcher.get('store-1', provider, { key: 'a' }, { notBefore: 60_000 })).value.toString()).toBe('A2');
    expect(provider.getCalls).toHaveLength(2);
  });

  it('records a batched read as started when it was requested (before the batch window)', async () => {
    clock.current = 10_000;
    const first = fetcher.get('store-1', provider, { key: 'a' }, { notBefore: 10_000 });
    clock.advance(3); // the batch is sent later, but the read counts from its request
    await settle();
    await first;
    await fetcher.get('store-1', provider, { key: 'a' }, { notBefore: 10_000 });
    expect(provider.totalCalls).toBe(1);
    const after = fetcher.get('store-1', provider, { key: 'a' }, { notBefore: 10_001 });
    await settle();
    await after;
    expect(provider.totalCalls).toBe(2);
  });

  it('keys the cache by version too', async () => {
    const current = fetcher.get('store-1', provider, { key: 'a' });
    const previous = fetcher.get('store-1', provider, { key: 'a', version: 'AWSPREVIOUS' });
    await settle();
    await Promise.all([current, previous]);
    expect(provider.getManyCalls[0]).toHaveLength(2);
  });

  it('does not cache errors', async () => {
    provider.failNext = new ProviderError(ES_REASON.Throttled, 'slow down', { retryable: true });
    const first = fetcher.get('store-1', provider, { key: 'a' });
    const firstResult = first.catch((e: unknown) => e);
    await settle();
    expect(await firstResult).toMatchObject({ reason: ES_REASON.Throttled });
    const second = fetcher.get('store-1', provider, { key: 'a' });
    await settle();
    expect((await second).value.toString()).toBe('A1');
    expect(provider.getCalls).toHaveLength(2);
  });

  it('returns per-key failures of a batch to their callers only, and does not cache them', async () => {
    const ok = fetcher.get('store-1', provider, { key: 'a' });
    const missing = fetcher.get('store-1', provider, { key: 'nope' }).catch((e: unknown) => e);
    await settle();
    expect((await ok).value.toString()).toBe('A1');
    expect(await missing).toMatchObject({ notFound: true });
    expect(fetcher.size).toBe(1);
  });

  it('getMany returns a map with values and ProviderErrors', async () => {
    const pending = fetcher.getMany('store-1', provider, [{ key: 'a' }, { key: 'b' }, { key: 'nope' }]);
    await settle();
    const results = await pending;
    expect((results.get('a') as RemoteSecret).value.toString()).toBe('A1');
    expect(results.get('nope')).toBeInstanceOf(ProviderError);
    expect(provider.getManyCalls).toHaveLength(1);
  });

  it('wraps a provider crash without leaking its message', async () => {
    provider.getMany = async () => {
      throw new Error('raw body with s3cr3t');
    };
    const a = fetcher.get('store-1', provider, { key: 'a' }).catch((e: unknown) => e);
    const b = fetcher.get('store-1', provider, { key: 'b' }).catch((e: unknown) => e);
    await settle();
    const error = (await a) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.retryable).toBe(true);
    expect(error.message).not.toContain('s3cr3t');
    expect(await b).toBeInstanceOf(ProviderError);
  });

  it('invalidate forces the next read to AWS (force-sync)', async () => {
    const first = fetcher.get('store-1', provider, { key: 'a' });
    await settle();
    await first;
    provider.values.set('a', 'A2');
    fetcher.invalidate('store-1', { key: 'a' });
    const second = fetcher.get('store-1', provider, { key: 'a' });
    await settle();
    expect((await second).value.toString()).toBe('A2');
  });

  it('invalidate during a read lets a new read start and keeps the stale one out of the cache', async () => {
    let release!: () => void;
    provider.hold = new Promise((resolve) => (release = resolve));
    const stale = fetcher.get('store-1', provider, { key: 'a' });
    await settle(); // the read of A1 is on the wire
    provider.values.set('a', 'A2');
    fetcher.invalidate('store-1');
    provider.hold = undefined;
    const fresh = fetcher.get('store-1', provider, { key: 'a' });
    await settle();
    expect((await fresh).value.toString()).toBe('A2');
    release();
    expect((await stale).value.toString()).toBe('A1'); // its caller still gets an answer
    expect((await fetcher.get('store-1', provider, { key: 'a' })).value.toString()).toBe('A2');
    expect(provider.getCalls).toHaveLength(2);
  });

  it('invalidateRemote drops every identity\'s reads of a changed secret, any version; then one read serves every caller again', async () => {
    await Promise.all([fetcher.get('store-1', provider, { key: 'a' }), fetcher.get('store-2', provider, { key: 'a', version: 'AWSCURRENT' }), fetcher.get('store-1', provider, { key: 'b' }), settle()]);
    const readsBefore = provider.getCalls.length + provider.getManyCalls.flat().length;
    provider.values.set('a', 'A2');
    fetcher.invalidateRemote('SecretsManager', 'a');
    fetcher.invalidateRemote('ParameterStore', 'b'); // another service: b stays cached
    const again = Promise.all([fetcher.get('store-1', provider, { key: 'a' }), fetcher.get('store-1', provider, { key: 'a' }), fetcher.get('store-1', provider, { key: 'b' })]);
    await settle();
    const [a1, a2, b] = await again;
    expect([a1.value.toString(), a2.value.toString(), b.value.toString()]).toEqual(['A2', 'A2', 'B1']);
    // One new read of a (shared by both callers); b came from the cache.
    expect(provider.getCalls.length + provider.getManyCalls.flat().length - readsBefore).toBe(1);
  });

  it('onRead reports each successful read with the time it was requested', async () => {
    const reads: Array<[string, string, number]> = [];
    const reporting = new SharedFetcher({ clock, batchWindowMs: 5, onRead: (service, value, at) => reads.push([service, value.name, at]) });
    const startedAt = clock.now();
    const done = reporting.get('s', provider, { key: 'a' });
    clock.advance(3);
    await settle();
    await done;
    await expect(Promise.all([reporting.get('s', provider, { key: 'missing' }), settle()])).rejects.toThrow();
    expect(reads).toEqual([['SecretsManager', 'a', startedAt]]);
  });

  it('sends a full batch without waiting for the window', async () => {
    const small = new SharedFetcher({ clock, batchWindowMs: 1_000, maxBatchSize: 2 });
    const pending = [small.get('s', provider, { key: 'a' }), small.get('s', provider, { key: 'b' })];
    await vi.advanceTimersByTimeAsync(0);
    await Promise.all(pending);
    expect(provider.getManyCalls).toHaveLength(1);
  });
});
