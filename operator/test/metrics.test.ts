import { describe, expect, it } from 'vitest';
import type { ExternalSecret } from '../src/api/types.js';
import { awsCallMetrics, createMetrics, eventQueueMetrics, externalSecretMetrics, rolloutMetrics, workQueueMetrics } from '../src/metrics.js';

function es(spec: Partial<ExternalSecret['spec']> = {}, status?: ExternalSecret['status']): ExternalSecret {
  return {
    apiVersion: 'rotor.dev/v1alpha1',
    kind: 'ExternalSecret',
    metadata: { namespace: 'team-a', name: 'db' },
    spec: { secretStoreRef: { name: 's', kind: 'SecretStore' }, ...spec },
    ...(status ? { status } : {}),
  } as ExternalSecret;
}

async function series(metrics: ReturnType<typeof createMetrics>, name: string): Promise<Array<{ labels: Record<string, unknown>; value: number }>> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  return (await metric.get()).values.map((v) => ({ labels: { ...v.labels }, value: v.value }));
}

describe('per-ExternalSecret metrics', () => {
  it('counts re-creates that left no Secret, without per-object labels', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const hooks = externalSecretMetrics(metrics);
    hooks.onRecreateFailed();
    hooks.onRecreateFailed();
    expect(await series(metrics, 'rotor_secret_recreate_failures_total')).toEqual([{ labels: {}, value: 2 }]);
  });

  it('records the last successful sync time and the Periodic interval, not on errors', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let now = 1_700_000_000_000;
    const hooks = externalSecretMetrics(metrics, { now: () => now });
    hooks.onSyncResult('synced', es({ refreshInterval: '15m' }));
    now += 60_000;
    hooks.onSyncResult('error', es({ refreshInterval: '15m' }));
    expect(await series(metrics, 'rotor_externalsecret_last_sync_success_timestamp_seconds')).toEqual([{ labels: { namespace: 'team-a', name: 'db' }, value: 1_700_000_000 }]);
    expect(await series(metrics, 'rotor_externalsecret_refresh_interval_seconds')).toEqual([{ labels: { namespace: 'team-a', name: 'db' }, value: 900 }]);
    expect(await series(metrics, 'rotor_externalsecret_ready')).toEqual([{ labels: { namespace: 'team-a', name: 'db' }, value: 0 }]);
  });

  it('defaults the interval to 1h and drops it for policies without a timer or interval 0', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const hooks = externalSecretMetrics(metrics);
    hooks.onSyncResult('unchanged', es());
    expect((await series(metrics, 'rotor_externalsecret_refresh_interval_seconds'))[0]?.value).toBe(3600);
    hooks.onSyncResult('unchanged', es({ refreshPolicy: 'CreatedOnce' }));
    expect(await series(metrics, 'rotor_externalsecret_refresh_interval_seconds')).toEqual([]);
    hooks.onSyncResult('unchanged', es({ refreshInterval: '0' }));
    expect(await series(metrics, 'rotor_externalsecret_refresh_interval_seconds')).toEqual([]);
  });

  it('takes the last success from a Ready status when a pass is skipped (e.g. after a restart)', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const hooks = externalSecretMetrics(metrics);
    const ready = { type: 'Ready', status: 'True' as const, reason: 'SecretSynced', message: '', lastTransitionTime: '2030-01-01T00:00:00Z' };
    hooks.onSyncResult('skipped', es({}, { refreshTime: '2030-01-01T00:00:10Z', conditions: [{ ...ready, status: 'False' }] }));
    expect(await series(metrics, 'rotor_externalsecret_last_sync_success_timestamp_seconds')).toEqual([]);
    hooks.onSyncResult('skipped', es({}, { refreshTime: '2030-01-01T00:00:10Z', conditions: [ready] }));
    expect((await series(metrics, 'rotor_externalsecret_last_sync_success_timestamp_seconds'))[0]?.value).toBe(Date.UTC(2030, 0, 1, 0, 0, 10) / 1000);
  });

  it('a skipped pass never moves an exact last success back to the coarser status.refreshTime', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let now = Date.UTC(2030, 0, 1, 0, 3, 0);
    const hooks = externalSecretMetrics(metrics, { now: () => now });
    const ready = { type: 'Ready', status: 'True' as const, reason: 'SecretSynced', message: '', lastTransitionTime: '2030-01-01T00:00:00Z' };
    // refreshTime moves only on changes and heartbeats: 3 minutes older than the last refresh.
    const synced = es({}, { refreshTime: '2030-01-01T00:00:00Z', conditions: [ready] });
    hooks.onSyncResult('unchanged', synced);
    now += 1_000;
    hooks.onSyncResult('skipped', synced);
    expect((await series(metrics, 'rotor_externalsecret_last_sync_success_timestamp_seconds'))[0]?.value).toBe(Date.UTC(2030, 0, 1, 0, 3, 0) / 1000);
  });

  it('removes every per-ExternalSecret series when it is deleted', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const hooks = externalSecretMetrics(metrics);
    hooks.onSyncResult('synced', es());
    hooks.onDeleted('team-a', 'db');
    for (const name of ['rotor_externalsecret_ready', 'rotor_externalsecret_last_sync_success_timestamp_seconds', 'rotor_externalsecret_refresh_interval_seconds']) {
      expect(await series(metrics, name), name).toEqual([]);
    }
  });
});

