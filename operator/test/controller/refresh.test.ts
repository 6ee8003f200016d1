import { describe, expect, it } from 'vitest';
import { decideRefresh, type RefreshFacts } from '../../src/controller/refresh.js';

const HOUR = 3_600_000;
const base: RefreshFacts = {
  policy: 'Periodic',
  intervalMs: HOUR,
  now: 10 * HOUR,
  lastSyncMs: 10 * HOUR - 10_000,
  generation: 2,
  observedGeneration: 2,
  targetMissing: false,
  targetDrifted: false,
  forceRequested: false,
};

describe('decideRefresh', () => {
  it('syncs the first time whatever the policy', () => {
    for (const policy of ['Periodic', 'OnChange', 'CreatedOnce'] as const) {
      expect(decideRefresh({ ...base, policy, lastSyncMs: undefined })).toMatchObject({ sync: true, reason: 'first-sync' });
    }
  });

  it('waits for the rest of the interval when nothing changed', () => {
    expect(decideRefresh(base)).toEqual({ sync: false, requeueAfterMs: HOUR - 10_000 });
  });

  it('syncs when the interval has elapsed and schedules the next one a full interval out', () => {
    expect(decideRefresh({ ...base, now: base.lastSyncMs! + HOUR })).toEqual({ sync: true, reason: 'interval-elapsed', requeueAfterMs: HOUR });
  });

  it('syncs on a spec change (generation ahead of observedGeneration)', () => {
    expect(decideRefresh({ ...base, generation: 3 })).toMatchObject({ sync: true, reason: 'spec-changed' });
  });

  it('repairs a deleted or edited target', () => {
    expect(decideRefresh({ ...base, targetMissing: true })).toMatchObject({ sync: true, reason: 'target-missing' });
    expect(decideRefresh({ ...base, targetDrifted: true })).toMatchObject({ sync: true, reason: 'target-drifted' });
  });

  it('honours force-sync', () => {
    expect(decideRefresh({ ...base, forceRequested: true })).toMatchObject({ sync: true, reason: 'forced' });
  });

  it('OnChange syncs only on spec change, never on a timer', () => {
    const onChange = { ...base, policy: 'OnChange' as const };
    expect(decideRefresh({ ...onChange, now: base.now + 10 * HOUR })).toEqual({ sync: false });
    expect(decideRefresh({ ...onChange, generation: 3 })).toEqual({ sync: true, reason: 'spec-changed', requeueAfterMs: undefined });
  });

  it('CreatedOnce never refreshes, but re-creates a deleted target', () => {
    const once = { ...base, policy: 'CreatedOnce' as const };
    expect(decideRefresh({ ...once, generation: 3, forceRequested: true, targetDrifted: true })).toEqual({ sync: false });
    expect(decideRefresh({ ...once, targetMissing: true })).toMatchObject({ sync: true, reason: 'target-missing' });
  });

  it('a store spec change syncs under every policy', () => {
    for (const policy of ['Periodic', 'OnChange', 'CreatedOnce'] as const) {
      expect(decideRefresh({ ...base, policy, storeChanged: true }), policy).toMatchObject({ sync: true, reason: 'store-changed' });
    }
  });

  it('refreshInterval 0 syncs once and then only on change', () => {
    const zero = { ...base, intervalMs: 0 };
    expect(decideRefresh({ ...zero, now: base.now + 100 * HOUR })).toEqual({ sync: false });
    expect(decideRefresh({ ...zero, generation: 5 })).toEqual({ sync: true, reason: 'spec-changed', requeueAfterMs: undefined });
  });
});
