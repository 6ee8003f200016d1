// Which watch events are worth a reconcile, in one place (controller-runtime's pkg/predicate):
// the manager's event handlers ask these instead of comparing fields inline, so a filter is
// written once and tested once. Status writes arrive as updates too; a pass for each of them
// would cost a reconcile per status write, hence the filters. Pure.

interface Meta {
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  ownerReferences?: unknown[];
}

interface HasMeta {
  metadata?: Meta;
}

/** The spec changed (generation), annotations changed (e.g. force-sync), or deletion started. */
export function specAnnotationsOrDeletionChanged(now: HasMeta, old: HasMeta): boolean {
  return (
    now.metadata?.generation !== old.metadata?.generation ||
    !sameMap(now.metadata?.annotations, old.metadata?.annotations) ||
    now.metadata?.deletionTimestamp !== old.metadata?.deletionTimestamp
  );
}

/** The labels changed (a namespace relabelled: ClusterSecretStore conditions and ClusterExternalSecret selectors read them). */
export function labelsChanged(now: HasMeta, old: HasMeta): boolean {
  return !sameMap(now.metadata?.labels, old.metadata?.labels);
}

/** Deletion started (or was undone by a re-create under the same key). */
export function deletionChanged(now: HasMeta, old: HasMeta): boolean {
  return now.metadata?.deletionTimestamp !== old.metadata?.deletionTimestamp;
}

/** What a controller stamps on an object it owns changed: spec, labels, annotations or owner references. */
export function stampedFieldsChanged(now: HasMeta, old: HasMeta): boolean {
  return (
    now.metadata?.generation !== old.metadata?.generation ||
    !sameMap(now.metadata?.labels, old.metadata?.labels) ||
    !sameMap(now.metadata?.annotations, old.metadata?.annotations) ||
    JSON.stringify(now.metadata?.ownerReferences) !== JSON.stringify(old.metadata?.ownerReferences)
  );
}

/** Same keys and values, order aside; an absent map equals an empty one. */
function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  if (a === b) return true;
  const ka = a ? Object.keys(a) : [];
  const kb = b ? Object.keys(b) : [];
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!b || !Object.prototype.hasOwnProperty.call(b, k) || b[k] !== a![k]) return false;
  return true;
}
