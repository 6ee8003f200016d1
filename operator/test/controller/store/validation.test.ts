import { describe, expect, it } from 'vitest';
import { validateStoreSpec } from '../../../src/controller/store/validation.js';
import type { SecretStore } from '../../../src/api/types.js';

function store(aws: Partial<SecretStore['spec']['provider']['aws']>, kind: SecretStore['kind'] = 'SecretStore', extra: Partial<SecretStore['spec']> = {}): SecretStore {
  return {
    apiVersion: 'rotor.dev/v1alpha1',
    kind,
    metadata: { name: 's', namespace: kind === 'SecretStore' ? 'team-a' : undefined },
    spec: { provider: { aws: { service: 'SecretsManager', region: 'eu-west-1', ...aws } }, ...extra },
  };
}

describe('validateStoreSpec', () => {
  it('accepts a minimal store', () => {
    expect(validateStoreSpec(store({}))).toEqual([]);
  });

  it('accepts retrySettings and names a retryInterval that is not a duration', () => {
    expect(validateStoreSpec(store({}, 'SecretStore', { retrySettings: { maxRetries: 2, retryInterval: '500ms' } }))).toEqual([]);
    const [problem] = validateStoreSpec(store({}, 'SecretStore', { retrySettings: { retryInterval: '5' } }));
    expect(problem?.field).toBe('spec.retrySettings.retryInterval');
    expect(problem?.message).toMatch(/^"5" is not a valid duration/);
  });

  it('names a bad region and endpoint', () => {
    const problems = validateStoreSpec(store({ region: 'europe', endpoint: 'localhost:4566' }));
    expect(problems.map((p) => p.field)).toEqual(['spec.provider.aws.region', 'spec.provider.aws.endpoint']);
  });

  it('refuses a namespaced store reaching into another namespace', () => {
    const problems = validateStoreSpec(store({ auth: { jwt: { serviceAccountRef: { name: 'sa', namespace: 'kube-system' } } } }));
    expect(problems[0]?.field).toBe('spec.provider.aws.auth.jwt.serviceAccountRef.namespace');
    expect(problems[0]?.message).toMatch(/own namespace \(team-a\)/);
  });

  it('allows a ClusterSecretStore to name any namespace', () => {
    expect(validateStoreSpec(store({ auth: { jwt: { serviceAccountRef: { name: 'sa', namespace: 'kube-system' } } } }, 'ClusterSecretStore'))).toEqual([]);
  });

  it('accepts a ClusterSecretStore reference without namespace (ESO referent auth: the ExternalSecret namespace)', () => {
    expect(validateStoreSpec(store({ auth: { jwt: { serviceAccountRef: { name: 'sa' } } } }, 'ClusterSecretStore'))).toEqual([]);
    const ref = { name: 'keys', key: 'id' };
    expect(validateStoreSpec(store({ auth: { secretRef: { accessKeyIDSecretRef: ref, secretAccessKeySecretRef: { ...ref, namespace: 'ops' } } } }, 'ClusterSecretStore'))).toEqual([]);
  });

  it('requires role for externalID', () => {
    expect(validateStoreSpec(store({ externalID: 'x' }))[0]?.field).toBe('spec.provider.aws.role');
  });

  it('rejects conditions on a namespaced store and bad regexes on a cluster store', () => {
    expect(validateStoreSpec(store({}, 'SecretStore', { conditions: [{ namespaces: ['a'] }] }))[0]?.field).toBe('spec.conditions');
    expect(validateStoreSpec(store({}, 'ClusterSecretStore', { conditions: [{ namespaceRegexes: ['('] }] }))[0]?.field).toBe('spec.conditions[0].namespaceRegexes[0]');
  });

  it('refuses a lookahead (RE2 has none) and says why', () => {
    const [problem] = validateStoreSpec(store({}, 'ClusterSecretStore', { conditions: [{ namespaces: ['a'] }, { namespaceRegexes: ['ok', 'team-(?!x)'] }] }));
    expect(problem?.field).toBe('spec.conditions[1].namespaceRegexes[1]');
    expect(problem?.message).toMatch(/"team-\(\?!x\)" is not a valid regular expression: .*RE2 syntax/);
  });
});
