import { describe, expect, it } from 'vitest';
import { ES_REASON } from '../../src/api/types.js';
import { SyncError } from '../../src/sync/errors.js';
import { rewriteKeys, assertValidKey, isValidSecretKey, keyFromRemoteName, secretKeyProblem } from '../../src/sync/keys.js';
import { compileUserRegExp, expandTemplate } from '../../src/sync/regexp.js';

const rw = (source: string, target: string) => ({ regexp: { source, target } });

describe('secret key validation', () => {
  it.each(['password', 'db-password', 'tls.crt', '.dockerconfigjson', 'A_b-9.z', 'x'.repeat(253)])('accepts %s', (key) => {
    expect(isValidSecretKey(key)).toBe(true);
  });
  it.each([
    ['', /empty/],
    ['.', /must not be "\."/],
    ['..', /must not be "\.\."/],
    ['a/b', /may only contain/],
    ['a b', /may only contain/],
    ['é', /may only contain/],
    ['x'.repeat(254), /at most 253/],
  ])('rejects %j', (key, why) => {
    expect(secretKeyProblem(key)).toMatch(why);
  });
});

const noGo = { transform: async () => { throw new Error('regexp rewrites never call the Go engine'); } };
const applyRewrites = async (name: string, rewrites: Parameters<typeof rewriteKeys>[1] | undefined, field = 'spec.dataFrom[].rewrite') =>
  (await rewriteKeys([name], rewrites ?? [], field, noGo))[0];

describe('rewriteKeys (regexp)', () => {
  it('applies every rewrite in order, each to the previous result', async () => {
    expect(await applyRewrites('prod/api/db-password', [rw('^prod/', ''), rw('/', '_'), rw('-', '_')])).toBe('api_db_password');
  });
  it('replaces every match (like Go ReplaceAllString)', async () => {
    expect(await applyRewrites('a.b.c', [rw('\\.', '-')])).toBe('a-b-c');
  });
  it('supports $1, ${1} and named groups as Go does ($<name> is literal text in Go)', async () => {
    expect(await applyRewrites('prod/db', [rw('^(\\w+)/(\\w+)$', '$2-$1')])).toBe('db-prod');
    expect(await applyRewrites('prod/db', [rw('^(\\w+)/(\\w+)$', '${2}0')])).toBe('db0');
    expect(await applyRewrites('prod/db', [rw('^(?P<env>\\w+)/(?P<name>\\w+)$', '${name}_$env')])).toBe('db_prod');
    expect(await applyRewrites('prod/db', [rw('^(?<env>\\w+)/(?<name>\\w+)$', '${name}.$<env>')])).toBe('db.$<env>');
  });
  it('replaces empty matches as Go does', async () => {
    expect(await applyRewrites('abc', [rw('', '-')])).toBe('-a-b-c-');
  });
  it('honours a leading (?i) and keeps JS-only $ specials literal', async () => {
    expect(await applyRewrites('PROD-x', [rw('(?i)^prod-', '')])).toBe('x');
    expect(await applyRewrites('a', [rw('a', '$&$$')])).toBe('$&$');
  });
  it('returns the name unchanged without rewrites', async () => {
    expect(await applyRewrites('n', undefined)).toBe('n');
    expect(await applyRewrites('n', [])).toBe('n');
  });
  it('an invalid regexp is InvalidSpec naming the rewrite', async () => {
    let error: unknown;
    try {
      await applyRewrites('x', [rw('ok', ''), rw('(unclosed', '')], 'spec.dataFrom[1].rewrite');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SyncError);
    expect((error as SyncError).reason).toBe(ES_REASON.InvalidSpec);
    expect((error as SyncError).field).toBe('spec.dataFrom[1].rewrite[1].regexp.source');
  });
});

describe('keyFromRemoteName (ESO conversionStrategy)', () => {
  it.each([
    ['/e2e/find/one', '_e2e_find_one'],
    ['/prod/api/db-password', '_prod_api_db-password'],
    ['prod/db', 'prod_db'],
    ['//double', '__double'],
    ['with space:colon', 'with_space_colon'],
    ['already.valid_key-1', 'already.valid_key-1'],
  ])('%s -> %s', (name, key) => {
    expect(keyFromRemoteName(name)).toBe(key);
    expect(isValidSecretKey(key)).toBe(true);
  });
  it('keeps Unicode letters and numbers, as Go’s unicode.IsLetter / IsNumber (the key check then refuses them)', () => {
    expect(keyFromRemoteName('naïve/²')).toBe('naïve_²');
    expect(isValidSecretKey('naïve_²')).toBe(false);
  });
  it('Unicode strategy encodes the code point, leading "/" included', () => {
    expect(keyFromRemoteName('/a/b c', 'Unicode')).toBe('_U002f_a_U002f_b_U0020_c');
  });
});

