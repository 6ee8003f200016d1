import { describe, expect, it } from 'vitest';
import { LAST_APPLIED_ANNOTATION, admitSecret, cachedDataDigest, isDataStripped, secretForCache, stripForCache } from '../../../src/kube/informer/cache-transform.js';
import { dataDigest } from '../../../src/sync/mac.js';
import type { Secret } from '../../../src/kube/client/objects.js';

describe('stripForCache', () => {
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 's',
      namespace: 'ns',
      resourceVersion: '7',
      uid: 'u',
      labels: { 'rotor.dev/managed': 'true' },
      annotations: { 'rotor.dev/data-mac': 'mac', [LAST_APPLIED_ANNOTATION]: '{"big":"copy"}' },
      ownerReferences: [{ uid: 'es-uid' }],
      managedFields: [{ manager: 'rotor', fieldsV1: { 'f:data': { 'f:a': {} } } }],
    },
    type: 'Opaque',
    data: { a: 'dmFsdWU=' },
  };

  it('drops managedFields and the last-applied copy and keeps everything Rotor reads', () => {
    const cached = stripForCache(secret);
    expect(cached.metadata).toEqual({
      name: 's',
      namespace: 'ns',
      resourceVersion: '7',
      uid: 'u',
      labels: { 'rotor.dev/managed': 'true' },
      annotations: { 'rotor.dev/data-mac': 'mac' },
      ownerReferences: [{ uid: 'es-uid' }],
    });
    expect(cached.data).toEqual(secret.data);
    expect(cached.type).toBe('Opaque');
  });

  it('does not change its input, and returns objects with nothing to drop as they are', () => {
    const before = JSON.stringify(secret);
    stripForCache(secret);
    expect(JSON.stringify(secret)).toBe(before);
    const plain = { metadata: { name: 'x', annotations: { a: 'b' } } };
    expect(stripForCache(plain)).toBe(plain);
    const noMeta = { kind: 'X' };
    expect(stripForCache(noMeta)).toBe(noMeta);
  });
});

describe('secretForCache (issue #15, item 6: the cache keeps no Secret values)', () => {
  const key = Buffer.alloc(32, 3);
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', namespace: 'ns', resourceVersion: '7', annotations: { 'rotor.dev/owner': 'ns/es' }, managedFields: [{}] },
    type: 'Opaque',
    data: { a: Buffer.from('value').toString('base64') },
  };

  it('replaces data by its keyed digest and keeps the metadata', () => {
    const cached = secretForCache(key)(secret);
    expect(cached).not.toHaveProperty('data');
    expect(JSON.stringify(cached)).not.toContain(secret.data.a);
    expect(cachedDataDigest(cached)).toBe(dataDigest(key, { a: Buffer.from('value') }));
    expect(cached.metadata).toEqual({ name: 's', namespace: 'ns', resourceVersion: '7', annotations: { 'rotor.dev/owner': 'ns/es' } });
    expect(isDataStripped(cached)).toBe(true);
    expect(isDataStripped(secret)).toBe(false);
  });

  it('is idempotent (the list applies it per page, the informer again)', () => {
    const once = secretForCache(key)(secret);
    expect(secretForCache(key)(once)).toEqual(once);
  });

  it('admits only Secrets whose owner is in their own namespace', () => {
    expect(admitSecret(secret)).toBe(true);
    const other = (namespace: string, annotations?: Record<string, string>): Secret => ({ metadata: { name: 's', namespace, ...(annotations ? { annotations } : {}) } });
    expect(admitSecret(other('evil', { 'rotor.dev/owner': 'ns/es' }))).toBe(false);
    expect(admitSecret(other('ns'))).toBe(false);
    expect(admitSecret(other('ns', { 'rotor.dev/owner': 'nsx/es' }))).toBe(false);
  });
});
