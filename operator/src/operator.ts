// The operator's wiring: Kubernetes and AWS clients, reconcilers, leader election and the
// health/metrics servers. No logic of its own beyond lifecycle; main.ts is the entry point.
import type { OperatorConfig } from './config.js';
import type { Logger } from './platform/log.js';
import { awsCallMetrics, clusterExternalSecretMetrics, createMetrics, eventQueueMetrics, externalSecretMetrics, managerMetrics, rolloutMetrics } from './metrics.js';
import { startHealthServer, type HealthServer } from './platform/server.js';
import { loadKubeConfig, makeKubeClients } from './kube/client/clients.js';
import { KubeSecretClient } from './kube/secrets.js';
import { KubeStatusWriter } from './kube/status.js';
import { KubeExternalSecretWriter } from './kube/external-secrets.js';
import { KubeManifestTargetClient } from './kube/manifest-targets.js';
import { KubeEventRecorder } from './kube/events.js';
import { CreatedEvents } from './controller/externalsecret/created-events.js';
import { KubeCredentialSource } from './kube/credential-source.js';
import { KubeNamespaceClient } from './kube/namespaces.js';
import { LeaderElector, kubeLeaseApi } from './kube/informer/leader.js';
import { WriteFence } from './kube/client/write-fence.js';
import { loadOrCreateHmacKey } from './kube/hmac-key.js';
import { AwsClientFactory } from './aws/clients.js';
import { CredentialResolver } from './aws/credentials.js';
import { ProviderFactory } from './aws/provider-factory.js';
import { EndpointPolicy } from './aws/endpoint-policy.js';
import { SharedFetcher } from './aws/fetcher.js';
import { RolloutCoordinator } from './rollout/coordinator.js';
import { KubeWorkloadClient } from './kube/workloads.js';
import { FetchingSecretSource } from './controller/externalsecret/fetch-desired.js';
import { AwsGeneratorRunner } from './aws/generators/runner.js';
import { KubeGeneratorClient } from './kube/generators.js';
import { KubeTemplateSourceClient } from './kube/template-sources.js';
import { StoreAvailability } from './controller/store/availability.js';
import { QueuedEventRecorder } from './controller/runtime/event-queue.js';
import { Manager, kubeManagerSources } from './controller/manager.js';
import { EventIndex } from './controller/externalsecret/event-index.js';
import { SqsEventQueue } from './aws/events/sqs-queue.js';
import { ControllerLifecycle } from './platform/lifecycle.js';
import { errorForLog } from './platform/error-for-log.js';
import { systemClock } from './platform/clock.js';
import { PusherFactory } from './aws/push/factory.js';
import { KubePushSecretClient, KubePushSourceClient } from './kube/push-secrets.js';

