// ESO's PushSecretMetadata envelope (runtime/esutils/metadata): `data[].metadata` is
// `{apiVersion: kubernetes.external-secrets.io/v1alpha1, kind: PushSecretMetadata, spec: {...}}`,
// read by Go's JSON decoder with DisallowUnknownFields. So, as in ESO: field names match
// case-insensitively (ESO's Go tag is `kmsKeyId` and its docs say `kmsKeyID`; both work), an
// unknown field is an error, and a wrong apiVersion or kind is an error. Every error is a
// PushError InvalidMetadata naming the field, never quoting a value.
import { PUSH_REASON, PushError } from '../../api/push.js';

export const METADATA_API_VERSION = 'kubernetes.external-secrets.io/v1alpha1';
export const METADATA_KIND = 'PushSecretMetadata';

/** Where metadata fields are named in messages. */
const BASE = 'data[].metadata';

export function invalidMetadata(field: string, problem: string): PushError {
  return new PushError(PUSH_REASON.InvalidMetadata, `${BASE}${field ? `.${field}` : ''} ${problem}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The object's fields under their canonical names (Go's case-insensitive match, the last
 * duplicate wins as in Go); an unknown field throws. Null fields are left out (Go: zero value).
 */
export function knownFields(value: unknown, canonical: readonly string[], path: string): Map<string, unknown> {
  if (!isObject(value)) throw invalidMetadata(path, 'must be an object');
  const byLower = new Map(canonical.map((name) => [name.toLowerCase(), name]));
  const out = new Map<string, unknown>();
  for (const [key, field] of Object.entries(value)) {
    const name = byLower.get(key.toLowerCase());
    if (name === undefined) {
      throw invalidMetadata(`${path ? `${path}.` : ''}${key}`, `is not a field ESO's AWS provider knows; the fields are: ${canonical.join(', ')}`);
    }
    if (field !== null && field !== undefined) out.set(name, field);
  }
  return out;
}

/** The `spec` of the envelope, or undefined when no metadata was given. */
export function metadataSpec(raw: unknown, specFields: readonly string[]): Map<string, unknown> | undefined {
  if (raw === undefined || raw === null) return undefined;
  const envelope = knownFields(raw, ['apiVersion', 'kind', 'spec'], '');
  const apiVersion = envelope.get('apiVersion');
  if (apiVersion !== METADATA_API_VERSION) throw invalidMetadata('apiVersion', `must be ${METADATA_API_VERSION}`);
  const kind = envelope.get('kind');
  if (kind !== METADATA_KIND) throw invalidMetadata('kind', `must be ${METADATA_KIND}`);
  const spec = envelope.get('spec');
  return spec === undefined ? new Map() : knownFields(spec, specFields, 'spec');
}

export function stringField(fields: Map<string, unknown>, name: string, path = `spec.${name}`): string {
  const value = fields.get(name);
  if (value === undefined) return '';
  if (typeof value !== 'string') throw invalidMetadata(path, 'must be a string');
  return value;
}

export function boolField(fields: Map<string, unknown>, name: string, path = `spec.${name}`): boolean | undefined {
  const value = fields.get(name);
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalidMetadata(path, 'must be true or false');
  return value;
}

export function stringListField(fields: Map<string, unknown>, name: string, path = `spec.${name}`): string[] | undefined {
  const value = fields.get(name);
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalidMetadata(path, 'must be a list of strings');
  return value as string[];
}

/** One of `allowed`; '' (unset) gives `fallback`. */
export function enumField<T extends string>(fields: Map<string, unknown>, name: string, allowed: readonly T[], fallback: T, path = `spec.${name}`): T {
  const value = stringField(fields, name, path);
  if (value === '') return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw invalidMetadata(path, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

/**
 * `spec.tags`: string values only, and never the managed-by key, which the operator sets
 * itself (ESO: "Cannot specify a 'managed-by' tag").
 */
export function tagsField(fields: Map<string, unknown>, managedByKey: string): Map<string, string> {
  const value = fields.get('tags');
  const tags = new Map<string, string>();
  if (value === undefined) return tags;
  if (!isObject(value)) throw invalidMetadata('spec.tags', 'must be a map of tag names to string values');
  for (const [key, tag] of Object.entries(value)) {
    if (typeof tag !== 'string') throw invalidMetadata(`spec.tags.${key}`, 'must be a string');
    if (key === managedByKey) throw invalidMetadata(`spec.tags.${key}`, `cannot be set: the operator sets the '${managedByKey}' tag itself to mark what it owns`);
    tags.set(key, tag);
  }
  return tags;
}
