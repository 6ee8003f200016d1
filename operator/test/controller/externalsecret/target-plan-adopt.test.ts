// Taking a Secret over from the External Secrets Operator (rotor.dev/adopt-eso, set by
// `rotor migrate --live`): one in-place write, never without the opt-in, never from anyone else.
import { describe, expect, it } from 'vitest';
import type { Secret } from '../../../src/kube/client/objects.js';
import { planTargetWrite, type DesiredSecret } from '../../../src/controller/externalsecret/target-plan.js';
import { ANNOTATION_OWNER, LABEL_MANAGED } from '../../../src/api/types.js';
import { ESO_ANNOTATION_DATA_HASH, ESO_LABEL_CREATED_BY, ESO_LABEL_MANAGED } from '../../../src/api/eso.js';

const owner = { namespace: 'app', name: 'db', uid: 'rotor-uid' };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const desired: DesiredSecret = {
  namespace: 'app',
  name: 'db-secret',
  type: 'Opaque',
  data: { password: Buffer.from('s3cr3t') },
  labels: { team: 'a' },
  annotations: {},
  immutable: false,
  mac: 'mac-1',
  versions: 'v-1',
};

/** A Secret as ESO's ExternalSecret `esoName` (creationPolicy Owner) leaves it. */
function esoSecret(esoName = 'db', overrides: Partial<Secret> = {}, data: Record<string, string> = { password: b64('s3cr3t') }): Secret {
  return {
    metadata: {
      name: 'db-secret',
      namespace: 'app',
      resourceVersion: '42',
      labels: { team: 'a', [ESO_LABEL_MANAGED]: 'true', [ESO_LABEL_CREATED_BY]: 'd41d8cd98f00b204e9800998ecf8427e' },
      annotations: { [ESO_ANNOTATION_DATA_HASH]: 'abc', 'keep-me': 'x' },
      ownerReferences: [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: esoName, uid: 'eso-uid', controller: true, blockOwnerDeletion: true }],
    },
    type: 'Opaque',
    data,
    ...overrides,
  };
}

