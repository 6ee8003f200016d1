import { describe, expect, it } from 'vitest';
import { readyCondition, sameJson, setCondition } from '../../../src/controller/runtime/conditions.js';

describe('conditions', () => {
  const t1 = new Date('2026-01-01T00:00:00Z');
  const t2 = new Date('2026-01-01T01:00:00Z');

  it('keeps lastTransitionTime while the status does not flip', () => {
    const first = setCondition(undefined, readyCondition('False', 'SecretMissing', 'a', t1));
    const second = setCondition(first, readyCondition('False', 'AccessDenied', 'b', t2));
    expect(second).toHaveLength(1);
    expect(second[0]).toMatchObject({ reason: 'AccessDenied', message: 'b', lastTransitionTime: t1.toISOString() });
  });

  it('moves lastTransitionTime when the status flips', () => {
    const first = setCondition(undefined, readyCondition('False', 'SecretMissing', 'a', t1));
    expect(setCondition(first, readyCondition('True', 'SecretSynced', 'ok', t2))[0]?.lastTransitionTime).toBe(t2.toISOString());
  });

  it('compares JSON regardless of key order and undefined fields', () => {
    expect(sameJson({ a: 1, b: { c: [1, 2] }, d: undefined }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(sameJson({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
  });
});
