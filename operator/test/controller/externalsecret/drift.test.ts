// Drift detection from the informer's data-less copy of a Secret (issue #15, item 6) and MACs
// keyed per ExternalSecret (item 7).
import { describe, expect, it } from 'vitest';
import { legacyTargetMAC, targetDrift, targetMAC } from '../../../src/controller/externalsecret/drift.js';
import { secretForCache } from '../../../src/kube/informer/cache-transform.js';
import type { Secret } from '../../../src/kube/client/objects.js';

const macKey = Buffer.alloc(32, 9);
const owner = { namespace: 'app', name: 'db', uid: 'uid-db' };
const content = { data: { password: Buffer.from('1234') }, type: 'Opaque', labels: {}, annotations: {} };

function written(mac: string, password = '1234'): Secret {
  return {
    metadata: {
      name: 'db',
      namespace: 'app',
      labels: { 'rotor.dev/managed': 'true' },
      annotations: { 'rotor.dev/owner': 'app/db', 'rotor.dev/data-mac': mac },
      ownerReferences: [{ apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', name: 'db', uid: 'uid-db', controller: true }],
    },
    type: 'Opaque',
    data: { password: Buffer.from(password).toString('base64') },
  };
}

describe('targetMAC', () => {
  it('differs between two ExternalSecrets holding the same value: one tenant\'s status confirms nothing about another\'s', () => {
    expect(targetMAC(macKey, 'uid-team-a', content)).not.toBe(targetMAC(macKey, 'uid-team-b', content));
    // And neither is the cluster-wide MAC an older Rotor wrote.
    expect(targetMAC(macKey, 'uid-team-a', content)).not.toBe(legacyTargetMAC(macKey, content));
  });
});

describe('targetDrift on the cache\'s copy (a digest, no data)', () => {
  const mac = targetMAC(macKey, owner.uid, content);
  const cache = secretForCache(macKey);
  const input = (target: Secret) => ({ target, policy: 'Owner' as const, owner, expectedMAC: mac, macKey });

  it('finds no drift in the Secret as written, and sees an edit of its data', () => {
    expect(targetDrift(input(cache(written(mac))))).toBeUndefined();
    expect(targetDrift(input(cache(written(mac, '12345'))))).toBe('content');
  });

  it('a template finalizer missing from the Secret is drift (ESO puts it back); not while the Secret is being deleted', () => {
    const template = { metadata: { finalizers: ['example.com/keep'] } };
    const withFinalizer = { ...written(mac), metadata: { ...written(mac).metadata, finalizers: ['example.com/keep', 'other/x'] } };
    expect(targetDrift({ ...input(cache(withFinalizer)), template })).toBeUndefined();
    expect(targetDrift({ ...input(cache(written(mac))), template })).toBe('metadata');
    const deleting = { ...written(mac), metadata: { ...written(mac).metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
    expect(targetDrift({ ...input(cache(deleting)), template })).toBeUndefined();
  });

  it('accepts the rotor.dev/data-mac annotation an older Rotor wrote; any other value is drift', () => {
    expect(targetDrift(input(cache(written(legacyTargetMAC(macKey, content)))))).toBeUndefined();
    expect(targetDrift(input(cache(written(targetMAC(macKey, 'other-uid', content)))))).toBe('metadata');
  });

  it('a v1 status cannot be checked from a digest: drift unless the values are at hand', () => {
    const legacy = legacyTargetMAC(macKey, content);
    expect(targetDrift({ ...input(cache(written(legacy))), expectedMAC: legacy })).toBe('content');
    expect(targetDrift({ ...input(written(legacy)), expectedMAC: legacy })).toBeUndefined();
  });
});
