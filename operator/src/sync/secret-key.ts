// What the API server accepts as a key of Secret.data, apart from how keys are made
// (keys.ts: rewrites, remote names): the templates (template/apply.ts) check rendered keys with
// it, and keys.ts runs Go templates, so the rule lives below both. Pure.
import { quote } from './errors.js';

/** What the API server accepts as a key of Secret.data (IsConfigMapKey). */
const SECRET_KEY_CHARS = /^[-._a-zA-Z0-9]+$/;
export const SECRET_KEY_MAX_LENGTH = 253;

/** Why `key` cannot be a Secret data key, or undefined when it can. */
export function secretKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'a Secret key must not be empty';
  if (key.length > SECRET_KEY_MAX_LENGTH) return `a Secret key must be at most ${SECRET_KEY_MAX_LENGTH} characters (this one has ${key.length})`;
  if (key === '.' || key === '..') return `a Secret key must not be ${quote(key)}`;
  if (!SECRET_KEY_CHARS.test(key)) return 'a Secret key may only contain letters, digits, "-", "_" and "."';
  return undefined;
}

export function isValidSecretKey(key: string): boolean {
  return secretKeyProblem(key) === undefined;
}
