// spec.syncWindows, with the cases of ESO 2.9's syncwindow_test.go (isWithinSyncWindow and
// isPeriodicRefreshAllowedByWindows) plus when a held refresh should look again.
import { describe, expect, it } from 'vitest';
import { periodicRefreshAllowed } from '../../../src/controller/externalsecret/sync-windows.js';
import type { SyncWindows } from '../../../src/api/types.js';

const HOUR = 3_600_000;
const open = Date.UTC(2026, 5, 1, 22); // 2026-06-01 22:00 UTC, a firing of "0 22 * * *"
const close = open + 2 * HOUR;
const valid = { schedule: '0 22 * * *', duration: '2h' };
const invalid = { schedule: 'not-a-cron', duration: '2h' };
const allow = (...windows: SyncWindows['windows']): SyncWindows => ({ kind: 'allow', windows });
const deny = (...windows: SyncWindows['windows']): SyncWindows => ({ kind: 'deny', windows });

describe('window boundaries (ESO TestIsWithinSyncWindow)', () => {
  it.each([
    ['at window open (inclusive)', open, true],
    ['inside window', open + 30 * 60_000, true],
    ['at window close (inclusive)', close, true],
    ['one second past window close', close + 1000, false],
    ['one hour before window opens', open - HOUR, false],
    ['between two consecutive occurrences', open + 5 * HOUR, false],
    ['inside the second occurrence (next day)', open + 24 * HOUR + 30 * 60_000, true],
  ])('%s', (_name, now, inside) => {
    expect(periodicRefreshAllowed(allow(valid), now).allowed).toBe(inside);
    expect(periodicRefreshAllowed(deny(valid), now).allowed).toBe(!inside);
  });
});

describe('periodicRefreshAllowed (ESO TestIsPeriodicRefreshAllowedByWindows)', () => {
  const inWindow = Date.UTC(2026, 5, 1, 23);
  const outWindow = Date.UTC(2026, 5, 1, 20);

  it('no windows always permit', () => {
    expect(periodicRefreshAllowed(undefined, inWindow).allowed).toBe(true);
    expect(periodicRefreshAllowed({ kind: 'allow', windows: [] }, inWindow).allowed).toBe(true);
  });

  it('allow: permits inside, holds outside until the next opening', () => {
    expect(periodicRefreshAllowed(allow(valid), inWindow)).toEqual({ allowed: true, ignored: [] });
    expect(periodicRefreshAllowed(allow(valid), outWindow)).toEqual({ allowed: false, changeAt: open, ignored: [] });
  });

  it('deny: holds inside until the window closes, permits outside', () => {
    expect(periodicRefreshAllowed(deny(valid), inWindow)).toEqual({ allowed: false, changeAt: close + 1, ignored: [] });
    expect(periodicRefreshAllowed(deny(valid), outWindow)).toEqual({ allowed: true, ignored: [] });
  });

  it('an unparseable schedule is ignored (inactive), and reported', () => {
    const onlyInvalidAllow = periodicRefreshAllowed(allow(invalid), inWindow);
    expect(onlyInvalidAllow.allowed).toBe(false);
    expect(onlyInvalidAllow.changeAt).toBeUndefined();
    expect(onlyInvalidAllow.ignored).toEqual([{ field: 'spec.syncWindows.windows[0]', reason: expect.stringContaining('expected exactly 5 fields') }]);
    expect(periodicRefreshAllowed(deny(invalid), inWindow).allowed).toBe(true);
    expect(periodicRefreshAllowed(allow(invalid, valid), inWindow).allowed).toBe(true);
  });

  it('an unknown kind permits', () => {
    expect(periodicRefreshAllowed({ kind: 'unknown' as 'allow', windows: [valid] }, inWindow).allowed).toBe(true);
  });

  it('several deny windows: looks again when the first open one closes', () => {
    const short = { schedule: '30 22 * * *', duration: '10m' };
    expect(periodicRefreshAllowed(deny(valid, short), Date.UTC(2026, 5, 1, 22, 35)).changeAt).toBe(Date.UTC(2026, 5, 1, 22, 40) + 1);
  });

  it('allow with several windows: looks again at the earliest opening', () => {
    const morning = { schedule: '0 6 * * *', duration: '1h' };
    expect(periodicRefreshAllowed(allow(valid, morning), Date.UTC(2026, 5, 1, 3)).changeAt).toBe(Date.UTC(2026, 5, 1, 6));
  });
});

describe('a schedule more frequent than its duration (always open)', () => {
  const everyMinuteFor2h = deny({ schedule: '* * * * *', duration: '2h' });
  const tick = Date.UTC(2026, 11, 6, 17, 34);

  it('holds at every instant, the second after each activation included (ESO reads that second as closed)', () => {
    for (const at of [tick - 1, tick, tick + 3, tick + 999, tick + 1500, tick + 30_000]) {
      expect(periodicRefreshAllowed(everyMinuteFor2h, at).allowed, new Date(at).toISOString()).toBe(false);
    }
  });

  it('looks again when a window closes and is still held then', () => {
    const first = periodicRefreshAllowed(everyMinuteFor2h, tick - 2_000);
    expect(first.allowed).toBe(false);
    expect(periodicRefreshAllowed(everyMinuteFor2h, first.changeAt!).allowed).toBe(false);
  });
});
