// Change and drift detection without reading values into logs or status (docs/architecture.md).
//
// dataMAC = HMAC-SHA256(key, canonical(secret)). The canonical form is unambiguous: every
// string is length-prefixed and every section carries its entry count, so {a:"bc"} and
// {ab:"c"}, or a label and an annotation with the same text, never serialise alike. Keys are
// sorted, so object insertion order does not matter. A random per-cluster key means the MAC
// in status reveals nothing that could be checked against a guessed value.
import { createHash, createHmac, type Hmac } from 'node:crypto';
import type { SyncedVersion } from '../api/types.js';

export interface MacInput {
  data: Record<string, Buffer>;
  type: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const FORMAT_VERSION = 'rotor-data-mac-v1';

export function dataMAC(key: Buffer, secret: MacInput): string {
  const hmac = createHmac('sha256', key);
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
