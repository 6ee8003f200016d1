// The one way to inject time: reconcilers, the Event recorder and the AWS layer's caches
// (credentials, fetch cache, failover memory) take a Clock, so tests move time forward without
// sleeping through the same interface production uses.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
