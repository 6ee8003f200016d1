// What the informer caches keep of each object. Everything cached stays in memory for the life
// of the process, once per object, so fields Rotor never reads are dropped on the way in:
//   - metadata.managedFields: server-side-apply bookkeeping, often the largest part of a small
//     object (one entry per writer, each a tree of field names);
//   - the kubectl.kubernetes.io/last-applied-configuration annotation: a second copy of the
//     whole object as JSON, written by `kubectl apply`.
// New objects are built instead of deleting properties, so V8 keeps them in its compact
// fast-property form.
//
// Secrets lose their data too (secretForCache): any tenant can label a Secret
// rotor.dev/managed=true, so cached values would be memory a tenant controls (issue #15,
// item 6). A keyed digest (sync/mac.ts dataDigest) stands in for them, which is all drift
// detection needs; whoever needs the values reads the Secret from the API server. Only Secrets
// whose rotor.dev/owner names their own namespace are cached at all (admitSecret): no other
// can be one Rotor wrote.
import type { KubeObject } from './list-watch.js';
import type { Secret } from '../client/objects.js';
import { ANNOTATION_OWNER } from '../../api/types.js';
import { dataDigestOfBase64 } from '../../sync/mac.js';

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

/** Where a cached Secret keeps the digest of the data it no longer holds. */
const DATA_DIGEST_FIELD = 'rotorDataDigest';

/** A Secret as the informer caches it: no data (nor stringData), its digest instead. */
export type CachedSecret = Secret & { [DATA_DIGEST_FIELD]?: string };

/**
 * The cache transform for Secrets: stripForCache, then data replaced by its keyed digest.
 * Idempotent (the list applies it per page, the informer again), so a cached Secret passes
 * through unchanged.
 */
export function secretForCache(clusterKey: Buffer): <T extends KubeObject>(object: T) => T {
  return <T extends KubeObject>(object: T): T => {
    const stripped = stripForCache(object) as unknown as CachedSecret;
    if (stripped[DATA_DIGEST_FIELD] !== undefined) return stripped as unknown as T;
    const { data, stringData: _stringData, ...rest } = stripped;
    return { ...rest, [DATA_DIGEST_FIELD]: dataDigestOfBase64(clusterKey, data) } as unknown as T;
  };
}

/** The digest of a cached Secret's data; undefined for a Secret read from the API (it has its data). */
export function cachedDataDigest(secret: Secret): string | undefined {
  return (secret as CachedSecret)[DATA_DIGEST_FIELD];
}

/** True for the cache's copy of a Secret: it has no data and must not be written back. */
export function isDataStripped(secret: Secret | undefined): boolean {
  return secret !== undefined && cachedDataDigest(secret) !== undefined;
}

/**
 * Whether the managed-Secret informer keeps this Secret: its rotor.dev/owner must name an
 * ExternalSecret of its own namespace (what Rotor writes). A Secret labelled managed but
 * claiming an owner elsewhere is no concern of Rotor's, whatever its size.
 */
export function admitSecret(object: KubeObject): boolean {
  const secret = object as Secret;
  const owner = secret.metadata?.annotations?.[ANNOTATION_OWNER];
  const namespace = secret.metadata?.namespace;
  return owner !== undefined && namespace !== undefined && owner.startsWith(`${namespace}/`);
}
