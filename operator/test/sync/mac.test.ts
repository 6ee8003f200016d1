import { describe, expect, it } from 'vitest';
import { dataDigest, dataDigestOfBase64, dataMAC, dataMACv2, isLegacyMAC, objectMacKey, versionFingerprint } from '../../src/sync/mac.js';

const key = Buffer.from('0123456789abcdef0123456789abcdef');
const b = (s: string) => Buffer.from(s, 'utf8');

describe('dataMAC', () => {
  it('is a hex HMAC-SHA256, stable for the same input', () => {
    const mac = dataMAC(key, { data: { a: b('1') }, type: 'Opaque' });
    expect(mac).toMatch(/^[0-9a-f]{64}$/);
    expect(dataMAC(key, { data: { a: b('1') }, type: 'Opaque' })).toBe(mac);
  });
  it('does not depend on key order', () => {
    expect(dataMAC(key, { data: { a: b('1'), b: b('2') }, type: 'Opaque' })).toBe(dataMAC(key, { data: { b: b('2'), a: b('1') }, type: 'Opaque' }));
  });
  it('is unambiguous: {a:"bc"} and {ab:"c"} differ, and so do sections', () => {
    expect(dataMAC(key, { data: { a: b('bc') }, type: 'Opaque' })).not.toBe(dataMAC(key, { data: { ab: b('c') }, type: 'Opaque' }));
    expect(dataMAC(key, { data: { a: b(''), b: b('') }, type: 'Opaque' })).not.toBe(dataMAC(key, { data: { a: b('b') }, type: 'Opaque' }));
    expect(dataMAC(key, { data: {}, type: 'Opaque', labels: { x: 'y' } })).not.toBe(dataMAC(key, { data: {}, type: 'Opaque', annotations: { x: 'y' } }));
    expect(dataMAC(key, { data: {}, type: 'Opaque', labels: { x: 'y' } })).not.toBe(dataMAC(key, { data: { x: b('y') }, type: 'Opaque' }));
  });
  it('changes with any value byte, the type, labels, annotations and the key', () => {
    const base = dataMAC(key, { data: { a: b('1') }, type: 'Opaque' });
    expect(dataMAC(key, { data: { a: b('2') }, type: 'Opaque' })).not.toBe(base);
    expect(dataMAC(key, { data: { a: b('1') }, type: 'kubernetes.io/basic-auth' })).not.toBe(base);
    expect(dataMAC(key, { data: { a: b('1') }, type: 'Opaque', labels: { l: 'v' } })).not.toBe(base);
    expect(dataMAC(key, { data: { a: b('1') }, type: 'Opaque', annotations: { n: 'v' } })).not.toBe(base);
    expect(dataMAC(Buffer.from('another key'), { data: { a: b('1') }, type: 'Opaque' })).not.toBe(base);
  });
  it('treats missing labels/annotations like empty ones', () => {
    expect(dataMAC(key, { data: {}, type: 'Opaque' })).toBe(dataMAC(key, { data: {}, type: 'Opaque', labels: {}, annotations: {} }));
  });
  it('does not contain the value', () => {
    const value = 'visible-secret';
    expect(dataMAC(key, { data: { a: b(value) }, type: 'Opaque' })).not.toContain(Buffer.from(value).toString('hex').slice(0, 8));
  });
});

describe('versionFingerprint', () => {
  it('is made of version identifiers only, sorted and de-duplicated', () => {
    expect(
      versionFingerprint([
        { key: 'b', remoteKey: 'prod/db', versionId: 'v-2' },
        { key: 'a', remoteKey: 'prod/api', versionId: 'v-1' },
        { key: 'c', remoteKey: 'prod/db', versionId: 'v-2' },
        { key: 'p', remoteKey: '/ssm/param', version: 3 },
      ]),
    ).toBe('/ssm/param#v3,prod/api@v-1,prod/db@v-2');
  });
  it('ignores which Secret key a version fed and the list order', () => {
    const one = versionFingerprint([{ key: 'x', remoteKey: 'r', versionId: '1' }, { key: 'y', remoteKey: 's', version: 2 }]);
    const two = versionFingerprint([{ key: 'renamed', remoteKey: 's', version: 2 }, { key: 'other', remoteKey: 'r', versionId: '1' }]);
    expect(one).toBe(two);
  });
  it('changes when a version changes', () => {
    expect(versionFingerprint([{ key: 'k', remoteKey: 'r', versionId: 'a' }])).not.toBe(versionFingerprint([{ key: 'k', remoteKey: 'r', versionId: 'b' }]));
  });
  it('hashes long lists to a bounded size', () => {
    const many = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, remoteKey: `prod/service-${i}`, versionId: `0000000${i}-aaaa-bbbb-cccc-dddddddddddd` }));
    const fp = versionFingerprint(many);
    expect(fp).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(versionFingerprint([...many].reverse())).toBe(fp);
  });
  it('is empty without versions', () => {
    expect(versionFingerprint([])).toBe('');
  });
});

describe('per-ExternalSecret MAC (v2)', () => {
  const digest = dataDigest(key, { a: b('1') });
  it('is keyed per uid: the same content gives unrelated MACs in two ExternalSecrets', () => {
    const one = dataMACv2(objectMacKey(key, 'uid-1'), { dataDigest: digest, type: 'Opaque' });
    const two = dataMACv2(objectMacKey(key, 'uid-2'), { dataDigest: digest, type: 'Opaque' });
    expect(one).toMatch(/^v2:[0-9a-f]{64}$/);
    expect(one).not.toBe(two);
    expect(dataMACv2(objectMacKey(key, 'uid-1'), { dataDigest: digest, type: 'Opaque' })).toBe(one);
  });
  it('the digest of the API\'s base64 text is the digest of the bytes, and changes with any byte', () => {
    expect(dataDigestOfBase64(key, { a: b('1').toString('base64') })).toBe(digest);
    expect(dataDigest(key, { a: b('2') })).not.toBe(digest);
    expect(dataDigest(key, { a: b('1'), b: b('') })).not.toBe(digest);
  });
  it('tells a v1 MAC (older Rotor) from a v2 one', () => {
    expect(isLegacyMAC(dataMAC(key, { data: { a: b('1') }, type: 'Opaque' }))).toBe(true);
    expect(isLegacyMAC(dataMACv2(objectMacKey(key, 'u'), { dataDigest: digest, type: 'Opaque' }))).toBe(false);
    expect(isLegacyMAC(undefined)).toBe(false);
  });
});
