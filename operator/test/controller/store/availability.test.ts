import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/api/provider.js';
import { StoreAvailability } from '../../../src/controller/store/availability.js';

const unavailable = (code: string) => new ProviderError('ProviderUnavailable', `failed (${code})`, { code, retryable: true, unavailable: true });

describe('StoreAvailability', () => {
  it('holds an identity after a deadline or connection failure, per identity, for holdMs', () => {
    let now = 1_000;
    const a = new StoreAvailability({ holdMs: 5_000, clock: { now: () => now } });
    a.record('slow', [unavailable('TimeoutError')]);
    a.record('refused', [unavailable('ECONNREFUSED')]);
    now += 2_400;
    expect(a.check('slow')?.message).toBe("not called: the store's AWS endpoint failed at 1970-01-01T00:00:01Z (failed (TimeoutError))");
    expect(a.check('refused')).toBeInstanceOf(ProviderError);
    expect(a.check('other')).toBeUndefined();
    now += 2_600;
    expect(a.check('slow')).toBeUndefined();
  });

  it('an answer closes the hold; an answer beside a silence in one pass keeps it', () => {
    const a = new StoreAvailability({ holdMs: 5_000, clock: { now: () => 0 } });
    a.record('s', [unavailable('TimeoutError'), { name: 'x' }]);
    expect(a.check('s')).toBeDefined();
    a.record('s', [{ name: 'x' }]);
    expect(a.check('s')).toBeUndefined();
  });

  it('answers that are errors (5xx, throttling) open no hold', () => {
    const a = new StoreAvailability({ holdMs: 5_000, clock: { now: () => 0 } });
    a.record('s', [unavailable('ServiceUnavailable'), new ProviderError('Throttled', 't', { code: 'ThrottlingException', retryable: true }), undefined]);
    expect(a.check('s')).toBeUndefined();
  });
});
