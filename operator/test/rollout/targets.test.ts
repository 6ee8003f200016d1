import { describe, expect, it } from 'vitest';
import { resolveTargets, workloadId } from '../../src/rollout/targets.js';
import { KubeApiError } from '../../src/kube/client/errors.js';
import { FakeWorkloadClient } from './fakes.js';

const ids = (ts: { kind: string; name: string }[]): string[] => ts.map(workloadId);

function cluster(): FakeWorkloadClient {
  return new FakeWorkloadClient().add(
    { kind: 'Deployment', name: 'web', labels: { app: 'web', uses: 'db' } },
    { kind: 'Deployment', name: 'worker', labels: { app: 'worker', uses: 'db' } },
    { kind: 'Deployment', name: 'other', labels: { app: 'other' } },
    { kind: 'StatefulSet', name: 'cache', labels: { uses: 'db' } },
    { kind: 'DaemonSet', name: 'agent', annotations: { 'rotor.dev/reload': 'api-key, db-creds' } },
    { kind: 'Deployment', name: 'opted-out', annotations: { 'rotor.dev/reload': 'something-else' } },
    { kind: 'Deployment', name: 'elsewhere', namespace: 'other-ns', labels: { uses: 'db' }, annotations: { 'rotor.dev/reload': 'db-creds' } },
  );
}

