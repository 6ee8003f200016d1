// Exponential backoff with jitter, shared by the work queue (per-key retries), the resilient
// informer (watch restarts), the AWS event consumer and `rotor migrate`'s API retries. Pure:
// randomness is injected so tests pin it.

export interface BackoffPolicy {
  /** Delay of the first retry. */
  baseMs: number;
  /** No delay is ever longer than this, jitter included. */
  maxMs: number;
  /**
   * Fraction of extra random delay: the delay for attempt n is
   * min(max, base * 2^(n-1)) * (1 + jitter * r), r in [0, 1), then capped at max.
   * Jitter spreads retries of many keys/replicas so they do not hit the API in lockstep.
   */
  jitter: number;
}

/**
 * Delay before retry number `attempt` (1-based; attempt <= 0 means no delay).
 * `random` returns a number in [0, 1) like Math.random.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  if (attempt <= 0) return 0;
  // 2^(attempt-1) overflows to Infinity for large attempts; min() keeps it at maxMs.
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  const jittered = exponential * (1 + policy.jitter * random());
  return Math.min(policy.maxMs, Math.round(jittered));
}
