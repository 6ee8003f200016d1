// Decides whether a successful refresh that changed nothing rewrites status just to move
// status.refreshTime (the "Last Sync" column). Writing it on every refresh would cost one
// Kubernetes write per refresh per ExternalSecret; instead it moves at most once per
// --status-heartbeat, so "Last Sync" is never older than heartbeat + interval while syncs
// succeed. Pure, unit-tested.
//
// After a restart every ExternalSecret's refreshTime may be overdue at once; their
// heartbeats are then spread over [heartbeat, 2·heartbeat) after the start by a stable
// per-ExternalSecret fraction, so a restart causes no burst of writes (and none at all in
// its first heartbeat period).

export interface HeartbeatFacts {
  now: number;
  /** status.refreshTime as written last (undefined: never). */
  lastWrittenMs?: number;
  /** When this reconciler started. */
  startedAtMs: number;
  /** --status-heartbeat in ms; 0 = never rewrite status only to move refreshTime. */
  heartbeatMs: number;
  /** This ExternalSecret's stable fraction in [0, 1) (stableFraction of its key). */
  spread: number;
}

export function heartbeatDue(f: HeartbeatFacts): boolean {
  if (f.heartbeatMs <= 0) return false;
  if (f.lastWrittenMs === undefined) return true;
  const afterLastWrite = f.lastWrittenMs + f.heartbeatMs;
  if (f.lastWrittenMs >= f.startedAtMs) return f.now >= afterLastWrite;
  // Written before this process started: possibly overdue, together with everyone else's.
  const afterStart = f.startedAtMs + f.heartbeatMs + f.spread * f.heartbeatMs;
  return f.now >= Math.max(afterLastWrite, afterStart);
}
