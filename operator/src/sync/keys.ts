// Secret data keys: validation, dataFrom rewrites, and turning remote names into keys.
import type { ConversionStrategy, Rewrite } from '../api/types.js';
import { ES_REASON } from '../api/types.js';
import { SyncError, quote } from './errors.js';
import { compileUserRegExp, replaceAll, type UserRegExp } from './regexp.js';
import type { GoEngine } from './template/go/engine.js';
import { describeGoTemplateError } from './template/go/messages.js';
import { SECRET_KEY_MAX_LENGTH, isValidSecretKey, secretKeyProblem } from './secret-key.js';
import { mergeRewrite, type RewriteEntry } from './rewrite-merge.js';

export { SECRET_KEY_MAX_LENGTH, isValidSecretKey, secretKeyProblem };


/**
 * Applies `dataFrom[].rewrite[]` in order, each one to the result of the previous, to every
 * name of one dataFrom entry (as ESO's RewriteMap):
 *   - regexp: replace every match (Go's ReplaceAllString, in linear time: patterns are RE2
 *     and targets Go templates, see regexp.ts);
 *   - transform: a Go template run on each name, the name being `.value` (one engine call
 *     for all names).
 * Names only: a merge rewrite needs the values, see rewriteMap.
 * `field` is the rewrite list's spec path.
 */
export async function rewriteKeys(names: string[], rewrites: Rewrite[], field: string, go: Pick<GoEngine, 'transform'>): Promise<string[]> {
  let out = names;
  for (const [k, rewrite] of rewrites.entries()) {
    if (rewrite.merge) throw new Error(`internal error: ${field}[${k}].merge needs the values; use rewriteMap`);
    out = await renameStep(out, rewrite, `${field}[${k}]`, go);
  }
  return out;
}

/**
 * ESO's RewriteMap on a whole entry (key -> value): regexp and transform rename keys (as
 * rewriteKeys), merge combines JSON-object values (rewrite-merge.ts). A rename that gives two
 * keys the same name keeps the later one, after asking `onCollision` (which may throw: ESO
 * keeps one at random, Rotor's find refuses). Two names made empty are not a collision: ESO
 * drops empty keys at the end.
 */
export async function rewriteMap<Origin>(
  entries: ReadonlyMap<string, RewriteEntry<Origin>>,
  rewrites: Rewrite[],
  field: string,
  go: Pick<GoEngine, 'transform'>,
  onCollision?: (key: string, first: RewriteEntry<Origin>, second: RewriteEntry<Origin>) => void,
): Promise<Map<string, RewriteEntry<Origin>>> {
  let out = new Map(entries);
  for (const [k, rewrite] of rewrites.entries()) {
    if (rewrite.merge) {
      out = mergeRewrite(rewrite.merge, out, `${field}[${k}].merge`);
      continue;
    }
    const names = [...out.keys()];
    const renamed = await renameStep(names, rewrite, `${field}[${k}]`, go);
    const next = new Map<string, RewriteEntry<Origin>>();
    names.forEach((name, n) => {
      const key = renamed[n]!;
      const entry = out.get(name)!;
      const first = next.get(key);
      if (first !== undefined && key !== '') onCollision?.(key, first, entry);
      next.set(key, entry);
    });
    out = next;
  }
  return out;
}

/** One regexp or transform rewrite (`field` is its spec path) applied to every name. */
async function renameStep(names: string[], rewrite: Rewrite, field: string, go: Pick<GoEngine, 'transform'>): Promise<string[]> {
  if (rewrite.transform) {
    if (names.length === 0) return names;
    const results = await go.transform(rewrite.transform.template, names, SECRET_KEY_MAX_LENGTH * 4);
    return results.map((r, n) => {
      if (r.ok && 'out' in r) return r.out.toString('utf8');
      const detail = r.ok ? 'it produced no text' : describeGoTemplateError(r.error, []);
      throw new SyncError(ES_REASON.InvalidSpec, `${field}.transform.template failed on key ${quote(names[n]!)}: ${detail}`, { field: `${field}.transform.template` });
    });
  }
  const source = rewrite.regexp?.source ?? '';
  let regexp: UserRegExp;
  try {
    regexp = compileUserRegExp(source);
  } catch (error) {
    throw new SyncError(ES_REASON.InvalidSpec, `${field}.regexp.source is not a valid regular expression: ${(error as Error).message}`, {
      field: `${field}.regexp.source`,
    });
  }
  const target = rewrite.regexp?.target ?? '';
  return names.map((name) => replaceAll(regexp, name, target));
}

/**
 * ESO's key conversion (conversionStrategy, applied to find names and extract keys when the
 * entry has no rewrite): every character that is not a letter, a number, "-", "." or "_"
 * becomes "_" (Default) or `_UXXXX_` (Unicode, the code point), "/" included, so the
 * Parameter Store name `/e2e/find/one` becomes `_e2e_find_one`. Letters and numbers are Unicode
 * classes, as in Go: a non-ASCII letter stays, and the key check then says it cannot be a key.
 */
export function keyFromRemoteName(name: string, strategy: ConversionStrategy = 'Default'): string {
  let out = '';
  for (const ch of name) {
    if (/^[\p{L}\p{N}._-]$/u.test(ch)) out += ch;
    else if (strategy === 'Unicode') out += `_U${ch.codePointAt(0)!.toString(16).padStart(4, '0')}_`;
    else out += '_';
  }
  return out;
}

/**
 * Checks a key produced from remote data (extract keys, find names, rewrites). Throws a
 * SyncError that names where the key came from and the offending key, and says how to fix it.
 * `source` describes the origin for the message, e.g. `remote "prod/db"` or
 * `JSON key "user name" of remote "prod/db"`; `field` is the dataFrom entry's spec path.
 */
export function assertValidKey(key: string, context: { source: string; field: string; rewritten: boolean }): string {
  const problem = secretKeyProblem(key);
  if (problem === undefined) return key;
  const advice = context.rewritten
    ? `fix ${context.field}.rewrite so that it produces a valid key`
    : `add a ${context.field}.rewrite (regexp source/target) that turns it into a valid key`;
  throw new SyncError(ES_REASON.InvalidSpec, `${context.field}: ${context.source} gives the Secret key ${quote(key)}, which is invalid (${problem}); ${advice}`, {
    field: context.field,
  });
}
