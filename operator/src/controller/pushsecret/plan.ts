// What a PushSecret wants, with ESO's semantics (pkg/controllers/pushsecret): whether a pass is
// due, which values go to which remote keys, what the whole-Secret push writes, which remote
// values to delete (deletionPolicy Delete), and ESO's status map of what was pushed where.
// Pure; reconciler.ts does the I/O.
import { durationProblem, parseDuration } from '../../api/duration.js';
import { validateLabelSelector } from '../../api/label-selector.js';
import type { StoreKind } from '../../api/types.js';
import {
  PUSH_SECRET_FINALIZER,
  type PushConversionStrategy,
  type PushSecret,
  type PushSecretData,
  type SyncedPushSecrets,
} from '../../api/push-types.js';
import { syncedResourceVersion } from '../externalsecret/synced-resource-version.js';

/** ESO's default (its controller's RequeueInterval and the CRD default). */
export const DEFAULT_PUSH_REFRESH_MS = 3_600_000;

export interface FieldProblem {
  field: string;
  message: string;
}

/** refreshInterval in ms; 0 = push once per change of the spec or the source. */
export function refreshMsOf(ps: Pick<PushSecret, 'spec'>): number {
  const text = ps.spec.refreshInterval;
  if (text === undefined || text === '') return DEFAULT_PUSH_REFRESH_MS;
  return parseDuration(text, 'spec.refreshInterval');
}

/** ESO's key of syncedPushSecrets' outer map: "<Kind>/<store name>". */
export function storeKeyOf(kind: StoreKind, name: string): string {
  return `${kind}/${name}`;
}

/** Splits a storeKeyOf() key; undefined for a key Rotor never writes. */
export function parseStoreKey(key: string): { kind: StoreKind; name: string } | undefined {
  const slash = key.indexOf('/');
  const kind = key.slice(0, slash);
  if (slash < 0 || (kind !== 'SecretStore' && kind !== 'ClusterSecretStore')) return undefined;
  return { kind, name: key.slice(slash + 1) };
}

/** ESO's statusRef: the inner key, "<remoteKey>" or "<remoteKey>/<property>". */
export function statusRefOf(data: PushSecretData): string {
  const { remoteKey, property } = data.match.remoteRef;
  return property ? `${remoteKey}/${property}` : remoteKey;
}

/**
 * What the CRD schema cannot check: the duration, the selectors' requirements, and that no two
 * data entries write the same remote location (ESO's validateRemoteKeyUniqueness).
 */
export function validatePushSecret(ps: Pick<PushSecret, 'spec'>, base = 'spec'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const refreshProblem = ps.spec.refreshInterval ? durationProblem(ps.spec.refreshInterval, `${base}.refreshInterval`) : undefined;
  if (refreshProblem) problems.push({ field: `${base}.refreshInterval`, message: refreshProblem });
  ps.spec.secretStoreRefs.forEach((ref, i) => {
    const field = `${base}.secretStoreRefs[${i}]`;
    if (ref.labelSelector) for (const message of validateLabelSelector(ref.labelSelector, `${field}.labelSelector`)) problems.push({ field: `${field}.labelSelector`, message });
    else if (!ref.name) problems.push({ field, message: 'set name (one store) or labelSelector (stores by label)' });
  });
  const secret = ps.spec.selector.secret;
  if (secret && !secret.name && secret.selector) {
    for (const message of validateLabelSelector(secret.selector, `${base}.selector.secret.selector`)) problems.push({ field: `${base}.selector.secret.selector`, message });
  }
  const seen = new Map<string, number>();
  (ps.spec.data ?? []).forEach((data, i) => {
    const ref = statusRefOf(data);
    const first = seen.get(ref);
    if (first !== undefined) {
      problems.push({
        field: `${base}.data[${i}].match.remoteRef`,
        message: `writes the same remote location as ${base}.data[${first}] (remoteKey ${JSON.stringify(data.match.remoteRef.remoteKey)}${data.match.remoteRef.property ? `, property ${JSON.stringify(data.match.remoteRef.property)}` : ''}); give each entry its own remoteKey or property`,
      });
    } else seen.set(ref, i);
  });
  return problems;
}

export interface RefreshDecision {
  due: boolean;
  /** When not due: how long until it is (undefined = only a change brings the next pass). */
  afterMs?: number;
}

