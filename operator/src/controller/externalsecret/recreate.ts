// Re-creates a target Secret whose type changed or which is immutable: Kubernetes allows
// neither change in place, so the only way is delete-then-create, and between the two there
// is no Secret. This file keeps that window as short as it can be: a create that fails after
// the delete is retried at once, a few times with short pauses, before the pass gives up
// (the work queue then retries with backoff, and the next pass creates the missing Secret).
import type { Secret } from '../../kube/client/objects.js';
import type { SecretClient } from '../../kube/ports.js';
import { httpStatusOf, isConflict } from '../../kube/client/errors.js';

/** Pauses before the 2nd, 3rd and 4th create: at most ~1.4 s without a Secret beyond the API calls themselves. */
export const RECREATE_RETRY_DELAYS_MS: readonly number[] = [100, 300, 1000];

export interface RecreateOptions {
  /** Pause before each retry of the create; its length is the number of retries. */
  delaysMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
}

export type RecreateOutcome =
  | { ok: true; attempts: number }
  /**
   * The create failed for good. `secretMissing`: the Secret is gone (false when the create
   * met a Secret someone else created in the window: there is one, just not ours).
   */
  | { ok: false; attempts: number; error: unknown; secretMissing: boolean };

/**
 * Deletes the Secret named by `next` and creates `next` in its place. The caller decided to
 * re-create from `live` (the Secret it planned from). Throws when the delete fails (the old
 * Secret then still stands); a failed create is returned, not thrown, so the caller can
 * report the gap.
 */
export async function recreateSecret(
  secrets: Pick<SecretClient, 'delete' | 'create'>,
  live: Secret | undefined,
  next: Secret,
  options: RecreateOptions = {},
): Promise<RecreateOutcome> {
  const namespace = next.metadata!.namespace!;
  const name = next.metadata!.name!;
  // `live` is the object the decision was made from: the delete carries its uid and
  // resourceVersion as preconditions, so a Secret someone replaced or edited since is not
  // deleted unseen (409 ConflictError: the pass re-reads and plans again).
  await secrets.delete(namespace, name, {
    uid: live?.metadata?.uid,
    resourceVersion: live?.metadata?.resourceVersion ?? next.metadata?.resourceVersion,
  });
  const body: Secret = { ...next, metadata: { ...next.metadata } };
  delete body.metadata!.resourceVersion;
  const delays = options.delaysMs ?? RECREATE_RETRY_DELAYS_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      await secrets.create(body);
      return { ok: true, attempts: attempt };
    } catch (error) {
      if (isConflict(error)) return { ok: false, attempts: attempt, error, secretMissing: false };
      const status = httpStatusOf(error);
      const delay = delays[attempt - 1];
      if (!transient(status) || delay === undefined) return { ok: false, attempts: attempt, error, secretMissing: true };
      await sleep(delay);
    }
  }
}

/**
 * Worth retrying at once: no answer (network, timeout), throttling, or a server-side error.
 * Anything else (403, 422) would fail the same way again until someone changes something.
 */
function transient(status: number | undefined): boolean {
  return status === undefined || status === 0 || status === 429 || status >= 500;
}
