import { describe, expect, it } from 'vitest';
import { InvalidDurationError } from '../../src/api/duration.js';
import { DEFAULT_STORE_MAX_RETRIES, retryPolicyOf, retryScheduleNote } from '../../src/aws/retry-settings.js';

describe('retryPolicyOf (a store\'s spec.retrySettings)', () => {
  it('is undefined without retrySettings: the operator\'s defaults apply', () => {
    expect(retryPolicyOf(undefined)).toBeUndefined();
  });

  it('takes maxRetries and a fixed retryInterval; ESO\'s 3 retries when only the interval is set', () => {
    expect(retryPolicyOf({ maxRetries: 2, retryInterval: '1.5s' })).toEqual({ maxRetries: 2, retryIntervalMs: 1500 });
    expect(retryPolicyOf({ retryInterval: '200ms' })).toEqual({ maxRetries: DEFAULT_STORE_MAX_RETRIES, retryIntervalMs: 200 });
    expect(DEFAULT_STORE_MAX_RETRIES).toBe(3);
  });

  it('leaves the SDK backoff when retryInterval is unset or 0', () => {
    expect(retryPolicyOf({ maxRetries: 1 })).toEqual({ maxRetries: 1 });
    expect(retryPolicyOf({ maxRetries: 1, retryInterval: '0' })).toEqual({ maxRetries: 1 });
  });

  it('names the field of a bad interval', () => {
    expect(() => retryPolicyOf({ retryInterval: '10' })).toThrow(InvalidDurationError);
    expect(() => retryPolicyOf({ retryInterval: '10' })).toThrow(/spec\.retrySettings\.retryInterval/);
  });
});

describe('retryScheduleNote', () => {
  it('says nothing when the waits fit in the per-call deadline', () => {
    expect(retryScheduleNote({ maxRetries: 2, retryIntervalMs: 1000 }, 5000)).toBe('');
    expect(retryScheduleNote({ maxRetries: 5 }, 5000)).toBe('');
    expect(retryScheduleNote(undefined, 5000)).toBe('');
  });

  it('says how many retries the deadline leaves, and what to change', () => {
    const note = retryScheduleNote({ maxRetries: 5, retryIntervalMs: 10_000 }, 5000);
    expect(note).toContain('spec.retrySettings waits 50s in all between retries');
    expect(note).toContain('at most 0 of the 5 retries run');
    expect(note).toContain('--aws-call-timeout');
    expect(retryScheduleNote({ maxRetries: 3, retryIntervalMs: 2000 }, 5000)).toContain('at most 2 of the 3 retries run');
  });
});
