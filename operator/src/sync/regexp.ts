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
 * replaced by `template` expanded for that match (see expandTemplate). The scan is Go's, not
 * the JavaScript/Java one: an empty match right after the previous match is not replaced (so
 * `(.*)` on "abc" gives one replacement, not a second one at the end), the search always moves
 * on by at least one character, and `^` / `\b` see the whole input at every step.
 */
export function replaceAll(regexp: UserRegExp, input: string, template: string): string {
  const matcher = regexp.matcher(input);
  const groupCount = regexp.groupCount();
  const names = regexp.namedGroups();
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= input.length && matcher.find(searchPos)) {
    const start = matcher.start();
    const end = matcher.end();
    out += input.slice(lastMatchEnd, start);
    // Go: no replacement for an empty match adjacent to the previous match.
    if (end > lastMatchEnd || start === 0) {
      const groups: Array<string | null> = [];
      for (let g = 0; g <= groupCount; g++) groups.push(matcher.group(g));
      const named: Record<string, string | null> = {};
      for (const [name, index] of Object.entries(names)) named[name] = groups[index] ?? null;
      out += expandTemplate(template, groups, named);
    }
    lastMatchEnd = end;
    // Advance past the match, and always by at least one character (a whole code point).
    const width = searchPos < input.length ? String.fromCodePoint(input.codePointAt(searchPos)!).length : 1;
    if (searchPos + width > end) searchPos += width;
    else if (searchPos + 1 > end) searchPos++;
    else searchPos = end;
  }
  return out + input.slice(lastMatchEnd);
}

/** Go's extract: letters, digits (Unicode) and `_`. */
const NAME_CHAR = /^[\p{L}\p{Nd}_]$/u;

/**
 * Go's Regexp.Expand: `$1` / `${1}` a numbered group, `$name` / `${name}` a named group (the
 * name is the longest run of letters, digits and `_`, so `$1x` means group "1x" — write
 * `${1}x`), `$$` a literal `$`; a group that does not exist or did not match is empty, a
 * number with a leading zero is a name (so `$01` is empty), and any other `$` — `${` without
 * its `}`, `$<name>`, `$&` — is literal text.
 */
export function expandTemplate(template: string, groups: ReadonlyArray<string | null | undefined>, named: Readonly<Record<string, string | null | undefined>> | undefined): string {
  const group = (name: string): string => {
    if (/^(0|[1-9][0-9]{0,8})$/.test(name)) return groups[Number(name)] ?? '';
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
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    const brace = template[i] === '{';
    const nameStart = brace ? i + 1 : i;
    let end = nameStart;
    while (end < template.length) {
      const ch = String.fromCodePoint(template.codePointAt(end)!);
      if (!NAME_CHAR.test(ch)) break;
      end += ch.length;
    }
    const name = template.slice(nameStart, end);
    if (name === '' || (brace && template[end] !== '}')) {
      out += '$'; // malformed reference: the `$` is literal text, as in Go
      continue;
    }
    out += group(name);
    i = brace ? end + 1 : end;
  }
  return out;
}
