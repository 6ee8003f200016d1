// Whether a write to a target Secret should restart the workloads that use it (docs/architecture.md).
// Pure. Fingerprints are strings built only from AWS version identifiers (Secrets Manager
// VersionIds, SSM version numbers), so comparing them never touches secret bytes.

/** Secrets Manager staging label of a rotation in progress: not yet tested, never rolled out. */
export const AWS_PENDING_STAGE = 'AWSPENDING';

export interface RolloutDecisionInput {
  /** Fingerprint recorded at the previous successful sync; undefined when there was none. */
  previousFingerprint?: string;
  newFingerprint: string;
  /** The data written to the Secret changed (false for a metadata-only write or no write). */
  dataChanged: boolean;
  /** No earlier sync is known: a brand-new ExternalSecret or an operator that just restarted. */
  firstSync: boolean;
  /** Version selectors requested by the ExternalSecret (remoteRef.version / extract.version). */
  stages?: string[];
}

export interface RolloutDecision {
  roll: boolean;
  /** One line, safe for logs and events: names no value. */
  why: string;
}

export function shouldRollOut(input: RolloutDecisionInput): RolloutDecision {
  // Order matters only for the `why`: the first reason that forbids a rollout is reported.
  if (input.firstSync || input.previousFingerprint === undefined || input.previousFingerprint === '') {
    return { roll: false, why: 'first sync (new ExternalSecret or operator restart): nothing to compare with' };
  }
  if (input.stages?.includes(AWS_PENDING_STAGE)) {
    // AWSPENDING is a rotation that has not been tested yet; restarting onto it could take
    // the workload down if the rotation is later abandoned.
    return { roll: false, why: `a requested version is ${AWS_PENDING_STAGE}; rollouts never follow a pending rotation` };
  }
  if (!input.dataChanged) {
    return { roll: false, why: 'Secret data did not change (no write, or metadata only)' };
  }
  if (input.previousFingerprint === input.newFingerprint) {
    // Data changed without a new remote version: a template or spec edit, or drift repair.
    // Such writes are not rotations, so the pods keep running.
    return { roll: false, why: 'remote version unchanged; data changed for another reason (template, spec or drift repair)' };
  }
  return { roll: true, why: 'remote version changed and the Secret data changed' };
}
