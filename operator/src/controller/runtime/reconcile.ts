// The contract between a reconciler and the work queue that runs it, in one place (like
// controller-runtime's pkg/reconcile): what a pass returns when it finished, and what it throws
// when it did not. Every reconciler (ExternalSecret, stores, ClusterExternalSecret) speaks it and
// runtime/workqueue.ts honours every part of it, so "retry or not" is decided by the reconciler
// that knows why it failed, and enforced by the queue that owns the timers.
import { LOG_SAFE_MESSAGE } from '../../platform/error-for-log.js';

/** A finished pass. */
export interface ReconcileResult {
  /** Process the key again after this delay (e.g. the next refresh). */
  requeueAfterMs?: number;
}

/**
 * A failed pass whose status and events are already written. The queue then:
 *   - retryable: retries the key with its per-key exponential backoff (a throttled API, an
 *     endpoint down, a conflict: trying again soon can work);
 *   - not retryable (terminal): does not retry it. The per-key backoff is reset and the key
 *     comes back only at `requeueAfterMs` (e.g. its next refresh) or when a watched object
 *     changes. For failures no retry can heal (an invalid spec, a template that renders keys the
 *     API server refuses): retrying would only repeat the AWS reads and the status write.
 */
export class ReconcileFailure extends Error {
  /** Its message is already in status and events: fit for the log too. */
  readonly [LOG_SAFE_MESSAGE] = true;

  constructor(
    message: string,
    readonly retryable: boolean,
    /** Terminal failures: when to look again anyway; undefined waits for a change. */
    readonly requeueAfterMs?: number,
  ) {
    super(message);
    this.name = 'ReconcileFailure';
  }
}

/** A failure the queue must not retry with backoff. */
export function isTerminal(error: unknown): error is ReconcileFailure {
  return error instanceof ReconcileFailure && !error.retryable;
}
