import { describe, expect, it } from 'vitest';
import { DEFAULT_ALLOWED_KINDS, allowedKindProblem, checkTargetKind } from '../../../src/controller/manifest/target-kind.js';

describe('checkTargetKind (tenancy: which kinds spec.target.manifest may write)', () => {
  it('allows a ConfigMap by default', () => {
    const check = checkTargetKind({ apiVersion: 'v1', kind: 'ConfigMap' }, DEFAULT_ALLOWED_KINDS);
    expect(check).toEqual({ ok: true, target: { group: '', version: 'v1', kind: 'ConfigMap', apiVersion: 'v1', listName: 'ConfigMap' } });
  });

  it('refuses a kind the admin did not list, naming the chart value', () => {
    const check = checkTargetKind({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application' }, DEFAULT_ALLOWED_KINDS);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.reason).toBe('TargetKindNotAllowed');
    expect(check.message).toContain('Application.argoproj.io is not an allowed target (allowed: ConfigMap)');
    expect(check.message).toContain('targets.allowedKinds');
  });

  it('allows a listed kind of another group', () => {
    const check = checkTargetKind({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application' }, ['ConfigMap', 'Application.argoproj.io']);
    expect(check.ok && check.target).toMatchObject({ group: 'argoproj.io', version: 'v1alpha1', listName: 'Application.argoproj.io' });
  });

  it('never allows RBAC kinds, even when listed', () => {
    const check = checkTargetKind({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' }, ['RoleBinding.rbac.authorization.k8s.io']);
    expect(check).toMatchObject({ ok: false, reason: 'TargetKindNotAllowed' });
    expect(!check.ok && check.message).toContain('can never be');
  });

  it('refuses Secrets (the default target) and cluster-scoped core kinds', () => {
    expect(checkTargetKind({ apiVersion: 'v1', kind: 'Secret' }, ['ConfigMap'])).toMatchObject({ ok: false, reason: 'InvalidSpec' });
    expect(checkTargetKind({ apiVersion: 'v1', kind: 'Namespace' }, ['ConfigMap'])).toMatchObject({ ok: false, reason: 'TargetKindNotAllowed' });
  });

  it('refuses everything when the list is empty', () => {
    const check = checkTargetKind({ apiVersion: 'v1', kind: 'ConfigMap' }, []);
    expect(!check.ok && check.message).toContain('(allowed: none)');
  });

  it('refuses a malformed apiVersion', () => {
    expect(checkTargetKind({ apiVersion: 'a/b/c', kind: 'X' }, ['ConfigMap'])).toMatchObject({ ok: false, reason: 'InvalidSpec' });
  });
});

describe('allowedKindProblem (the flag)', () => {
  it('accepts ConfigMap and Kind.group', () => {
    expect(allowedKindProblem('ConfigMap')).toBeUndefined();
    expect(allowedKindProblem('Application.argoproj.io')).toBeUndefined();
  });
  it('refuses other core kinds, bad names and forbidden kinds', () => {
    expect(allowedKindProblem('Service')).toContain('only ConfigMap');
    expect(allowedKindProblem('configmap')).toContain('capital letter');
    expect(allowedKindProblem('Role.rbac.authorization.k8s.io')).toContain('can never be');
    expect(allowedKindProblem('Widget.Example')).toContain('DNS name');
  });
});
