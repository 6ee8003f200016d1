import { describe, expect, it } from 'vitest';
import { decideRefresh, stableFraction, stableOffsetMs, waveStart, type RefreshFacts } from '../../../src/controller/externalsecret/refresh.js';

const HOUR = 3_600_000;
// Waves of this ExternalSecret start at 10h + 15 min (+ k hours); "now" is 20 min later.
const PHASE = 15 * 60_000;
const WAVE = 10 * HOUR + PHASE;
const base: RefreshFacts = {
  policy: 'Periodic',
  intervalMs: HOUR,
  now: WAVE + 20 * 60_000,
  phaseMs: PHASE,
  lastSyncMs: WAVE + 60_000,
  syncedWaveMs: WAVE,
  lastSyncFailed: false,
  generation: 2,
  observedGeneration: 2,
  targetMissing: false,
  targetDrifted: false,
  forceRequested: false,
};

describe('decideRefresh', () => {
  it('syncs the first time whatever the policy', () => {
    for (const policy of ['Periodic', 'OnChange', 'CreatedOnce'] as const) {
      expect(decideRefresh({ ...base, policy, lastSyncMs: undefined, syncedWaveMs: undefined })).toMatchObject({ sync: true, reason: 'first-sync' });
    }
  });

  it('an AWS change event refreshes a periodic ExternalSecret now, inside a covered wave; never OnChange, CreatedOnce or sync-once', () => {
    expect(decideRefresh({ ...base, eventTriggered: true })).toEqual({ sync: true, reason: 'event', waveMs: WAVE, nextAt: WAVE + HOUR });
    expect(decideRefresh({ ...base, policy: 'OnChange', eventTriggered: true })).toEqual({ sync: false });
    expect(decideRefresh({ ...base, policy: 'CreatedOnce', eventTriggered: true })).toEqual({ sync: false });
    expect(decideRefresh({ ...base, intervalMs: 0, eventTriggered: true })).toEqual({ sync: false });
  });

  it('waits for the next wave when this one is already covered', () => {
    expect(decideRefresh(base)).toEqual({ sync: false, waveMs: WAVE, nextAt: WAVE + HOUR });
  });

  it('syncs once a new wave has started, reading nothing older than its start, and schedules the next wave', () => {
    const now = WAVE + HOUR + 3;
    expect(decideRefresh({ ...base, now })).toEqual({ sync: true, reason: 'interval-elapsed', waveMs: WAVE + HOUR, nextAt: WAVE + 2 * HOUR });
    // A pass that runs late (a long queue) still belongs to the wave it was due in.
    expect(decideRefresh({ ...base, now: WAVE + HOUR + 50 * 60_000 })).toMatchObject({ sync: true, waveMs: WAVE + HOUR });
  });

  it('a sync mid-wave (first sync, repair) reads from the wave start and is next due at the next wave start', () => {
    const decision = decideRefresh({ ...base, lastSyncMs: undefined, syncedWaveMs: undefined, now: WAVE + 59 * 60_000 });
    expect(decision).toEqual({ sync: true, reason: 'first-sync', waveMs: WAVE, nextAt: WAVE + HOUR });
    // So a value it read is never more than one interval old when the next refresh reads again.
    expect(decision.nextAt! - decision.waveMs!).toBe(HOUR);
  });

  it('syncs on a spec change (generation ahead of observedGeneration)', () => {
    expect(decideRefresh({ ...base, generation: 3 })).toMatchObject({ sync: true, reason: 'spec-changed' });
  });

  it('repairs a deleted or edited target', () => {
    expect(decideRefresh({ ...base, targetMissing: true })).toMatchObject({ sync: true, reason: 'target-missing' });
    expect(decideRefresh({ ...base, targetDrifted: true })).toMatchObject({ sync: true, reason: 'target-drifted' });
  });

  it('re-syncs when status.syncedResourceVersion is outdated (ESO), except under CreatedOnce', () => {
    expect(decideRefresh({ ...base, metadataChanged: true })).toMatchObject({ sync: true, reason: 'metadata-changed' });
    expect(decideRefresh({ ...base, policy: 'CreatedOnce', metadataChanged: true })).toMatchObject({ sync: false });
  });

  it('honours force-sync', () => {
    expect(decideRefresh({ ...base, forceRequested: true })).toMatchObject({ sync: true, reason: 'forced' });
  });

  describe('first pass after a restart (no wave remembered)', () => {
    const restarted = { ...base, syncedWaveMs: undefined };

    it('does not refetch a Secret in sync, however old refreshTime is: it waits for the next wave', () => {
      for (const lastSyncMs of [WAVE - 3 * HOUR, WAVE - 1, WAVE + 1]) {
        expect(decideRefresh({ ...restarted, lastSyncMs })).toEqual({ sync: false, waveMs: WAVE, nextAt: WAVE + HOUR });
      }
    });

    it('delays the first refresh by less than one interval, at a point fixed by the phase', () => {
      for (let i = 0; i < 200; i++) {
        const now = 1_700_000_000_000 + i * 7_919_113;
        const phaseMs = stableOffsetMs(`SecretStore/ns-${i}/aws`);
        const decision = decideRefresh({ ...restarted, now, phaseMs });
        expect(decision.sync).toBe(false);
        expect(decision.nextAt! - now).toBeGreaterThan(0);
        expect(decision.nextAt! - now).toBeLessThanOrEqual(HOUR);
        expect(Math.abs((decision.nextAt! - phaseMs) % HOUR)).toBe(0);
      }
    });

    it('never delays one whose data is missing, drifted, out of date with its spec, forced or failing', () => {
      expect(decideRefresh({ ...restarted, targetMissing: true })).toMatchObject({ sync: true, reason: 'target-missing' });
      expect(decideRefresh({ ...restarted, targetDrifted: true })).toMatchObject({ sync: true, reason: 'target-drifted' });
      expect(decideRefresh({ ...restarted, generation: 3 })).toMatchObject({ sync: true, reason: 'spec-changed' });
      expect(decideRefresh({ ...restarted, forceRequested: true })).toMatchObject({ sync: true, reason: 'forced' });
      expect(decideRefresh({ ...restarted, lastSyncFailed: true })).toMatchObject({ sync: true, reason: 'last-sync-failed', waveMs: WAVE });
    });
  });

  it('OnChange syncs only on spec change, never on a timer', () => {
    const onChange = { ...base, policy: 'OnChange' as const };
    expect(decideRefresh({ ...onChange, now: base.now + 10 * HOUR })).toEqual({ sync: false });
    expect(decideRefresh({ ...onChange, generation: 3 })).toEqual({ sync: true, reason: 'spec-changed' });
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
    expect(decideRefresh({ ...zero, generation: 5 })).toEqual({ sync: true, reason: 'spec-changed' });
  });
});