describe('AWS call, rollout and work queue metrics', () => {
  it('observes latency per operation and counts errors by code and class', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const hooks = awsCallMetrics(metrics);
    const call = { service: 'SecretsManager' as const, operation: 'GetSecretValue', region: 'us-east-1' };
    hooks.onApiCall(call);
    hooks.onApiCallDone(call, { seconds: 0.2 });
    hooks.onApiCallDone(call, { seconds: 0.1, error: { code: 'ThrottlingException', class: 'throttled' } });
    const count = (await series(metrics, 'rotor_aws_api_call_duration_seconds')).find((s) => s.labels.le === undefined && String(s.labels.operation) === 'GetSecretValue' && s.value === 2);
    expect(count).toBeDefined();
    expect(await series(metrics, 'rotor_aws_api_errors_total')).toEqual([
      { labels: { service: 'SecretsManager', operation: 'GetSecretValue', code: 'ThrottlingException', class: 'throttled' }, value: 1 },
    ]);
  });

  it('counts applied and failed rollouts apart', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const hooks = rolloutMetrics(metrics);
    hooks.workload('Deployment', 'patched');
    hooks.workload('Deployment', 'unchanged');
    hooks.workload('StatefulSet', 'failed');
    expect((await series(metrics, 'rotor_rollouts_total'))[0]?.value).toBe(1);
    expect(await series(metrics, 'rotor_rollout_failures_total')).toEqual([{ labels: { kind: 'StatefulSet' }, value: 1 }]);
  });

  it('counts Events dropped by the event queue, by type', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const hooks = eventQueueMetrics(metrics);
    hooks.onDropped('Normal');
    hooks.onDropped('Normal');
    hooks.onDropped('Warning');
    expect(await series(metrics, 'rotor_events_dropped_total')).toEqual([
      { labels: { type: 'Normal' }, value: 2 },
      { labels: { type: 'Warning' }, value: 1 },
    ]);
  });

  it('records work queue adds and queue latency per queue', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const hooks = workQueueMetrics(metrics, 'externalsecret');
    hooks.incAdds?.();
    hooks.observeQueueDuration?.(0.5);
    expect(await series(metrics, 'rotor_workqueue_adds_total')).toEqual([{ labels: { queue: 'externalsecret' }, value: 1 }]);
    expect((await series(metrics, 'rotor_workqueue_queue_duration_seconds')).find((s) => s.labels.le === 0.5)?.value).toBe(1);
  });
});
