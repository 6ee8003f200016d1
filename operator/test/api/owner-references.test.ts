import { describe, expect, it } from 'vitest';
import { controllerOf, controllerOfKind, hasOwnerUid } from '../../src/api/owner-references.js';

const ref = (kind: string, apiVersion: string, name: string, uid: string, controller?: boolean) => ({ kind, apiVersion, name, uid, ...(controller === undefined ? {} : { controller }) });

describe('owner references', () => {
  const object = { metadata: { ownerReferences: [ref('Deployment', 'apps/v1', 'web', 'u1'), ref('ClusterExternalSecret', 'rotor.dev/v1alpha1', 'db', 'u2', true)] } };

  it('controllerOf: the one reference with controller: true', () => {
    expect(controllerOf(object)?.name).toBe('db');
    expect(controllerOf({ metadata: { ownerReferences: [ref('X', 'v1', 'x', 'u', false)] } })).toBeUndefined();
    expect(controllerOf({})).toBeUndefined();
  });

  it('controllerOfKind: only a controller of that kind and API group, any version', () => {
    expect(controllerOfKind(object, 'rotor.dev', 'ClusterExternalSecret')?.name).toBe('db');
    expect(controllerOfKind(object, 'external-secrets.io', 'ClusterExternalSecret')).toBeUndefined();
    expect(controllerOfKind(object, 'rotor.dev', 'ExternalSecret')).toBeUndefined();
    expect(controllerOfKind(object, 'apps', 'Deployment')).toBeUndefined(); // an owner, not the controller
  });

  it('hasOwnerUid: any reference with that uid; no uid matches nothing', () => {
    expect(hasOwnerUid(object, 'u1')).toBe(true);
    expect(hasOwnerUid(object, 'u3')).toBe(false);
    expect(hasOwnerUid(object, undefined)).toBe(false);
  });
});
