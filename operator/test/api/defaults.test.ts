import { describe, expect, it } from 'vitest';
import { API_GROUP_VERSION, type ExternalSecret, type ExternalSecretSpec } from '../../src/api/types.js';
import { periodicIntervalMs, withDefaults } from '../../src/api/defaults.js';

function es(spec: Partial<ExternalSecretSpec>, name = 'app'): ExternalSecret {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: 'ExternalSecret',
    metadata: { name, namespace: 'team-a' },
    spec: { secretStoreRef: { name: 'aws' }, data: [{ secretKey: 'k', remoteRef: { key: 'r' } }], ...spec },
  };
}
describe('withDefaults', () => {
  it('fills every default', () => {
    const d = withDefaults(es({ dataFrom: [{ extract: { key: 'x' } }, { find: { path: '/p' } }] }, 'my-app'));
    expect(d.spec.refreshInterval).toBe('1h');
    expect(d.spec.refreshPolicy).toBe('Periodic');
    expect(d.spec.secretStoreRef).toEqual({ name: 'aws', kind: 'SecretStore' });
    expect(d.spec.target).toEqual({ name: 'my-app', creationPolicy: 'Owner', deletionPolicy: 'Retain', immutable: false });
    expect(d.spec.data[0]!.remoteRef.decodingStrategy).toBe('None');
    expect(d.spec.dataFrom[0]!.extract!.decodingStrategy).toBe('None');
    expect(d.spec.dataFrom[1]!.find!.decodingStrategy).toBe('None');
    expect(d.spec.rollout).toEqual({ enabled: true });
  });

  it('keeps what the user set', () => {
    const d = withDefaults(
      es({
        refreshInterval: '15m',
        refreshPolicy: 'OnChange',
        secretStoreRef: { name: 'global', kind: 'ClusterSecretStore' },
        target: { name: 'other', creationPolicy: 'Merge', deletionPolicy: 'Merge', immutable: true, template: { type: 'kubernetes.io/tls', mergePolicy: 'Merge' } },
        rollout: { enabled: false, targets: [{ kind: 'Deployment', name: 'web' }] },
      }),
    );
    expect(d.spec.refreshInterval).toBe('15m');
    expect(d.spec.refreshPolicy).toBe('OnChange');
    expect(d.spec.secretStoreRef.kind).toBe('ClusterSecretStore');
    expect(d.spec.target).toEqual({ name: 'other', creationPolicy: 'Merge', deletionPolicy: 'Merge', immutable: true, template: { type: 'kubernetes.io/tls', mergePolicy: 'Merge' } });
    expect(d.spec.rollout).toEqual({ enabled: false, targets: [{ kind: 'Deployment', name: 'web' }] });
  });

  it('defaults template.mergePolicy only when there is a template', () => {
    expect(withDefaults(es({ target: { template: { data: { a: 'b' } } } })).spec.target.template!.mergePolicy).toBe('Replace');
    expect(withDefaults(es({})).spec.target.template).toBeUndefined();
  });

  it('does not mutate its input', () => {
    const input = es({ target: { template: { data: { a: 'b' } } } });
    const before = structuredClone(input);
    const d = withDefaults(input);
    d.spec.data[0]!.secretKey = 'changed';
    d.spec.target.template!.data!.a = 'changed';
    expect(input).toEqual(before);
  });

  it('is idempotent', () => {
    const once = withDefaults(es({ dataFrom: [{ extract: { key: 'x' } }] }));
    expect(withDefaults(once)).toEqual(once);
  });
});

describe('periodicIntervalMs', () => {
  const es = (spec: Record<string, unknown>) => ({ spec }) as unknown as Pick<ExternalSecret, 'spec'>;
  it('is the refresh timer of a Periodic ExternalSecret, in ms (default 1h)', () => {
    expect(periodicIntervalMs(es({ refreshInterval: '15m' }))).toBe(900_000);
    expect(periodicIntervalMs(es({ refreshPolicy: 'Periodic', refreshInterval: '1s' }))).toBe(1000);
    expect(periodicIntervalMs(es({}))).toBe(3_600_000);
  });
  it('is undefined when nothing refreshes on a timer', () => {
    expect(periodicIntervalMs(es({ refreshInterval: '0' }))).toBeUndefined();
    expect(periodicIntervalMs(es({ refreshPolicy: 'OnChange', refreshInterval: '1h' }))).toBeUndefined();
    expect(periodicIntervalMs(es({ refreshPolicy: 'CreatedOnce' }))).toBeUndefined();
    expect(periodicIntervalMs(es({ refreshInterval: 'soon' }))).toBeUndefined();
  });
});
