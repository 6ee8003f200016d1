import { describe, expect, it } from 'vitest';
import { planManifestWrite, type ManifestInput, type ManifestObject } from '../../../src/controller/manifest/manifest-plan.js';
import { checkTargetKind, type TargetKind } from '../../../src/controller/manifest/target-kind.js';
import { manifestContentDigest, withoutContent } from '../../../src/sync/manifest-content.js';

const KEY = Buffer.alloc(32, 3);
const owner = { namespace: 'app', name: 'cfg', uid: 'es-uid' };

function kind(apiVersion: string, k: string): TargetKind {
  const check = checkTargetKind({ apiVersion, kind: k }, ['ConfigMap', 'Widget.example.com']);
  if (!check.ok) throw new Error(check.message);
  return check.target;
}

function input(extra: Partial<ManifestInput> = {}): ManifestInput {
  return { target: kind('v1', 'ConfigMap'), name: 'cfg', owner, data: { host: Buffer.from('db.internal'), port: Buffer.from('5432') }, labels: {}, annotations: {}, templated: false, ...extra };
}

function created(plan: ReturnType<typeof planManifestWrite>): ManifestObject {
  if (plan.action !== 'create' && plan.action !== 'update') throw new Error(`expected a write, got ${JSON.stringify(plan)}`);
  return plan.object;
}

