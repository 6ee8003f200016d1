// Change and drift detection without reading values into logs or status (docs/architecture.md).
//
// Two layers, so that the informer cache need not keep Secret data (issue #15, item 6) and a
// MAC in one tenant's status cannot confirm guesses about another tenant's value (item 7):
//   dataDigest = HMAC-SHA256(clusterKey, canonical(data))          — in memory only, never shown
//   targetMAC  = "v2:" + HMAC-SHA256(objectKey, canonical(type, dataDigest, labels, annotations))
//   objectKey  = HMAC-SHA256(clusterKey, "rotor-object-mac-key-v2" ‖ ExternalSecret uid)
// The informer computes dataDigest when a Secret arrives and drops the data; drift detection
// then needs only the digest and the Secret's metadata. The canonical form is unambiguous:
// every string is length-prefixed and every section carries its entry count, so {a:"bc"} and
// {ab:"c"}, or a label and an annotation with the same text, never serialise alike. Keys are
// sorted, so object insertion order does not matter.
//
// dataMAC (format v1, one cluster-wide key over the values themselves) is what Rotor wrote
// before; it is still computed to recognise a status written by an older version at upgrade.
import { createHash, createHmac, createSecretKey, type Hmac, type KeyObject } from 'node:crypto';
import type { SyncedVersion } from '../api/types.js';

export interface MacInput {
  data: Record<string, Buffer>;
  type: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const FORMAT_VERSION = 'rotor-data-mac-v1';
const FORMAT_V2 = 'rotor-data-mac-v2';
const DIGEST_FORMAT = 'rotor-data-digest-v1';
const OBJECT_KEY_CONTEXT = 'rotor-object-mac-key-v2';
/** Marks a targetMAC; a status or annotation without it was written by an older Rotor (v1). */
export const MAC_V2_PREFIX = 'v2:';

/**
 * A KeyObject per key Buffer, made once. Given a Buffer, createHmac checks it against the
 * KeyObject and CryptoKey brands on every call (~20 µs on Node 24, against ~3 µs for a
 * KeyObject): with five or six HMACs per refresh that was a fifth of the operator's CPU in a
 * 10,000-ExternalSecret refresh wave (docs/benchmarks.md). Weak: a per-object key goes with
 * its Buffer.
 */
const keyObjects = new WeakMap<Buffer, KeyObject>();

function hmacSha256(key: Buffer): Hmac {
  let keyObject = keyObjects.get(key);
  if (!keyObject) {
    keyObject = createSecretKey(key);
    keyObjects.set(key, keyObject);
  }
  return createHmac('sha256', keyObject);
}

/** The key of one ExternalSecret's MACs: a MAC in its status says nothing about another's values. */
export function objectMacKey(clusterKey: Buffer, uid: string): Buffer {
  const hmac = hmacSha256(clusterKey);
  writeField(hmac, Buffer.from(OBJECT_KEY_CONTEXT, 'utf8'));
  writeField(hmac, Buffer.from(uid, 'utf8'));
  return hmac.digest();
}

/** Keyed digest of a Secret's data (decoded bytes), hex. Kept in memory in place of the data. */
export function dataDigest(clusterKey: Buffer, data: Record<string, Buffer>): string {
  const hmac = hmacSha256(clusterKey);
  writeField(hmac, Buffer.from(DIGEST_FORMAT, 'utf8'));
  writeSection(hmac, 'data', Object.entries(data));
  return hmac.digest('hex');
}

/** Like dataDigest, from the API's base64 text (what the informer receives). */
export function dataDigestOfBase64(clusterKey: Buffer, data: Record<string, string> | undefined): string {
  const decoded: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(data ?? {})) decoded[key] = Buffer.from(value, 'base64');
  return dataDigest(clusterKey, decoded);
}

export interface DigestMacInput {
  /** dataDigest() of the data. */
  dataDigest: string;
  type: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** "v2:<hex>": the MAC in status.dataMAC and the rotor.dev/data-mac annotation. */
export function dataMACv2(objectKey: Buffer, secret: DigestMacInput): string {
  const hmac = hmacSha256(objectKey);
  writeField(hmac, Buffer.from(FORMAT_V2, 'utf8'));
  writeField(hmac, Buffer.from(secret.type ?? '', 'utf8'));
  writeField(hmac, Buffer.from(secret.dataDigest, 'utf8'));
  writeSection(hmac, 'labels', Object.entries(secret.labels ?? {}).map(([k, v]) => [k, Buffer.from(v, 'utf8')] as [string, Buffer]));
  writeSection(hmac, 'annotations', Object.entries(secret.annotations ?? {}).map(([k, v]) => [k, Buffer.from(v, 'utf8')] as [string, Buffer]));
  return MAC_V2_PREFIX + hmac.digest('hex');
}

/** A MAC an older Rotor wrote (format v1, cluster-wide key); undefined is not one. */
export function isLegacyMAC(mac: string | undefined): mac is string {
  return mac !== undefined && mac !== '' && !mac.startsWith(MAC_V2_PREFIX);
}

/** Format v1 (before 0.2): one cluster-wide key over the values. Only to recognise old statuses. */
export function dataMAC(key: Buffer, secret: MacInput): string {
  const hmac = hmacSha256(key);
  writeField(hmac, Buffer.from(FORMAT_VERSION, 'utf8'));
  writeField(hmac, Buffer.from(secret.type ?? '', 'utf8'));
  writeSection(hmac, 'data', Object.entries(secret.data ?? {}));
  writeSection(hmac, 'labels', Object.entries(secret.labels ?? {}).map(([k, v]) => [k, Buffer.from(v, 'utf8')] as [string, Buffer]));
  writeSection(hmac, 'annotations', Object.entries(secret.annotations ?? {}).map(([k, v]) => [k, Buffer.from(v, 'utf8')] as [string, Buffer]));
  return hmac.digest('hex');
}

function writeSection(hmac: Hmac, name: string, entries: Array<[string, Buffer]>): void {
  writeField(hmac, Buffer.from(name, 'utf8'));
  const count = Buffer.alloc(4);
  count.writeUInt32BE(entries.length);
  hmac.update(count);
  for (const [k, v] of [...entries].sort(([a], [b]) => compareBytes(a, b))) {
    writeField(hmac, Buffer.from(k, 'utf8'));
    writeField(hmac, v);
  }
}

function writeField(hmac: Hmac, bytes: Buffer): void {
  const length = Buffer.alloc(8);
  length.writeBigUInt64BE(BigInt(bytes.length));
  hmac.update(length);
  hmac.update(bytes);
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Fingerprints longer than this are hashed, so the rollout annotation stays small. */
const MAX_FINGERPRINT_LENGTH = 256;

/**
 * A stable string made of version identifiers only (never values), used as the rollout
 * annotation value: `remoteKey@versionId` / `remoteKey#v<N>`, de-duplicated, sorted, joined
 * by ",". Which Secret key a version fed does not matter: renaming a key is not a rotation.
 * Long lists become `sha256:<hex>` of the same text, still derived from identifiers only.
 */
export function versionFingerprint(versions: readonly SyncedVersion[]): string {
  const ids = new Set<string>();
  for (const v of versions) {
    if (v.versionId !== undefined) ids.add(`${v.remoteKey}@${v.versionId}`);
    else if (v.version !== undefined) ids.add(`${v.remoteKey}#v${v.version}`);
  }
  const text = [...ids].sort().join(',');
  if (text.length <= MAX_FINGERPRINT_LENGTH) return text;
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}
