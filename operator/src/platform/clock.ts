// Time source for the AWS layer's caches (credentials, fetch cache, failover memory).
// Injected so tests move time forward without sleeping.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
