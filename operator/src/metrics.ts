// Prometheus metrics on a Registry of our own (never prom-client's global default, so tests
// and several operator instances in one process do not collide). createMetrics() is called
// once in main.ts; the objects are passed to whoever records them.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ExternalSecret } from './api/types.js';
import type { AwsApiCall, AwsApiCallOutcome } from './aws/clients.js';
import { periodicIntervalMs } from './api/defaults.js';
import type { WorkQueueMetrics } from './controller/runtime/workqueue.js';
import type { RestartCause } from './kube/informer/resilient-informer.js';
import type { ConsumerMetrics } from './aws/events/consumer.js';
import type { EventRouterMetrics } from './controller/externalsecret/event-router.js';
import type { ManagerMetrics } from './controller/manager.js';
import { systemClock, type Clock } from './platform/clock.js';

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
  /** Unix time of the ExternalSecret's last successful sync (a pass that wrote or confirmed the Secret). */
  externalSecretLastSuccess: Gauge<'namespace' | 'name'>;
  /** The ExternalSecret's refresh interval in seconds; only for Periodic ones with an interval > 0. */
  externalSecretRefreshInterval: Gauge<'namespace' | 'name'>;
  clusterExternalSecretReady: Gauge<'name'>;
  clusterExternalSecretNamespaces: Gauge<'name' | 'state'>;
  /** Duration of each AWS HTTP attempt (retries included), by service and operation. */
  awsApiCallDuration: Histogram<'service' | 'operation'>;
  /** Failed AWS calls, by AWS error code and class (throttled, server, network, auth, client). */
  awsApiErrors: Counter<'service' | 'operation' | 'code' | 'class'>;
  /** Keys added to a work queue (deduplicated adds are not counted). */
  workqueueAdds: Counter<'queue'>;
  /** Time a key waited in the queue before a worker took it. */
  workqueueQueueDuration: Histogram<'queue'>;
  /** Workload patches that failed (RBAC, not found, conflict), by workload kind. */
  rolloutFailures: Counter<'kind'>;
  /** 1 while this replica holds the leader Lease (or runs without leader election). */
  leader: Gauge;
  /** Events dropped because the event queue was full (controller/runtime/event-queue.ts), by type. */
  eventsDropped: Counter<'type'>;
  /** Target Secrets deleted for re-creation (type change, immutable) whose create then failed: left missing. */
  secretRecreateFailures: Counter;
  // AWS change events from the operator's SQS queues (issue #16). Labels are bounded: the
  // source is aws.secretsmanager, aws.ssm, other or unknown; the queue is a chart value.
  awsEventsReceived: Counter<'source'>;
  awsEventsRedelivered: Counter;
  awsEventsMatched: Counter<'source'>;
  awsEventsUnmatched: Counter<'source'>;
  awsEventsMalformed: Counter<'reason'>;
  awsEventsIgnored: Counter<'reason'>;
  awsEventAge: Histogram;
  awsEventToSecret: Histogram;
  awsEventsQueueUp: Gauge<'queue'>;
  awsRotationFailures: Counter;
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
    externalSecretLastSuccess: new Gauge({
      name: 'rotor_externalsecret_last_sync_success_timestamp_seconds',
      help: 'Unix time of the last successful sync of the ExternalSecret.',
      labelNames: ['namespace', 'name'] as const,
      registers,
    }),
    externalSecretRefreshInterval: new Gauge({
      name: 'rotor_externalsecret_refresh_interval_seconds',
      help: 'Refresh interval of a Periodic ExternalSecret, in seconds.',
      labelNames: ['namespace', 'name'] as const,
      registers,
    }),
    clusterExternalSecretReady: new Gauge({
      name: 'rotor_clusterexternalsecret_ready',
      help: '1 when every namespace the ClusterExternalSecret selects has its ExternalSecret, 0 otherwise.',
      labelNames: ['name'] as const,
      registers,
    }),
    clusterExternalSecretNamespaces: new Gauge({
      name: 'rotor_clusterexternalsecret_namespaces',
      help: 'Namespaces of a ClusterExternalSecret, by state (provisioned or failed).',
      labelNames: ['name', 'state'] as const,
      registers,
    }),
    awsApiCallDuration: new Histogram({
      name: 'rotor_aws_api_call_duration_seconds',
      help: 'Duration of one AWS API attempt, by service and operation.',
      labelNames: ['service', 'operation'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    awsApiErrors: new Counter({
      name: 'rotor_aws_api_errors_total',
      help: 'Failed AWS API attempts, by service, operation, AWS error code (a known code, else "other") and class.',
      labelNames: ['service', 'operation', 'code', 'class'] as const,
      registers,
    }),
    workqueueAdds: new Counter({
      name: 'rotor_workqueue_adds_total',
      help: 'Keys added to the work queue.',
      labelNames: ['queue'] as const,
      registers,
    }),
    workqueueQueueDuration: new Histogram({
      name: 'rotor_workqueue_queue_duration_seconds',
      help: 'How long a key waited in the work queue before being processed.',
      labelNames: ['queue'] as const,
      buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
      registers,
    }),
    rolloutFailures: new Counter({
      name: 'rotor_rollout_failures_total',
      help: 'Workload restarts that could not be applied, by workload kind.',
      labelNames: ['kind'] as const,
      registers,
    }),
    leader: new Gauge({
      name: 'rotor_leader_is_leader',
      help: '1 while this replica is the leader (or runs without leader election).',
      registers,
    }),
    eventsDropped: new Counter({
      name: 'rotor_events_dropped_total',
      help: 'Kubernetes Events not written because the event queue was full, by type (Normal first; Warning only when the queue holds nothing else).',
      labelNames: ['type'] as const,
      registers,
    }),
    secretRecreateFailures: new Counter({
      // No namespace/name labels: the Warning Event names the ExternalSecret; series per
      // tenant object would let tenants grow the metric set.
      name: 'rotor_secret_recreate_failures_total',
      help: 'Target Secrets deleted to be re-created (type change or immutable) whose create then failed, leaving no Secret until a retry succeeds.',
      registers,
    }),
    awsEventsReceived: new Counter({
      name: 'rotor_events_received_total',
      help: 'AWS change events received from the event queues, by source (aws.secretsmanager, aws.ssm, other, unknown).',
      labelNames: ['source'] as const,
      registers,
    }),
    awsEventsRedelivered: new Counter({
      name: 'rotor_events_redelivered_total',
      help: 'Queue messages received again after an earlier receive did not delete them: a consumer died with the message (crash, leader change) or handling failed. Each came back after the visibility timeout (5 s).',
      registers,
    }),
    awsEventsMatched: new Counter({
      name: 'rotor_events_matched_total',
      help: 'AWS change events that queued at least one ExternalSecret, by source.',
      labelNames: ['source'] as const,
      registers,
    }),
    awsEventsUnmatched: new Counter({
      name: 'rotor_events_unmatched_total',
      help: 'AWS change events about a secret no ExternalSecret reads (in that region and account), by source.',
      labelNames: ['source'] as const,
      registers,
    }),
    awsEventsMalformed: new Counter({
      name: 'rotor_events_malformed_total',
      help: 'Queue messages that are not a supported AWS change event (deleted), by reason: not-json, not-an-event, unknown-source, bad-field, unsupported.',
      labelNames: ['reason'] as const,
      registers,
    }),
    awsEventsIgnored: new Counter({
      name: 'rotor_events_ignored_total',
      help: 'AWS change events dropped before matching, by reason: duplicate (same event id), older-than-read (the last read already had it).',
      labelNames: ['reason'] as const,
      registers,
    }),
    awsEventAge: new Histogram({
      name: 'rotor_event_age_seconds',
      help: 'Age of an AWS change event when received (from the time AWS stamped on it).',
      buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    }),
    awsEventToSecret: new Histogram({
      name: 'rotor_event_to_secret_seconds',
      help: 'From the receipt of an AWS change event to the Secret written by the refresh it triggered.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    }),
    awsEventsQueueUp: new Gauge({
      name: 'rotor_events_queue_up',
      help: '1 while the last call to the event queue succeeded, 0 while it fails (deleted, access denied, KMS, network); refreshes go on by polling.',
      labelNames: ['queue'] as const,
      registers,
    }),
    awsRotationFailures: new Counter({
      name: 'rotor_aws_rotation_failures_total',
      help: 'RotationFailed events from Secrets Manager about a secret an ExternalSecret reads.',
      registers,
    }),
  };
}

/** Hooks of one event queue's consumer (aws/events/consumer.ts). */
export function eventConsumerMetrics(metrics: RotorMetrics, queue: string): ConsumerMetrics {
  return {
    received: (source) => metrics.awsEventsReceived.inc({ source }),
    malformed: (reason) => metrics.awsEventsMalformed.inc({ reason }),
    redelivered: () => metrics.awsEventsRedelivered.inc(),
    age: (seconds) => metrics.awsEventAge.observe(seconds),
    up: (up) => metrics.awsEventsQueueUp.set({ queue }, up ? 1 : 0),
  };
}

/** Hooks of the event router (controller/externalsecret/event-router.ts). */
export function eventRouterMetrics(metrics: RotorMetrics): EventRouterMetrics {
  return {
    matched: (source) => metrics.awsEventsMatched.inc({ source }),
    unmatched: (source) => metrics.awsEventsUnmatched.inc({ source }),
    ignored: (reason) => metrics.awsEventsIgnored.inc({ reason }),
    rotationFailure: () => metrics.awsRotationFailures.inc(),
  };
}

/**
 * Every metric with one series per ExternalSecret (labels namespace, name). They are removed
 * when the ExternalSecret is deleted, so add each new per-ExternalSecret metric here.
 */
function perExternalSecretSeries(metrics: RotorMetrics): { remove(labels: { namespace: string; name: string }): void }[] {
  return [metrics.externalSecretReady, metrics.externalSecretLastSuccess, metrics.externalSecretRefreshInterval];
}

/** ClusterExternalSecret reconciler hooks: readiness and namespace counts, removed when it is deleted. */
export function clusterExternalSecretMetrics(metrics: RotorMetrics): {
  onResult: (name: string, result: { ready: boolean; provisioned: number; failed: number }) => void;
  onDeleted: (name: string) => void;
} {
  return {
    onResult: (name, { ready, provisioned, failed }) => {
      metrics.clusterExternalSecretReady.set({ name }, ready ? 1 : 0);
      metrics.clusterExternalSecretNamespaces.set({ name, state: 'provisioned' }, provisioned);
      metrics.clusterExternalSecretNamespaces.set({ name, state: 'failed' }, failed);
    },
    onDeleted: (name) => {
      metrics.clusterExternalSecretReady.remove({ name });
      for (const state of ['provisioned', 'failed']) metrics.clusterExternalSecretNamespaces.remove({ name, state });
    },
  };
}

/** The interval after which a Periodic ExternalSecret is overdue; undefined when it never refreshes on a timer. */
function periodicIntervalSeconds(es: ExternalSecret): number | undefined {
  const ms = periodicIntervalMs(es);
  return ms === undefined ? undefined : ms / 1000;
}

/** When the status says the last pass succeeded: its refreshTime, in Unix seconds. */
function lastSuccessFromStatus(es: ExternalSecret): number | undefined {
  const ready = es.status?.conditions?.find((c) => c.type === 'Ready');
  const at = es.status?.refreshTime ? Date.parse(es.status.refreshTime) : Number.NaN;
  return ready?.status === 'True' && Number.isFinite(at) ? at / 1000 : undefined;
}

export type SyncResult = 'synced' | 'unchanged' | 'error' | 'skipped';

/** ExternalSecret reconciler hooks: outcome counters, readiness, and forgetting a deleted one. */
export function externalSecretMetrics(
  metrics: RotorMetrics,
  clock: Clock = systemClock,
): {
  onSyncResult: (result: SyncResult, es: ExternalSecret) => void;
  onDeleted: (namespace: string, name: string) => void;
  onRecreateFailed: () => void;
} {
  // ExternalSecrets whose last success this process has seen: status.refreshTime moves only
  // with a change or on the heartbeat, so it must not overwrite the exact time.
  const seenSuccess = new Set<string>();
  return {
    onSyncResult: (result, es) => {
      metrics.syncTotal.inc({ result });
      const labels = { namespace: es.metadata.namespace ?? '', name: es.metadata.name };
      const key = `${labels.namespace}/${labels.name}`;
      if (result !== 'skipped') metrics.externalSecretReady.set(labels, result === 'error' ? 0 : 1);
      if (result === 'synced' || result === 'unchanged') {
        metrics.externalSecretLastSuccess.set(labels, clock.now() / 1000);
        seenSuccess.add(key);
      }
      // Not due: after an operator restart the last success is only known from the status.
      const fromStatus = result === 'skipped' && !seenSuccess.has(key) ? lastSuccessFromStatus(es) : undefined;
      if (fromStatus !== undefined) metrics.externalSecretLastSuccess.set(labels, fromStatus);
      const interval = periodicIntervalSeconds(es);
      if (interval === undefined) metrics.externalSecretRefreshInterval.remove(labels);
      else metrics.externalSecretRefreshInterval.set(labels, interval);
    },
    onDeleted: (namespace, name) => {
      seenSuccess.delete(`${namespace}/${name}`);
      for (const series of perExternalSecretSeries(metrics)) series.remove({ namespace, name });
    },
    onRecreateFailed: () => metrics.secretRecreateFailures.inc(),
  };
}

/** AwsClientFactory hooks: calls by operation, attempt latency, errors by code and class. */
export function awsCallMetrics(metrics: RotorMetrics): {
  onApiCall: (call: AwsApiCall) => void;
  onApiCallDone: (call: AwsApiCall, outcome: AwsApiCallOutcome) => void;
} {
  return {
    onApiCall: (call) => metrics.awsApiCalls.inc({ service: call.service, operation: call.operation }),
    onApiCallDone: (call, outcome) => {
      metrics.awsApiCallDuration.observe({ service: call.service, operation: call.operation }, outcome.seconds);
      if (outcome.error) metrics.awsApiErrors.inc({ service: call.service, operation: call.operation, code: outcome.error.code, class: outcome.error.class });
    },
  };
}

/** RolloutCoordinator hook: applied restarts and failed ones. */
export function rolloutMetrics(metrics: RotorMetrics): { workload: (kind: string, outcome: 'patched' | 'unchanged' | 'failed') => void } {
  return {
    workload: (kind, outcome) => {
      if (outcome === 'patched') metrics.rolloutsTotal.inc();
      else if (outcome === 'failed') metrics.rolloutFailures.inc({ kind });
    },
  };
}

/** WorkQueue hooks recording into the metrics of one queue/controller. */
/** Hooks for the event queue (controller/runtime/event-queue.ts). */
export function eventQueueMetrics(metrics: RotorMetrics): { onDropped: (type: 'Normal' | 'Warning') => void } {
  return { onDropped: (type) => metrics.eventsDropped.inc({ type }) };
}

export function workQueueMetrics(metrics: RotorMetrics, queue: string): WorkQueueMetrics {
  return {
    setDepth: (depth) => metrics.workqueueDepth.set({ queue }, depth),
    incAdds: () => metrics.workqueueAdds.inc({ queue }),
    observeQueueDuration: (seconds) => metrics.workqueueQueueDuration.observe({ queue }, seconds),
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

/** The manager's metric hooks on this registry (operator.ts passes them in: controller/ needs no registry). */
export function managerMetrics(metrics: RotorMetrics): ManagerMetrics {
  return {
    workQueue: (queue) => workQueueMetrics(metrics, queue),
    informer: (resource) => informerMetrics(metrics, resource),
    eventRouter: () => eventRouterMetrics(metrics),
    eventConsumer: (queue) => eventConsumerMetrics(metrics, queue),
    eventToSecret: (seconds) => metrics.awsEventToSecret.observe(seconds),
  };
}