/**
 * ESO's shouldRefresh: a changed spec, labels or annotations (syncedResourceVersion), or the
 * interval elapsed since refreshTime; interval 0 pushes once per change. `sourceChanged`: a
 * selected Secret changed since the last push (Rotor's addition: ESO waits for the interval).
 */
export function decideRefresh(ps: PushSecret, now: Date, sourceChanged: boolean): RefreshDecision {
  if (sourceChanged) return { due: true };
  if (ps.status?.syncedResourceVersion !== syncedResourceVersion(ps.metadata)) return { due: true };
  const interval = refreshMsOf(ps);
  const last = ps.status?.refreshTime ? Date.parse(ps.status.refreshTime) : NaN;
  if (interval === 0) return Number.isNaN(last) ? { due: true } : { due: false };
  if (Number.isNaN(last)) return { due: true };
  const remaining = last + interval - now.getTime();
  return remaining <= 0 ? { due: true } : { due: false, afterMs: remaining };
}

export type FinalizerAction = 'add' | 'remove' | 'none';

/** ESO: the finalizer is there exactly while deletionPolicy is Delete (and the object lives). */
export function finalizerAction(ps: PushSecret): FinalizerAction {
  const has = (ps.metadata.finalizers ?? []).includes(PUSH_SECRET_FINALIZER);
  if (ps.metadata.deletionTimestamp) return 'none';
  if (ps.spec.deletionPolicy === 'Delete') return has ? 'none' : 'add';
  return has ? 'remove' : 'none';
}

export function withFinalizer(finalizers: readonly string[] | undefined, present: boolean): string[] {
  const others = (finalizers ?? []).filter((f) => f !== PUSH_SECRET_FINALIZER);
  return present ? [...others, PUSH_SECRET_FINALIZER] : others;
}

// ---------------------------------------------------------------- values

/** A source key is missing or the conversion collides: the message names the field, never a value. */
export class PushValueError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'PushValueError';
  }
}

const UNICODE_ESCAPE = /_U([0-9a-fA-F]{4,5})_/g;

/** ESO's ReverseUnicode: "_U0040_" back to "@" (what ExternalSecret's Unicode conversion wrote). */
export function reverseUnicodeKey(key: string): string {
  return key.replace(UNICODE_ESCAPE, (match, hex: string) => {
    const code = Number.parseInt(hex, 16);
    // Go's %c of a code point outside Unicode prints U+FFFD.
    return code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ? '\ufffd' : String.fromCodePoint(code);
  });
}

/** ESO's ReverseKeys: converts every key; two keys that become one are an error. */
export function convertKeys(data: ReadonlyMap<string, Buffer>, strategy: PushConversionStrategy | undefined, field: string): Map<string, Buffer> {
  if (!strategy || strategy === 'None') return new Map(data);
  const out = new Map<string, Buffer>();
  for (const [key, value] of data) {
    const converted = reverseUnicodeKey(key);
    if (out.has(converted)) throw new PushValueError(field, `${field}: two keys of the source become ${JSON.stringify(converted)} after conversion; rename one of them`);
    out.set(converted, value);
  }
  return out;
}

export interface EntryValue {
  value: Buffer;
  /** The whole (converted) Secret when match.secretKey is unset: a writer whose encoding differs builds from it. */
  secretData?: Record<string, Buffer>;
}

/**
 * The value of one data entry. With match.secretKey: that key's bytes. Without: the whole
 * Secret as one JSON object, byte-for-byte as ESO's ExtractSecretData writes it — Go's
 * encoding/json of the map of values as text, keys sorted, no HTML escaping — plus the map
 * itself, for Parameter Store, whose provider marshals the raw map (values base64) unless
 * metadata spec.encodeAsDecoded (the writer decides, aws/push).
 */
export function valueFor(data: PushSecretData, source: ReadonlyMap<string, Buffer>, field: string): EntryValue {
  const converted = convertKeys(source, data.conversionStrategy, `${field}.conversionStrategy`);
  const key = data.match.secretKey;
  if (key !== undefined && key !== '') {
    const value = converted.get(key);
    if (value === undefined) {
      throw new PushValueError(`${field}.match.secretKey`, `${field}.match.secretKey: the source has no key ${JSON.stringify(key)} (it has ${describeKeys(converted)}); fix the key name or add it to the Secret`);
    }
    return { value };
  }
  return { value: wholeSecretJson(converted, true), secretData: Object.fromEntries(converted) };
}

