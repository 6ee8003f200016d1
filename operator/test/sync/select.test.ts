import { afterAll, describe, expect, it } from 'vitest';
import { ES_REASON } from '../../src/api/types.js';
import { SyncError } from '../../src/sync/errors.js';
import { extractObject, jsonPathNeedsEval, lookupProperty, selectProperty, selectValue } from '../../src/sync/select.js';
import { WasmGoEngine } from '../../src/sync/template/go/engine.js';
import { strings, caught } from './fixtures.js';

const ctx = { field: 'spec.data[2].remoteRef', key: 'prod/db' };
const json = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8');
const pick = (value: Buffer, selector: Parameters<typeof selectValue>[1]) => selectValue(value, selector, ctx).toString('utf8');

describe('selectValue without a selector', () => {
  it('returns the whole value, byte for byte', () => {
    const value = Buffer.from([0, 1, 255, 10]);
    expect(selectValue(value, {}, ctx)).toBe(value);
    expect(selectValue(value, { property: '' }, ctx)).toBe(value);
  });
});

describe('selectValue with property (ESO semantics)', () => {
  const doc = json({
    username: 'admin',
    'db.password': 'literal-wins',
    db: { password: 'nested', port: 5432, opts: { ssl: true } },
    servers: [{ host: 'a' }, { host: 'b' }],
    'weird key/with@chars': 'ok',
    'a.b': { c: 'dotted-then-nested' },
    enabled: false,
    nothing: null,
    list: [1, 'two'],
  });

  it('returns a top-level string raw (no quotes)', () => {
    expect(pick(doc, { property: 'username' })).toBe('admin');
  });
  it('prefers a literal top-level key containing dots over the dotted path', () => {
    expect(pick(doc, { property: 'db.password' })).toBe('literal-wins');
  });
  it('walks a dotted path when no literal key matches', () => {
    expect(pick(json({ db: { password: 'nested' } }), { property: 'db.password' })).toBe('nested');
  });
  it('indexes arrays with numeric segments', () => {
    expect(pick(doc, { property: 'servers.1.host' })).toBe('b');
  });
  it('reaches keys with special characters, and escaped dots inside a segment', () => {
    expect(pick(doc, { property: 'weird key/with@chars' })).toBe('ok');
    expect(pick(doc, { property: 'a\\.b.c' })).toBe('dotted-then-nested');
  });
  it('serialises objects, arrays, numbers and booleans as JSON', () => {
    expect(pick(doc, { property: 'db.opts' })).toBe('{"ssl":true}');
    expect(pick(doc, { property: 'list' })).toBe('[1,"two"]');
    expect(pick(doc, { property: 'db.port' })).toBe('5432');
    expect(pick(doc, { property: 'enabled' })).toBe('false');
  });
  it('returns an empty value for a JSON null (as gjson does)', () => {
    expect(pick(doc, { property: 'nothing' })).toBe('');
  });
  it('keeps the source digits of numbers JavaScript would round', () => {
    const raw = Buffer.from('{"id": 12345678901234567890, "f": 1.50, "nested": {"big": 9007199254740993}}');
    expect(pick(raw, { property: 'id' })).toBe('12345678901234567890');
    expect(pick(raw, { property: 'f' })).toBe('1.50');
    expect(pick(raw, { property: 'nested' })).toBe('{"big":9007199254740993}');
  });
  it('a missing property is a not-found error naming the property and the key, not the value', () => {
    const error = caught(() => pick(doc, { property: 'db.user' }));
    expect(error.notFound).toBe(true);
    expect(error.reason).toBe(ES_REASON.SecretSyncedError);
    expect(error.field).toBe('spec.data[2].remoteRef.property');
    expect(error.message).toContain('"db.user"');
    expect(error.message).toContain('"prod/db"');
    expect(error.message).not.toContain('nested');
    expect(error.message).not.toContain('admin');
  });
  it('an out-of-range array index or indexing a non-array is not found', () => {
    expect(caught(() => pick(doc, { property: 'servers.5.host' })).notFound).toBe(true);
    expect(caught(() => pick(doc, { property: 'username.0' })).notFound).toBe(true);
  });
  it('does not reach JavaScript prototype members', () => {
    expect(caught(() => pick(doc, { property: 'constructor' })).notFound).toBe(true);
    expect(caught(() => pick(doc, { property: 'db.__proto__' })).notFound).toBe(true);
    expect(caught(() => pick(doc, { property: 'list.length' })).notFound).toBe(true);
  });
  it('a value that is not JSON gives an error saying so, never quoting the value', () => {
    const error = caught(() => pick(Buffer.from('hunter2-plain-password'), { property: 'username' }));
    expect(error.message).toBe(
      'the value of remote key "prod/db" is not valid JSON, so spec.data[2].remoteRef.property cannot be applied; remove it to sync the whole value',
    );
    expect(error.notFound).toBe(false);
    expect(error.cause).toBeUndefined();
  });
  it('lookupProperty distinguishes a null value from a missing one', () => {
    expect(lookupProperty({ a: null }, 'a')).toEqual({ exists: true, value: null });
    expect(lookupProperty({ a: null }, 'b')).toEqual({ exists: false });
  });
});

