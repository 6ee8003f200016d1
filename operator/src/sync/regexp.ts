// Regular expressions written for ESO are Go (RE2) syntax. JavaScript's RegExp accepts almost
// all of it; this module translates the few Go spellings users actually write so that a spec
// migrated from ESO keeps working:
//   (?P<name>...)  -> (?<name>...)      Go named group
//   leading (?i) / (?s) / (?m) / (?is) -> RegExp flags
//   \A -> ^  and  \z -> $  (absolute start / end; we never use the `m` flag unless asked)
// and Go replacement templates:  ${1} -> $1,  ${name} / $name -> $<name>.
// JavaScript-style `$1` and `$<name>` keep working unchanged.

export interface CompiledRegExp {
  regexp: RegExp;
}

/**
 * Compiles a Go-or-JS regular expression. Throws a SyntaxError (with the library's message,
 * which quotes only the pattern, never a secret value) when it is invalid.
 */
export function compileGoRegExp(source: string, extraFlags = ''): RegExp {
  let pattern = source;
  const flags = new Set(extraFlags.split('').filter(Boolean));
  const leading = /^\(\?([imsU]+)\)/.exec(pattern);
  if (leading) {
    for (const flag of leading[1]!) {
      if (flag === 'U') throw new SyntaxError(`Invalid regular expression: /${source}/: (?U) ungreedy mode is not supported`);
      flags.add(flag);
    }
    pattern = pattern.slice(leading[0].length);
  }
  pattern = translateEscapes(pattern);
  return new RegExp(pattern, [...flags].join(''));
}

/** Walks the pattern once so that escaped text (`\(?P<`) is never rewritten. */
function translateEscapes(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) {
      const next = pattern[i + 1]!;
      if (next === 'A') out += '^';
      else if (next === 'z') out += '$';
      else out += ch + next;
      i++;
      continue;
    }
    if (pattern.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    out += ch;
  }
  return out;
}

/**
 * Translates a Go `Regexp.Expand` template into a `String.prototype.replace` template.
 * Two-digit group references (`$01`) keep `${1}0` from turning into group 10.
 */
export function translateReplacement(template: string): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch !== '$') {
      out += ch;
      continue;
    }
    const rest = template.slice(i + 1);
    if (rest.startsWith('$')) {
      out += '$$';
      i++;
      continue;
    }
    const braced = /^\{([A-Za-z0-9_]+)\}/.exec(rest);
    const bare = /^[A-Za-z0-9_]+/.exec(rest);
    const name = braced ? braced[1]! : bare ? bare[0] : undefined;
    if (name !== undefined) {
      out += groupReference(name);
      i += braced ? braced[0].length : name.length;
      continue;
    }
    if (rest.startsWith('<')) {
      // JavaScript named reference `$<name>`: pass through.
      out += '$';
      continue;
    }
    // `$&`, `` $` `` and `$'` are JavaScript specials that Go does not have: keep them literal.
    out += '$$';
  }
  return out;
}

function groupReference(name: string): string {
  if (/^\d+$/.test(name)) {
    const n = Number(name);
    return n < 10 ? `$0${n}` : `$${n}`;
  }
  return `$<${name}>`;
}
