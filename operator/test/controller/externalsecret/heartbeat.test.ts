import { describe, expect, it } from 'vitest';
import { heartbeatDue, type HeartbeatFacts } from '../../../src/controller/externalsecret/heartbeat.js';

const MIN = 60_000;
const START = 1_700_000_000_000;
const base: HeartbeatFacts = { now: START + 60 * MIN, lastWrittenMs: START + 58 * MIN, startedAtMs: START, heartbeatMs: 5 * MIN, spread: 0.5 };

describe('heartbeatDue', () => {
  it('writes no status within the heartbeat of the last write', () => {
    expect(heartbeatDue(base)).toBe(false);
    expect(heartbeatDue({ ...base, now: base.lastWrittenMs! + 5 * MIN - 1 })).toBe(false);
  });

  it('moves refreshTime once the heartbeat has passed', () => {
    expect(heartbeatDue({ ...base, now: base.lastWrittenMs! + 5 * MIN })).toBe(true);
  });

  it('is not held back by the restart spread once this process has written', () => {
    const fresh = { ...base, startedAtMs: base.now - 6 * MIN, lastWrittenMs: base.now - 5 * MIN, spread: 0.99 };
    expect(heartbeatDue(fresh)).toBe(true);
  });

  it('writes when refreshTime was never set', () => {
    expect(heartbeatDue({ ...base, lastWrittenMs: undefined })).toBe(true);
  });

  it('never writes with heartbeat 0', () => {
    expect(heartbeatDue({ ...base, heartbeatMs: 0, lastWrittenMs: 0 })).toBe(false);
  });

  it('after a restart: no heartbeat in the first period, then spread over the second by the ExternalSecret', () => {
    const stale = { ...base, lastWrittenMs: START - 24 * 60 * MIN };
    for (const spread of [0, 0.25, 0.999]) {
      expect(heartbeatDue({ ...stale, spread, now: START + 5 * MIN - 1 })).toBe(false);
      const at = START + 5 * MIN + spread * 5 * MIN;
      expect(heartbeatDue({ ...stale, spread, now: Math.ceil(at) - 1 })).toBe(false);
      expect(heartbeatDue({ ...stale, spread, now: Math.ceil(at) })).toBe(true);
      expect(heartbeatDue({ ...stale, spread, now: START + 10 * MIN })).toBe(true);
    }
  });
});
