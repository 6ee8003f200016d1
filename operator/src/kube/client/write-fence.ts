// The "may this replica still write?" gate of leader election. The LeaderElector opens it
// until a deadline after every successful Lease renewal; kube/client/rest.ts asks it before every
// mutating request and aborts the ones in flight when it closes. So a replica that lost the
// Lease (or cannot prove it still holds it: a hung renewal, a frozen event loop) stops
// writing Secrets, status, Events and rollout patches by the clock, whatever its work queues,
// timers or callbacks are still doing, before another replica may take the Lease.
//
// The deadline is judged on every request (not only by a timer), so a process whose event
// loop was blocked past it refuses writes the moment it runs again. A request already on the
// wire cannot be recalled: the margin before the Lease may expire (leader.ts) covers it.

import { systemClock, type Clock } from '../../platform/clock.js';

/** A write refused or aborted because this replica is not (or no longer provably) the leader. */
export class LeadershipLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeadershipLostError';
  }
}

/** What kube/client/rest.ts needs: admission of one mutating request. */
export interface WriteGate {
  /**
   * Throws LeadershipLostError when writes are not allowed now; otherwise returns a signal
   * that is aborted (reason: LeadershipLostError) when they stop being allowed.
   */
  admit(what: string): AbortSignal;
}

/** What the LeaderElector drives. */
export interface WriteFenceControl {
  /** Writes are allowed until `deadlineMs` (same clock as the fence's). */
  openUntil(deadlineMs: number): void;
  /** Writes stop now; in-flight ones are aborted. */
  close(why: string): void;
}

export class WriteFence implements WriteGate, WriteFenceControl {
  /** Closed until the first openUntil (a standby never writes). */
  private until = -Infinity;
  private why = 'this replica has not acquired the leader Lease';
  private term = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly clock: Clock = systemClock) {}

  openUntil(deadlineMs: number): void {
    if (this.term.signal.aborted) this.term = new AbortController(); // a new term after a loss
    this.until = deadlineMs;
    clearTimeout(this.timer);
    // Aborts what is in flight at the deadline even if nobody asks admit() again.
    this.timer = setTimeout(() => this.close('the leader Lease was not renewed in time'), Math.max(0, deadlineMs - this.clock.now()));
    this.timer.unref?.();
  }

  close(why: string): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.until = -Infinity;
    this.why = why;
    if (!this.term.signal.aborted) this.term.abort(new LeadershipLostError(`write aborted: ${why}`));
  }

  /** Whether a write would be admitted now. */
  get open(): boolean {
    return this.clock.now() < this.until;
  }

  admit(what: string): AbortSignal {
    if (this.clock.now() >= this.until) {
      if (this.until !== -Infinity) this.close('the leader Lease was not renewed in time');
      throw new LeadershipLostError(`${what}: refused: ${this.why}; only the leader writes`);
    }
    return this.term.signal;
  }
}
