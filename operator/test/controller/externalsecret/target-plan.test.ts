import { describe, expect, it } from 'vitest';
import type { Secret } from '../../../src/kube/client/objects.js';
import { planTargetWrite, type DesiredSecret } from '../../../src/controller/externalsecret/target-plan.js';
import { ANNOTATION_DATA_MAC, ANNOTATION_MERGE_OWNERS, ANNOTATION_OWNER, ANNOTATION_VERSIONS, LABEL_MANAGED } from '../../../src/api/types.js';

const owner = { namespace: 'app', name: 'db', uid: 'uid-1' };
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

function live(overrides: Partial<Secret> = {}, data: Record<string, string> = { password: Buffer.from('s3cr3t').toString('base64') }): Secret {
  return {
    metadata: {
      name: 'db-secret',
      namespace: 'app',
      resourceVersion: '7',
      labels: { team: 'a', [LABEL_MANAGED]: 'true' },
      annotations: { [ANNOTATION_OWNER]: 'app/db', [ANNOTATION_DATA_MAC]: 'mac-1', [ANNOTATION_VERSIONS]: 'v-1' },
      ownerReferences: [{ apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', name: 'db', uid: 'uid-1' }],
    },
    type: 'Opaque',
    data,
    ...overrides,
  };
}

describe('planTargetWrite', () => {
  it('creates an owned Secret with owner reference, managed label and MAC annotation', () => {
    const plan = planTargetWrite(undefined, desired, 'Owner', owner);
    expect(plan.action).toBe('create');
    if (plan.action !== 'create') return;
    expect(plan.secret.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ExternalSecret', uid: 'uid-1', controller: true });
    expect(plan.secret.metadata?.labels).toMatchObject({ [LABEL_MANAGED]: 'true', team: 'a' });
    expect(plan.secret.metadata?.annotations?.[ANNOTATION_DATA_MAC]).toBe('mac-1');
    expect(plan.secret.data).toEqual({ password: Buffer.from('s3cr3t').toString('base64') });
  });

  it('Orphan creates without an owner reference', () => {
    const plan = planTargetWrite(undefined, desired, 'Orphan', owner);
    expect(plan.action === 'create' && plan.secret.metadata?.ownerReferences).toBeFalsy();
  });

  it('does nothing when the live Secret already matches', () => {
    expect(planTargetWrite(live(), desired, 'Owner', owner)).toEqual({ action: 'none', reason: 'unchanged' });
  });

  describe('template.metadata.finalizers (ESO: added while not deleting, never removed)', () => {
    const withFinalizers: DesiredSecret = { ...desired, finalizers: ['example.com/protect'] };

    it('creates the Secret with them', () => {
      const plan = planTargetWrite(undefined, withFinalizers, 'Owner', owner);
      expect(plan.action === 'create' && plan.secret.metadata?.finalizers).toEqual(['example.com/protect']);
    });

    it('adds a missing one to a live Secret, keeping the finalizers others put there', () => {
      const plan = planTargetWrite(live({ metadata: { ...live().metadata!, finalizers: ['other.io/hold'] } }), withFinalizers, 'Owner', owner);
      expect(plan.action).toBe('update');
      expect(plan.action === 'update' && plan.secret.metadata?.finalizers).toEqual(['other.io/hold', 'example.com/protect']);
    });

    it('keeps live finalizers on an update for another reason (a PUT would drop them)', () => {
      const plan = planTargetWrite(live({ metadata: { ...live().metadata!, finalizers: ['other.io/hold'] } }, { password: Buffer.from('old').toString('base64') }), desired, 'Owner', owner);
      expect(plan.action === 'update' && plan.secret.metadata?.finalizers).toEqual(['other.io/hold']);
    });

    it('is unchanged when they are present, and adds none to a Secret being deleted', () => {
      expect(planTargetWrite(live({ metadata: { ...live().metadata!, finalizers: ['example.com/protect'] } }), withFinalizers, 'Owner', owner).action).toBe('none');
      expect(planTargetWrite(live({ metadata: { ...live().metadata!, deletionTimestamp: '2026-01-01T00:00:00Z' } }), withFinalizers, 'Owner', owner).action).toBe('none');
    });

    it('Merge adds them too', () => {
      const plan = planTargetWrite(live({ metadata: { name: 'db-secret', namespace: 'app', resourceVersion: '3' } }, {}), withFinalizers, 'Merge', owner);
      expect(plan.action === 'update' && plan.secret.metadata?.finalizers).toEqual(['example.com/protect']);
    });
  });

  it('updates, guarded by resourceVersion, when a value changed', () => {
    const plan = planTargetWrite(live({}, { password: Buffer.from('old').toString('base64') }), desired, 'Owner', owner);
    expect(plan.action).toBe('update');
    expect(plan.action === 'update' && plan.secret.metadata?.resourceVersion).toBe('7');
  });

  it('updates when someone added a key to an owned Secret', () => {
    const data = { password: Buffer.from('s3cr3t').toString('base64'), extra: 'eA==' };
    expect(planTargetWrite(live({}, data), desired, 'Owner', owner).action).toBe('update');
  });

  it('recreates an immutable Secret whose data changed', () => {
    const plan = planTargetWrite(live({ immutable: true }, { password: 'b2xk' }), { ...desired, immutable: true }, 'Owner', owner);
    expect(plan.action).toBe('recreate');
  });

  it('recreates when the Secret type changes (type is immutable in Kubernetes)', () => {
    expect(planTargetWrite(live(), { ...desired, type: 'kubernetes.io/basic-auth' }, 'Owner', owner).action).toBe('recreate');
  });

  it('restores the managed label someone removed', () => {
    const unlabelled = live();
    delete unlabelled.metadata!.labels![LABEL_MANAGED];
    const plan = planTargetWrite(unlabelled, desired, 'Owner', owner);
    expect(plan.action).toBe('update');
    expect(plan.action === 'update' && plan.secret.metadata?.labels?.[LABEL_MANAGED]).toBe('true');
  });

  it('refuses to overwrite a Secret it does not own, and says what to do', () => {
    const foreign = live({ metadata: { name: 'db-secret', namespace: 'app' } });
    const plan = planTargetWrite(foreign, desired, 'Owner', owner);
    expect(plan).toMatchObject({ action: 'refuse', reason: 'TargetNotOwned' });
    expect(plan.action === 'refuse' && plan.message).toMatch(/creationPolicy: Merge/);
    expect(plan.action === 'refuse' && plan.message).not.toContain('s3cr3t');
  });

  it('Merge writes only its keys into an existing Secret and keeps the rest', () => {
    const foreign: Secret = { metadata: { name: 'db-secret', namespace: 'app', labels: { x: 'y' } }, type: 'Opaque', data: { other: 'b3RoZXI=' } };
    const plan = planTargetWrite(foreign, desired, 'Merge', owner);
    expect(plan.action).toBe('update');
    if (plan.action !== 'update') return;
    expect(plan.secret.data).toEqual({ other: 'b3RoZXI=', password: Buffer.from('s3cr3t').toString('base64') });
    expect(plan.secret.metadata?.ownerReferences).toBeUndefined();
    expect(plan.secret.metadata?.labels).toMatchObject({ x: 'y', team: 'a' });
  });

  it.each(['kubernetes.io/service-account-token', 'bootstrap.kubernetes.io/token', 'helm.sh/release.v1'])('Merge refuses a Secret of type %s', (type) => {
    const managed: Secret = { metadata: { name: 'db-secret', namespace: 'app' }, type, data: { token: 'dG9rZW4=' } };
    const plan = planTargetWrite(managed, desired, 'Merge', owner);
    expect(plan).toMatchObject({ action: 'refuse', reason: 'TargetNotOwned' });
    expect(plan.action === 'refuse' && plan.message).toContain(`Secret app/db-secret is of type ${type}, which`);
    expect(plan.action === 'refuse' && plan.message).toContain('Choose another spec.target.name');
  });

  describe('Merge into a Secret another ExternalSecret owns whole', () => {
    const other = { namespace: 'app', name: 'owner-es', uid: 'uid-owner' };
    /** What the Owner ExternalSecret `other` wrote (owner reference + owner annotation). */
    const ownedByOther = () => {
      const plan = planTargetWrite(undefined, { ...desired, data: { user: Buffer.from('app') } }, 'Owner', other);
      if (plan.action !== 'create') throw new Error('expected a create');
      return { ...plan.secret, metadata: { ...plan.secret.metadata, resourceVersion: '3' } };
    };

    it('refuses, naming the owner and what to do, and writes nothing', () => {
      const plan = planTargetWrite(ownedByOther(), desired, 'Merge', owner, { isTargetOwnerLive: () => true });
      expect(plan).toMatchObject({ action: 'refuse', reason: 'TargetNotOwned' });
      const message = plan.action === 'refuse' ? plan.message : '';
      expect(message).toContain('is owned by ExternalSecret app/owner-es');
      expect(message).toContain('creationPolicy');
      expect(message).not.toContain('s3cr3t');
    });

    it('the owner and the Merge writer no longer take turns rewriting the Secret', () => {
      // Before: the Merge writer added its key, the owner's refresh removed it, and so on.
      let secret: Secret = ownedByOther();
      const ownerDesired = { ...desired, data: { user: Buffer.from('app') } };
      for (let refresh = 0; refresh < 3; refresh++) {
        const merge = planTargetWrite(secret, desired, 'Merge', owner);
        if (merge.action === 'update') secret = merge.secret;
        const whole = planTargetWrite(secret, ownerDesired, 'Owner', other);
        if (whole.action === 'update') secret = whole.secret;
        expect(merge.action).toBe('refuse');
        expect(whole.action).toBe('none');
      }
    });

    it('refuses a Secret an Orphan ExternalSecret wrote (owner annotation, no reference)', () => {
      const orphan = ownedByOther();
      delete orphan.metadata!.ownerReferences;
      const plan = planTargetWrite(orphan, desired, 'Merge', owner, { isTargetOwnerLive: (name) => name === 'owner-es' });
      expect(plan.action === 'refuse' && plan.message).toContain('ExternalSecret app/owner-es');
    });

    it('merges once that owner is gone or no longer writes the Secret whole', () => {
      expect(planTargetWrite(ownedByOther(), desired, 'Merge', owner, { isTargetOwnerLive: () => false }).action).toBe('update');
    });

    it('an owner annotation naming another namespace, or another live Merge writer, is no owner', () => {
      const forged = ownedByOther();
      delete forged.metadata!.ownerReferences;
      forged.metadata!.annotations![ANNOTATION_OWNER] = 'elsewhere/owner-es';
      expect(planTargetWrite(forged, desired, 'Merge', owner).action).toBe('update');
      const merged = ownedByOther();
      delete merged.metadata!.ownerReferences;
      merged.metadata!.annotations![ANNOTATION_MERGE_OWNERS] = JSON.stringify({ 'owner-es': ['user'] });
      expect(planTargetWrite(merged, desired, 'Merge', owner).action).toBe('update');
    });

    it('its own earlier Owner write (policy changed to Merge) is no other owner', () => {
      const plan = planTargetWrite(live(), desired, 'Merge', owner);
      expect(plan.action).not.toBe('refuse');
    });
  });

  it('Merge refuses when the Secret does not exist yet', () => {
    expect(planTargetWrite(undefined, desired, 'Merge', owner)).toMatchObject({ action: 'refuse', reason: 'SecretMissing' });
  });

  it('None never writes', () => {
    expect(planTargetWrite(undefined, desired, 'None', owner)).toEqual({ action: 'none', reason: 'policy-none' });
  });
});