function describeKeys(data: ReadonlyMap<string, Buffer>): string {
  const keys = [...data.keys()].sort();
  if (keys.length === 0) return 'no keys';
  const shown = keys.slice(0, 10).map((k) => JSON.stringify(k));
  return `keys ${shown.join(', ')}${keys.length > 10 ? ', …' : ''}`;
}

/** Go's json.Marshal of map[string]string (asText) or map[string][]byte, SetEscapeHTML(false). */
export function wholeSecretJson(data: ReadonlyMap<string, Buffer>, asText: boolean): Buffer {
  const keys = [...data.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  const parts = keys.map((k) => {
    const value = data.get(k)!;
    return `${goJsonString(Buffer.from(k, 'utf8'))}:${asText ? goJsonString(value) : `"${value.toString('base64')}"`}`;
  });
  return Buffer.from(`{${parts.join(',')}}`, 'utf8');
}

const SHORT_ESCAPES: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t' };

/**
 * Go's encoding/json string encoding without HTML escaping: control characters escaped (short
 * forms where Go has them, else \u00xx), U+2028/U+2029 escaped, each invalid UTF-8 byte
 * written as \ufffd, everything else as is.
 */
export function goJsonString(bytes: Buffer): string {
  let out = '"';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      const short = SHORT_ESCAPES[b];
      if (short) out += short;
      else if (b < 0x20) out += `\\u00${b.toString(16).padStart(2, '0')}`;
      else out += String.fromCharCode(b);
      i++;
      continue;
    }
    const size = utf8SequenceLength(bytes, i);
    if (size === 0) {
      out += '\\ufffd';
      i++;
      continue;
    }
    const text = bytes.subarray(i, i + size).toString('utf8');
    out += text === '\u2028' ? '\\u2028' : text === '\u2029' ? '\\u2029' : text;
    i += size;
  }
  return `${out}"`;
}

/** Length of the valid UTF-8 sequence at `i` (Go's utf8.DecodeRune rules), 0 when invalid. */
function utf8SequenceLength(bytes: Buffer, i: number): number {
  const b0 = bytes[i]!;
  const cont = (j: number, lo = 0x80, hi = 0xbf) => j < bytes.length && bytes[j]! >= lo && bytes[j]! <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(i + 1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const lo = b0 === 0xe0 ? 0xa0 : 0x80;
    const hi = b0 === 0xed ? 0x9f : 0xbf; // no surrogates
    return cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const lo = b0 === 0xf0 ? 0x90 : 0x80;
    const hi = b0 === 0xf4 ? 0x8f : 0xbf; // at most U+10FFFF
    return cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

// ---------------------------------------------------------------- status map

/** ESO's mergeSecretState: the new map, with old entries it does not name kept. */
export function mergeSynced(next: SyncedPushSecrets, old: SyncedPushSecrets | undefined): SyncedPushSecrets {
  const out: SyncedPushSecrets = structuredClone(next);
  for (const [store, entries] of Object.entries(old ?? {})) {
    out[store] = { ...entries, ...(out[store] ?? {}) };
  }
  return out;
}

export interface StaleEntry {
  storeKey: string;
  ref: string;
  data: PushSecretData;
}

/**
 * Entries pushed before that `next` no longer names (a data entry, a store or a source
 * removed): with deletionPolicy Delete they are deleted from the remote, as ESO's
 * DeleteSecretFromProviders does. Sorted for a stable order.
 */
export function staleEntries(old: SyncedPushSecrets | undefined, next: SyncedPushSecrets): StaleEntry[] {
  const out: StaleEntry[] = [];
  for (const [storeKey, entries] of Object.entries(old ?? {})) {
    for (const [ref, data] of Object.entries(entries)) {
      if (!next[storeKey]?.[ref]) out.push({ storeKey, ref, data });
    }
  }
  return out.sort((a, b) => (a.storeKey === b.storeKey ? (a.ref < b.ref ? -1 : 1) : a.storeKey < b.storeKey ? -1 : 1));
}

/** `synced` without one entry (after its remote value was deleted); empty stores dropped. */
export function withoutEntry(synced: SyncedPushSecrets, storeKey: string, ref: string): SyncedPushSecrets {
  const out = structuredClone(synced);
  const entries = out[storeKey];
  if (!entries) return out;
  delete entries[ref];
  if (Object.keys(entries).length === 0) delete out[storeKey];
  return out;
}

/** The status copy of a data entry: what was pushed where, with its metadata (never a value). */
export function syncedEntry(data: PushSecretData): PushSecretData {
  return structuredClone(data);
}
