import { describe, expect, it } from 'vitest';
import { parseReloadAnnotation } from '../../src/rollout/reload-annotation.js';

describe('parseReloadAnnotation', () => {
  it.each<[string | undefined, string[]]>([
    [undefined, []],
    ['', []],
    ['db-creds', ['db-creds']],
    ['db-creds,api-key', ['db-creds', 'api-key']],
    [' db-creds , api-key ', ['db-creds', 'api-key']],
    ['db-creds,,api-key,', ['db-creds', 'api-key']],
    [' , ,', []],
    ['a,b,a', ['a', 'b']],
  ])('%j -> %j', (value, expected) => {
    expect(parseReloadAnnotation(value)).toEqual(expected);
  });
});
