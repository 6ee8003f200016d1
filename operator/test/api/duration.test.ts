import { describe, expect, it } from 'vitest';
import { durationProblem, formatDuration, InvalidDurationError, parseDuration } from '../../src/api/duration.js';

describe('parseDuration', () => {
  it.each([
    ['1h', 3_600_000],
    ['15m', 900_000],
    ['30s', 30_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['0', 0],
    ['0s', 0],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['2h45m30s', 9_930_000],
    ['1m30s500ms', 90_500],
    ['1000us', 1],
    ['1000µs', 1],
    ['1000000ns', 1],
    ['24h', 86_400_000],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBeCloseTo(ms, 6);
  });

  it.each([
    ['90', /unit is missing/],
    ['', /empty/],
    ['1d', /no day unit, write 24h/],
    ['-5m', /negative/],
    ['+5m', /negative or signed/],
    ['5 m', /unexpected/],
    ['m', /unexpected/],
    ['1h junk', /unexpected/],
    ['5min', /unknown unit "min"/],
    ['1H', /unexpected/],
  ])('rejects %j', (text, detail) => {
    expect(() => parseDuration(text, 'spec.refreshInterval')).toThrow(detail);
  });

  it('names the field, the value and the accepted form', () => {
    let error: unknown;
    try {
      parseDuration('90', 'spec.refreshInterval');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidDurationError);
    const message = (error as Error).message;
    expect(message).toContain('spec.refreshInterval "90"');
    expect(message).toContain('1h, 15m, 30s, 1h30m');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [1500, '1s500ms'],
    [60_000, '1m'],
    [5_400_000, '1h30m'],
    [90_061_000, '25h1m1s'],
  ])('formats %d as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [1, 999, 1000, 61_001, 3_600_000, 86_400_000 + 1]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });

  it('refuses negative input', () => {
    expect(() => formatDuration(-1)).toThrow(RangeError);
  });
});

describe('durationProblem', () => {
  it('is undefined for a valid duration', () => {
    expect(durationProblem('1h30m', 'spec.refreshInterval')).toBeUndefined();
    expect(durationProblem('0', 'spec.refreshTime')).toBeUndefined();
  });

  it('says what is wrong without the field name, which the problem report carries', () => {
    expect(durationProblem('1d', 'spec.pushSecretSpec.refreshInterval')).toBe(
      '"1d" is not a valid duration (unknown unit "d"; there is no day unit, write 24h): use a number followed by a unit (h, m, s, ms), such as 1h, 15m, 30s, 1h30m or 500ms, or 0',
    );
    expect(durationProblem('', 'spec.retrySettings.retryInterval')).toMatch(/^"" is not a valid duration \(it is empty\)/);
  });
});
