// Prometheus metrics on a Registry of our own (never prom-client's global default, so tests
// and several operator instances in one process do not collide). createMetrics() is called
// once in main.ts; the objects are passed to whoever records them.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ExternalSecret } from './api/types.js';
import type { WorkQueueMetrics } from './controller/workqueue.js';
import type { RestartCause } from './kube/resilient-informer.js';

export interface RotorMetrics {
  registry: Registry;
  /** Every AWS API call made: service SecretsManager|SSM|STS, operation e.g. GetSecretValue. */
  awsApiCalls: Counter<'service' | 'operation'>;
  /** ExternalSecret sync outcomes, e.g. result=synced|unchanged|error|skipped. */
  syncTotal: Counter<'result'>;
  /** Duration of one reconcile (one work queue handler call), per controller. */
  reconcileDuration: Histogram<'controller'>;
  /** Keys waiting in a work queue. */
  workqueueDepth: Gauge<'queue'>;
  /** Keys requeued with backoff after a failure. */
  workqueueRetries: Counter<'queue'>;
  /** 1 while the informer of a resource is synced and watching. */
  watchHealthy: Gauge<'resource'>;
  /** List/watch restarts, by cause (closed, timeout, gone, error, stall, list_error). */
  watchRestarts: Counter<'resource' | 'cause'>;
  /** Workload restarts triggered by a secret version change. */
  rolloutsTotal: Counter;
  /** Credential cache lookups: result=hit|miss (CredentialResolver.onCacheLookup). */
  credentialCache: Counter<'result'>;
  /** 1 when the ExternalSecret's Ready condition is True, 0 otherwise. */
  externalSecretReady: Gauge<'namespace' | 'name'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): RotorMetrics {
  const registry = new Registry();
  // Process metrics (CPU, memory, event loop lag) are collected on scrape; no timers.
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    awsApiCalls: new Counter({
      name: 'rotor_aws_api_calls_total',
      help: 'AWS API calls made, by service and operation.',
      labelNames: ['service', 'operation'] as const,
      registers,
    }),
    syncTotal: new Counter({
      name: 'rotor_sync_total',
      help: 'ExternalSecret sync outcomes.',
      labelNames: ['result'] as const,
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'rotor_reconcile_duration_seconds',
      help: 'Duration of one reconcile, per controller.',
      labelNames: ['controller'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    workqueueDepth: new Gauge({
      name: 'rotor_workqueue_depth',
      help: 'Keys waiting in the work queue.',
      labelNames: ['queue'] as const,
      registers,
    }),
    workqueueRetries: new Counter({
      name: 'rotor_workqueue_retries_total',
      help: 'Keys requeued with backoff after a failed reconcile.',
      labelNames: ['queue'] as const,
      registers,
    }),
    watchHealthy: new Gauge({
      name: 'rotor_watch_healthy',
      help: '1 while the watch of a resource is synced and running.',
      labelNames: ['resource'] as const,
      registers,
    }),
    watchRestarts: new Counter({
      name: 'rotor_watch_restarts_total',
      help: 'Watch restarts, by cause.',
      labelNames: ['resource', 'cause'] as const,
      registers,
    }),
    rolloutsTotal: new Counter({
      name: 'rotor_rollouts_total',
      help: 'Workload restarts triggered by a secret version change.',
      registers,
    }),
    credentialCache: new Counter({
      name: 'rotor_credential_cache_total',
      help: 'Credential cache lookups, by result (hit or miss).',
      labelNames: ['result'] as const,
      registers,
    }),
    externalSecretReady: new Gauge({
      name: 'rotor_externalsecret_ready',
      help: '1 when the ExternalSecret is Ready, 0 otherwise.',
      labelNames: ['namespace', 'name'] as const,
      registers,
    }),
  };
}

/**
 * Every metric with one series per ExternalSecret (labels namespace, name). They are removed
 * when the ExternalSecret is deleted, so add each new per-ExternalSecret metric here.
 */
function perExternalSecretSeries(metrics: RotorMetrics): { remove(labels: { namespace: string; name: string }): void }[] {
  return [metrics.externalSecretReady];
}

export type SyncResult = 'synced' | 'unchanged' | 'error' | 'skipped';

/** ExternalSecret reconciler hooks: outcome counters, readiness, and forgetting a deleted one. */
export function externalSecretMetrics(metrics: RotorMetrics): {
  onSyncResult: (result: SyncResult, es: ExternalSecret) => void;
  onDeleted: (namespace: string, name: string) => void;
} {
  return {
    onSyncResult: (result, es) => {
      metrics.syncTotal.inc({ result });
      if (result !== 'skipped') {
        metrics.externalSecretReady.set({ namespace: es.metadata.namespace ?? '', name: es.metadata.name }, result === 'error' ? 0 : 1);
      }
    },
    onDeleted: (namespace, name) => {
      for (const series of perExternalSecretSeries(metrics)) series.remove({ namespace, name });
    },
  };
}

/** WorkQueue hooks recording into the metrics of one queue/controller. */
export function workQueueMetrics(metrics: RotorMetrics, queue: string): WorkQueueMetrics {
  return {
    setDepth: (depth) => metrics.workqueueDepth.set({ queue }, depth),
    incRetries: () => metrics.workqueueRetries.inc({ queue }),
    observeDuration: (seconds) => metrics.reconcileDuration.observe({ controller: queue }, seconds),
  };
}

/** ResilientInformer hooks recording watch health and restarts of one resource. */
export function informerMetrics(
  metrics: RotorMetrics,
  resource: string,
): { onRestart: (cause: RestartCause) => void; onHealthChange: (healthy: boolean) => void } {
  metrics.watchHealthy.set({ resource }, 0);
  return {
    onRestart: (cause) => metrics.watchRestarts.inc({ resource, cause }),
    onHealthChange: (healthy) => metrics.watchHealthy.set({ resource }, healthy ? 1 : 0),
  };
}
