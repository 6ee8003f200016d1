// The value of the `rotor.dev/restarted-for` pod template annotation. Pure.
//
// Format: `<secretName>=<16 hex>` pairs sorted by secret name, joined by ",", where the hex is
// the first 16 hex digits of sha256(version fingerprint). Fingerprints are built only from AWS
// version identifiers, so the value holds Secret names and hashes of version ids — never
// secret bytes.
//
// Why pairs and not one hash of the batch: the new value is MERGED with the one already on
// the workload. Re-running a rollout for versions the workload already carries leaves the
// value unchanged, so the patch is a no-op and the API server creates no new ReplicaSet /
// ControllerRevision, whatever other secrets were coalesced with it the first time.
import { createHash } from 'node:crypto';

const PAIR = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)=([0-9a-f]{16})$/;

/** Short, stable id of a version fingerprint. */
export function versionHash(fingerprint: string): string {
  return createHash('sha256').update(fingerprint, 'utf8').digest('hex').slice(0, 16);
}

/**
 * Pairs recorded in an existing annotation value. Entries this format does not recognise
 * (hand edits, another tool) are dropped, so a foreign value is simply replaced.
 */
export function parseRestartedFor(value: string | undefined): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const entry of (value ?? '').split(',')) {
    const m = PAIR.exec(entry.trim());
    if (m) pairs.set(m[1]!, m[3]!);
  }
  return pairs;
}

export function formatRestartedFor(pairs: ReadonlyMap<string, string>): string {
  return [...pairs.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, hash]) => `${name}=${hash}`)
    .join(',');
}

/**
 * The annotation value after `changes` (secret name -> fingerprint) are applied on top of
 * `current`. Deterministic: same current value and same changes give the same string.
 */
export function mergeRestartedFor(current: string | undefined, changes: ReadonlyMap<string, string>): string {
  const pairs = parseRestartedFor(current);
  for (const [secretName, fingerprint] of changes) pairs.set(secretName, versionHash(fingerprint));
  return formatRestartedFor(pairs);
}

/** Fingerprint shortened for a one-line event message. */
export function abbreviateFingerprint(fingerprint: string, max = 48): string {
  return fingerprint.length <= max ? fingerprint : `${fingerprint.slice(0, max - 1)}…`;
}