describe('selectValue with jmesPath', () => {
  const doc = json({ users: [{ name: 'alice', pw: 'a1' }, { name: 'bob', pw: 'b2' }], cfg: { host: 'db', port: 5432 } });

  it('evaluates expressions and functions', () => {
    expect(pick(doc, { jmesPath: "users[?name=='bob'].pw | [0]" })).toBe('b2');
    expect(pick(doc, { jmesPath: 'length(users)' })).toBe('2');
    expect(pick(doc, { jmesPath: "join(',', users[*].name)" })).toBe('alice,bob');
    expect(pick(doc, { jmesPath: 'cfg' })).toBe('{"host":"db","port":5432}');
    expect(pick(doc, { jmesPath: 'users[*].name' })).toBe('["alice","bob"]');
    expect(pick(doc, { jmesPath: 'to_string(cfg.port)' })).toBe('5432');
  });
  it('a null result is not found, naming the expression', () => {
    const error = caught(() => pick(doc, { jmesPath: 'nope.nothing' }));
    expect(error.notFound).toBe(true);
    expect(error.field).toBe('spec.data[2].remoteRef.jmesPath');
    expect(error.message).toContain('"nope.nothing"');
  });
  it('a syntax error is InvalidSpec', () => {
    const error = caught(() => pick(doc, { jmesPath: 'users[' }));
    expect(error.reason).toBe(ES_REASON.InvalidSpec);
    expect(error.notFound).toBe(false);
  });
  it('a runtime error does not leak values', () => {
    const error = caught(() => pick(json({ s: 'topsecretvalue' }), { jmesPath: 'abs(s)' }));
    expect(error.reason).toBe(ES_REASON.InvalidSpec);
    expect(error.message).not.toContain('topsecretvalue');
  });
});

describe('selectValue with jsonPath (script evaluation disabled)', () => {
  const doc = json({ a: { b: [1, 2, { c: 'x' }] }, users: [{ name: 'a', pw: '1' }, { name: 'b', pw: '2' }] });

  it('selects a single match as its value', () => {
    expect(pick(doc, { jsonPath: '$.a.b[2].c' })).toBe('x');
    expect(pick(doc, { jsonPath: "$['a']['b'][0]" })).toBe('1');
    expect(pick(doc, { jsonPath: '$.a' })).toBe('{"b":[1,2,{"c":"x"}]}');
  });
  it('returns several matches as a JSON array', () => {
    expect(pick(doc, { jsonPath: '$.users[*].pw' })).toBe('["1","2"]');
    expect(pick(doc, { jsonPath: '$..pw' })).toBe('["1","2"]');
  });
  it('no match is not found', () => {
    expect(caught(() => pick(doc, { jsonPath: '$.missing' })).notFound).toBe(true);
  });
  it('refuses filter expressions safely, pointing at jmesPath', () => {
    const error = caught(() => pick(doc, { jsonPath: "$.users[?(@.name=='a')].pw" }));
    expect(error.reason).toBe(ES_REASON.InvalidSpec);
    expect(error.field).toBe('spec.data[2].remoteRef.jsonPath');
    expect(error.message).toContain('jmesPath');
  });
  it('never executes script injection', () => {
    const marker = globalThis as { rotorPwned?: boolean };
    delete marker.rotorPwned;
    for (const path of [
      "$..[?(@.constructor.constructor('return process')())]",
      "$..[?(@.constructor.constructor('globalThis.rotorPwned = true')())]",
      "$[(@.constructor.constructor('globalThis.rotorPwned = true')())]",
    ]) {
      expect(() => pick(doc, { jsonPath: path })).toThrow(SyncError);
    }
    expect(marker.rotorPwned).toBeUndefined();
  });
  it('a syntax error is InvalidSpec, never "select all"', () => {
    for (const path of ['$..[', '$[', '$.a[', '$.', '$.a]', 'a.b', '$.users[0', "$['a'", '$.a..']) {
      const error = caught(() => pick(doc, { jsonPath: path }));
      expect(error.reason, path).toBe(ES_REASON.InvalidSpec);
      expect(error.field, path).toBe('spec.data[2].remoteRef.jsonPath');
      expect(error.message, path).toContain('is not a valid JSONPath expression');
    }
  });
  it('jsonPathNeedsEval spots filters and scripts statically', () => {
    expect(jsonPathNeedsEval("$.users[?(@.name=='a')]")).toBe(true);
    expect(jsonPathNeedsEval('$.users[(@.length-1)]')).toBe(true);
    expect(jsonPathNeedsEval('$.users[*].pw')).toBe(false);
  });
});

describe('selectValue with more than one selector', () => {
  it('is InvalidSpec', () => {
    const error = caught(() => pick(json({ a: 1 }), { property: 'a', jmesPath: 'a' }));
    expect(error.reason).toBe(ES_REASON.InvalidSpec);
    expect(error.message).toContain('mutually exclusive');
  });
});

