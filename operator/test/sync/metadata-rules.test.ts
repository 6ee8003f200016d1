// isLabelValue is the one label-value check: template labels, and the ClusterExternalSecret /
// ClusterPushSecret name labels on what they create, all use it.
import { describe, expect, it } from 'vitest';
import { isLabelValue } from '../../src/sync/metadata-rules.js';

describe('isLabelValue', () => {
  it.each(['', 'a', 'shared-db', 'A.b_c-9', 'a'.repeat(63)])('accepts %j', (value) => {
    expect(isLabelValue(value)).toBe(true);
  });

  it.each(['a'.repeat(64), '-a', 'a-', '.a', 'a_', 'a b', 'a/b', 'é'])('refuses %j', (value) => {
    expect(isLabelValue(value)).toBe(false);
  });
});