describe('waveStart', () => {
  it('is the latest phase + k·interval at or before now', () => {
    expect(waveStart(100_000, 10_000, 3_000)).toBe(93_000);
    expect(waveStart(93_000, 10_000, 3_000)).toBe(93_000);
    expect(waveStart(92_999, 10_000, 3_000)).toBe(83_000);
    // The phase is taken modulo the interval, so one hash serves every interval.
    expect(waveStart(100_000, 10_000, 1_234_563_000)).toBe(93_000);
  });

  it('nests the waves of an interval in those of its divisors (one store, 10 s and 20 s ExternalSecrets share reads)', () => {
    const phase = stableOffsetMs('SecretStore/team-a/aws');
    for (let now = 1_700_000_000_000; now < 1_700_000_000_000 + 120_000; now += 777) {
      const w20 = waveStart(now, 20_000, phase);
      expect(waveStart(w20, 10_000, phase)).toBe(w20);
    }
  });
});

describe('stableFraction', () => {
  it('is the same for the same input, in [0, 1), and spreads different inputs', () => {
    expect(stableFraction('team-a/app')).toBe(stableFraction('team-a/app'));
    const values = Array.from({ length: 1000 }, (_, i) => stableFraction(`ns/es-${i}`));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    // Roughly uniform: each tenth of the range gets some of them.
    for (let d = 0; d < 10; d++) expect(values.filter((v) => Math.floor(v * 10) === d).length).toBeGreaterThan(50);
  });
});
