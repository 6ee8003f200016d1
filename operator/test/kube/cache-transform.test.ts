import { describe, expect, it } from 'vitest';
import { LAST_APPLIED_ANNOTATION, stripForCache } from '../../src/kube/cache-transform.js';

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
