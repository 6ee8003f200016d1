import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, informerMetrics, workQueueMetrics } from '../../src/metrics.js';
import { startHealthServer, type HealthServer, type Readiness } from '../../src/platform/server.js';

describe('health server', () => {
  let server: HealthServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start(state: { live: boolean; ready: Readiness }) {
    const metrics = createMetrics();
    server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      isLive: () => state.live,
      isReady: () => state.ready,
      registry: metrics.registry,
    });
    return { metrics, base: `http://127.0.0.1:${server.port}` };
  }

  it('answers /healthz and /readyz from the callbacks', async () => {
    const state = { live: true, ready: { ok: false, reasons: ['watch externalsecrets is not healthy', 'not leader-synced'] } };
    const { base } = await start(state);
    expect(server!.port).toBeGreaterThan(0);

    let res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });

    res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ status: 'unready', reasons: ['watch externalsecrets is not healthy', 'not leader-synced'] });

    state.ready = { ok: true, reasons: [] };
    res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });

    state.live = false;
    res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(503);
  });

  it('serves the registry on /metrics in Prometheus text format', async () => {
    const { base, metrics } = await start({ live: true, ready: { ok: true, reasons: [] } });
    metrics.awsApiCalls.inc({ service: 'SecretsManager', operation: 'GetSecretValue' });
    metrics.externalSecretReady.set({ namespace: 'team-a', name: 'db' }, 1);
    const q = workQueueMetrics(metrics, 'externalsecret');
    q.setDepth?.(3);
    q.incRetries?.();
    q.observeDuration?.(0.2, 'success');
    const hooks = informerMetrics(metrics, 'secrets');
    hooks.onHealthChange(true);
    hooks.onRestart('gone');

    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('rotor_aws_api_calls_total{service="SecretsManager",operation="GetSecretValue"} 1');
    expect(text).toContain('rotor_externalsecret_ready{namespace="team-a",name="db"} 1');
    expect(text).toContain('rotor_workqueue_depth{queue="externalsecret"} 3');
    expect(text).toContain('rotor_workqueue_retries_total{queue="externalsecret"} 1');
    expect(text).toContain('rotor_reconcile_duration_seconds_count{controller="externalsecret"} 1');
    expect(text).toContain('rotor_watch_healthy{resource="secrets"} 1');
    expect(text).toContain('rotor_watch_restarts_total{resource="secrets",cause="gone"} 1');
    for (const name of ['rotor_sync_total', 'rotor_rollouts_total', 'rotor_credential_cache_total']) {
      expect(text).toContain(`# TYPE ${name} counter`);
    }
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('serves only the metric families named by name[] (or name), and nothing for an unknown name', async () => {
    const { base, metrics } = await start({ live: true, ready: { ok: true, reasons: [] } });
    metrics.awsApiCalls.inc({ service: 'SecretsManager', operation: 'GetSecretValue' });
    metrics.externalSecretReady.set({ namespace: 'team-a', name: 'db' }, 1);
    const text = await (await fetch(`${base}/metrics?name[]=rotor_aws_api_calls_total&name[]=rotor_no_such_metric`)).text();
    expect(text).toContain('# TYPE rotor_aws_api_calls_total counter');
    expect(text).toContain('rotor_aws_api_calls_total{service="SecretsManager",operation="GetSecretValue"} 1');
    expect(text).not.toContain('rotor_externalsecret_ready');
    expect(text).not.toContain('process_cpu_user_seconds_total');
    const two = await (await fetch(`${base}/metrics?name=rotor_externalsecret_ready&name=rotor_aws_api_calls_total`)).text();
    expect(two.indexOf('rotor_externalsecret_ready{')).toBeGreaterThanOrEqual(0);
    expect(two.indexOf('rotor_aws_api_calls_total{')).toBeGreaterThan(two.indexOf('rotor_externalsecret_ready{'));
    expect(await (await fetch(`${base}/metrics?name=rotor_no_such_metric`)).text()).toBe('');
  });

  it('404s unknown paths and 405s other methods', async () => {
    const { base } = await start({ live: true, ready: { ok: true, reasons: [] } });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('close() frees the port even with a keep-alive connection open', async () => {
    const { base } = await start({ live: true, ready: { ok: true, reasons: [] } });
    await fetch(`${base}/healthz`, { headers: { connection: 'keep-alive' } });
    await server!.close();
    server = undefined;
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it('two metric sets do not collide (no global registry)', () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.rolloutsTotal.inc();
    expect(a.registry).not.toBe(b.registry);
  });
});
