// Kubernetes' rules for label and annotation keys and values, checked before the Secret is
// written. The API server enforces them too, but its 422 message repeats the offending key and
// value, and a rendered key or value may come from a fetched secret: so they are checked here,
// where a message can describe the rule without echoing the text.

/** Total size of all annotations of one object (the API server's limit). */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;
/**
 * Of that, what template annotations may use: the rest is kept for Rotor's own annotations
 * (MAC, versions, owner) added by the reconciler.
 */
export const MAX_TEMPLATE_ANNOTATIONS_BYTES = MAX_ANNOTATIONS_BYTES - 8 * 1024;

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why `key` is not a valid label or annotation key (a qualified name), or undefined. */
export function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'it has more than one "/"';
  const name = parts[parts.length - 1]!;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix.length === 0) return 'the prefix before "/" is empty';
    if (prefix.length > 253 || !prefix.split('.').every((label) => label.length <= 63 && DNS_LABEL.test(label))) {
      return 'the prefix before "/" must be a DNS subdomain (lowercase letters, digits, "-" and ".", at most 253 characters)';
    }
  }
  if (name.length === 0) return 'the name is empty';
  if (name.length > 63) return 'the name (after any "/") is longer than 63 characters';
  if (!NAME.test(name)) return 'the name may hold only letters, digits, "-", "_" and ".", and must start and end with a letter or digit';
  return undefined;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Whether `value` is a valid label value (empty, or at most 63 characters of the name rule). */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/** Bytes the API server counts for annotations: each key and value's length. */
export function annotationsSize(annotations: ReadonlyMap<string, string>): number {
  let total = 0;
  for (const [key, value] of annotations) total += Buffer.byteLength(key, 'utf8') + Buffer.byteLength(value, 'utf8');
  return total;
}