describe('assertValidKey', () => {
  it('returns a valid key', () => {
    expect(assertValidKey('ok', { source: 'remote "x"', field: 'spec.dataFrom[0]', rewritten: false })).toBe('ok');
  });
  it('names the source and the key and advises a rewrite', () => {
    expect(() => assertValidKey('user name', { source: 'JSON key "user name" of remote key "prod/app"', field: 'spec.dataFrom[0]', rewritten: false })).toThrow(
      'spec.dataFrom[0]: JSON key "user name" of remote key "prod/app" gives the Secret key "user name", which is invalid (a Secret key may only contain letters, digits, "-", "_" and "."); add a spec.dataFrom[0].rewrite (regexp source/target) that turns it into a valid key',
    );
    expect(() => assertValidKey('', { source: 'remote "x"', field: 'spec.dataFrom[0]', rewritten: true })).toThrow(/fix spec\.dataFrom\[0\]\.rewrite/);
  });
});

describe('user regular expressions (RE2)', () => {
  it('accepts Go syntax: named groups, \A and \z, inline flags, POSIX classes', () => {
    expect(compileUserRegExp('^(?P<x>a)$').testExact('a')).toBe(true);
    expect(compileUserRegExp('\\Aab\\z').test('ab')).toBe(true);
    expect(compileUserRegExp('\\Aab\\z').test('xab')).toBe(false);
    expect(compileUserRegExp('\\(\\?P<').test('(?P<')).toBe(true);
    expect(compileUserRegExp('(?i)abc').test('ABC')).toBe(true);
    expect(compileUserRegExp('(?s)a.c').test('a\nc')).toBe(true);
    expect(compileUserRegExp('(?U)a+').matcher('aaa').replaceAll('b')).toBe('bbb');
    expect(compileUserRegExp('^[[:alpha:]]+$').test('abc')).toBe(true);
  });
  it('refuses what needs backtracking, saying which syntax is accepted', () => {
    expect(() => compileUserRegExp('a(?=b)')).toThrow(/unsupported Perl syntax.*RE2 syntax, as in ESO \(no lookahead, lookbehind or backreferences\)/);
    expect(() => compileUserRegExp('(a)\\1')).toThrow(/invalid escape sequence/);
    expect(() => compileUserRegExp('a{1001}')).toThrow(/invalid repeat count/);
  });
  it('matches a catastrophic-backtracking pattern in linear time', async () => {
    const hostile = 'a'.repeat(29) + '-';
    const started = performance.now();
    expect(await applyRewrites(hostile, [rw('^(a+)+$', 'x')])).toBe(hostile);
    expect(compileUserRegExp('^redos-(a+)+$').test(`redos-${hostile}`)).toBe(false);
    // JavaScript's RegExp needs seconds here (2^29 paths); RE2 needs well under a millisecond.
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('expandTemplate (Go Regexp.Expand)', () => {
  const groups = ['prod/db', 'prod', 'db'];
  it.each([
    ['$1-$2', 'prod-db'],
    ['${1}x$2', 'prodxdb'],
    ['$1x', ''], // Go: group "1x", which does not exist
    ['$0', 'prod/db'],
    ['$9', ''],
    ['$01', ''], // Go: "01" is a name, not a number
    ['${env}/$name', 'prod/db'],
    ['$<name>.$<env>', '$<name>.$<env>'], // Go: `$<` is literal text
    ['$$1 $ $& ${ ${x', '$1 $ $& ${ ${x'],
  ])('%j', (template, expected) => {
    expect(expandTemplate(template, groups, { env: 'prod', name: 'db' })).toBe(expected);
  });
  it('leaves an unmatched group empty', async () => {
    expect(await applyRewrites('a', [rw('(x)?a', '[$1]')])).toBe('[]');
  });
});
