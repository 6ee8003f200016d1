// robfig/cron v3's parser and Next() as ESO uses them for spec.syncWindows (see api/cron.ts).
// Expected values are robfig's documented behaviour, including its quirks (day-of-month OR
// day-of-week unless either is a star; "*/1" still counts as a star; Next is strictly after).
import { describe, expect, it } from 'vitest';
import { CronParseError, nextActivation, parseCron } from '../../src/api/cron.js';

const at = (iso: string) => Date.parse(iso);
const next = (spec: string, from: string) => {
  const t = nextActivation(parseCron(spec), at(from));
  return t === undefined ? undefined : new Date(t).toISOString();
};

describe('parseCron', () => {
  it.each([
    ['not-a-cron', /expected exactly 5 fields/],
    ['61 * * * *', /above maximum/],
    ['* 24 * * *', /above maximum/],
    ['* * 0 * *', /below minimum/],
    ['* * * 13 *', /above maximum/],
    ['* * * * 7', /above maximum/],
    ['5-1 * * * *', /beyond end/],
    ['*/0 * * * *', /positive/],
    ['1-2-3 * * * *', /too many hyphens/],
    ['*/2/3 * * * *', /too many slashes/],
    ['0 0 * * * *', /expected exactly 5 fields/],
    ['@fortnightly', /unrecognized descriptor/],
    ['@every soon', /not a valid duration/],
    ['CRON_TZ=Europe/Paris 0 22 * * *', /UTC/],
    ['', /empty/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseCron(spec)).toThrow(CronParseError);
    expect(() => parseCron(spec)).toThrow(message);
  });

  it('reads names case-insensitively, lists, ranges and steps', () => {
    const s = parseCron('5/20 9-17 * JAN,jul mon-FRI');
    if (s.kind !== 'spec') throw new Error('spec expected');
    expect([...s.minute.values]).toEqual([5, 25, 45]);
    expect([...s.hour.values]).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect([...s.month.values]).toEqual([1, 7]);
    expect([...s.dow.values]).toEqual([1, 2, 3, 4, 5]);
  });

  it('@every floors to whole seconds, at least one', () => {
    expect(parseCron('@every 1h30m')).toEqual({ kind: 'every', delayMs: 5_400_000 });
    expect(parseCron('@every 1500ms')).toEqual({ kind: 'every', delayMs: 1000 });
    expect(parseCron('@every 10ms')).toEqual({ kind: 'every', delayMs: 1000 });
  });
});

describe('nextActivation (robfig Next, UTC)', () => {
  it('is strictly after the given time', () => {
    expect(next('0 22 * * *', '2026-06-01T21:00:00Z')).toBe('2026-06-01T22:00:00.000Z');
    expect(next('0 22 * * *', '2026-06-01T22:00:00Z')).toBe('2026-06-02T22:00:00.000Z');
    expect(next('0 22 * * *', '2026-06-01T21:59:59.999Z')).toBe('2026-06-01T22:00:00.000Z');
  });

  it('steps and ranges', () => {
    expect(next('*/15 * * * *', '2026-06-01T10:07:30Z')).toBe('2026-06-01T10:15:00.000Z');
    expect(next('0 9-17 * * 1-5', '2026-06-05T18:00:00Z')).toBe('2026-06-08T09:00:00.000Z'); // Fri evening -> Mon 09:00
  });

  it('day-of-month OR day-of-week when neither is a star, AND otherwise', () => {
    // 2026-06-05 is a Friday, 2026-06-13 a Saturday.
    expect(next('0 0 13 * 5', '2026-06-01T00:00:00Z')).toBe('2026-06-05T00:00:00.000Z');
    expect(next('0 0 13 * 5', '2026-06-12T00:00:00Z')).toBe('2026-06-13T00:00:00.000Z');
    expect(next('0 0 * * 5', '2026-06-06T00:00:00Z')).toBe('2026-06-12T00:00:00.000Z');
    // "*/1" keeps the star bit: Fridays only, not every day.
    expect(next('0 0 */1 * 5', '2026-06-06T00:00:00Z')).toBe('2026-06-12T00:00:00.000Z');
    // "*/2" drops it: odd days OR Fridays.
    expect(next('0 0 */2 * 5', '2026-06-06T00:00:00Z')).toBe('2026-06-07T00:00:00.000Z');
  });

  it('descriptors', () => {
    expect(next('@weekly', '2026-06-03T12:00:00Z')).toBe('2026-06-07T00:00:00.000Z'); // Sunday
    expect(next('@monthly', '2026-06-03T12:00:00Z')).toBe('2026-07-01T00:00:00.000Z');
    expect(next('@yearly', '2026-06-03T12:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(next('@hourly', '2026-06-03T12:00:00Z')).toBe('2026-06-03T13:00:00.000Z');
    expect(next('@daily', '2026-06-03T12:00:00Z')).toBe('2026-06-04T00:00:00.000Z');
  });

  it('finds leap days and gives up after five years', () => {
    expect(next('0 0 29 2 *', '2026-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(next('0 0 30 2 *', '2026-03-01T00:00:00Z')).toBeUndefined();
  });

  it('@every counts from the time asked, dropping its sub-second part', () => {
    expect(nextActivation(parseCron('@every 1h'), at('2026-06-01T10:00:00.250Z'))).toBe(at('2026-06-01T11:00:00.000Z'));
  });
});
