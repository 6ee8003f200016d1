// Decides whether an ExternalSecret must be fetched from AWS now, and when to look again.
// Pure: the reconciler gathers the facts, this turns them into a decision, so every
// refresh policy is unit-tested without clocks or clients.
import type { RefreshPolicy } from '../api/types.js';

export interface RefreshFacts {
  policy: RefreshPolicy;
  /** Parsed refreshInterval in ms; 0 means "sync once". */
  intervalMs: number;
  now: number;
  /** status.refreshTime of the last successful sync, if any. */
  lastSyncMs?: number;
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
}

export type RefreshReason = 'first-sync' | 'spec-changed' | 'store-changed' | 'target-missing' | 'target-drifted' | 'forced' | 'rollout-sibling' | 'interval-elapsed';

export interface RefreshDecision {
  sync: boolean;
  reason?: RefreshReason;
  /** When to reconcile next if nothing else happens; undefined = only on change. */
  requeueAfterMs?: number;
}

export function decideRefresh(f: RefreshFacts): RefreshDecision {
  const periodic = f.policy === 'Periodic' && f.intervalMs > 0;
  const reason = syncReason(f, periodic);
  if (reason) {
    return { sync: true, reason, requeueAfterMs: periodic ? f.intervalMs : undefined };
  }
  if (!periodic || f.lastSyncMs === undefined) return { sync: false };
  return { sync: false, requeueAfterMs: Math.max(0, f.lastSyncMs + f.intervalMs - f.now) };
}

function syncReason(f: RefreshFacts, periodic: boolean): RefreshReason | undefined {
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
  if (periodic && f.now >= f.lastSyncMs + f.intervalMs) return 'interval-elapsed';
  // An early periodic refresh; OnChange and CreatedOnce do not follow rotations at all.
  if (periodic && f.rolloutSibling) return 'rollout-sibling';
  return undefined;
}
