import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withDefaults } from '../../src/api/defaults.js';
import { parseDuration } from '../../src/api/duration.js';
import { SharedFetcher } from '../../src/aws/fetcher.js';
import { FetchingSecretSource } from '../../src/controller/fetch-desired.js';
import { ManualClock } from '../aws/helpers.js';
import { ProviderError } from '../../src/api/provider.js';
import { FakeProvider, externalSecret, secretStore } from './fakes.js';

let clock: ManualClock;
let provider: FakeProvider;
let source: FetchingSecretSource;

beforeEach(() => {
  vi.useFakeTimers();
  clock = new ManualClock();
  provider = new FakeProvider();
  provider.set('prod/db', JSON.stringify({ password: 'one' }), 'v1');
  // The shared read cache is longer than the refresh interval below on purpose.
  const fetcher = new SharedFetcher({ clock, ttlMs: 10_000, batchWindowMs: 1 });
  source = new FetchingSecretSource({ forStore: async () => ({ identityKey: 'store', provider }) }, fetcher);
});
afterEach(() => vi.useRealTimers());

async function fetchPassword(refreshInterval: string): Promise<string | undefined> {
  const pending = source.fetch(secretStore(), withDefaults(externalSecret({ refreshInterval })), { refreshIntervalMs: parseDuration(refreshInterval) });
  await vi.advanceTimersByTimeAsync(1);
  return (await pending).data.password?.toString();
}

describe('FetchingSecretSource', () => {
  it('sees a rotation at the next refresh when the refresh interval is shorter than the read cache', async () => {
    expect(await fetchPassword('5s')).toBe('one');
    provider.set('prod/db', JSON.stringify({ password: 'two' }), 'v2');
    clock.advance(5_000);
    expect(await fetchPassword('5s')).toBe('two');
    expect(provider.calls).toBe(2);
  });

  it('still shares reads within the interval, and long intervals keep the cache TTL', async () => {
    expect(await fetchPassword('1h')).toBe('one');
    provider.set('prod/db', JSON.stringify({ password: 'two' }), 'v2');
    clock.advance(4_000);
    expect(await fetchPassword('5s')).toBe('one');
    expect(await fetchPassword('1h')).toBe('one');
    expect(await fetchPassword('0')).toBe('one');
    expect(provider.calls).toBe(1);
  });

  it('drops the identity when AWS rejects its credentials, and only then', async () => {
    const invalidate = vi.fn();
    const fetcher = new SharedFetcher({ clock, ttlMs: 0, batchWindowMs: 1 });
    source = new FetchingSecretSource({ forStore: async () => ({ identityKey: 'store', provider }), invalidate }, fetcher);
    provider.failWith = new ProviderError('AccessDenied', 'denied', { code: 'AccessDeniedException' });
    await fetchPassword('1h');
    expect(invalidate).not.toHaveBeenCalled();
    provider.failWith = new ProviderError('AccessDenied', 'session expired', { code: 'ExpiredTokenException' });
    await fetchPassword('1h');
    expect(invalidate).toHaveBeenCalledWith('store');
  });
});
