// Secret data keys: validation, dataFrom rewrites, and turning remote names into keys.
import type { ConversionStrategy, Rewrite } from '../api/types.js';
import { ES_REASON } from '../api/types.js';
import { SyncError, quote } from './errors.js';
import { compileUserRegExp, replaceAll, type UserRegExp } from './regexp.js';
import type { GoEngine } from './template/go/engine.js';
import { describeGoTemplateError } from './template/go/messages.js';
import { SECRET_KEY_MAX_LENGTH, isValidSecretKey, secretKeyProblem } from './secret-key.js';

export { SECRET_KEY_MAX_LENGTH, isValidSecretKey, secretKeyProblem };


/**
 * Applies `dataFrom[].rewrite[]` in order, each one to the result of the previous, to every
 * name of one dataFrom entry (as ESO's RewriteMap):
 *   - regexp: replace every match (Go's ReplaceAllString, in linear time: patterns are RE2
 *     and targets Go templates, see regexp.ts);
 *   - transform: a Go template run on each name, the name being `.value` (one engine call
 *     for all names).
 * `field` is the rewrite list's spec path.
 */
export async function rewriteKeys(names: string[], rewrites: Rewrite[], field: string, go: Pick<GoEngine, 'transform'>): Promise<string[]> {
  let out = names;
  for (const [k, rewrite] of rewrites.entries()) {
    if (rewrite.transform) {
      if (out.length === 0) continue;
      const results = await go.transform(rewrite.transform.template, out, SECRET_KEY_MAX_LENGTH * 4);
      out = results.map((r, n) => {
        if (r.ok && 'out' in r) return r.out.toString('utf8');
        const detail = r.ok ? 'it produced no text' : describeGoTemplateError(r.error, []);
        throw new SyncError(ES_REASON.InvalidSpec, `${field}[${k}].transform.template failed on key ${quote(out[n]!)}: ${detail}`, { field: `${field}[${k}].transform.template` });
      });
      continue;
    }
    const source = rewrite.regexp?.source ?? '';
    let regexp: UserRegExp;
    try {
      regexp = compileUserRegExp(source);
    } catch (error) {
      throw new SyncError(ES_REASON.InvalidSpec, `${field}[${k}].regexp.source is not a valid regular expression: ${(error as Error).message}`, {
        field: `${field}[${k}].regexp.source`,
      });
    }
    const target = rewrite.regexp?.target ?? '';
    out = out.map((name) => replaceAll(regexp, name, target));
  }
  return out;
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
