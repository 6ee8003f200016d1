// The AbortSignal of one ExternalSecret's AWS reads (issue #15 item 2b): it fires when the pass
// has run longer than its deadline, or when its ExternalSecret or store is deleted (or replaced
// by a new object of the same name) while the pass runs. Paging loops (aws/paging.ts) check it
// before every page, so a listing an endpoint keeps alive forever ends with its objects.
// Deletion is seen by polling the informer cache: no watch wiring, and a poll every second
// costs two map lookups.
import { LOG_SAFE_MESSAGE } from '../../platform/error-for-log.js';

/** Longest time one pass may spend reading from AWS. */
export const RECONCILE_READ_DEADLINE_MS = 60_000;

/** The error the signal carries: its message goes into the ExternalSecret's status. */
export class ReconcileStopped extends Error {
  /** Its message goes into status: fit for the log too. */
  readonly [LOG_SAFE_MESSAGE] = true;

  constructor(message: string) {
    super(message);
    this.name = 'ReconcileStopped';
  }
}

export interface ReconcileScopeOptions {
  deadlineMs?: number;
  /** How often `stillWanted` is asked. Default 1 s. */
  pollMs?: number;
  /** Undefined while the ExternalSecret and its store are live; else why the pass should stop. */
  stillWanted: () => string | undefined;
}

export interface ReconcileScope {
  signal: AbortSignal;
  /** Stops the timers; call when the pass ends. */
  dispose(): void;
}

export function reconcileScope(options: ReconcileScopeOptions): ReconcileScope {
  const controller = new AbortController();
  const deadlineMs = options.deadlineMs ?? RECONCILE_READ_DEADLINE_MS;
  const deadline = setTimeout(
    () => controller.abort(new ReconcileStopped(`the pass took longer than its ${deadlineMs / 1000}s deadline for AWS reads; retrying with backoff`)),
    deadlineMs,
  );
  const poll = setInterval(() => {
    const gone = options.stillWanted();
    if (gone !== undefined) controller.abort(new ReconcileStopped(gone));
  }, options.pollMs ?? 1000);
  // Neither timer may keep the process alive at shutdown.
  deadline.unref();
  poll.unref();
  const dispose = () => {
    clearTimeout(deadline);
    clearInterval(poll);
  };
  controller.signal.addEventListener('abort', dispose, { once: true });
  return { signal: controller.signal, dispose };
}

interface Live {
  kind?: string;
  metadata: { uid?: string; deletionTimestamp?: string };
}

/**
 * Why a pass started for `es` with `store` should stop, given what the informer cache holds
 * now (undefined: gone): deleted, being deleted, or re-created (another uid).
 */
export function objectsGone(es: Live, store: Live, nowEs: Live | undefined, nowStore: Live | undefined): string | undefined {
  if (!nowEs || nowEs.metadata.deletionTimestamp || nowEs.metadata.uid !== es.metadata.uid) return 'the ExternalSecret was deleted';
  if (!nowStore || nowStore.metadata.deletionTimestamp || nowStore.metadata.uid !== store.metadata.uid) return `its ${store.kind ?? 'store'} was deleted`;
  return undefined;
}
