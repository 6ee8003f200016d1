// Every regular expression a user writes (dataFrom.find.name.regexp, rewrite[].regexp.source,
// ClusterSecretStore conditions[].namespaceRegexes) runs on RE2 (the re2js port): matching is
// linear in the input, so no pattern can block the event loop that every tenant shares
// (JavaScript's backtracking RegExp takes exponential time on `^(a+)+$`). RE2 is also the
// syntax ESO uses (Go's regexp): `(?P<name>…)`, `(?i)`, `\A`, `\z`, POSIX classes all work;
// lookaround and backreferences, which need backtracking, are refused with a clear message.
import { RE2JS } from 're2js';

export type UserRegExp = RE2JS;

/** Compiled patterns by source: reconciles reuse the same few patterns on every pass. */
const cache = new Map<string, RE2JS>();
const CACHE_LIMIT = 512;

/**
 * Compiles a user pattern with RE2 semantics. Throws a SyntaxError whose message quotes only
 * the pattern (never a value) and says which syntax is accepted.
 */
export function compileUserRegExp(source: string): UserRegExp {
  const cached = cache.get(source);
  if (cached) return cached;
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source);
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error);
    throw new SyntaxError(`${detail}; patterns use RE2 syntax, as in ESO (no lookahead, lookbehind or backreferences)`);
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(source, compiled);
  return compiled;
}

/**
 * Go's ReplaceAllString (which ESO's rewrite uses): every match of `regexp` in `input` is
 * replaced by `template` expanded for that match (see expandTemplate).
 */
export function replaceAll(regexp: UserRegExp, input: string, template: string): string {
  return regexp.matcher(input).replaceAll((...args: unknown[]) => {
    // Replacer arguments as for String.prototype.replace: match, groups…, offset, input[, named].
    const groupCount = regexp.groupCount();
    const groups = args.slice(0, groupCount + 1) as Array<string | null | undefined>;
    const named = args.length > groupCount + 3 ? (args[groupCount + 3] as Record<string, string | null | undefined>) : undefined;
    return expandTemplate(template, groups, named);
  });
}

const NAME_CHAR = /[A-Za-z0-9_]/;

/**
 * Go's Regexp.Expand: `$1` / `${1}` a numbered group, `$name` / `${name}` a named group (the
 * name is the longest run of letters, digits and `_`, so `$1x` means group "1x" — write
 * `${1}x`), `$$` a literal `$`; a group that does not exist or did not match is empty, and any
 * other `$` is literal. JavaScript's `$<name>` is also accepted, for specs written that way.
 */
export function expandTemplate(template: string, groups: ReadonlyArray<string | null | undefined>, named: Readonly<Record<string, string | null | undefined>> | undefined): string {
  const group = (name: string): string => {
    if (/^(0|[1-9][0-9]{0,7})$/.test(name)) return groups[Number(name)] ?? '';
    return named?.[name] ?? '';
  };
  let out = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, dollar);
    i = dollar + 1;
    const next = template[i];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    const close = next === '{' ? '}' : next === '<' ? '>' : undefined;
    let end = close ? i + 1 : i;
    while (end < template.length && NAME_CHAR.test(template[end]!)) end++;
    const name = template.slice(close ? i + 1 : i, end);
    if (name === '' || (close && template[end] !== close)) {
      out += '$'; // malformed reference: the `$` is literal text, as in Go
      continue;
    }
    out += group(name);
    i = close ? end + 1 : end;
  }
  return out;
}
