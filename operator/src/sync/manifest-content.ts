// The keyed digest of a non-Secret target's content (spec.target.manifest): what the informer
// cache keeps in place of a ConfigMap's data (kube/informer/cache-transform.ts) and what the content MAC
// on the object covers, so drift is found without keeping values in memory. The content is the
// `data` and `binaryData` of a ConfigMap and, for other kinds, `data` and `spec` (ESO hashes
// `spec`, else `data`); `status` and metadata are not content. Pure.
import { dataDigest } from './mac.js';

/** Where a cached object keeps the digest of the content it no longer holds. */
export const CONTENT_DIGEST_FIELD = 'rotorContentDigest';

/** JSON with object keys sorted (content from the API and content about to be written compare equal). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Keyed digest (hex) of an object's content (list items carry no kind: the caller names it); a cached object answers with the digest it kept. */
export function manifestContentDigest(clusterKey: Buffer, object: { [field: string]: unknown }, kind: string): string {
  const kept = object[CONTENT_DIGEST_FIELD];
  if (typeof kept === 'string') return kept;
  const entries: Record<string, Buffer> = {};
  if (kind === 'ConfigMap') {
    // Keys of a ConfigMap cannot hold ":", so the prefixes keep the two maps apart.
    for (const [key, value] of Object.entries((object['data'] as Record<string, string> | undefined) ?? {})) entries[`data:${key}`] = Buffer.from(String(value), 'utf8');
    for (const [key, value] of Object.entries((object['binaryData'] as Record<string, string> | undefined) ?? {})) entries[`binaryData:${key}`] = Buffer.from(String(value), 'base64');
  } else {
    if (object['data'] !== undefined) entries['data'] = Buffer.from(canonicalJson(object['data']), 'utf8');
    if (object['spec'] !== undefined) entries['spec'] = Buffer.from(canonicalJson(object['spec']), 'utf8');
  }
  return dataDigest(clusterKey, entries);
}

/** The cache's copy of a target: content replaced by its digest (metadata kept). */
export function withoutContent<T extends { [field: string]: unknown }>(clusterKey: Buffer, object: T, kind: string): T {
  if (typeof object[CONTENT_DIGEST_FIELD] === 'string') return object;
  const digest = manifestContentDigest(clusterKey, object, kind);
  const { data: _data, binaryData: _binary, spec: _spec, ...rest } = object as Record<string, unknown>;
  return { ...rest, [CONTENT_DIGEST_FIELD]: digest } as unknown as T;
}

/** True for the cache's copy (no content: never written back). */
export function isContentStripped(object: { [field: string]: unknown } | undefined): boolean {
  return object !== undefined && typeof object[CONTENT_DIGEST_FIELD] === 'string';
}
