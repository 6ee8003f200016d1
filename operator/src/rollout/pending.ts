// Where the rollout of each ExternalSecret stands, between the pass that finds a
// `rotor.dev/rollout-pending` marker on its Secret and the pass that clears it.
//
// The marker (written with the new data, in the same write) is the durable record: it
// survives a crash, and every pass that sees it calls advance(). This class only remembers,
// within one process, that a request is already on its way (so passes do not pile up
// requests) and what it answered. A request does not hold the reconcile pass: the pass
// returns, the coordinator debounces, and onSettled() brings the ExternalSecret back for
// the pass that clears the marker. Re-asking after a crash is safe: the coordinator merges
// into `rotor.dev/restarted-for`, so a workload already restarted for these versions is not
// restarted again.
import type { RolloutRequest, RolloutResult } from './coordinator.js';
import type { Clock } from '../platform/clock.js';

export type RolloutProgress =
  /** On its way; onSettled(key) fires when it has an answer. */
  | { state: 'requested' }
  /** Every target is restarted for these versions (or there was nothing to restart): clear the marker. */
  | { state: 'done'; result: RolloutResult }
  /** A listing or patch failed; ask again after this long. */
  | { state: 'retry-later'; afterMs: number }
  /** This marker was already cleared: the caller is looking at a cached copy from before. */
  | { state: 'cleared' };

export interface PendingRolloutsOptions {
  request: (request: RolloutRequest) => Promise<RolloutResult>;
  /** The answer for `key` arrived: reconcile it again. */
  onSettled: (key: string) => void;
  clock: Clock;
  /** Wait before asking again after a failed listing or patch. Default 30 s. */
  retryMs?: number;
}

interface Entry {
  fingerprint: string;
  cleared?: boolean;
  result?: RolloutResult;
  settledAt?: number;
}

export class PendingRollouts {
  private readonly entries = new Map<string, Entry>();
  private readonly retryMs: number;

  constructor(private readonly opts: PendingRolloutsOptions) {
    this.retryMs = opts.retryMs ?? 30_000;
  }

  /** Asks for the rollout of `request.fingerprint` unless it is already asked; says where it stands. */
  advance(key: string, request: RolloutRequest): RolloutProgress {
    let entry = this.entries.get(key);
    // A newer rotation replaced the marker: its rollout covers the older one.
    if (entry && entry.fingerprint !== request.fingerprint) entry = undefined;
    if (entry?.cleared) return { state: 'cleared' };
    if (entry?.result?.retry) {
      const wait = entry.settledAt! + this.retryMs - this.opts.clock.now();
      if (wait > 0) return { state: 'retry-later', afterMs: wait };
      entry = undefined;
    }
    if (!entry) {
      this.start(key, request);
      return { state: 'requested' };
    }
    return entry.result ? { state: 'done', result: entry.result } : { state: 'requested' };
  }

  /**
   * The marker for `fingerprint` was removed from the Secret. Remembered (one entry per
   * ExternalSecret) so that a cache still showing the marker does not ask again.
   */
  cleared(key: string, fingerprint: string): void {
    this.entries.set(key, { fingerprint, cleared: true });
  }

  /** The ExternalSecret is gone: nothing to remember. */
  forget(key: string): void {
    this.entries.delete(key);
  }

  private start(key: string, request: RolloutRequest): void {
    const entry: Entry = { fingerprint: request.fingerprint };
    this.entries.set(key, entry);
    void this.opts.request(request).then(
      (result) => this.settle(key, entry, result),
      // request() is documented never to reject; if it does, treat it as a failed attempt.
      () => this.settle(key, entry, { targets: [], unchanged: [], problems: [], retry: true }),
    );
  }

  private settle(key: string, entry: Entry, result: RolloutResult): void {
    // Superseded (newer fingerprint) or forgotten meanwhile: the answer is for nobody.
    if (this.entries.get(key) !== entry) return;
    entry.result = result;
    entry.settledAt = this.opts.clock.now();
    this.opts.onSettled(key);
  }
}
