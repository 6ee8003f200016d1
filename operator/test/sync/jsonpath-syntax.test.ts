import { describe, expect, it } from 'vitest';
import { jsonPathSyntaxProblem } from '../../src/sync/jsonpath-syntax.js';

describe('jsonPathSyntaxProblem', () => {
  it.each([
    '$',
    '$.a',
    '$.db-host.port_1',
    '$.a.b[2].c',
    "$['a']['b'][0]",
    "$['x y', \"z\"]",
    '$.c[0, 1]',
    '$.c[-1:]',
    '$.c[0:4:2]',
    '$.c[*]',
    '$.*',
    '$..pw',
    '$..*',
    '$..[0]',
    "$.users[?(@.name=='a')].pw", // a filter: refused by jsonPathNeedsEval instead
    '$.ключ',
  ])('accepts %j', (path) => {
    expect(jsonPathSyntaxProblem(path)).toBeUndefined();
  });

  it.each([
    ['$..[', '"[" at position 3 is not closed'],
    ['$[', '"[" at position 1 is not closed'],
    ['$.', 'expected a member name or "*" after "." at position 2'],
    ['$.a..', 'expected a member name, "*" or "[" after ".." at position 5'],
    ['$.a]', 'unexpected "]" at position 3'],
    ['a.b', 'it must start with "$" (the document root)'],
    ['$[0', '"[" at position 1 is not closed'],
    ["$['a'", '"[" at position 1 is not closed'],
    ['$[a]', 'expected a quoted name, an index, a slice or "*" at position 2'],
    ['$[0 1]', 'expected "," or "]" at position 4'],
    ['$~', 'unexpected "~" at position 1'],
    ['$.a b', 'unexpected " " at position 3'],
  ])('refuses %j: %s', (path, problem) => {
    expect(jsonPathSyntaxProblem(path)).toBe(problem);
  });
});
