import { describe, expect, it } from 'vitest';
import { ES_REASON } from '../../src/api/types.js';
import { SyncError } from '../../src/sync/errors.js';
import { applyRewrites, assertValidKey, isValidSecretKey, keyFromRemoteName, secretKeyProblem } from '../../src/sync/keys.js';
import { compileGoRegExp, translateReplacement } from '../../src/sync/regexp.js';

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

describe('applyRewrites', () => {
  it('applies every rewrite in order, each to the previous result', () => {
    expect(applyRewrites('prod/api/db-password', [rw('^prod/', ''), rw('/', '_'), rw('-', '_')])).toBe('api_db_password');
  });
  it('replaces every match (like Go ReplaceAllString)', () => {
    expect(applyRewrites('a.b.c', [rw('\\.', '-')])).toBe('a-b-c');
  });
  it('supports $1, ${1} and named groups in Go and JavaScript spellings', () => {
    expect(applyRewrites('prod/db', [rw('^(\\w+)/(\\w+)$', '$2-$1')])).toBe('db-prod');
    expect(applyRewrites('prod/db', [rw('^(\\w+)/(\\w+)$', '${2}0')])).toBe('db0');
    expect(applyRewrites('prod/db', [rw('^(?P<env>\\w+)/(?P<name>\\w+)$', '${name}_$env')])).toBe('db_prod');
    expect(applyRewrites('prod/db', [rw('^(?<env>\\w+)/(?<name>\\w+)$', '$<name>.$<env>')])).toBe('db.prod');
  });
  it('honours a leading (?i) and keeps JS-only $ specials literal', () => {
    expect(applyRewrites('PROD-x', [rw('(?i)^prod-', '')])).toBe('x');
    expect(applyRewrites('a', [rw('a', '$&$$')])).toBe('$&$');
  });
  it('returns the name unchanged without rewrites', () => {
    expect(applyRewrites('n', undefined)).toBe('n');
    expect(applyRewrites('n', [])).toBe('n');
  });
  it('an invalid regexp is InvalidSpec naming the rewrite', () => {
    let error: unknown;
    try {
      applyRewrites('x', [rw('ok', ''), rw('(unclosed', '')], 'spec.dataFrom[1].rewrite');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SyncError);
    expect((error as SyncError).reason).toBe(ES_REASON.InvalidSpec);
    expect((error as SyncError).field).toBe('spec.dataFrom[1].rewrite[1].regexp.source');
  });
});

describe('keyFromRemoteName', () => {
  it.each([
    ['/prod/api/db-password', 'prod_api_db-password'],
    ['prod/db', 'prod_db'],
    ['//double', 'double'],
    ['with space:colon', 'with_space_colon'],
    ['naïve', 'na_ve'],
    ['already.valid_key-1', 'already.valid_key-1'],
  ])('%s -> %s', (name, key) => {
    expect(keyFromRemoteName(name)).toBe(key);
    expect(isValidSecretKey(key)).toBe(true);
  });
  it('Unicode strategy encodes the code point', () => {
    expect(keyFromRemoteName('/a/b c', 'Unicode')).toBe('a_U002f_b_U0020_c');
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

describe('Go regexp translation', () => {
  it('translates named groups, \\A and \\z, but not escaped text', () => {
    expect(compileGoRegExp('(?P<x>a)').exec('a')?.groups?.x).toBe('a');
    expect(compileGoRegExp('\\Aab\\z').test('ab')).toBe(true);
    expect(compileGoRegExp('\\Aab\\z').test('xab')).toBe(false);
    expect(compileGoRegExp('\\(\\?P<').test('(?P<')).toBe(true);
  });
  it('turns leading inline flags into RegExp flags', () => {
    expect(compileGoRegExp('(?i)abc').flags).toBe('i');
    expect(compileGoRegExp('(?is)a.c', 'g').flags).toBe('gis');
    expect(() => compileGoRegExp('(?U)a')).toThrow(/not supported/);
  });
  it('translates replacement templates', () => {
    expect(translateReplacement('${1}x$2$name${n}$$ $')).toBe('$01x$02$<name>$<n>$$ $$');
    expect(translateReplacement('$12')).toBe('$12');
  });
});
