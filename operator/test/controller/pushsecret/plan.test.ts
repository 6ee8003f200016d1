import { describe, expect, it } from 'vitest';
import {
  convertKeys,
  decideRefresh,
  finalizerAction,
  goJsonString,
  mergeSynced,
  reverseUnicodeKey,
  staleEntries,
  statusRefOf,
  validatePushSecret,
  valueFor,
  wholeSecretJson,
  withFinalizer,
  withoutEntry,
  PushValueError,
} from '../../../src/controller/pushsecret/plan.js';
import { syncedResourceVersion } from '../../../src/controller/externalsecret/synced-resource-version.js';
import { PUSH_SECRET_FINALIZER, type PushSecret, type PushSecretData } from '../../../src/api/push-types.js';
import { pushSecret } from './fakes.js';

const entry = (secretKey: string | undefined, remoteKey: string, property?: string): PushSecretData => ({
  match: { ...(secretKey !== undefined ? { secretKey } : {}), remoteRef: { remoteKey, ...(property ? { property } : {}) } },
});
const data = (o: Record<string, string | Buffer>) => new Map(Object.entries(o).map(([k, v]) => [k, Buffer.isBuffer(v) ? v : Buffer.from(v)]));

describe('valueFor', () => {
  it('pushes one key as its bytes', () => {
    expect(valueFor(entry('password', 'k'), data({ password: 's3cret', other: 'x' }), 'spec.data[0]')).toEqual({ value: Buffer.from('s3cret') });
  });

  it('names the missing key and the keys there are, never a value', () => {
    let error: unknown;
    try {
      valueFor(entry('pasword', 'k'), data({ password: 's3cret' }), 'spec.data[0]');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PushValueError);
    expect((error as Error).message).toBe('spec.data[0].match.secretKey: the source has no key "pasword" (it has keys "password"); fix the key name or add it to the Secret');
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('whole Secret: a JSON object of the values as text, keys sorted, as ESO (Go json, no HTML escaping), and the map for the writer', () => {
    const pushed = valueFor(entry(undefined, 'k'), data({ user: 'admin', pass: 'a<b>&"c' }), 'spec.data[0]');
    expect(pushed.value.toString()).toBe('{"pass":"a<b>&\\"c","user":"admin"}');
    expect(pushed.secretData).toEqual({ user: Buffer.from('admin'), pass: Buffer.from('a<b>&"c') });
  });

  it('applies conversionStrategy ReverseUnicode before picking the key', () => {
    const e: PushSecretData = { ...entry('a@b', 'k'), conversionStrategy: 'ReverseUnicode' };
    expect(valueFor(e, data({ a_U0040_b: 'v' }), 'f').value.toString()).toBe('v');
    const whole: PushSecretData = { ...entry(undefined, 'k'), conversionStrategy: 'ReverseUnicode' };
    expect(valueFor(whole, data({ a_U0040_b: 'v' }), 'f').value.toString()).toBe('{"a@b":"v"}');
  });
});

describe('Go JSON string encoding (ESO esutils.JSONMarshal)', () => {
  it('escapes like encoding/json with SetEscapeHTML(false)', () => {
    expect(goJsonString(Buffer.from('a\n\t\r\b\f\u0001"\\<>&\u007f'))).toBe('"a\\n\\t\\r\\b\\f\\u0001\\"\\\\<>&\u007f"');
    expect(goJsonString(Buffer.from('x\u2028y\u2029z é 😀'))).toBe('"x\\u2028y\\u2029z é 😀"');
  });

  it('writes each invalid UTF-8 byte as \\ufffd (Go), while a real U+FFFD stays as is', () => {
    expect(goJsonString(Buffer.from([0x61, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]))).toBe('"a\\ufffd\\ufffd(\\ufffd\\ufffd\\ufffd"');
    expect(goJsonString(Buffer.from('\ufffd'))).toBe('"\ufffd"');
  });

  it('sorts keys by bytes', () => {
    expect(wholeSecretJson(data({ b: '1', B: '2', a: '3' }), true).toString()).toBe('{"B":"2","a":"3","b":"1"}');
  });
});

describe('ReverseUnicode (ESO esutils.ReverseKeys)', () => {
  it('turns _UXXXX_ and _UXXXXX_ back into characters', () => {
    expect(reverseUnicodeKey('a_U0040_b_U1F600_c')).toBe('a@b😀c');
    expect(reverseUnicodeKey('plain_key')).toBe('plain_key');
  });

  it('refuses two keys that become one', () => {
    expect(() => convertKeys(data({ a_U0040_: '1', 'a@': '2' }), 'ReverseUnicode', 'spec.data[1].conversionStrategy')).toThrow(/two keys of the source become "a@"/);
  });
});

describe('validatePushSecret', () => {
  it('refuses two entries that write the same remote location (ESO validateRemoteKeyUniqueness)', () => {
    const ps = pushSecret({ data: [entry('a', 'db', 'x'), entry('b', 'db', 'y'), entry('c', 'db', 'x')] });
    expect(validatePushSecret(ps)).toEqual([
      { field: 'spec.data[2].match.remoteRef', message: expect.stringContaining('writes the same remote location as spec.data[0] (remoteKey "db", property "x")') },
    ]);
  });

  it('names a bad refreshInterval and a bad selector requirement', () => {
    const ps = pushSecret({ refreshInterval: '1d', selector: { secret: { selector: { matchExpressions: [{ key: 'a', operator: 'In' }] } } } });
    const fields = validatePushSecret(ps).map((p) => p.field);
    expect(fields).toEqual(['spec.refreshInterval', 'spec.selector.secret.selector']);
  });

  it('accepts a valid spec', () => {
    expect(validatePushSecret(pushSecret())).toEqual([]);
  });
});

describe('decideRefresh (ESO shouldRefresh)', () => {
  const now = new Date('2026-12-01T12:00:00Z');
  const synced = (ps: PushSecret, refreshTime: string) => ({ ...ps, status: { refreshTime, syncedResourceVersion: syncedResourceVersion(ps.metadata) } });

  it('is due on a spec change, a source change, and when the interval elapsed', () => {
    const ps = pushSecret({ refreshInterval: '1h' });
    expect(decideRefresh(ps, now, false)).toEqual({ due: true });
    const fresh = synced(ps, '2026-12-01T11:30:00Z');
    expect(decideRefresh(fresh, now, false)).toEqual({ due: false, afterMs: 30 * 60_000 });
    expect(decideRefresh(fresh, now, true)).toEqual({ due: true });
    expect(decideRefresh({ ...fresh, metadata: { ...fresh.metadata, generation: 2 } }, now, false)).toEqual({ due: true });
    expect(decideRefresh(synced(ps, '2026-12-01T10:59:00Z'), now, false)).toEqual({ due: true });
  });

  it('refreshInterval 0 pushes once per change', () => {
    const ps = pushSecret({ refreshInterval: '0' });
    expect(decideRefresh(ps, now, false)).toEqual({ due: true });
    expect(decideRefresh(synced(ps, '2026-01-01T00:00:00Z'), now, false)).toEqual({ due: false });
  });
});

describe('finalizer', () => {
  it('is there exactly while deletionPolicy is Delete', () => {
    expect(finalizerAction(pushSecret({ deletionPolicy: 'Delete' }))).toBe('add');
    expect(finalizerAction(pushSecret({ deletionPolicy: 'Delete' }, { finalizers: [PUSH_SECRET_FINALIZER] }))).toBe('none');
    expect(finalizerAction(pushSecret({ deletionPolicy: 'None' }, { finalizers: [PUSH_SECRET_FINALIZER] }))).toBe('remove');
    expect(finalizerAction(pushSecret({}, {}))).toBe('none');
    expect(withFinalizer(['other', PUSH_SECRET_FINALIZER], false)).toEqual(['other']);
    expect(withFinalizer(['other'], true)).toEqual(['other', PUSH_SECRET_FINALIZER]);
  });
});

describe('status map (ESO SyncedPushSecretsMap)', () => {
  const a = entry('a', 'db', 'x');
  const b = entry('b', 'other');
  it('keys entries by store and remoteKey[/property]', () => {
    expect(statusRefOf(a)).toBe('db/x');
    expect(statusRefOf(b)).toBe('other');
  });

  it('finds what the spec no longer names, and merges partial results over the old map', () => {
    const old = { 'SecretStore/aws': { 'db/x': a, other: b }, 'ClusterSecretStore/shared': { other: b } };
    const next = { 'SecretStore/aws': { 'db/x': a } };
    expect(staleEntries(old, next).map((s) => `${s.storeKey}:${s.ref}`)).toEqual(['ClusterSecretStore/shared:other', 'SecretStore/aws:other']);
    expect(mergeSynced(next, old)).toEqual(old);
    expect(withoutEntry(old, 'ClusterSecretStore/shared', 'other')).toEqual({ 'SecretStore/aws': { 'db/x': a, other: b } });
  });
});
