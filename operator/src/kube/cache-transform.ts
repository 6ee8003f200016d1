// What the informer caches keep of each object. Everything cached stays in memory for the life
// of the process, once per object, so fields Rotor never reads are dropped on the way in:
//   - metadata.managedFields: server-side-apply bookkeeping, often the largest part of a small
//     object (one entry per writer, each a tree of field names);
//   - the kubectl.kubernetes.io/last-applied-configuration annotation: a second copy of the
//     whole object as JSON, written by `kubectl apply`.
// New objects are built instead of deleting properties, so V8 keeps them in its compact
// fast-property form.
import type { KubeObject } from './list-watch.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

interface StrippableMetadata {
  managedFields?: unknown;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** The object without managedFields and the last-applied annotation (the input is not changed). */
export function stripForCache<T extends KubeObject>(object: T): T {
  const metadata = object.metadata as StrippableMetadata | undefined;
  if (!metadata) return object;
  const annotations = metadata.annotations;
  const hasLastApplied = annotations !== undefined && LAST_APPLIED_ANNOTATION in annotations;
  if (metadata.managedFields === undefined && !hasLastApplied) return object;
  const { managedFields: _dropped, ...kept } = metadata;
  if (hasLastApplied) {
    const { [LAST_APPLIED_ANNOTATION]: _lastApplied, ...others } = annotations!;
    kept.annotations = others;
  }
  return { ...object, metadata: kept } as T;
}
