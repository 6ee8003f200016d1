import { describe, expect, it } from 'vitest';
import { deletionChanged, labelsChanged, specAnnotationsOrDeletionChanged, stampedFieldsChanged } from '../../../src/controller/runtime/predicates.js';

const obj = (metadata: Record<string, unknown>) => ({ metadata: { generation: 1, ...metadata } });

describe('event predicates', () => {
  it('specAnnotationsOrDeletionChanged: generation, annotations (order aside) or deletion; not a status write', () => {
    const base = obj({ annotations: { a: '1', b: '2' }, resourceVersion: '1' });
    expect(specAnnotationsOrDeletionChanged(obj({ annotations: { a: '1', b: '2' }, resourceVersion: '2' }), base)).toBe(false);
    expect(specAnnotationsOrDeletionChanged(obj({ annotations: { b: '2', a: '1' } }), base)).toBe(false);
    expect(specAnnotationsOrDeletionChanged(obj({ generation: 2, annotations: { a: '1', b: '2' } }), base)).toBe(true);
    expect(specAnnotationsOrDeletionChanged(obj({ annotations: { a: '1', b: '3' } }), base)).toBe(true);
    expect(specAnnotationsOrDeletionChanged(obj({ annotations: { a: '1' } }), base)).toBe(true);
    expect(specAnnotationsOrDeletionChanged(obj({ annotations: { a: '1', b: '2' }, deletionTimestamp: 'now' }), base)).toBe(true);
    expect(specAnnotationsOrDeletionChanged(obj({}), obj({ annotations: {} }))).toBe(false);
  });

  it('labelsChanged and deletionChanged', () => {
    expect(labelsChanged(obj({ labels: { team: 'a' } }), obj({ labels: { team: 'a' } }))).toBe(false);
    expect(labelsChanged(obj({ labels: { team: 'b' } }), obj({ labels: { team: 'a' } }))).toBe(true);
    expect(labelsChanged(obj({}), obj({ labels: { team: 'a' } }))).toBe(true);
    expect(labelsChanged(obj({ generation: 9 }), obj({}))).toBe(false);
    expect(deletionChanged(obj({ deletionTimestamp: 't' }), obj({}))).toBe(true);
    expect(deletionChanged(obj({ labels: { x: 'y' } }), obj({}))).toBe(false);
  });

  it('stampedFieldsChanged: spec, labels, annotations or owner references', () => {
    const base = obj({ labels: { l: '1' }, annotations: { a: '1' }, ownerReferences: [{ uid: 'u1' }] });
    expect(stampedFieldsChanged(obj({ labels: { l: '1' }, annotations: { a: '1' }, ownerReferences: [{ uid: 'u1' }], resourceVersion: '7' }), base)).toBe(false);
    expect(stampedFieldsChanged(obj({ labels: { l: '2' }, annotations: { a: '1' }, ownerReferences: [{ uid: 'u1' }] }), base)).toBe(true);
    expect(stampedFieldsChanged(obj({ labels: { l: '1' }, annotations: {}, ownerReferences: [{ uid: 'u1' }] }), base)).toBe(true);
    expect(stampedFieldsChanged(obj({ labels: { l: '1' }, annotations: { a: '1' }, ownerReferences: [] }), base)).toBe(true);
    expect(stampedFieldsChanged(obj({ generation: 2, labels: { l: '1' }, annotations: { a: '1' }, ownerReferences: [{ uid: 'u1' }] }), base)).toBe(true);
  });
});
