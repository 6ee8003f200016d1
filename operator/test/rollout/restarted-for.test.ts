import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { abbreviateFingerprint, formatRestartedFor, mergeRestartedFor, parseRestartedFor, versionHash } from '../../src/rollout/restarted-for.js';

const sha16 = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 16);

describe('restarted-for annotation value', () => {
  it('hashes each fingerprint to 16 hex digits', () => {
    expect(versionHash('db@v1')).toBe(sha16('db@v1'));
    expect(versionHash('db@v1')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('is deterministic and independent of the order changes arrive in', () => {
    const a = mergeRestartedFor(undefined, new Map([['zeta', 'z@1'], ['alpha', 'a@1']]));
    const b = mergeRestartedFor(undefined, new Map([['alpha', 'a@1'], ['zeta', 'z@1']]));
    expect(a).toBe(b);
    expect(a).toBe(`alpha=${sha16('a@1')},zeta=${sha16('z@1')}`);
  });

  it('merges with the current value so a re-run for the same versions changes nothing', () => {
    const first = mergeRestartedFor(undefined, new Map([['db', 'db@v2'], ['api', 'api@7']]));
    expect(mergeRestartedFor(first, new Map([['db', 'db@v2']]))).toBe(first);
    expect(mergeRestartedFor(first, new Map([['api', 'api@7']]))).toBe(first);
  });

  it('replaces only the pair of the secret that changed', () => {
    const first = mergeRestartedFor(undefined, new Map([['db', 'db@v2'], ['api', 'api@7']]));
    const next = mergeRestartedFor(first, new Map([['db', 'db@v3']]));
    expect(parseRestartedFor(next)).toEqual(new Map([['api', sha16('api@7')], ['db', sha16('db@v3')]]));
  });

  it('drops entries of a foreign format', () => {
    expect(parseRestartedFor('2024-01-01T00:00:00Z')).toEqual(new Map());
    expect(parseRestartedFor(`db=${sha16('x')},Bad=zz, api=${sha16('y')} `)).toEqual(new Map([['db', sha16('x')], ['api', sha16('y')]]));
    expect(mergeRestartedFor('whatever', new Map([['db', 'x']]))).toBe(`db=${sha16('x')}`);
  });

  it('never carries the fingerprint text itself', () => {
    const value = mergeRestartedFor(undefined, new Map([['db', 'arn:aws:secretsmanager:eu-west-1:1:secret:db@VERSION-ID-XYZ']]));
    expect(value).not.toContain('VERSION-ID-XYZ');
  });

  it('formats sorted pairs and abbreviates long fingerprints for events', () => {
    expect(formatRestartedFor(new Map([['b', '1111111111111111'], ['a', '2222222222222222']]))).toBe('a=2222222222222222,b=1111111111111111');
    expect(abbreviateFingerprint('short')).toBe('short');
    const long = 'x'.repeat(100);
    expect(abbreviateFingerprint(long)).toHaveLength(48);
    expect(abbreviateFingerprint(long).endsWith('…')).toBe(true);
  });
});
