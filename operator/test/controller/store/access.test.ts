import { describe, expect, it } from 'vitest';
import { checkStoreAccess } from '../../../src/controller/store/access.js';

describe('checkStoreAccess (ClusterSecretStore conditions)', () => {
  it('allows every namespace when there are no conditions', () => {
    expect(checkStoreAccess('s', undefined, 'team-a', {})).toEqual({ allowed: true });
    expect(checkStoreAccess('s', [], 'team-a', {})).toEqual({ allowed: true });
  });

  it('allows a namespace matching any one condition', () => {
    const conditions = [{ namespaces: ['team-b'] }, { namespaceSelector: { matchLabels: { tier: 'prod' } } }];
    expect(checkStoreAccess('s', conditions, 'team-b', {}).allowed).toBe(true);
    expect(checkStoreAccess('s', conditions, 'team-a', { tier: 'prod' }).allowed).toBe(true);
  });

  it('admits a namespace matching any one criterion within one condition, as ESO', () => {
    const conditions = [{ namespaces: ['team-a'], namespaceSelector: { matchLabels: { tier: 'prod' } }, namespaceRegexes: ['^ops-'] }];
    expect(checkStoreAccess('s', conditions, 'team-a', { tier: 'dev' }).allowed).toBe(true);
    expect(checkStoreAccess('s', conditions, 'team-b', { tier: 'prod' }).allowed).toBe(true);
    expect(checkStoreAccess('s', conditions, 'ops-1', {}).allowed).toBe(true);
    const refused = checkStoreAccess('s', conditions, 'team-b', { tier: 'dev' });
    expect(refused.allowed).toBe(false);
    if (refused.allowed) return;
    expect(refused.message).toContain(
      'spec.conditions[0]: namespace labels do not match namespaceSelector {tier=prod}, namespace not in namespaces [team-a], namespace matches none of namespaceRegexes [^ops-]',
    );
  });

  it('a condition that sets no criterion admits nobody', () => {
    const decision = checkStoreAccess('s', [{}], 'team-a', {});
    expect(decision.allowed).toBe(false);
    if (decision.allowed) return;
    expect(decision.message).toContain('spec.conditions[0]: sets no namespaceSelector, namespaces or namespaceRegexes');
  });

  it('matches regexes anywhere in the name, as ESO (Go regexp.MatchString); anchors restrict to the whole name', () => {
    const unanchored = [{ namespaceRegexes: ['team-.*'] }];
    expect(checkStoreAccess('s', unanchored, 'team-x', {}).allowed).toBe(true);
    expect(checkStoreAccess('s', unanchored, 'my-team-x', {}).allowed).toBe(true);
    expect(checkStoreAccess('s', unanchored, 'payments', {}).allowed).toBe(false);
    const anchored = [{ namespaceRegexes: ['^team-.*$'] }];
    expect(checkStoreAccess('s', anchored, 'team-x', {}).allowed).toBe(true);
    expect(checkStoreAccess('s', anchored, 'my-team-x', {}).allowed).toBe(false);
    expect(checkStoreAccess('s', [{ namespaceRegexes: ['\\Ateam\\z'] }], 'team-a', {}).allowed).toBe(false);
  });

  it('matches a hostile regex in linear time (RE2), without blocking other tenants', () => {
    const started = performance.now();
    expect(checkStoreAccess('s', [{ namespaceRegexes: ['^(a+)+$'] }], `${'a'.repeat(29)}-x`, {}).allowed).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('admits nobody by a pattern RE2 cannot compile', () => {
    expect(checkStoreAccess('s', [{ namespaceRegexes: ['team-(?!x)'] }], 'team-a', {}).allowed).toBe(false);
  });

  it('an empty list admits nobody, never everybody', () => {
    expect(checkStoreAccess('s', [{ namespaces: [] }], 'team-a', {}).allowed).toBe(false);
    expect(checkStoreAccess('s', [{ namespaceRegexes: [] }], 'team-a', {}).allowed).toBe(false);
  });

  it('names the store, the namespace and each refusing rule', () => {
    const decision = checkStoreAccess('shared', [{ namespaces: ['a'] }, { namespaceSelector: { matchLabels: { team: 'payments' } } }], 'web', { team: 'web' });
    expect(decision.allowed).toBe(false);
    if (decision.allowed) return;
    expect(decision.message).toContain('ClusterSecretStore shared does not allow namespace web');
    expect(decision.message).toContain('spec.conditions[0]: namespace not in namespaces [a]');
    expect(decision.message).toContain('spec.conditions[1]: namespace labels do not match namespaceSelector {team=payments}');
  });
});
