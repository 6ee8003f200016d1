// status.syncedResourceVersion with ESO's meaning and ESO's exact value, because tools written
// for ESO read it: "<metadata.generation>-<hash of the ExternalSecret's labels and
// annotations>", written with each successful sync. ESO hashes Go's `%+v` rendering of
// struct{annotations, labels map[string]string} with SHA3-224; this renders the same text
// (fmt prints map keys sorted, a nil map as `map[]`), so the value is byte-for-byte ESO's.
// A change of the value (spec, labels or annotations edited) is a reason to sync, as in ESO.
import { createHash } from 'node:crypto';

interface Meta {
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The value ESO's controller writes to status.syncedResourceVersion for this metadata. */
export function syncedResourceVersion(meta: Meta): string {
  const text = `{annotations:${goMap(meta.annotations)} labels:${goMap(meta.labels)}}`;
  return `${meta.generation ?? 0}-${createHash('sha3-224').update(text, 'utf8').digest('hex')}`;
}

/** Go's fmt rendering of a map[string]string: keys in byte order, `map[k:v k2:v2]`. */
function goMap(entries: Record<string, string> | undefined): string {
  const keys = Object.keys(entries ?? {}).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `map[${keys.map((k) => `${k}:${entries![k]}`).join(' ')}]`;
}
