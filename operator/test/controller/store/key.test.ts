import { describe, expect, it } from 'vitest';
import { keyOfStore, parseStoreKey, storeKeyOf, storeKeyOfRef } from '../../../src/controller/store/key.js';
import { externalSecret, secretStore } from '../fakes.js';

describe('storeKeyOf', () => {
  it('names a store by kind, namespace (SecretStore only) and name, and parses back', () => {
    expect(storeKeyOf('SecretStore', 'app', 'aws')).toBe('SecretStore/app/aws');
    expect(storeKeyOf('ClusterSecretStore', 'app', 'aws')).toBe('ClusterSecretStore/aws');
    expect(parseStoreKey('SecretStore/app/aws')).toEqual({ kind: 'SecretStore', namespace: 'app', name: 'aws' });
    expect(parseStoreKey('ClusterSecretStore/aws')).toEqual({ kind: 'ClusterSecretStore', namespace: undefined, name: 'aws' });
    for (const bad of ['', 'SecretStore/aws', 'ClusterSecretStore/a/b', 'Other/x', 'app/db']) expect(parseStoreKey(bad), bad).toBeUndefined();
  });

  it('an ExternalSecret and the store it names get the same key', () => {
    expect(storeKeyOfRef(externalSecret())).toBe(keyOfStore(secretStore('SecretStore'), 'SecretStore'));
    expect(storeKeyOfRef(externalSecret({ secretStoreRef: { name: 'aws', kind: 'ClusterSecretStore' } }))).toBe(keyOfStore(secretStore('ClusterSecretStore'), 'ClusterSecretStore'));
    // kind defaults to SecretStore, in the ExternalSecret's namespace
    expect(storeKeyOfRef(externalSecret({ secretStoreRef: { name: 'aws' } }))).toBe('SecretStore/app/aws');
    expect(storeKeyOfRef(externalSecret({ secretStoreRef: { name: '' } }))).toBeUndefined();
  });
});
