// ESO's merge rewrite: the cases of ESO's runtime/esutils TestRewriteMerge and TestRewrite
// (facts: inputs and expected bytes), plus the Go encoding details that decide the bytes.
import { describe, expect, it } from 'vitest';
import type { Rewrite, RewriteMerge } from '../../src/api/types.js';
import { SyncError } from '../../src/sync/errors.js';
import { formatFloatF, mergeRewrite } from '../../src/sync/rewrite-merge.js';
import { rewriteMap } from '../../src/sync/keys.js';
import { withDefaults } from '../../src/api/defaults.js';
import { buildSecretData } from '../../src/sync/build.js';
import { externalSecret, remote, strings } from './fixtures.js';

const FIELD = 'spec.dataFrom[0].rewrite[0].merge';
const input = (m: Record<string, string>) => new Map(Object.entries(m).map(([k, v]) => [k, { value: Buffer.from(v), origins: [k] }]));
const merge = (op: RewriteMerge, m: Record<string, string>) => {
  const out = mergeRewrite(op, input(m), FIELD);
  return Object.fromEntries([...out].map(([k, e]) => [k, e.value.toString('utf8')]));
};
const failure = (fn: () => unknown): SyncError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof SyncError) return error;
    throw error;
  }
  throw new Error('expected a SyncError');
};

const MONGO = '{"username": "foz", "password": "baz"}';
const REDIS = '{"host": "redis.example.com", "port": "6379"}';

describe('mergeRewrite (ESO TestRewriteMerge)', () => {
  it('using empty merge: every field of every key, strategy Extract', () => {
    expect(merge({}, { 'mongo-credentials': MONGO, 'redis-credentials': REDIS })).toEqual({ username: 'foz', password: 'baz', host: 'redis.example.com', port: '6379' });
  });
  it('using priority: priority keys merge last, in order', () => {
    const out = merge(
      { conflictPolicy: 'Ignore', priority: ['mongo-credentials', 'redis-credentials'] },
      { 'redis-credentials': REDIS, 'mongo-credentials': MONGO, 'other-credentials': '{"key": "value", "host": "other.example.com"}' },
    );
    expect(out).toEqual({ username: 'foz', password: 'baz', host: 'redis.example.com', port: '6379', key: 'value' });
  });
  it('using priority with keys not in input (default Strict) fails naming the key and the fix', () => {
    const error = failure(() => merge({ conflictPolicy: 'Ignore', priority: ['non-existent-key', 'another-missing-key', 'mongo-credentials'] }, { 'mongo-credentials': MONGO, 'redis-credentials': REDIS }));
    expect(error.message).toContain('"non-existent-key"');
    expect(error.message).toContain(`${FIELD}.priorityPolicy: IgnoreNotFound`);
    expect(error.field).toBe(`${FIELD}.priority`);
  });
  it('using priority with keys not in input and IgnoreNotFound', () => {
    expect(merge({ conflictPolicy: 'Ignore', priority: ['non-existent-key', 'mongo-credentials'], priorityPolicy: 'IgnoreNotFound' }, { 'mongo-credentials': MONGO, 'redis-credentials': REDIS })).toEqual({
      username: 'foz',
      password: 'baz',
      host: 'redis.example.com',
      port: '6379',
    });
  });
  it('using conflict policy Error (the default) fails naming the field, never a value', () => {
    const error = failure(() => merge({ conflictPolicy: 'Error' }, { 'mongo-credentials': MONGO, 'redis-credentials': '{"username": "redis", "port": "6379"}' }));
    expect(error.message).toContain('"username"');
    expect(error.message).not.toContain('foz');
    expect(error.message).not.toContain('redis"');
    expect(failure(() => merge({}, { a: '{"x":1}', b: '{"x":2}' })).field).toBe(`${FIELD}.conflictPolicy`);
  });
  it('using JSON strategy: the keys stay and into holds the merged object (Go encoding: sorted keys)', () => {
    expect(merge({ strategy: 'JSON', into: 'credentials' }, { 'mongo-credentials': MONGO, 'redis-credentials': REDIS })).toEqual({
      'mongo-credentials': MONGO,
      'redis-credentials': REDIS,
      credentials: '{"host":"redis.example.com","password":"baz","port":"6379","username":"foz"}',
    });
  });
  it('using JSON strategy without into fails', () => {
    expect(failure(() => merge({ strategy: 'JSON' }, { 'mongo-credentials': MONGO })).message).toContain(`${FIELD}.into`);
  });
  it('with invalid JSON fails without quoting the value or the parser', () => {
    const error = failure(() => merge({}, { 'invalid-json': '{"username": "foz", "password": "baz"' }));
    expect(error.message).toContain('"invalid-json" is not a JSON object');
    expect(error.message).not.toContain('baz');
  });
});

