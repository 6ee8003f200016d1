// Key ownership on a creationPolicy Merge target, kept in the Secret itself (annotation
// rotor.dev/merge-owners) so it survives restarts and is the same for every replica. Without
// it two Merge ExternalSecrets writing the same key overwrote each other on every refresh.
// One owner per key: the first to write it. Pure.
import type { Secret } from '../../kube/client/objects.js';
import { ANNOTATION_MERGE_OWNERS } from '../../api/types.js';

/** ExternalSecret name -> the keys it writes into this Secret. */
export type MergeOwners = Record<string, string[]>;

/** The recorded owners; an annotation that is missing or not ours to parse counts as none. */
export function mergeOwnersOf(secret: Secret | undefined): MergeOwners {
  const raw = secret?.metadata?.annotations?.[ANNOTATION_MERGE_OWNERS];
  if (!raw) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const owners: MergeOwners = {};
    for (const [name, keys] of Object.entries(parsed)) {
      if (Array.isArray(keys)) owners[name] = keys.filter((k): k is string => typeof k === 'string');
    }
    return owners;
  } catch {
    return {};
  }
}

/**
 * Keys among `keys` that another ExternalSecret already owns, by owner. An owner that
 * `isLive` says no longer writes this Secret (deleted, retargeted, no longer Merge) has
 * given its keys up.
 */
export function keyConflicts(owners: MergeOwners, self: string, keys: readonly string[], isLive: (name: string) => boolean): Map<string, string[]> {
  const conflicts = new Map<string, string[]>();
  for (const [name, owned] of Object.entries(owners).sort(([a], [b]) => a.localeCompare(b))) {
    if (name === self || !isLive(name)) continue;
    const taken = keys.filter((k) => owned.includes(k));
    if (taken.length > 0) conflicts.set(name, taken);
  }
  return conflicts;
}

/** The annotation value after `self` wrote `keys` (and owners no longer live were dropped). */
export function recordMergeOwner(owners: MergeOwners, self: string, keys: readonly string[] | undefined, isLive: (name: string) => boolean): string {
  const next: MergeOwners = {};
  for (const [name, owned] of Object.entries(owners)) if (name !== self && isLive(name)) next[name] = owned;
  if (keys && keys.length > 0) next[self] = [...keys].sort();
  return JSON.stringify(Object.fromEntries(Object.entries(next).sort(([a], [b]) => a.localeCompare(b))));
}

/** Does the Secret record exactly `keys` for `self`? */
export function ownsExactly(owners: MergeOwners, self: string, keys: readonly string[]): boolean {
  const owned = owners[self] ?? [];
  return owned.length === keys.length && [...keys].sort().every((k, i) => k === [...owned].sort()[i]);
}

/**
 * deletionPolicy Merge: the Secret without `self`'s keys and without its ownership entry.
 * Keys another live owner writes stay. Returns the Secret to write and how many keys went.
 */
export function releaseMergeKeys(secret: Secret, self: string, keys: Iterable<string>, isLive: (name: string) => boolean): { secret: Secret; removed: number } {
  const owners = mergeOwnersOf(secret);
  const keptByOthers = new Set(Object.entries(owners).flatMap(([name, owned]) => (name !== self && isLive(name) ? owned : [])));
  const release = new Set([...keys].filter((k) => !keptByOthers.has(k)));
  const data = Object.fromEntries(Object.entries(secret.data ?? {}).filter(([k]) => !release.has(k)));
  const annotations = { ...(secret.metadata?.annotations ?? {}) };
  const remaining = recordMergeOwner(owners, self, undefined, isLive);
  if (remaining === '{}') delete annotations[ANNOTATION_MERGE_OWNERS];
  else annotations[ANNOTATION_MERGE_OWNERS] = remaining;
  const removed = Object.keys(secret.data ?? {}).length - Object.keys(data).length;
  return { secret: { ...secret, metadata: { ...secret.metadata, annotations }, data }, removed };
}