describe('extractObject', () => {
  const ectx = { field: 'spec.dataFrom[0].extract', key: 'prod/app' };

  it('turns a JSON object into keys: strings raw, others JSON, null as "null"', () => {
    const out = extractObject(json({ user: 'u', port: 5432, on: true, nested: { a: [1] }, nil: null }), {}, ectx);
    expect(strings(out)).toEqual({ user: 'u', port: '5432', on: 'true', nested: '{"a":[1]}', nil: 'null' });
  });
  it('keeps big numbers and keys such as __proto__ as plain data', () => {
    const out = extractObject(Buffer.from('{"__proto__": "p", "n": 12345678901234567890}'), {}, ectx);
    expect(out.get('__proto__')?.toString()).toBe('p');
    expect(out.get('n')?.toString()).toBe('12345678901234567890');
  });
  it('extracts the object a property or jmesPath selects', () => {
    const doc = json({ app: { db: { user: 'u', pass: 'p' } } });
    expect(strings(extractObject(doc, { property: 'app.db' }, ectx))).toEqual({ user: 'u', pass: 'p' });
    expect(strings(extractObject(doc, { jmesPath: 'app.db' }, ectx))).toEqual({ user: 'u', pass: 'p' });
  });
  it('refuses a jmesPath that builds key names from values, without quoting them', () => {
    const doc = json({ password: 'TopSecretValue', user: 'u' });
    expect(strings(extractObject(doc, { jmesPath: '{login: user, password: password}' }, ectx))).toEqual({ login: 'u', password: 'TopSecretValue' });
    let message = '';
    try {
      extractObject(doc, { jmesPath: 'from_items([[password, `"x"`]])' }, ectx);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/jmesPath builds 1 key name\(s\) from values/);
    expect(message).not.toContain('TopSecretValue');
  });
  it('refuses a non-object with a clear message', () => {
    for (const value of [json(['a']), json('str'), json(42), Buffer.from('null')]) {
      const error = caught(() => extractObject(value, {}, ectx));
      expect(error.message).toMatch(/not a JSON object, so spec\.dataFrom\[0\]\.extract cannot turn it into keys/);
    }
    const error = caught(() => extractObject(json({ a: 'plainvalue' }), { property: 'a' }, ectx));
    expect(error.message).toContain('is a string, not a JSON object');
    expect(error.message).not.toContain('plainvalue');
  });
  it('refuses non-JSON without quoting it', () => {
    const error = caught(() => extractObject(Buffer.from('s3cr3t-not-json'), {}, ectx));
    expect(error.message).toContain('not valid JSON');
    expect(error.message).not.toContain('s3cr3t');
  });
});

describe('selectProperty (ESO / gjson)', () => {
  const go = new WasmGoEngine();
  afterAll(() => go.close());
  const doc = Buffer.from(
    JSON.stringify({
      name: { first: 'Tom', last: 'Anderson' },
      age: 37,
      children: ['Sara', 'Alex', 'Jack'],
      'fav.movie': 'Deer Hunter',
      friends: [
        { first: 'Dale', last: 'Murphy', age: 44, nets: ['ig', 'fb', 'tw'] },
        { first: 'Roger', last: 'Craig', age: 68, nets: ['fb', 'tw'] },
        { first: 'Jane', last: 'Murphy', age: 47, nets: ['ig', 'tw'] },
      ],
      nothing: null,
    }),
  );
  const ctx = { field: 'spec.data[0].remoteRef', key: 'prod/app' };
  const pick = async (path: string) => (await selectProperty(doc, path, ctx, go)).toString('utf8');
  it.each([
    ['name.last', 'Anderson'],
    ['age', '37'],
    ['children.1', 'Alex'],
    ['children.#', '3'],
    ['fav\\.movie', 'Deer Hunter'],
    ['fav.movie', 'Deer Hunter'],
    ['friends.#.first', '["Dale","Roger","Jane"]'],
    ['friends.#(last=="Murphy").first', 'Dale'],
    ['friends.#(last=="Murphy")#.first', '["Dale","Jane"]'],
    ['friends.#(age>45)#.last', '["Craig","Murphy"]'],
    ['friends.1.nets', '["fb","tw"]'],
    ['name', '{"first":"Tom","last":"Anderson"}'],
    ['children|@reverse', '["Jack","Alex","Sara"]'],
    ['nothing', ''],
  ])('%s -> %s', async (path, expected) => {
    expect(await pick(path)).toBe(expected);
  });
  it('keeps the digits of a big integer', async () => {
    const raw = Buffer.from('{"big": 12345678901234567890, "f": 1.50}');
    expect((await selectProperty(raw, 'big', ctx, go)).toString()).toBe('12345678901234567890');
    expect((await selectProperty(raw, 'f', ctx, go)).toString()).toBe('1.5');
  });
  it('a path that matches nothing is a not-found error naming the property', async () => {
    const error = await selectProperty(doc, 'friends.#(last=="Nobody").age', ctx, go).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncError);
    expect((error as SyncError).notFound).toBe(true);
    expect((error as SyncError).message).toContain('friends.#(last==\\"Nobody\\").age');
  });
});