describe('planManifestWrite (ESO 2.9 generic targets)', () => {
  it('creates a ConfigMap with the keys in data as strings, managed, owned by reference (Owner)', () => {
    const object = created(planManifestWrite(undefined, input(), 'Owner', KEY));
    expect(object).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'app' }, data: { host: 'db.internal', port: '5432' } });
    expect(object.metadata!.labels).toEqual({ 'rotor.dev/managed': 'true' });
    expect(object.metadata!.annotations).toMatchObject({ 'rotor.dev/owner': 'app/cfg', 'rotor.dev/owner-uid': 'es-uid' });
    expect(object.metadata!.annotations!['rotor.dev/data-mac']).toMatch(/^v2:/);
    expect(object.metadata!.ownerReferences).toEqual([{ apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', name: 'cfg', uid: 'es-uid', controller: true, blockOwnerDeletion: true }]);
  });

  it('Orphan: no owner reference', () => {
    expect(created(planManifestWrite(undefined, input(), 'Orphan', KEY)).metadata!.ownerReferences).toBeUndefined();
  });

  it('other kinds: spec.data without a template, data with one (ESO)', () => {
    const widget = kind('example.com/v1', 'Widget');
    expect(created(planManifestWrite(undefined, input({ target: widget }), 'Owner', KEY))).toMatchObject({ apiVersion: 'example.com/v1', kind: 'Widget', spec: { data: { host: 'db.internal' } } });
    const templated = created(planManifestWrite(undefined, input({ target: widget, templated: true }), 'Owner', KEY));
    expect(templated.data).toEqual({ host: 'db.internal', port: '5432' });
    expect(templated.spec).toBeUndefined();
  });

  it('writes nothing when the live object already is the desired one', () => {
    const first = created(planManifestWrite(undefined, input(), 'Owner', KEY));
    const live = { ...first, metadata: { ...first.metadata, resourceVersion: '7', uid: 'cm-uid' } };
    expect(planManifestWrite(live, input(), 'Owner', KEY)).toEqual({ action: 'none', reason: 'unchanged' });
    const rotated = planManifestWrite(live, input({ data: { host: Buffer.from('db2.internal'), port: Buffer.from('5432') } }), 'Owner', KEY);
    expect(rotated.action).toBe('update');
    expect(created(rotated).metadata!.resourceVersion).toBe('7');
    expect(created(rotated).data).toEqual({ host: 'db2.internal', port: '5432' });
  });

  it('Owner replaces the content: a key someone added is removed', () => {
    const first = created(planManifestWrite(undefined, input(), 'Owner', KEY));
    const live = { ...first, data: { ...first.data, extra: 'x' }, metadata: { ...first.metadata, resourceVersion: '7' } };
    expect(created(planManifestWrite(live, input(), 'Owner', KEY)).data).toEqual({ host: 'db.internal', port: '5432' });
  });

  it('refuses to overwrite an object this ExternalSecret did not write (Owner/Orphan)', () => {
    const foreign: ManifestObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'app', resourceVersion: '1' }, data: { a: 'b' } };
    expect(planManifestWrite(foreign, input(), 'Owner', KEY)).toMatchObject({ action: 'refuse', reason: 'TargetNotOwned' });
    expect(planManifestWrite(foreign, input(), 'Orphan', KEY)).toMatchObject({ action: 'refuse', reason: 'TargetNotOwned' });
  });

  it('refuses an object another ExternalSecret controls, even with Merge', () => {
    const other: ManifestObject = {
      kind: 'ConfigMap',
      metadata: { name: 'cfg', namespace: 'app', resourceVersion: '1', ownerReferences: [{ apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', name: 'other', uid: 'u2', controller: true }] },
    };
    expect(planManifestWrite(other, input(), 'Merge', KEY)).toMatchObject({ action: 'refuse', reason: 'TargetNotOwned' });
  });

  it('Merge writes its keys into an existing object and keeps the rest; never creates', () => {
    expect(planManifestWrite(undefined, input(), 'Merge', KEY)).toMatchObject({ action: 'refuse', reason: 'SecretMissing' });
    const foreign: ManifestObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'app', resourceVersion: '1', labels: { team: 'a' } }, data: { keep: 'me', host: 'old' } };
    const merged = created(planManifestWrite(foreign, input(), 'Merge', KEY));
    expect(merged.data).toEqual({ keep: 'me', host: 'db.internal', port: '5432' });
    expect(merged.metadata!.labels).toEqual({ team: 'a', 'rotor.dev/managed': 'true' });
    expect(merged.metadata!.ownerReferences).toBeUndefined();
  });

  it('CreateOrMerge creates a missing object without an owner reference', () => {
    const object = created(planManifestWrite(undefined, input(), 'CreateOrMerge', KEY));
    expect(object.data).toEqual({ host: 'db.internal', port: '5432' });
    expect(object.metadata!.ownerReferences).toBeUndefined();
  });

  it('None writes nothing', () => {
    expect(planManifestWrite(undefined, input(), 'None', KEY)).toEqual({ action: 'none', reason: 'policy-none' });
  });

  it('carries the labels and annotations it is given', () => {
    const object = created(planManifestWrite(undefined, input({ labels: { app: 'web' }, annotations: { note: 'x' } }), 'Owner', KEY));
    expect(object.metadata!.labels).toEqual({ app: 'web', 'rotor.dev/managed': 'true' });
    expect(object.metadata!.annotations!['note']).toBe('x');
  });
});

describe('manifestContentDigest (the data-less cache)', () => {
  it('the cached copy keeps the digest of the content it dropped, and no value', () => {
    const cm = { metadata: { name: 'cfg' }, data: { password: 'hunter2-SENTINEL' } };
    const cached = withoutContent(KEY, cm, 'ConfigMap');
    expect(JSON.stringify(cached)).not.toContain('hunter2');
    expect(manifestContentDigest(KEY, cached, 'ConfigMap')).toBe(manifestContentDigest(KEY, cm, 'ConfigMap'));
    expect(manifestContentDigest(KEY, { data: { password: 'other' } }, 'ConfigMap')).not.toBe(manifestContentDigest(KEY, cm, 'ConfigMap'));
  });
  it('key order does not matter for other kinds', () => {
    expect(manifestContentDigest(KEY, { spec: { a: 1, b: { c: 2, d: 3 } } }, 'Widget')).toBe(manifestContentDigest(KEY, { spec: { b: { d: 3, c: 2 }, a: 1 } }, 'Widget'));
  });
});
