// A strict syntax check for remoteRef.jsonPath. jsonpath-plus, which evaluates the expression,
// is lenient: it drops what it cannot parse, so `$..[` ran as `$..` and selected every value of
// the document. Anything this grammar does not accept is InvalidSpec, never "select more".
//
//   path      = "$" *segment
//   segment   = ".." (name / "*" / bracket) / "." (name / "*") / bracket
//   bracket   = "[" selector *("," selector) "]"           (blanks allowed around selectors)
//   selector  = quoted-name / index / slice / "*"
//   name      = 1*(letter / digit / "_" / "-" / non-ASCII)
//
// Filters `[?(…)]` and scripts `[(…)]` are left to jsonPathNeedsEval, which refuses them.

const NAME_CHAR = /[A-Za-z0-9_\-\u0080-\uFFFF]/;
// Slice before index: the first alternative that matches wins.
const SELECTOR = /^\s*(?:\*|(?:-?\d+)?\s*:\s*(?:-?\d+)?(?:\s*:\s*(?:-?\d+)?)?|-?\d+|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*/;

/** Why `expression` is not valid JSONPath (naming the position), or undefined when it is. */
export function jsonPathSyntaxProblem(expression: string): string | undefined {
  if (!expression.startsWith('$')) return 'it must start with "$" (the document root)';
  let i = 1;
  const at = (position: number, what: string) => `${what} at position ${position}`;
  const readName = (): boolean => {
    const start = i;
    while (i < expression.length && NAME_CHAR.test(expression[i]!)) i++;
    return i > start;
  };
  while (i < expression.length) {
    if (expression.startsWith('..', i)) {
      i += 2;
      if (expression[i] === '*') i++;
      else if (expression[i] === '[') {
        const problem = readBracket();
        if (problem !== undefined) return problem || undefined;
      } else if (!readName()) return at(i, 'expected a member name, "*" or "[" after ".."');
    } else if (expression[i] === '.') {
      i++;
      if (expression[i] === '*') i++;
      else if (!readName()) return at(i, 'expected a member name or "*" after "."');
    } else if (expression[i] === '[') {
      const problem = readBracket();
      if (problem !== undefined) return problem || undefined;
    } else {
      return at(i, `unexpected ${JSON.stringify(expression[i])}`);
    }
  }
  return undefined;

  /** undefined: a valid bracket was read; '': a filter or script (checked elsewhere); else the problem. */
  function readBracket(): string | undefined {
    const open = i;
    i++;
    const first = expression.slice(i).trimStart()[0];
    if (first === '?' || first === '(') return '';
    for (;;) {
      const match = SELECTOR.exec(expression.slice(i));
      if (!match || match[0].trim() === '') {
        return expression.slice(i).trim() === '' ? `"[" at position ${open} is not closed` : at(i, 'expected a quoted name, an index, a slice or "*"');
      }
      i += match[0].length;
      if (expression[i] === ',') {
        i++;
        continue;
      }
      if (expression[i] === ']') {
        i++;
        return undefined;
      }
      return i >= expression.length ? `"[" at position ${open} is not closed` : at(i, 'expected "," or "]"');
    }
  }
}
