import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CES_REFRESH_MS,
  controllingClusterExternalSecret,
  desiredExternalSecret,
  externalSecretNameOf,
  isControlledBy,
  planExternalSecret,
  refreshMsOf,
  selectNamespaces,
  validateClusterExternalSecret,
  type NamespaceView,
} from '../../../src/controller/clusterexternalsecret/externalsecret-plan.js';
import type { ExternalSecret } from '../../../src/api/types.js';
import { clusterExternalSecret } from '../fakes.js';

const ns = (name: string, labels: Record<string, string> = {}, terminating = false): NamespaceView => ({ name, labels, terminating });
const cluster = [ns('team-a', { shared: 'db', tier: 'prod' }), ns('team-b', { shared: 'db' }), ns('team-c', { tier: 'prod' }), ns('kube-system'), ns('gone', { shared: 'db' }, true)];

describe('selectNamespaces (ESO GetTargetNamespaces)', () => {
  it('selects namespaces whose labels match any of namespaceSelectors, sorted, without terminating ones', () => {
    expect(selectNamespaces(clusterExternalSecret(), cluster)).toEqual(['team-a', 'team-b']);
    const two = clusterExternalSecret({ namespaceSelectors: [{ matchLabels: { shared: 'db' } }, { matchLabels: { tier: 'prod' } }] });
    expect(selectNamespaces(two, cluster)).toEqual(['team-a', 'team-b', 'team-c']);
  });

  it('ORs the deprecated namespaceSelector and namespaces with namespaceSelectors', () => {
    const ces = clusterExternalSecret({ namespaceSelectors: [{ matchLabels: { shared: 'db' } }], namespaceSelector: { matchLabels: { tier: 'prod' } }, namespaces: ['kube-system', 'absent'] });
    expect(selectNamespaces(ces, cluster)).toEqual(['kube-system', 'team-a', 'team-b', 'team-c']);
    expect(selectNamespaces(clusterExternalSecret({ namespaceSelectors: undefined, namespaces: ['team-c'] }), cluster)).toEqual(['team-c']);
  });

  it('an empty selector selects every namespace; nothing set selects none', () => {
    expect(selectNamespaces(clusterExternalSecret({ namespaceSelectors: [{}] }), cluster)).toEqual(['kube-system', 'team-a', 'team-b', 'team-c']);
    expect(selectNamespaces(clusterExternalSecret({ namespaceSelectors: undefined }), cluster)).toEqual([]);
    expect(selectNamespaces(clusterExternalSecret({ namespaceSelectors: [] }), cluster)).toEqual([]);
  });

  it('matchExpressions work as in Kubernetes', () => {
    const ces = clusterExternalSecret({ namespaceSelectors: [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['prod'] }, { key: 'shared', operator: 'DoesNotExist' }] }] });
    expect(selectNamespaces(ces, cluster)).toEqual(['team-c']);
  });
});

describe('names, intervals and validation', () => {
  it('names the ExternalSecrets after externalSecretName, else the ClusterExternalSecret', () => {
    expect(externalSecretNameOf(clusterExternalSecret())).toBe('shared-db');
    expect(externalSecretNameOf(clusterExternalSecret({ externalSecretName: 'db' }))).toBe('db');
  });

  it('re-checks every refreshTime, 1h by default as in ESO', () => {
    expect(refreshMsOf(clusterExternalSecret())).toBe(DEFAULT_CES_REFRESH_MS);
    expect(DEFAULT_CES_REFRESH_MS).toBe(3_600_000);
    expect(refreshMsOf(clusterExternalSecret({ refreshTime: '1m' }))).toBe(60_000);
  });

  it('validates the embedded spec like an ExternalSecret, naming spec.externalSecretSpec', () => {
    expect(validateClusterExternalSecret(clusterExternalSecret())).toEqual([]);
    const bad = clusterExternalSecret({
      refreshTime: '5',
      namespaceSelectors: [{ matchExpressions: [{ key: 'tier', operator: 'In' }] }],
      externalSecretSpec: { secretStoreRef: { name: 'aws' }, refreshInterval: 'soon', data: [{ secretKey: 'k', remoteRef: { key: 'x' } }] },
    });
    const fields = validateClusterExternalSecret(bad).map((p) => p.field);
    expect(fields).toContain('spec.refreshTime');
    expect(fields).toContain('spec.namespaceSelectors[0]');
    expect(fields).toContain('spec.externalSecretSpec.refreshInterval');
  });
});

