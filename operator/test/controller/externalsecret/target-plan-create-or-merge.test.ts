// creationPolicy CreateOrMerge (ESO 2.9): create when missing, merge when present.
import { describe, expect, it } from 'vitest';
import type { Secret } from '../../../src/kube/client/objects.js';
import { planTargetWrite, type DesiredSecret } from '../../../src/controller/externalsecret/target-plan.js';
import { targetDrift } from '../../../src/controller/externalsecret/drift.js';
import { ANNOTATION_MERGE_OWNERS, ANNOTATION_OWNER, LABEL_MANAGED } from '../../../src/api/types.js';
import { validateExternalSecret } from '../../../src/sync/validate.js';

const owner = { namespace: 'app', name: 'db', uid: 'uid-1' };
const desired: DesiredSecret = {
  namespace: 'app',
  name: 'shared',
  type: 'Opaque',
  data: { password: Buffer.from('s3cr3t') },
  labels: {},
  annotations: {},
  immutable: false,
  mac: 'mac-1',
  versions: 'v-1',
};
const b64 = (s: string) => Buffer.from(s).toString('base64');
const userSecret = (extra: Partial<Secret> = {}): Secret => ({
  metadata: { name: 'shared', namespace: 'app', resourceVersion: '3', labels: { app: 'x' } },
  type: 'Opaque',
  data: { other: b64('kept') },
  ...extra,
});

describe('planTargetWrite: CreateOrMerge', () => {
  it('creates a missing Secret without an owner reference, managed, its keys recorded as merged', () => {
    const plan = planTargetWrite(undefined, desired, 'CreateOrMerge', owner);
    expect(plan.action).toBe('create');
    if (plan.action !== 'create') return;
    expect(plan.secret.metadata?.ownerReferences).toBeUndefined();
    expect(plan.secret.metadata?.labels?.[LABEL_MANAGED]).toBe('true');
    expect(JSON.parse(plan.secret.metadata!.annotations![ANNOTATION_MERGE_OWNERS]!)).toEqual({ db: ['password'] });
    expect(plan.secret.data).toEqual({ password: b64('s3cr3t') });
  });

  it('merges into an existing Secret it did not create, keeping the other keys (Merge would too; Owner refuses)', () => {
    const plan = planTargetWrite(userSecret(), desired, 'CreateOrMerge', owner);
    expect(plan.action).toBe('update');
    if (plan.action !== 'update') return;
    expect(plan.secret.data).toEqual({ other: b64('kept'), password: b64('s3cr3t') });
    expect(plan.secret.metadata?.labels).toMatchObject({ app: 'x', [LABEL_MANAGED]: 'true' });
    expect(plan.secret.metadata?.ownerReferences).toBeUndefined();
    expect(plan.secret.metadata?.annotations?.[ANNOTATION_OWNER]).toBe('app/db');
    expect(planTargetWrite(userSecret(), desired, 'Owner', owner).action).toBe('refuse');
  });

  it('writes nothing when its keys already hold the values (no write when unchanged)', () => {
    const first = planTargetWrite(userSecret(), desired, 'CreateOrMerge', owner);
    if (first.action !== 'update') throw new Error('expected an update');
    expect(planTargetWrite(first.secret, desired, 'CreateOrMerge', owner)).toEqual({ action: 'none', reason: 'unchanged' });
  });

  it('refuses a Secret another ExternalSecret owns whole, and keys another Merge writer owns', () => {
    const owned = userSecret({ metadata: { name: 'shared', namespace: 'app', ownerReferences: [{ apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', name: 'other', uid: 'u2' }] } });
    const refused = planTargetWrite(owned, desired, 'CreateOrMerge', owner);
    expect(refused.action === 'refuse' && refused.message).toMatch(/creationPolicy is CreateOrMerge but Secret app\/shared is owned by ExternalSecret app\/other/);
    const taken = userSecret({ metadata: { name: 'shared', namespace: 'app', annotations: { [ANNOTATION_MERGE_OWNERS]: JSON.stringify({ other: ['password'] }) } } });
    expect(planTargetWrite(taken, desired, 'CreateOrMerge', owner, { isMergeOwnerLive: () => true }).action).toBe('refuse');
  });

  it('is not watched for drift of other keys (they are not its own)', () => {
    const target = userSecret({ metadata: { name: 'shared', namespace: 'app', labels: { [LABEL_MANAGED]: 'true' } } });
    expect(targetDrift({ target, policy: 'CreateOrMerge', owner, expectedMAC: 'x', macKey: Buffer.alloc(32) })).toBeUndefined();
  });

  it('accepts deletionPolicy Merge and refuses Delete, as ESO', () => {
    const spec = (deletionPolicy: 'Merge' | 'Delete') => ({ secretStoreRef: { name: 's' }, target: { creationPolicy: 'CreateOrMerge' as const, deletionPolicy }, data: [{ secretKey: 'a', remoteRef: { key: 'k' } }] });
    expect(validateExternalSecret({ apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', metadata: { name: 'x', namespace: 'app' }, spec: spec('Merge') })).toEqual([]);
    expect(validateExternalSecret({ apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', metadata: { name: 'x', namespace: 'app' }, spec: spec('Delete') }).map((p) => p.field)).toEqual(['spec.target.deletionPolicy']);
  });
});
