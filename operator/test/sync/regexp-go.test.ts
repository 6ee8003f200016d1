// Differential test: Rotor's rewrite.regexp replacement (sync/regexp.ts) against Go's own
// Regexp.ReplaceAllString, which ESO's rewrite calls. The Go side runs in the committed Go
// WebAssembly engine, where sprig's regexReplaceAll is exactly regexp.MustCompile(p).ReplaceAllString(s, r).
import { afterAll, describe, expect, it } from 'vitest';
import { WasmGoEngine } from '../../src/sync/template/go/engine.js';
import { compileUserRegExp, replaceAll } from '../../src/sync/regexp.js';

const go = new WasmGoEngine();
afterAll(() => go.close());

async function goReplaceAll(pattern: string, input: string, template: string): Promise<string> {
  const data = { p: Buffer.from(pattern), s: Buffer.from(input), r: Buffer.from(template) };
  const [out] = await go.render([{ text: '{{ regexReplaceAll .p .s .r }}' }], data, 1 << 16);
  if (!out || !out.ok || !('out' in out)) throw new Error(`Go engine failed: ${JSON.stringify(out)}`);
  return out.out.toString('utf8');
}

// [pattern, input, template]: empty matches, anchors, word boundaries, unmatched groups and
// every form of template reference, including the ones Go treats as literal text.
const CORPUS: Array<[string, string, string]> = [
  ['(.*)', 'username', 'my_$1'],
  ['.*', 'username', 'x'],
  ['a*', 'baaac', '-'],
  ['a*', '', '-'],
  ['x*', 'abc', '-'],
  ['', 'abc', '-'],
  ['b*', 'abba', '[$0]'],
  ['^', 'abc', 'p_'],
  ['$', 'abc', '_s'],
  ['^$', '', 'empty'],
  ['\\b', 'ab cd', '|'],
  ['\\B', 'ab cd', '|'],
  ['(?m)^', 'a\nb', '>'],
  ['^(.*)$', 'db-password', 'prod_${1}'],
  ['^prod/(.*)', 'prod/db/user', '$1'],
  ['/', '/e2e/find/one', '_'],
  ['^/', '/e2e/find/one', ''],
  ['(a)|(b)', 'abc', '[$1|$2]'],
  ['(?P<env>\\w+)-(?P<name>\\w+)', 'prod-db', '${name}.${env}'],
  ['(?P<env>\\w+)-(?P<name>\\w+)', 'prod-db', '$name.$env'],
  ['(?P<env>\\w+)-(?P<name>\\w+)', 'prod-db', '$<name>.$<env>'],
  ['(\\w+)', 'abc', '$1x ${1}x $$1 $ $& ${ ${1 $01 $9 $10'],
  ['(\\w)(\\w)', 'abcd', '$2$1'],
  ['(é)', 'aéb', '[$1]'],
  ['.', 'a😀b', '<$0>'],
  ['😀*', 'a😀😀b', '-'],
  ['(x)?y', 'y', '[$1]'],
  ['(?i)KEY', 'key_Key', 'k'],
  ['[^a-zA-Z0-9_.-]', 'a b:c/d', '_'],
  ['(\\d+)', 'v12.3', '${1}0'],
  ['(a|ab)(c|bcd)(d*)', 'abcd', '$3$2$1'],
  ['a|', 'baab', '-'],
];

describe('replaceAll equals Go ReplaceAllString (real Go, through the WebAssembly engine)', () => {
  it.each(CORPUS)('%j on %j with %j', async (pattern, input, template) => {
    const expected = await goReplaceAll(pattern, input, template);
    expect(replaceAll(compileUserRegExp(pattern), input, template)).toBe(expected);
  });

  it('gives ESO’s result for the issue’s case', () => {
    expect(replaceAll(compileUserRegExp('(.*)'), 'username', 'my_$1')).toBe('my_username');
  });
});