describe('desiredExternalSecret', () => {
  it('carries the spec, externalSecretMetadata, our label and a controller owner reference', () => {
    const ces = clusterExternalSecret({ externalSecretName: 'db', externalSecretMetadata: { labels: { team: 'x' }, annotations: { note: 'n' } } });
    const es = desiredExternalSecret(ces, 'team-a');
    expect(es.metadata).toEqual({
      name: 'db',
      namespace: 'team-a',
      labels: { team: 'x', 'rotor.dev/cluster-external-secret': 'shared-db' },
      annotations: { note: 'n' },
      ownerReferences: [{ apiVersion: 'rotor.dev/v1alpha1', kind: 'ClusterExternalSecret', name: 'shared-db', uid: 'ces-uid', controller: true, blockOwnerDeletion: true }],
    });
    expect(es.spec).toEqual(ces.spec.externalSecretSpec);
    expect(es.spec).not.toBe(ces.spec.externalSecretSpec);
  });

  it('propagates rotor.dev/force-sync from the ClusterExternalSecret (ESO does the same with its annotation)', () => {
    const es = desiredExternalSecret(clusterExternalSecret({}, { annotations: { 'rotor.dev/force-sync': '17' } }), 'team-a');
    expect(es.metadata.annotations).toEqual({ 'rotor.dev/force-sync': '17' });
  });

  it('leaves the label out when the name does not fit a label value', () => {
    const long = 'a'.repeat(64);
    expect(desiredExternalSecret(clusterExternalSecret({}, { name: long }), 'team-a').metadata.labels).toEqual({});
  });
});

describe('planExternalSecret', () => {
  const ces = clusterExternalSecret();
  const live = (patch: (es: ExternalSecret) => void = () => {}): ExternalSecret => {
    const es = desiredExternalSecret(ces, 'team-a');
    es.metadata.resourceVersion = '7';
    es.metadata.uid = 'es-uid';
    patch(es);
    return es;
  };

  it('creates a missing one and leaves an identical one alone', () => {
    expect(planExternalSecret(ces, 'team-a', undefined).action).toBe('create');
    expect(planExternalSecret(ces, 'team-a', live())).toEqual({ action: 'none' });
  });

  it('never touches an ExternalSecret it does not control, and says what to do', () => {
    const foreign = live((es) => (es.metadata.ownerReferences = []));
    const plan = planExternalSecret(ces, 'team-a', foreign);
    expect(plan.action).toBe('conflict');
    if (plan.action !== 'conflict') return;
    expect(plan.reason).toContain('ExternalSecret team-a/shared-db already exists and was not created by it');
    expect(plan.reason).toContain('Delete or rename that ExternalSecret, or set spec.externalSecretName');
    const other = live((es) => (es.metadata.ownerReferences = [{ apiVersion: 'rotor.dev/v1alpha1', kind: 'ClusterExternalSecret', name: 'other', uid: 'u', controller: true }]));
    const otherPlan = planExternalSecret(ces, 'team-a', other);
    expect(otherPlan.action === 'conflict' && otherPlan.reason).toContain('is controlled by ClusterExternalSecret other');
  });

  it('updates on a spec change, a hand edit, or a missing owner label; keeps foreign labels and annotations', () => {
    const edited = live((es) => {
      es.spec.refreshInterval = '5m';
      es.metadata.labels = { ...es.metadata.labels, 'app.kubernetes.io/x': 'kept' };
      es.metadata.annotations = { extra: 'kept' };
    });
    const plan = planExternalSecret(ces, 'team-a', edited);
    expect(plan.action).toBe('update');
    if (plan.action !== 'update') return;
    expect(plan.externalSecret.spec.refreshInterval).toBe('1h');
    expect(plan.externalSecret.metadata.resourceVersion).toBe('7');
    expect(plan.externalSecret.metadata.labels).toMatchObject({ 'app.kubernetes.io/x': 'kept', 'rotor.dev/cluster-external-secret': 'shared-db' });
    expect(plan.externalSecret.metadata.annotations).toEqual({ extra: 'kept' });
    expect(planExternalSecret(ces, 'team-a', live((es) => delete es.metadata.labels!['rotor.dev/cluster-external-secret'])).action).toBe('update');
    // A foreign label alone is no reason to write.
    expect(planExternalSecret(ces, 'team-a', live((es) => (es.metadata.labels = { ...es.metadata.labels, other: 'x' }))).action).toBe('none');
  });

  it('removes a force-sync it propagated once the ClusterExternalSecret drops it', () => {
    const synced = live((es) => (es.metadata.annotations = { 'rotor.dev/force-sync': '1' }));
    const plan = planExternalSecret(ces, 'team-a', synced);
    expect(plan.action === 'update' && plan.externalSecret.metadata.annotations).toEqual({});
  });

  it('takes over its ExternalSecrets after being re-created with the same name (new uid)', () => {
    const recreated = clusterExternalSecret({}, { uid: 'new-uid' });
    const plan = planExternalSecret(recreated, 'team-a', live());
    expect(plan.action).toBe('update');
    expect(plan.action === 'update' && plan.externalSecret.metadata.ownerReferences?.map((r) => r.uid)).toEqual(['new-uid']);
  });
});

describe('ownership checks', () => {
  it('recognises a ClusterExternalSecret controller of our group only', () => {
    const es = desiredExternalSecret(clusterExternalSecret(), 'team-a');
    expect(isControlledBy(es, 'shared-db')).toBe(true);
    expect(isControlledBy(es, 'other')).toBe(false);
    expect(controllingClusterExternalSecret(es)).toBe('shared-db');
    es.metadata.ownerReferences = [{ apiVersion: 'external-secrets.io/v1', kind: 'ClusterExternalSecret', name: 'shared-db', uid: 'u', controller: true }];
    expect(isControlledBy(es, 'shared-db')).toBe(false);
    expect(controllingClusterExternalSecret(es)).toBeUndefined();
  });
});
