import { describe, expect, it } from 'vitest';
import type { LabelSelector } from '../../src/api/types.js';
import { isEmptyLabelSelector, matchesLabelSelector, validateLabelSelector } from '../../src/api/label-selector.js';

const labels = { app: 'web', tier: 'frontend', team: 'pay' };

describe('matchesLabelSelector', () => {
  it.each<[string, LabelSelector, Record<string, string> | undefined, boolean]>([
    ['empty selector matches everything', {}, labels, true],
    ['empty selector matches unlabeled', {}, undefined, true],
    ['matchLabels all equal', { matchLabels: { app: 'web', tier: 'frontend' } }, labels, true],
    ['matchLabels one differs', { matchLabels: { app: 'web', tier: 'backend' } }, labels, false],
    ['matchLabels key missing', { matchLabels: { env: 'prod' } }, labels, false],
    ['matchLabels on undefined labels', { matchLabels: { app: 'web' } }, undefined, false],
    ['In matches', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend', 'edge'] }] }, labels, true],
    ['In no value matches', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }] }, labels, false],
    ['In key absent', { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] }, labels, false],
    ['NotIn value excluded', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['frontend'] }] }, labels, false],
    ['NotIn other value', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['backend'] }] }, labels, true],
    ['NotIn key absent matches (Kubernetes semantics)', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels, true],
    ['Exists', { matchExpressions: [{ key: 'team', operator: 'Exists' }] }, labels, true],
    ['Exists absent', { matchExpressions: [{ key: 'env', operator: 'Exists' }] }, labels, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, labels, true],
    ['DoesNotExist present', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels, false],
    ['labels AND expressions', { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'team', operator: 'In', values: ['pay'] }] }, labels, true],
    ['labels ok, expression fails', { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'team', operator: 'In', values: ['ops'] }] }, labels, false],
    ['invalid: In without values fails closed', { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] }, labels, false],
    ['invalid: NotIn without values fails closed', { matchExpressions: [{ key: 'env', operator: 'NotIn' }] }, labels, false],
    ['invalid: Exists with values fails closed', { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['web'] }] }, labels, false],
  ])('%s', (_name, selector, have, expected) => {
    expect(matchesLabelSelector(selector, have)).toBe(expected);
  });

  it('fails closed on an unknown operator', () => {
    // Cast: the type forbids it, but objects come from the API server as JSON.
    const selector = { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['web'] }] } as unknown as LabelSelector;
    expect(matchesLabelSelector(selector, labels)).toBe(false);
  });
});

describe('validateLabelSelector', () => {
  it('names each invalid requirement by index', () => {
    const problems = validateLabelSelector(
      {
        matchExpressions: [
          { key: 'ok', operator: 'In', values: ['a'] },
          { key: 'tier', operator: 'In' },
          { key: 'app', operator: 'DoesNotExist', values: ['x'] },
        ],
      },
      'spec.rollout.selector',
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^spec\.rollout\.selector\.matchExpressions\[1\] \(key "tier"\): operator In needs at least one value/);
    expect(problems[1]).toMatch(/^spec\.rollout\.selector\.matchExpressions\[2\].*takes no values/);
  });

  it('accepts a valid selector', () => {
    expect(validateLabelSelector({ matchLabels: { a: 'b' }, matchExpressions: [{ key: 'x', operator: 'Exists' }] }, 'f')).toEqual([]);
  });

  it('recognises an empty selector', () => {
    expect(isEmptyLabelSelector({})).toBe(true);
    expect(isEmptyLabelSelector({ matchLabels: {}, matchExpressions: [] })).toBe(true);
    expect(isEmptyLabelSelector({ matchLabels: { a: 'b' } })).toBe(false);
  });
});
