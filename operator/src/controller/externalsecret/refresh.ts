// Decides whether an ExternalSecret must be fetched from AWS now, and when to look again.
// Pure: the reconciler gathers the facts, this turns them into a decision, so every
// refresh policy is unit-tested without clocks or clients.
//
// Periodic refreshes run in *waves*: for an interval I, wave starts are the instants
// phase + k·I on the wall clock, with the phase a hash of the store's name modulo I
// (stableOffsetMs; one hash for every interval, so the waves of 10 s nest in those of 20 s), so every ExternalSecret of one store and interval refreshes in the same wave and reads
// each remote secret once per wave, while different stores spread over the interval.
// A refresh reads nothing started before its wave began (SharedFetcher's notBefore) and
// the next one is due at the next wave start, so a rotation made at time R is read by the
// first wave starting after R: within one interval (plus the time to work through the wave).
// A refresh that ran mid-wave (first sync, spec change, repair) read values at least as new
// as the wave start, so the next wave start is within one interval of what it read, too.
import { createHash } from 'node:crypto';
import type { RefreshPolicy } from '../../api/types.js';

export interface RefreshFacts {
  policy: RefreshPolicy;
  /** Parsed refreshInterval in ms; 0 means "sync once". */
  intervalMs: number;
  now: number;
  /** Offset of this ExternalSecret's waves within the interval (any number; taken modulo the interval). */
  phaseMs: number;
  /** status.refreshTime: set once a sync has succeeded (it moves only coarsely since, see heartbeat.ts). */
  lastSyncMs?: number;
  /**
   * Start of the wave the last successful pass of this process covered (in memory). Undefined
   * on the first pass after the operator started: the status alone cannot say which wave
   * the Secret's data came from.
   */
  syncedWaveMs?: number;
  /** The Ready condition says the last attempt failed (not counting a deletion policy applied). */
  lastSyncFailed: boolean;
  generation?: number;
  observedGeneration?: number;
  /** The target Secret is absent (deleted by someone, or never created). */
  targetMissing: boolean;
  /**
   * The target Secret no longer holds what Rotor wrote: its data or template metadata no longer
   * match status.dataMAC, or the managed label, owner annotation or owner reference is gone.
   */
  targetDrifted: boolean;
  /** The store this ExternalSecret uses changed its spec since it was last synced. */
  storeChanged?: boolean;
  /**
   * Another ExternalSecret is about to restart a workload this one restarts too: look for a
   * new version now, so both are in one restart. Periodic refreshes only.
   */
  rolloutSibling?: boolean;
  /** rotor.dev/force-sync annotation value differs from the one last honoured. */
  forceRequested: boolean;
  /**
   * status.syncedResourceVersion is set and differs from the ExternalSecret's current one (its
   * generation, labels or annotations changed since the last sync): ESO re-syncs then, under
   * every policy but CreatedOnce. Unset (a status from before the field) is not a change.
   */
  metadataChanged?: boolean;
  /**
   * AWS said a secret this ExternalSecret reads changed (an event from the operator's queue,
   * issue #16): refresh now instead of at the next wave. Periodic refreshes only — OnChange and
   * CreatedOnce do not follow remote changes, and events do not change that.
   */
  eventTriggered?: boolean;
}

export type RefreshReason =
  | 'first-sync'
  | 'spec-changed'
  | 'store-changed'
  | 'target-missing'
  | 'target-drifted'
  | 'forced'
  | 'metadata-changed'
  | 'rollout-sibling'
  | 'event'
  | 'last-sync-failed'
  | 'interval-elapsed';

export interface RefreshDecision {
  sync: boolean;
  reason?: RefreshReason;
  /**
   * Periodic only: start of the current wave. Reads for this pass must not have started
   * before it, and the pass (a successful sync, or a decision not to sync) covers it:
   * the reconciler remembers it as syncedWaveMs.
   */
  waveMs?: number;
  /** When to reconcile next (ms since the epoch) if nothing else happens; undefined = only on change. */
  nextAt?: number;
}

export function decideRefresh(f: RefreshFacts): RefreshDecision {
  const periodic = f.policy === 'Periodic' && f.intervalMs > 0;
  const wave = periodic ? waveStart(f.now, f.intervalMs, f.phaseMs) : undefined;
  const timing = wave === undefined ? {} : { waveMs: wave, nextAt: wave + f.intervalMs };
  const reason = syncReason(f, wave);
  if (reason) return { sync: true, reason, ...timing };
  if (wave === undefined) return { sync: false };
  // Not due. On the first pass after a restart this also adopts the current wave for a Secret
  // that is in sync: its first refresh goes to the next wave start, within one interval,
  // instead of every ExternalSecret refetching at once because refreshTime is coarse.
  return { sync: false, ...timing };
}

function syncReason(f: RefreshFacts, wave: number | undefined): RefreshReason | undefined {
  if (f.lastSyncMs === undefined) return 'first-sync';
  // A managed Secret that disappeared or was edited is repaired under every policy,
  // CreatedOnce included: "created once" means "not refreshed", not "allowed to vanish".
  if (f.targetMissing) return 'target-missing';
  // A new store spec (endpoint, region, role) may serve different data: pick it up under every
  // policy, as a spec change of the ExternalSecret itself would.
  if (f.storeChanged) return 'store-changed';
  if (f.policy === 'CreatedOnce') return undefined;
  if (f.forceRequested) return 'forced';
  if (f.targetDrifted) return 'target-drifted';
  if (f.generation !== undefined && f.generation !== f.observedGeneration) return 'spec-changed';
  if (f.metadataChanged) return 'metadata-changed';
  if (wave === undefined) return undefined;
  if (f.syncedWaveMs === undefined) {
    if (f.lastSyncFailed) return 'last-sync-failed';
  } else if (wave > f.syncedWaveMs) {
    return 'interval-elapsed';
  }
  // An early periodic refresh; OnChange and CreatedOnce do not follow rotations at all.
  if (f.eventTriggered) return 'event';
  if (f.rolloutSibling) return 'rollout-sibling';
  return undefined;
}

/** Start of the wave containing `now`: the latest phase + k·interval at or before it. */
export function waveStart(now: number, intervalMs: number, phaseMs: number): number {
  const phase = ((phaseMs % intervalMs) + intervalMs) % intervalMs;
  return Math.floor((now - phase) / intervalMs) * intervalMs + phase;
}

/**
 * A stable non-negative integer (48 bits) from a string, used as a phase in ms: the same input
 * gives the same spread on every replica and after every restart.
 */
export function stableOffsetMs(seed: string): number {
  return createHash('sha256').update(seed, 'utf8').digest().readUIntBE(0, 6);
}

/** stableOffsetMs scaled to [0, 1). */
export function stableFraction(seed: string): number {
  return stableOffsetMs(seed) / 2 ** 48;
}