describe('resolveTargets', () => {
  it('resolves explicit targets', async () => {
    const r = await resolveTargets(
      { namespace: 'apps', secretName: 'db-creds', rollout: { targets: [{ kind: 'Deployment', name: 'web' }, { kind: 'StatefulSet', name: 'cache' }] } },
      cluster(),
    );
    expect(ids(r.targets)).toEqual(['Deployment/web', 'StatefulSet/cache', 'DaemonSet/agent']);
    expect(r.problems).toEqual([]);
  });

  it('reports a missing explicit target as a problem naming the field, and keeps the others', async () => {
    const r = await resolveTargets(
      {
        namespace: 'apps',
        secretName: 'unrelated',
        rollout: { targets: [{ kind: 'Deployment', name: 'web' }, { kind: 'Deployment', name: 'ghost' }, { kind: 'Rollout', name: 'canary' }] },
      },
      cluster(),
    );
    expect(ids(r.targets)).toEqual(['Deployment/web']);
    expect(r.problems).toHaveLength(2);
    expect(r.problems[0]).toMatch(/^spec\.rollout\.targets\[1\]: Deployment\/ghost not found in namespace apps; create it or fix the name$/);
    expect(r.problems[1]).toMatch(/^spec\.rollout\.targets\[2\]: Rollout\/canary not found .*Argo Rollouts is not installed/);
  });

  it('does not look in other namespaces', async () => {
    const r = await resolveTargets({ namespace: 'apps', secretName: 'x', rollout: { targets: [{ kind: 'Deployment', name: 'elsewhere' }] } }, cluster());
    expect(r.targets).toEqual([]);
    expect(r.problems[0]).toMatch(/targets\[0\].*not found in namespace apps/);
  });

  it('selects by label across kinds in the ExternalSecret namespace only', async () => {
    const r = await resolveTargets({ namespace: 'apps', secretName: 'unrelated', rollout: { selector: { matchLabels: { uses: 'db' } } } }, cluster());
    expect(ids(r.targets)).toEqual(['Deployment/web', 'Deployment/worker', 'StatefulSet/cache']);
    expect(r.problems).toEqual([]);
  });

  it('selects with matchExpressions', async () => {
    const r = await resolveTargets(
      { namespace: 'apps', secretName: 'unrelated', rollout: { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'other'] }] } } },
      cluster(),
    );
    expect(ids(r.targets)).toEqual(['Deployment/other', 'Deployment/web']);
  });

  it('includes workloads that opt in with rotor.dev/reload, with no rollout spec at all', async () => {
    const r = await resolveTargets({ namespace: 'apps', secretName: 'db-creds' }, cluster());
    expect(ids(r.targets)).toEqual(['DaemonSet/agent']);
    const other = await resolveTargets({ namespace: 'other-ns', secretName: 'db-creds' }, cluster());
    expect(ids(other.targets)).toEqual(['Deployment/elsewhere']);
  });

  it('de-duplicates a workload reached by targets, selector and annotation', async () => {
    const client = cluster().add({ kind: 'Deployment', name: 'all-three', labels: { uses: 'db' }, annotations: { 'rotor.dev/reload': 'db-creds' } });
    const r = await resolveTargets(
      {
        namespace: 'apps',
        secretName: 'db-creds',
        rollout: { targets: [{ kind: 'Deployment', name: 'all-three' }, { kind: 'Deployment', name: 'all-three' }], selector: { matchLabels: { uses: 'db' } } },
      },
      client,
    );
    expect(ids(r.targets)).toEqual(['Deployment/all-three', 'Deployment/web', 'Deployment/worker', 'StatefulSet/cache', 'DaemonSet/agent']);
    expect(new Set(ids(r.targets)).size).toBe(r.targets.length);
  });

  it('enabled: false switches off spec targets and selector but not opt-in annotations', async () => {
    const r = await resolveTargets(
      {
        namespace: 'apps',
        secretName: 'db-creds',
        rollout: { enabled: false, targets: [{ kind: 'Deployment', name: 'ghost' }], selector: { matchLabels: { uses: 'db' } } },
      },
      cluster(),
    );
    expect(ids(r.targets)).toEqual(['DaemonSet/agent']);
    expect(r.problems).toEqual([]);
  });

  it('refuses an empty selector instead of restarting the whole namespace', async () => {
    const r = await resolveTargets({ namespace: 'apps', secretName: 'unrelated', rollout: { selector: {} } }, cluster());
    expect(r.targets).toEqual([]);
    expect(r.problems).toEqual(['spec.rollout.selector: empty selector ignored; add matchLabels or matchExpressions']);
  });

  it('reports an invalid selector', async () => {
    const r = await resolveTargets(
      { namespace: 'apps', secretName: 'unrelated', rollout: { selector: { matchExpressions: [{ key: 'app', operator: 'In' }] } } },
      cluster(),
    );
    expect(r.targets).toEqual([]);
    expect(r.problems[0]).toMatch(/^spec\.rollout\.selector\.matchExpressions\[0\]/);
  });

  it('reports an Argo Rollout with workloadRef and points at the referenced Deployment', async () => {
    const client = cluster().add({ kind: 'Rollout', name: 'canary', workloadRef: { kind: 'Deployment', name: 'web' } });
    const r = await resolveTargets({ namespace: 'apps', secretName: 'x', rollout: { targets: [{ kind: 'Rollout', name: 'canary' }] } }, client);
    expect(r.targets).toEqual([]);
    expect(r.problems[0]).toMatch(/^spec\.rollout\.targets\[0\]: Rollout\/canary takes its pod template from Deployment\/web.*target that Deployment instead/);
  });

  describe('Argo Rollouts not permitted (chart rbac.argoRollouts off, the default)', () => {
    const forbidden = () => {
      const client = cluster().add({ kind: 'Rollout', name: 'canary', labels: { uses: 'db' } });
      client.listErrors.set('Rollout', new KubeApiError(403, 'list rollouts failed (HTTP 403)'));
      return client;
    };

    it('is no problem for a rollout that names no Rollout: the other kinds restart, no retry', async () => {
      const r = await resolveTargets({ namespace: 'apps', secretName: 'db-creds', rollout: { selector: { matchLabels: { uses: 'db' } } } }, forbidden());
      expect(ids(r.targets)).toEqual(['Deployment/web', 'Deployment/worker', 'StatefulSet/cache', 'DaemonSet/agent']);
      expect(r.problems).toEqual([]);
      expect(r.listFailed).toBeUndefined();
    });

    it('a target of kind Rollout is reported, naming the chart value that grants it', async () => {
      const r = await resolveTargets(
        { namespace: 'apps', secretName: 'db-creds', rollout: { targets: [{ kind: 'Deployment', name: 'web' }, { kind: 'Rollout', name: 'canary' }] } },
        forbidden(),
      );
      expect(ids(r.targets)).toEqual(['Deployment/web', 'DaemonSet/agent']);
      expect(r.problems).toEqual([
        'spec.rollout.targets[1]: Rollout/canary: cannot list rollouts.argoproj.io in namespace apps (HTTP 403): the operator\'s ClusterRole needs "list" on rollouts.argoproj.io (apiGroups: ["argoproj.io"], resources: ["rollouts"]) in namespace apps; with the Helm chart, set rbac.argoRollouts=true',
      ]);
    });
  });

  it('turns a forbidden list into a problem with the RBAC rule needed, and keeps other kinds', async () => {
    const client = cluster();
    client.listErrors.set('StatefulSet', new KubeApiError(403, 'list statefulsets failed (HTTP 403)'));
    const r = await resolveTargets({ namespace: 'apps', secretName: 'db-creds', rollout: { selector: { matchLabels: { uses: 'db' } } } }, client);
    expect(ids(r.targets)).toEqual(['Deployment/web', 'Deployment/worker', 'DaemonSet/agent']);
    expect(r.problems).toEqual([
      'cannot list statefulsets.apps in namespace apps (HTTP 403): the operator\'s ClusterRole needs "list" on statefulsets.apps (apiGroups: ["apps"], resources: ["statefulsets"]) in namespace apps',
    ]);
  });
});
