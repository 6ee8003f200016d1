// An event on a managed Secret wakes only the ExternalSecret of its own namespace that wrote it
// (issue #15, item 4): the owner annotation is tenant-writable, so it is checked, not trusted.
import { describe, expect, it } from 'vitest';
import { ownerToRepair } from '../../../src/controller/externalsecret/secret-owner.js';
import type { Secret } from '../../../src/kube/client/objects.js';

const externalSecrets = new Map([
  ['app/db', { metadata: { uid: 'uid-db' } }],
  ['victim/db', { metadata: { uid: 'uid-victim' } }],
]);
const lookup = (ns: string, name: string) => externalSecrets.get(`${ns}/${name}`);

function secret(namespace: string, annotations: Record<string, string>, ownerReferences?: Secret['metadata'] extends infer M ? M extends { ownerReferences?: infer R } ? R : never : never): Secret {
  return { metadata: { namespace, name: 's', labels: { 'rotor.dev/managed': 'true' }, annotations, ...(ownerReferences ? { ownerReferences } : {}) } };
}
const ref = (uid: string) => [{ apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', name: 'db', uid, controller: true }];

describe('ownerToRepair', () => {
  it('a Secret naming an ExternalSecret of another namespace wakes nothing', () => {
    expect(ownerToRepair(secret('evil', { 'rotor.dev/owner': 'victim/db' }), lookup)).toBeUndefined();
    // Even when it copies the victim's uid into an owner reference or the uid annotation.
    expect(ownerToRepair(secret('evil', { 'rotor.dev/owner': 'victim/db', 'rotor.dev/owner-uid': 'uid-victim' }, ref('uid-victim')), lookup)).toBeUndefined();
  });

  it('an owner reference or uid annotation for another uid wakes nothing', () => {
    expect(ownerToRepair(secret('app', { 'rotor.dev/owner': 'app/db' }, ref('someone-else')), lookup)).toBeUndefined();
    expect(ownerToRepair(secret('app', { 'rotor.dev/owner': 'app/db', 'rotor.dev/owner-uid': 'someone-else' }), lookup)).toBeUndefined();
  });

  it('an ExternalSecret that does not exist, or a malformed annotation, wakes nothing', () => {
    expect(ownerToRepair(secret('app', { 'rotor.dev/owner': 'app/gone' }), lookup)).toBeUndefined();
    for (const owner of ['db', '/db', 'app/', 'app/db/x']) expect(ownerToRepair(secret('app', { 'rotor.dev/owner': owner }), lookup)).toBeUndefined();
  });

  it('the Secret its ExternalSecret wrote is repaired: owner reference, uid annotation, or (older Rotor, Orphan/Merge) neither', () => {
    expect(ownerToRepair(secret('app', { 'rotor.dev/owner': 'app/db' }, ref('uid-db')), lookup)).toBe('app/db');
    expect(ownerToRepair(secret('app', { 'rotor.dev/owner': 'app/db', 'rotor.dev/owner-uid': 'uid-db' }), lookup)).toBe('app/db');
    expect(ownerToRepair(secret('app', { 'rotor.dev/owner': 'app/db' }), lookup)).toBe('app/db');
  });
});