export async function runOperator(config: OperatorConfig, logger: Logger): Promise<() => Promise<void>> {
  const kc = loadKubeConfig({ kubeconfigPath: config.kubeconfig, context: config.context });
  // With leader election only the leader writes: the elector opens this fence at each renewal,
  // and every mutating API call is admitted by it and aborted when it closes (kube/client/write-fence.ts).
  const writeFence = config.leaderElect ? new WriteFence() : undefined;
  const clients = makeKubeClients(kc, { logger, writeGate: writeFence });
  const metrics = createMetrics();
  const secrets = new KubeSecretClient(clients.core);
  const status = new KubeStatusWriter(clients.customObjects);
  // Events are written in the background so a pass does not wait for them (event-queue.ts).
  const events = new QueuedEventRecorder({
    inner: new KubeEventRecorder({ core: clients.core, instance: config.identity, logger }),
    ...eventQueueMetrics(metrics),
    logger,
  });
  // A burst of new ExternalSecrets writes one Created Event per store and window, not one each.
  const createdEvents = new CreatedEvents({ events });

  const awsClients = new AwsClientFactory({ ...awsCallMetrics(metrics), callTimeoutMs: config.awsCallTimeoutMs });
  const credentials = new CredentialResolver({
    sources: new KubeCredentialSource(clients.core),
    clients: awsClients,
    logger,
    tokenAudiences: config.tokenAudiences,
    onCacheLookup: (result) => metrics.credentialCache.inc({ result }),
  });
  // Chart-decided: the endpoints namespaced stores may name, who may use the operator identity, token audiences.
  const tenancy = {
    endpoints: new EndpointPolicy({ env: process.env, patterns: config.allowedEndpoints }),
    operatorIdentity: config.operatorIdentityScope,
    tokenAudiences: config.tokenAudiences,
  };
  const providers = new ProviderFactory({ credentials, clients: awsClients, logger, tenancy });
  // ESO's generators (dataFrom[].sourceRef.generatorRef): the same credentials, clients and tenancy policy as the stores.
  const generators = new AwsGeneratorRunner({ objects: new KubeGeneratorClient(clients.customObjects), credentials, clients: awsClients, tenancy });
  // PushSecret's writers: the same credentials, clients and tenancy policy as the readers.
  const pushers = new PusherFactory({ credentials, clients: awsClients, tenancy });
  const pushSecretClient = new KubePushSecretClient(clients.customObjects);
  // With event queues (issue #16): which ExternalSecrets read which secret, and when each was
  // last read (fed by the fetcher), so an AWS change event refreshes exactly its readers.
  const eventIndex = config.eventQueues.length > 0 ? new EventIndex() : undefined;
  const fetcher = new SharedFetcher({
    ttlMs: config.fetchCacheTtlMs,
    ...(eventIndex ? { onRead: (service, value, startedAtMs) => eventIndex.recordRead(service, value, startedAtMs) } : {}),
  });
  const rollouts = new RolloutCoordinator({
    workloads: KubeWorkloadClient.fromClients(clients, { logger }),
    events,
    logger,
    debounceMs: config.rolloutDebounceMs,
    metrics: rolloutMetrics(metrics),
  });

  let elector: LeaderElector | undefined;
  const lifecycle = new ControllerLifecycle({
    leaderElect: config.leaderElect,
    logger,
    exit: (code) => process.exit(code),
    // The rollout flush and the Created summaries record Events: flush them first, then the event queue.
    drain: async () => {
      await rollouts.flushNow();
      await createdEvents.flush();
      await events.flush();
    },
    build: async () => {
      const macKey = await loadOrCreateHmacKey(secrets, config.namespace, config.hmacSecretName);
      const manager = new Manager({
        sources: kubeManagerSources(clients, config.watchNamespace, { configMapTargets: config.targetAllowedKinds.includes('ConfigMap') }),
        logger,
        metrics: managerMetrics(metrics),
        concurrency: config.concurrency,
        storeConcurrency: config.storeConcurrency,
        watchNamespace: config.watchNamespace,
        watchStallMs: config.watchStallMs,
        externalSecretDeps: {
          namespaces: new KubeNamespaceClient(clients.core),
          secrets,
          status,
          events,
          createdEvents,
          source: new FetchingSecretSource(providers, fetcher, new KubeTemplateSourceClient(clients.core), new StoreAvailability({ holdMs: config.awsCallTimeoutMs }), generators),
          rollouts,
          macKey,
          clock: systemClock,
          statusHeartbeatMs: config.statusHeartbeatMs,
          ...externalSecretMetrics(metrics),
        },
        storeDeps: {
          providers,
          status,
          events,
          clock: systemClock,
          revalidateAfterMs: config.storeRevalidateMs,
          awsCallTimeoutMs: config.awsCallTimeoutMs,
        },
        // spec.target.manifest: always wired, so a kind the admin did not allow is refused with
        // a message naming the chart value (an empty list allows none).
        manifestTargets: { client: new KubeManifestTargetClient(clients.core, clients.customObjects), allowedKinds: config.targetAllowedKinds },
        clusterExternalSecretDeps: {
          writer: new KubeExternalSecretWriter(clients.customObjects),
          status,
          events,
          clock: systemClock,
          ...clusterExternalSecretMetrics(metrics),
        },
        push: {
          pushSecret: {
            namespaces: new KubeNamespaceClient(clients.core),
            sources: new KubePushSourceClient(clients.core),
            templateSources: new KubeTemplateSourceClient(clients.core),
            pushers,
            generators,
            status: pushSecretClient,
            finalizers: pushSecretClient,
            events,
            clock: systemClock,
            passTimeoutMs: Math.max(60_000, config.awsCallTimeoutMs * 4),
          },
          clusterPushSecret: { writer: pushSecretClient, status: pushSecretClient, events, clock: systemClock },
        },
        // Built per leadership: the consumers start with the workers and stop on step-down.
        ...(eventIndex
          ? {
              events: {
                index: eventIndex,
                queues: config.eventQueues.map((spec) => ({ name: spec.url, queue: new SqsEventQueue(spec, awsClients) })),
                invalidate: (service, key) => fetcher.invalidateRemote(service, key),
                // A broken queue is an Event on the operator's own Pod (identity = the pod name).
                reportTo: { apiVersion: 'v1', kind: 'Pod', name: config.identity, namespace: config.namespace },
              },
            }
          : {}),
      });
      // Secrets rotated together restart a workload once: its other ExternalSecrets refresh first.
      rollouts.refreshSiblingsWith(manager.siblingRefresher());
      return manager;
    },
  });
  const servers: HealthServer[] = [];
  const ports = new Set([config.healthPort, config.metricsPort]);
  for (const port of ports) {
    const server = await startHealthServer({ port, host: config.bindAddress, isLive: () => true, isReady: () => lifecycle.readiness(), registry: metrics.registry });
    logger.info({ port: server.port }, 'health and metrics server listening');
    servers.push(server);
  }

  if (config.leaderElect) {
    elector = new LeaderElector({
      lease: kubeLeaseApi(clients.coordination),
      namespace: config.leaderElectionNamespace,
      name: config.leaderElectionId,
      identity: config.identity,
      logger,
      writeFence,
      onStartedLeading: () => {
        metrics.leader.set(1);
        lifecycle.onStartedLeading();
      },
      // A deposed leader stops, flushes and exits so the pod restarts clean (lifecycle.ts).
      onStoppedLeading: () => {
        metrics.leader.set(0);
        lifecycle.onStoppedLeading();
      },
    });
    elector.start();
  } else {
    await lifecycle.startNow();
    metrics.leader.set(1);
  }

  return async () => {
    logger.info('shutting down');
    await lifecycle.shutdown();
    await elector?.stop();
    await Promise.all(servers.map((s) => s.close()));
  };
}

export function fatal(logger: Logger, message: string, error: unknown): never {
  logger.fatal({ err: errorForLog(error) }, message);
  process.exit(1);
}
