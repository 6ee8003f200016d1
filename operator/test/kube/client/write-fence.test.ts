// The write fence on its own: the deadline is judged by the clock at every admission, so a
// process whose event loop was frozen past it (timers not yet run) still refuses writes.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeadershipLostError, WriteFence } from '../../../src/kube/client/write-fence.js';

describe('WriteFence', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refuses past its deadline even before its timer ran (a frozen event loop), and aborts the term', () => {
    const fence = new WriteFence();
    fence.openUntil(Date.now() + 14_000);
    const signal = fence.admit('PUT a');
    vi.setSystemTime(Date.now() + 14_000); // the clock moved; no timer has fired
    expect(() => fence.admit('PUT b')).toThrow(LeadershipLostError);
    expect(signal.aborted).toBe(true);
  });

  it('a new term after a loss gets a fresh signal; the old one stays aborted', () => {
    const fence = new WriteFence();
    fence.openUntil(Date.now() + 1_000);
    const first = fence.admit('PUT a');
    fence.close('lost');
    fence.openUntil(Date.now() + 1_000);
    const second = fence.admit('PUT b');
    expect(first.aborted).toBe(true);
    expect(second.aborted).toBe(false);
    fence.close('stop');
    expect(vi.getTimerCount()).toBe(0);
  });
});