describe('planTargetWrite: adopting a Secret from ESO', () => {
  it('without the annotation refuses, naming ESO\'s ExternalSecret and how to hand over', () => {
    const plan = planTargetWrite(esoSecret(), desired, 'Owner', owner);
    expect(plan).toMatchObject({ action: 'refuse', reason: 'TargetNotOwned' });
    expect(plan.action === 'refuse' && plan.message).toBe(
      "Secret app/db-secret already exists and is managed by ESO's ExternalSecret app/db (external-secrets.io); refusing to overwrite it: " +
        'to hand it over from ESO without a gap run `rotor migrate --live`, or annotate this ExternalSecret with rotor.dev/adopt-eso=db.',
    );
  });

  it('with the annotation naming the controlling ESO ExternalSecret: one in-place update, owner reference and marks replaced, data kept', () => {
    const plan = planTargetWrite(esoSecret(), desired, 'Owner', owner, { adoptFromEso: 'db' });
    expect(plan.action).toBe('update');
    if (plan.action !== 'update') return;
    expect(plan.adoptedFrom).toBe('db');
    expect(plan.secret.metadata?.resourceVersion).toBe('42');
    expect(plan.secret.metadata?.ownerReferences).toEqual([
      { apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', name: 'db', uid: 'rotor-uid', controller: true, blockOwnerDeletion: true },
    ]);
    expect(plan.secret.metadata?.labels).toEqual({ team: 'a', [LABEL_MANAGED]: 'true' });
    expect(plan.secret.metadata?.annotations?.[ESO_ANNOTATION_DATA_HASH]).toBeUndefined();
    expect(plan.secret.metadata?.annotations?.[ANNOTATION_OWNER]).toBe('app/db');
    expect(plan.secret.data).toEqual({ password: b64('s3cr3t') });
  });

  it('writes the new value in the same update when the remote value changed', () => {
    const plan = planTargetWrite(esoSecret('db', {}, { password: b64('old') }), desired, 'Owner', owner, { adoptFromEso: 'db' });
    expect(plan.action === 'update' && plan.secret.data).toEqual({ password: b64('s3cr3t') });
  });

  it('refuses when the annotation names another ESO ExternalSecret, or the Secret is not ESO\'s', () => {
    const wrong = planTargetWrite(esoSecret('other'), desired, 'Owner', owner, { adoptFromEso: 'db' });
    expect(wrong.action === 'refuse' && wrong.message).toMatch(/rotor\.dev\/adopt-eso names "db", not its owner; set it to "other"/);
    const foreign = esoSecret('db', {
      metadata: { name: 'db-secret', namespace: 'app', resourceVersion: '1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'db', uid: 'x', controller: true }] },
    });
    expect(planTargetWrite(foreign, desired, 'Owner', owner, { adoptFromEso: 'db' })).toMatchObject({ action: 'refuse', reason: 'TargetNotOwned' });
    const plain: Secret = { metadata: { name: 'db-secret', namespace: 'app', resourceVersion: '1' }, data: {} };
    expect(planTargetWrite(plain, desired, 'Owner', owner, { adoptFromEso: 'db' })).toMatchObject({ action: 'refuse', reason: 'TargetNotOwned' });
  });

  it('adopts an ESO Orphan Secret (no owner reference, ESO\'s managed label) without adding an owner reference', () => {
    const orphan = esoSecret('db', { metadata: { name: 'db-secret', namespace: 'app', resourceVersion: '5', labels: { [ESO_LABEL_MANAGED]: 'true' } } });
    const plan = planTargetWrite(orphan, desired, 'Orphan', owner, { adoptFromEso: 'db' });
    expect(plan.action).toBe('update');
    expect(plan.action === 'update' && plan.secret.metadata?.ownerReferences).toBeUndefined();
    expect(plan.action === 'update' && plan.secret.metadata?.labels).toEqual({ team: 'a', [LABEL_MANAGED]: 'true' });
  });

  it('adopts an ESO Merge target known only by ESO\'s data-hash annotation, and nothing without any ESO mark', async () => {
    const hashed: Secret = { metadata: { name: 'db-secret', namespace: 'app', resourceVersion: '3', annotations: { [ESO_ANNOTATION_DATA_HASH]: 'h' } }, data: {} };
    const plan = planTargetWrite(hashed, desired, 'Merge', owner, { adoptFromEso: 'db' });
    expect(plan.action === 'update' && plan.adoptedFrom).toBe('db');
    expect(plan.action === 'update' && plan.secret.metadata?.annotations?.[ESO_ANNOTATION_DATA_HASH]).toBeUndefined();
    const unmarked: Secret = { metadata: { name: 'db-secret', namespace: 'app', resourceVersion: '3' }, data: {} };
    expect(planTargetWrite(unmarked, desired, 'Orphan', owner, { adoptFromEso: 'db' })).toMatchObject({ action: 'refuse' });
  });

  it('keeps an immutable Secret in place when its data is unchanged, re-creates it only when the data or type must change', () => {
    const immutable = { ...desired, immutable: true };
    expect(planTargetWrite(esoSecret('db', { immutable: true }), immutable, 'Owner', owner, { adoptFromEso: 'db' }).action).toBe('update');
    expect(planTargetWrite(esoSecret('db', { immutable: true }, { password: b64('old') }), immutable, 'Owner', owner, { adoptFromEso: 'db' }).action).toBe('recreate');
    expect(planTargetWrite(esoSecret('db', { type: 'kubernetes.io/basic-auth' }), desired, 'Owner', owner, { adoptFromEso: 'db' }).action).toBe('recreate');
  });

  it('Merge: removes ESO\'s marks once, keeping the other keys and metadata', () => {
    const merged = esoSecret('db', {
      metadata: { name: 'db-secret', namespace: 'app', resourceVersion: '8', labels: { [ESO_LABEL_MANAGED]: 'true', app: 'x' }, annotations: { [ESO_ANNOTATION_DATA_HASH]: 'h' } },
    }, { password: b64('s3cr3t'), other: b64('keep') });
    const plan = planTargetWrite(merged, desired, 'Merge', owner, { adoptFromEso: 'db' });
    expect(plan.action).toBe('update');
    if (plan.action !== 'update') return;
    expect(plan.adoptedFrom).toBe('db');
    expect(plan.secret.metadata?.labels).toEqual({ app: 'x', team: 'a' });
    expect(plan.secret.metadata?.annotations?.[ESO_ANNOTATION_DATA_HASH]).toBeUndefined();
    expect(plan.secret.data).toEqual({ password: b64('s3cr3t'), other: b64('keep') });
    // Without the opt-in, Merge writes its keys and leaves ESO's marks alone.
    const plain = planTargetWrite(merged, desired, 'Merge', owner);
    expect(plain.action === 'update' && plain.secret.metadata?.labels?.[ESO_LABEL_MANAGED]).toBe('true');
  });
});
