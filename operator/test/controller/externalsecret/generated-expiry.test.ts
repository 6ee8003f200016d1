// The refresh deadline of expiring generated values, and how decideRefresh honours it.
import { describe, expect, it } from 'vitest';
import { generatedRefreshBy, refreshDeadline } from '../../../src/controller/externalsecret/generated-expiry.js';
import { decideRefresh, type RefreshFacts } from '../../../src/controller/externalsecret/refresh.js';

const H = 3_600_000;

describe('generated value refresh deadline', () => {
  it('is a quarter of the lifetime before expiry, at most 1 hour', () => {
    expect(refreshDeadline(0, 12 * H)).toBe(11 * H);
    expect(refreshDeadline(0, 15 * 60_000)).toBe(15 * 60_000 - 225_000);
    // Unknown generation time: the full hour.
    expect(refreshDeadline(undefined, 12 * H)).toBe(11 * H);
  });

  it('reads status.generatedExpiresAt with refreshTime; none without an expiry', () => {
    expect(generatedRefreshBy({ generatedExpiresAt: new Date(12 * H).toISOString(), refreshTime: new Date(0).toISOString() })).toBe(11 * H);
    expect(generatedRefreshBy({ refreshTime: new Date(0).toISOString() })).toBeUndefined();
  });
});

describe('decideRefresh with refreshByMs', () => {
  const base: RefreshFacts = { policy: 'Periodic', intervalMs: 24 * H, now: 0, phaseMs: 0, lastSyncMs: 0, syncedWaveMs: 0, lastSyncFailed: false, targetMissing: false, targetDrifted: false, forceRequested: false, generation: 1, observedGeneration: 1 };

  it('brings the next pass forward to the deadline and syncs once it is reached', () => {
    expect(decideRefresh({ ...base, now: H, refreshByMs: 11 * H })).toMatchObject({ sync: false, nextAt: 11 * H });
    expect(decideRefresh({ ...base, now: 11 * H, refreshByMs: 11 * H })).toMatchObject({ sync: true, reason: 'generated-expiring' });
    // Without it, the 24 h wave.
    expect(decideRefresh({ ...base, now: H })).toMatchObject({ sync: false, nextAt: 24 * H });
  });

  it('does not override OnChange / CreatedOnce (they never refresh on their own)', () => {
    expect(decideRefresh({ ...base, policy: 'OnChange', now: 12 * H, refreshByMs: 11 * H }).sync).toBe(false);
    expect(decideRefresh({ ...base, policy: 'CreatedOnce', now: 12 * H, refreshByMs: 11 * H }).sync).toBe(false);
  });
});
