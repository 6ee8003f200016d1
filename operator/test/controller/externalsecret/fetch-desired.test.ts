import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withDefaults } from '../../../src/api/defaults.js';
import { SharedFetcher } from '../../../src/aws/fetcher.js';
import { FetchingSecretSource, withStorePrefix } from '../../../src/controller/externalsecret/fetch-desired.js';
import { StoreAvailability } from '../../../src/controller/store/availability.js';
import { ManualClock } from '../../aws/helpers.js';
import { ProviderError } from '../../../src/api/provider.js';
import { FakeProvider, externalSecret, secretStore } from '../fakes.js';

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

async function fetchPassword(refreshInterval: string, notBefore?: number): Promise<string | undefined> {
  const pending = source.fetch(secretStore(), withDefaults(externalSecret({ refreshInterval })), notBefore === undefined ? {} : { notBefore });
  await vi.advanceTimersByTimeAsync(1);
  return (await pending).data.password?.toString();
}

describe('FetchingSecretSource', () => {
  it('asks for the store\'s provider with the ExternalSecret\'s namespace (where a referent store\'s credentials live)', async () => {
    const asked: Array<string | undefined> = [];
    const lookup = new FetchingSecretSource(
      { forStore: async (_store, namespace) => (asked.push(namespace), { identityKey: `store[${namespace}]`, provider }) },
      new SharedFetcher({ clock, ttlMs: 0, batchWindowMs: 1 }),
    );
    const pending = lookup.fetch(secretStore('ClusterSecretStore'), withDefaults(externalSecret()));
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(asked).toEqual([externalSecret().metadata.namespace]);
  });

  it('reads again for a new refresh wave although the cached read is younger than the cache TTL', async () => {
    const wave = clock.now();
    expect(await fetchPassword('5s', wave)).toBe('one');
    provider.set('prod/db', JSON.stringify({ password: 'two' }), 'v2');
    clock.advance(5_000);
    expect(await fetchPassword('5s', wave + 5_000)).toBe('two');
    expect(provider.calls).toBe(2);
  });

  it('shares reads within a wave, and without a wave within the dedupe window', async () => {
    const wave = clock.now();
    expect(await fetchPassword('1h', wave)).toBe('one');
    provider.set('prod/db', JSON.stringify({ password: 'two' }), 'v2');
    clock.advance(4_000);
    expect(await fetchPassword('5s', wave)).toBe('one');
    expect(await fetchPassword('1h', wave - 60_000)).toBe('one');
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

  it("reads through ESO's store prefix: prefix + key", async () => {
    provider.set('team-a/prod/db', JSON.stringify({ password: 'prefixed' }), 'v9');
    const store = secretStore('SecretStore', { provider: { aws: { service: 'SecretsManager', region: 'us-east-1', prefix: 'team-a/' } } });
    const pending = source.fetch(store, withDefaults(externalSecret()));
    await vi.advanceTimersByTimeAsync(1);
    const built = await pending;
    expect(built.data.password?.toString()).toBe('prefixed');
    expect(built.syncedVersions[0]).toMatchObject({ remoteKey: 'team-a/prod/db', versionId: 'v9' });
  });
});

describe('withStorePrefix', () => {
  it('prefixes data keys, extract keys and find paths (a find without a path searches under the prefix)', () => {
    const es = withDefaults(
      externalSecret({
        data: [{ secretKey: 'a', remoteRef: { key: 'db' } }],
        dataFrom: [{ extract: { key: 'app' } }, { find: { path: 'svc/' } }, { find: { name: { regexp: 'x' } } }],
      }),
    );
    const out = withStorePrefix(es, 'p/').spec;
    expect(out.data[0]!.remoteRef.key).toBe('p/db');
    expect(out.dataFrom.map((d) => d.extract?.key ?? d.find?.path)).toEqual(['p/app', 'p/svc/', 'p/']);
    expect(withStorePrefix(es, undefined)).toBe(es);
    expect(es.spec.data[0]!.remoteRef.key).toBe('db');
  });
});

describe('FetchingSecretSource with StoreAvailability', () => {
  const silence = new ProviderError('ProviderUnavailable', 'Secrets Manager endpoint http://127.0.0.1:9 in region us-east-1 is unreachable (no answer within 5s)', {
    code: 'TimeoutError',
    retryable: true,
    unavailable: true,
  });

  function withAvailability() {
    const availability = new StoreAvailability({ holdMs: 5_000, clock });
    source = new FetchingSecretSource({ forStore: async () => ({ identityKey: 'store', provider }) }, new SharedFetcher({ clock, ttlMs: 0, batchWindowMs: 1 }), undefined, availability);
  }

  it('a store that did not answer fails its other ExternalSecrets fast, without a call, until the hold ends', async () => {
    withAvailability();
    provider.failWith = silence;
    await fetchPassword('1h'); // the read that met the silence: problems, not a throw
    expect(provider.calls).toBe(1);
    const fast = await source.fetch(secretStore(), withDefaults(externalSecret())).catch((e: unknown) => e);
    expect(fast).toBeInstanceOf(ProviderError);
    expect(fast).toMatchObject({ reason: 'ProviderUnavailable', retryable: true, unavailable: true });
    expect((fast as ProviderError).message).toBe(`not called: the store's AWS endpoint failed at ${new Date(clock.now()).toISOString().replace(/\.\d+Z$/, 'Z')} (${silence.message})`);
    expect(provider.calls).toBe(1);

    provider.failWith = undefined;
    clock.advance(5_000);
    expect(await fetchPassword('1h')).toBe('one');
    expect(provider.calls).toBe(2);
  });

  it('throttling and 5xx are answers: no hold', async () => {
    withAvailability();
    provider.failWith = new ProviderError('ProviderUnavailable', 'HTTP 503', { code: 'ServiceUnavailable', retryable: true, unavailable: true });
    await fetchPassword('1h');
    provider.failWith = new ProviderError('Throttled', 'slow down', { code: 'ThrottlingException', retryable: true });
    await fetchPassword('1h');
    provider.failWith = undefined;
    expect(await fetchPassword('1h')).toBe('one');
    expect(provider.calls).toBe(3);
  });
});
