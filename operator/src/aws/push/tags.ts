// The tag reconciliation ESO's AWS provider does on every push of an existing secret
// (awsutil.FindTagKeysToRemove + computeTagsToUpdate), shared by both services: the metadata's
// tags plus the managed-by tag are the desired set; tags not in it are removed, and the set is
// written again only when a user tag was added or changed (a managed-by difference alone
// never triggers a write).
import { MANAGED_BY_TAG } from './managed-by.js';

export interface TagPlan {
  /** Keys present on the remote and not desired. */
  remove: string[];
  /** The whole desired set, to write when `write` is true. */
  desired: Map<string, string>;
  write: boolean;
}

export function planTags(current: ReadonlyMap<string, string>, userTags: ReadonlyMap<string, string>, manager: string): TagPlan {
  const desired = new Map(userTags);
  desired.set(MANAGED_BY_TAG, manager);
  const remove = [...current.keys()].filter((key) => !desired.has(key)).sort();
  const write = [...desired].some(([key, value]) => key !== MANAGED_BY_TAG && current.get(key) !== value);
  return { remove, desired, write };
}

/** SDK tag lists (Secrets Manager and SSM share the shape) as a map; entries without a key are skipped. */
export function tagMap(tags: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }> | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const tag of tags ?? []) if (tag.Key !== undefined) out.set(tag.Key, tag.Value ?? '');
  return out;
}

/** A map as the SDK's tag list, sorted by key so calls are deterministic. */
export function tagList(tags: ReadonlyMap<string, string>): Array<{ Key: string; Value: string }> {
  return [...tags].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([Key, Value]) => ({ Key, Value }));
}