describe('mergeRewrite: Go encoding details', () => {
  it('Extract writes numbers with strconv f, nested values with json.Marshal (HTML escaped, sorted)', () => {
    const out = merge({}, { a: '{"n": 123, "big": 1e21, "small": 1e-7, "neg": -0, "t": true, "nil": null, "obj": {"z": "<&>", "a": [1.5, "x"]}, "arr": [2, {"b": 1, "a": 2}]}' });
    expect(out).toEqual({ n: '123', big: '1000000000000000000000', small: '0.0000001', neg: '-0', t: 'true', nil: '', obj: '{"a":[1.5,"x"],"z":"\\u003c\\u0026\\u003e"}', arr: '[2,{"a":2,"b":1}]' });
  });
  it('JSON writes numbers with encoding/json floats and does not escape HTML', () => {
    const out = merge({ strategy: 'JSON', into: 'm' }, { a: '{"big": 1e21, "small": 1.5e-7, "s": "<\\u2028\\b\\u0001>", "n": 12345678901234567890}' });
    expect(out.m).toBe('{"big":1e+21,"n":12345678901234567000,"s":"<\\u2028\\b\\u0001>","small":1.5e-7}');
  });
  it('null merges nothing; a string, an array or an out-of-range number is refused', () => {
    expect(merge({}, { a: 'null', b: '{"x":"1"}' })).toEqual({ x: '1' });
    for (const bad of ['"text"', '[1]', '{"x": 1e400}']) expect(() => merge({}, { a: bad })).toThrow(SyncError);
  });
  it('orders keys by bytes (Go sort.Strings), not by insertion', () => {
    // "B" < "a" in byte order: a's fields win.
    expect(merge({ conflictPolicy: 'Ignore' }, { a: '{"x":"from-a"}', B: '{"x":"from-B"}' })).toEqual({ x: 'from-a' });
  });
  it('formatFloatF matches strconv.FormatFloat(f, \'f\', -1, 64)', () => {
    expect([0, 1, -2.5, 0.1, 123456789, 1e21, 1.25e-9, 5e-324].map(formatFloatF)).toEqual([
      '0',
      '1',
      '-2.5',
      '0.1',
      '123456789',
      '1000000000000000000000',
      '0.00000000125',
      `0.${'0'.repeat(323)}5`,
    ]);
  });
});

const noGo = { transform: async () => { throw new Error('not used'); } };
const rewriteAll = async (rewrites: Rewrite[], m: Record<string, string>) => {
  const out = await rewriteMap(input(m), rewrites, 'spec.dataFrom[0].rewrite', noGo);
  return Object.fromEntries([...out].map(([k, e]) => [k, e.value.toString('utf8')]));
};

describe('rewriteMap with merge (ESO TestRewrite)', () => {
  it('using double merge', async () => {
    const out = await rewriteAll(
      [
        { merge: { strategy: 'JSON', conflictPolicy: 'Ignore', into: 'merged', priority: ['a'] } },
        { merge: { strategy: 'Extract', conflictPolicy: 'Ignore', priority: ['b'] } },
      ],
      { a: '{"host": "dba", "pass": "yola", "port": 123}', b: '{"host": "dbb", "pass": "yolb"}' },
    );
    expect(out).toEqual({ host: 'dbb', pass: 'yolb', port: '123' });
  });
  it('using regexp and merge', async () => {
    const out = await rewriteAll(
      [{ regexp: { source: 'db/(.*)', target: '$1' } }, { merge: { strategy: 'JSON', conflictPolicy: 'Ignore', into: 'merged', priority: ['a'] } }],
      { 'db/a': '{"host": "dba.example.com"}', 'db/b': '{"host": "dbb.example.com", "pass": "yolo"}' },
    );
    expect(out).toEqual({ a: '{"host": "dba.example.com"}', b: '{"host": "dbb.example.com", "pass": "yolo"}', merged: '{"host":"dba.example.com","pass":"yolo"}' });
  });
});

describe('buildSecretData with a merge rewrite', () => {
  it('find + merge: one key per field of the found secrets, versions of every merged remote recorded', async () => {
    const es = withDefaults(externalSecret({ dataFrom: [{ find: { path: 'db/' }, rewrite: [{ merge: {} }] }] }));
    const found = [remote('db/a', '{"user":"u"}', { versionId: 'va' }), remote('db/b', '{"pass":"p"}', { versionId: 'vb' })];
    const out = await buildSecretData({ externalSecret: es, data: [], dataFrom: [found] });
    expect(out.problems).toEqual([]);
    expect(strings(out.data)).toEqual({ user: 'u', pass: 'p' });
    expect(out.syncedVersions.filter((v) => v.key === 'user').map((v) => v.versionId)).toEqual(['va', 'vb']);
  });
  it('extract + merge (JSON into) of nested objects, then decoding as ESO (after the rewrites)', async () => {
    const es = withDefaults(externalSecret({ dataFrom: [{ extract: { key: 'app' }, rewrite: [{ merge: { strategy: 'JSON', into: 'all' } }] }] }));
    const out = await buildSecretData({ externalSecret: es, data: [], dataFrom: [remote('app', { db: { user: 'u' }, cache: { host: 'h' } })] });
    expect(out.problems).toEqual([]);
    expect(strings(out.data)).toEqual({ db: '{"user":"u"}', cache: '{"host":"h"}', all: '{"host":"h","user":"u"}' });
  });
  it('a merge conflict is a problem naming the rewrite: nothing is written', async () => {
    const es = withDefaults(externalSecret({ dataFrom: [{ find: { path: 'db/' }, rewrite: [{ merge: {} }] }] }));
    const out = await buildSecretData({ externalSecret: es, data: [], dataFrom: [[remote('db/a', '{"x":"1"}'), remote('db/b', '{"x":"2"}')]] });
    expect(out.problems.map((p) => p.field)).toEqual(['spec.dataFrom[0].rewrite[0].merge.conflictPolicy']);
  });
});
