// Wires informers to work queues to reconcilers. Watch callbacks only enqueue keys;
// every timer (refresh, backoff) lives in the work queues (docs/architecture.md).
import type { Logger } from 'pino';
import {
  ANNOTATION_OWNER,
  LABEL_MANAGED,
  PLURAL,
  type ClusterExternalSecret,
  type ExternalSecret,
  type SecretStore,
  type StoreKind,
} from '../api/types.js';
import type { KubeClients } from '../kube/client/clients.js';
import type { Namespace, Secret, ConfigMap, GenericObject } from '../kube/client/objects.js';
import {
  customResourceListWatchSource,
  kubeListWatchSource,
  secretListWatchSource,
  configMapListWatchSource,
  type KubeObject,
  type ListWatchSource,
} from '../kube/informer/list-watch.js';
import { ResilientInformer, informerReadiness, type ResilientInformerOptions } from '../kube/informer/resilient-informer.js';
import type { Indexers } from '../kube/informer/indexer.js';
import { admitSecret, isDataStripped, secretForCache, stripForCache } from '../kube/informer/cache-transform.js';
import type { Readiness } from '../platform/server.js';
import type { EventRecorder, NamespaceClient, ObjectRef, SecretClient } from '../kube/ports.js';
import { WorkQueue, type WorkQueueMetrics } from './runtime/workqueue.js';
import { ExternalSecretReconciler, refOf, type ExternalSecretReconcilerDeps } from './externalsecret/reconciler.js';
import { ReconcileFailure } from './runtime/reconcile.js';
import { errorForLog } from '../platform/error-for-log.js';
import { deletionChanged, labelsChanged, specAnnotationsOrDeletionChanged, stampedFieldsChanged } from './runtime/predicates.js';
import { keyOfStore, parseStoreKey, storeKeysOfRefs } from './store/key.js';
import type { SiblingRefresher } from '../rollout/coordinator.js';
import { periodicIntervalMs, withDefaults } from '../api/defaults.js';
import { StoreReconciler, type StoreReconcilerDeps } from './store/reconciler.js';
import { ClusterExternalSecretReconciler, type ClusterExternalSecretReconcilerDeps } from './clusterexternalsecret/reconciler.js';
import { controllingClusterExternalSecret, type NamespaceView } from './clusterexternalsecret/externalsecret-plan.js';
import { ownerToRepair } from './externalsecret/secret-owner.js';
import { EventIndex, type IndexedRead } from './externalsecret/event-index.js';
import { EventRouter, type EventRouterMetrics } from './externalsecret/event-router.js';
import { QueueConsumer, type QueueConsumerOptions } from '../aws/events/consumer.js';
import type { EventQueue } from '../aws/events/sqs-queue.js';
import type { BackoffPolicy } from '../platform/backoff.js';
import type { AwsService } from '../api/types.js';
import { forceSyncToken } from './externalsecret/force-sync.js';
import { storeRefsOf } from '../api/store-refs.js';
import { PUSH_PLURAL } from '../api/push-types.js';
import { PushControllers, type PushControllerDeps, type PushSources } from './pushsecret/controllers.js';
import { ManifestTargets, type ManifestTargetsDeps } from './manifest/manifest-targets.js';
import { withoutContent } from '../sync/manifest-content.js';

/** Where the informers list and watch; kubeManagerSources() in production, fakes in tests. */
export interface ManagerSources {
  externalSecrets: ListWatchSource<ExternalSecret & KubeObject>;
  secretStores: ListWatchSource<SecretStore & KubeObject>;
  clusterSecretStores: ListWatchSource<SecretStore & KubeObject>;
  /** Only Secrets labelled rotor.dev/managed=true. */
  managedSecrets: ListWatchSource<Secret & KubeObject>;
  namespaces: ListWatchSource<Namespace & KubeObject>;
  clusterExternalSecrets: ListWatchSource<ClusterExternalSecret & KubeObject>;
  /** PushSecret, ClusterPushSecret and their source Secrets; used when ManagerOptions.push is set. */
  push?: PushSources;
  /** ConfigMaps labelled rotor.dev/managed=true; only when ConfigMap targets are allowed. */
  managedConfigMaps?: ListWatchSource<ConfigMap & KubeObject>;
}

export function kubeManagerSources(clients: KubeClients, namespace: string | undefined, options: { configMapTargets?: boolean } = {}): ManagerSources {
  return {
    ...(options.configMapTargets ? { managedConfigMaps: configMapListWatchSource<ConfigMap & KubeObject>(clients, { labelSelector: `${LABEL_MANAGED}=true`, namespace }) } : {}),
    externalSecrets: customResourceListWatchSource(clients, { plural: PLURAL.ExternalSecret, namespace }),
    secretStores: customResourceListWatchSource(clients, { plural: PLURAL.SecretStore, namespace }),
    clusterSecretStores: customResourceListWatchSource(clients, { plural: PLURAL.ClusterSecretStore }),
    clusterExternalSecrets: customResourceListWatchSource(clients, { plural: PLURAL.ClusterExternalSecret }),
    managedSecrets: secretListWatchSource(clients, { labelSelector: `${LABEL_MANAGED}=true`, namespace }),
    namespaces: kubeListWatchSource<Namespace & KubeObject>({
      rest: clients.rest,
      path: '/api/v1/namespaces',
      listPage: (continueToken, limit) => clients.core.listNamespace({ limit, _continue: continueToken }),
    }),
    push: {
      pushSecrets: customResourceListWatchSource(clients, { plural: PUSH_PLURAL.PushSecret, namespace }),
      clusterPushSecrets: customResourceListWatchSource(clients, { plural: PUSH_PLURAL.ClusterPushSecret }),
      // Every Secret: the informer admits only those a PushSecret selects (pushsecret/controllers.ts).
      sourceSecrets: secretListWatchSource(clients, { labelSelector: '', namespace }),
    },
  };
}

export interface ManagerOptions {
  sources: ManagerSources;
  logger: Logger;
  /** Metric hooks, made by the wiring (operator.ts: metrics.ts managerMetrics) so this layer needs no registry. */
  metrics: ManagerMetrics;
  concurrency: number;
  /** ExternalSecrets of one store reconciled at once (default: concurrency, no limit). */
  storeConcurrency?: number;
  watchNamespace?: string;
  watchStallMs: number;
  /** How often to look again for a kind whose CRD is not installed (default 1 minute). */
  optionalKindRecheckMs?: number;
  /** Everything of the reconcilers that is not a cache the manager owns. */
  externalSecretDeps: Omit<ExternalSecretReconcilerDeps, 'externalSecrets' | 'stores' | 'secrets' | 'logger' | 'requeue' | 'managedSecretsOf' | 'cachedManagedSecret' | 'readLive'> & { secrets: SecretClient };
  storeDeps: Omit<StoreReconcilerDeps, 'get' | 'logger'>;
  clusterExternalSecretDeps: Omit<ClusterExternalSecretReconcilerDeps, 'get' | 'namespaces' | 'externalSecrets' | 'logger'>;
  /** Non-Secret targets (spec.target.manifest); absent: refused. The manager adds its ConfigMap cache. */
  manifestTargets?: Omit<ManifestTargetsDeps, 'cachedConfigMap' | 'macKey'>;
  /** AWS change events (issue #16): the operator's queues, read only while this manager runs (on the leader). */
  events?: ManagerEventOptions;
  /** PushSecret and ClusterPushSecret (issue #17); absent: those kinds are not watched. */
  push?: PushControllerDeps;
}

/** The metric hooks of everything the manager builds. */
export interface ManagerMetrics {
  workQueue(queue: string): WorkQueueMetrics;
  informer(resource: string): Pick<ResilientInformerOptions<KubeObject>, 'onRestart' | 'onHealthChange'>;
  eventRouter(): EventRouterMetrics;
  eventConsumer(queue: string): QueueConsumerOptions['metrics'];
  /** Seconds from an AWS change event's receipt to the Secret written for it. */
  eventToSecret(seconds: number): void;
}

export interface ManagerEventOptions {
  /** One consumer per distinct queue; `name` labels its metric and log lines (the URL). */
  queues: Array<{ name: string; queue: EventQueue }>;
  /** The index the fetcher's onRead feeds (last reads); a new one when absent. */
  index?: EventIndex;
  /** SharedFetcher.invalidateRemote. */
  invalidate: (service: AwsService, key: string) => void;
  /**
   * The object a queue's health changes are recorded on as Events (the operator's own Pod):
   * queues are the chart's, not any store's, so no store carries their condition.
   */
  reportTo?: ObjectRef;
  /** Consumer backoff and sleep (tests). */
  backoff?: BackoffPolicy;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export class Manager {
  readonly externalSecrets: ResilientInformer<ExternalSecret & KubeObject>;
  readonly secretStores: ResilientInformer<SecretStore & KubeObject>;
  readonly clusterSecretStores: ResilientInformer<SecretStore & KubeObject>;
  readonly managedSecrets: ResilientInformer<Secret & KubeObject>;
  /** Namespace labels decide ClusterSecretStore access; watching them admits a relabelled namespace at once. */
  readonly namespaces: ResilientInformer<Namespace & KubeObject>;
  readonly clusterExternalSecrets: ResilientInformer<ClusterExternalSecret & KubeObject>;
  /** ConfigMap targets, content replaced by a keyed digest (sync/manifest-content.ts). */
  readonly managedConfigMaps: ResilientInformer<ConfigMap & KubeObject> | undefined;
  private readonly esQueue: WorkQueue;
  private readonly cesQueue: WorkQueue;
  private readonly storeQueue: WorkQueue;
  private readonly esReconciler: ExternalSecretReconciler;
  private readonly log: Logger;
  /** Remote secret -> ExternalSecrets, only when event queues are configured. */
  readonly eventIndex: EventIndex | undefined;
  private readonly consumers: QueueConsumer[] = [];
  /** PushSecret / ClusterPushSecret controllers, when ManagerOptions.push is set. */
  readonly push: PushControllers | undefined;

  constructor(private readonly options: ManagerOptions) {
    const { sources, metrics } = options;
    this.log = options.logger.child({ component: 'manager' });
    const informer = <T extends KubeObject>(
      resource: string,
      source: ListWatchSource<T>,
      optional?: ResilientInformerOptions<T>['optional'],
      keep: Pick<ResilientInformerOptions<T>, 'transform' | 'admit' | 'indexers'> = { transform: stripForCache },
    ) =>
      new ResilientInformer<T>({
        resource,
        source,
        stallTimeoutMs: options.watchStallMs,
        logger: options.logger.child({ informer: resource }),
        ...keep,
        ...metrics.informer(resource),
        ...(optional ? { optional } : {}),
      });
    this.externalSecrets = informer(PLURAL.ExternalSecret, sources.externalSecrets, undefined, { transform: stripForCache, indexers: EXTERNAL_SECRET_INDEXERS });
    this.secretStores = informer(PLURAL.SecretStore, sources.secretStores);
    this.clusterSecretStores = informer(PLURAL.ClusterSecretStore, sources.clusterSecretStores);
    // Metadata and a digest of the data only, and only Secrets claiming an owner in their own
    // namespace: what a tenant labels managed must not decide the operator's memory.
    this.managedSecrets = informer('secrets', sources.managedSecrets, undefined, {
      transform: secretForCache(options.externalSecretDeps.macKey),
      admit: admitSecret,
      indexers: MANAGED_OBJECT_INDEXERS,
    });
    this.namespaces = informer('namespaces', sources.namespaces);
    // ConfigMaps may be large and anyone may label theirs: as for Secrets, metadata and a keyed
    // digest of the content only, and only those claiming an owner in their own namespace.
    const macKey = options.externalSecretDeps.macKey;
    this.managedConfigMaps = sources.managedConfigMaps
      ? informer('configmaps', sources.managedConfigMaps, undefined, {
          transform: <T extends KubeObject>(object: T) => withoutContent(macKey, stripForCache(object) as unknown as Record<string, unknown>, 'ConfigMap') as unknown as T,
          admit: admitSecret,
          indexers: MANAGED_OBJECT_INDEXERS,
        })
      : undefined;
    // Added after 0.1.0: an upgrade that did not apply the CRDs first (Helm never upgrades them)
    // must not stop ExternalSecrets from syncing; ClusterExternalSecrets start once it is applied.
    this.clusterExternalSecrets = informer(PLURAL.ClusterExternalSecret, sources.clusterExternalSecrets, {
      absentRecheckMs: options.optionalKindRecheckMs ?? 60_000,
      whatToDo: 'its CRD is not installed; apply it (kubectl apply --server-side -f crds/) to use ClusterExternalSecrets — everything else works without it',
    });

    const index = (this.eventIndex = options.events ? (options.events.index ?? new EventIndex()) : undefined);
    const esDeps = options.externalSecretDeps;
    const esReconciler = (this.esReconciler = new ExternalSecretReconciler({
      ...esDeps,
      ...(index
        ? {
            onSynced: (ns: string, name: string, service: AwsService, reads: Parameters<EventIndex['learn']>[2]) => {
              // Only while it still exists: a pass that finishes after the delete must not re-file it.
              if (this.externalSecrets.get(ns, name)) index.learn(`${ns}/${name}`, service, reads);
              esDeps.onSynced?.(ns, name, service, reads);
            },
            onEventSynced: (seconds: number) => {
              metrics.eventToSecret(seconds);
              esDeps.onEventSynced?.(seconds);
            },
          }
        : {}),
      namespaces: this.cachedNamespaces(options.externalSecretDeps.namespaces),
      externalSecrets: { get: (ns, name) => this.externalSecrets.get(ns, name) },
      stores: {
        secretStore: (ns, name) => withKind(this.secretStores.get(ns, name), 'SecretStore'),
        clusterSecretStore: (name) => withKind(this.clusterSecretStores.get(undefined, name), 'ClusterSecretStore'),
      },
      secrets: this.cacheFirstSecrets(options.externalSecretDeps.secrets),
      readLive: (ns, name) => options.externalSecretDeps.secrets.get(ns, name),
      ...(options.manifestTargets
        ? { manifestTargets: new ManifestTargets({ ...options.manifestTargets, macKey: esDeps.macKey, cachedConfigMap: (ns, name) => this.managedConfigMaps?.get(ns, name) as GenericObject | undefined,
              managedConfigMapsOf: (ns, owner) => (this.managedConfigMaps?.byIndex(BY_OWNER, owner) ?? []).filter((cm) => cm.metadata?.namespace === ns) as GenericObject[],
            }) }
        : {}),
      managedSecretsOf: (ns, owner) => this.managedSecretsOf(ns, owner),
      cachedManagedSecret: (ns, name) => this.managedSecrets.get(ns, name),
      // A rollout's answer brings its ExternalSecret back to record it and clear the marker.
      requeue: (ns, name) => this.esQueue.add(`${ns}/${name}`),
      logger: options.logger.child({ controller: 'externalsecret' }),
    }));
    const storeReconciler = new StoreReconciler({
      ...options.storeDeps,
      get: (kind, ns, name) =>
        kind === 'ClusterSecretStore' ? withKind(this.clusterSecretStores.get(undefined, name), kind) : withKind(this.secretStores.get(ns, name), kind),
      logger: options.logger.child({ controller: 'secretstore' }),
    });

    const cesReconciler = new ClusterExternalSecretReconciler({
      ...options.clusterExternalSecretDeps,
      get: (name) => this.clusterExternalSecrets.get(undefined, name),
      namespaces: () => this.namespaceViews(),
      externalSecrets: { get: (ns, name) => this.externalSecrets.get(ns, name), controlledBy: (ces) => this.externalSecrets.byIndex(BY_CLUSTER_EXTERNAL_SECRET, ces) },
      logger: options.logger.child({ controller: 'clusterexternalsecret' }),
    });

    this.esQueue = new WorkQueue({
      concurrency: options.concurrency,
      // A store that hangs holds at most storeConcurrency workers; the others serve other stores.
      groupOf: (key) => this.storeGroupOf(key),
      maxPerGroup: options.storeConcurrency ?? options.concurrency,
      metrics: metrics.workQueue('externalsecret'),
      handler: (key) => {
        const [ns, name] = splitKey(key);
        return esReconciler.reconcile(ns, name);
      },
      onError: (key, error, retries) => this.logFailure('externalsecret', key, error, retries),
    });
    this.storeQueue = new WorkQueue({
      concurrency: Math.max(1, Math.ceil(options.concurrency / 2)),
      metrics: metrics.workQueue('secretstore'),
      handler: (key) => {
        const store = parseStoreKey(key);
        return store ? storeReconciler.reconcile(store.kind, store.namespace, store.name) : Promise.resolve();
      },
      onError: (key, error, retries) => this.logFailure('secretstore', key, error, retries),
    });
    // Few ClusterExternalSecrets, each a loop over namespaces: a small queue of its own.
    this.cesQueue = new WorkQueue({
      concurrency: 2,
      metrics: metrics.workQueue('clusterexternalsecret'),
      handler: (name) => cesReconciler.reconcile(name),
      onError: (key, error, retries) => this.logFailure('clusterexternalsecret', key, error, retries),
    });
    this.routeEvents();
    if (options.events && index) this.setUpEventConsumers(options.events, index);
    this.push =
      options.push && sources.push
        ? new PushControllers({
            sources: sources.push,
            deps: options.push,
            informer: (resource, source, extra = {}) =>
              informer(
                resource,
                source,
                extra.optional ? { absentRecheckMs: options.optionalKindRecheckMs ?? 60_000, whatToDo: extra.optional } : undefined,
                { transform: extra.transform ?? stripForCache, ...(extra.admit ? { admit: extra.admit } : {}) },
              ),
            secretStores: this.secretStores,
            clusterSecretStores: this.clusterSecretStores,
            namespaces: this.namespaces,
            namespaceViews: () => this.namespaceViews(),
            secretTransform: secretForCache(options.externalSecretDeps.macKey),
            concurrency: options.concurrency,
            queueMetrics: (queue) => metrics.workQueue(queue),
            onError: (controller, key, error, retries) => this.logFailure(controller, key, error, retries),
            logger: options.logger,
          })
        : undefined;
  }

  /** One long-poll loop per queue, all feeding one router; started and stopped with the workers. */
  private setUpEventConsumers(events: ManagerEventOptions, index: EventIndex): void {
    const router = new EventRouter({
      index,
      invalidate: events.invalidate,
      mark: (ns, name, trigger) => this.esReconciler.refreshForEvent(ns, name, trigger),
      enqueue: (key) => this.esQueue.add(key),
      events: this.options.externalSecretDeps.events,
      uidOf: (ns, name) => this.externalSecrets.get(ns, name)?.metadata.uid,
      metrics: this.options.metrics.eventRouter(),
    });
    for (const { name, queue } of events.queues) {
      this.consumers.push(
        new QueueConsumer({
          name,
          queue,
          handle: (change, receivedAt) => router.route(change, receivedAt),
          metrics: this.options.metrics.eventConsumer(name),
          logger: this.options.logger.child({ component: 'event-queue' }),
          ...(events.reportTo ? { onHealthChange: queueHealthEvents(this.options.externalSecretDeps.events, events.reportTo, name) } : {}),
          ...(events.backoff ? { backoff: events.backoff } : {}),
          ...(events.sleep ? { sleep: events.sleep } : {}),
        }),
      );
    }
  }

  /** Files an ExternalSecret in the event index under the remote keys its spec reads through its store. */
  private indexExternalSecret(es: ExternalSecret): void {
    const index = this.eventIndex;
    if (!index) return;
    const key = `${es.metadata.namespace}/${es.metadata.name}`;
    const ref = es.spec?.secretStoreRef;
    const store = ref ? (ref.kind === 'ClusterSecretStore' ? this.clusterSecretStores.get(undefined, ref.name) : this.secretStores.get(es.metadata.namespace, ref.name)) : undefined;
    const aws = store?.spec?.provider?.aws;
    // No store (yet): nothing to match; the store's add files it.
    const service = aws?.service;
    if (!aws?.region || !service || service === 'CertificateManager') {
      index.setSpec(key, []);
      return;
    }
    const prefix = aws.prefix ?? '';
    const keys = [...(es.spec.data ?? []).map((d) => d.remoteRef?.key), ...(es.spec.dataFrom ?? []).map((d) => d.extract?.key)];
    const reads: IndexedRead[] = keys.filter((k): k is string => typeof k === 'string' && k.length > 0).map((k) => ({ service, region: aws.region, key: prefix + k }));
    index.setSpec(key, reads);
  }

  /**
   * The ExternalSecrets a rollout refreshes first (rollout/coordinator.ts): the periodic ones
   * of the namespace, refreshed through the work queue (one pass per key at a time).
   */
  siblingRefresher(): SiblingRefresher {
    return {
      candidates: (namespace) =>
        this.externalSecrets
          .byIndex(PERIODIC_BY_NAMESPACE, namespace)
          .map((es) => withDefaults(es))
          .map((es) => ({ externalSecret: refOf(es), secretName: es.spec.target.name, ...(es.spec.rollout ? { rollout: es.spec.rollout } : {}) })),
      refresh: async (refs) => {
        await Promise.all(
          refs.map((ref) => {
            const done = this.esReconciler.refreshForRollout(ref.namespace!, ref.name);
            this.esQueue.add(`${ref.namespace}/${ref.name}`);
            return done;
          }),
        );
      },
    };
  }

  async start(): Promise<void> {
    this.log.info({ namespace: this.options.watchNamespace ?? '(all)' }, 'starting informers');
    await Promise.all([...this.readInformers().map((i) => i.start()), this.push?.startInformers()]);
    this.log.info({ externalSecrets: this.externalSecrets.list().length }, 'informers synced; starting workers');
    this.storeQueue.start();
    this.esQueue.start();
    this.cesQueue.start();
    this.push?.startWorkers();
    // The index is complete once the informers synced: events from now on find their readers.
    for (const consumer of this.consumers) consumer.start();
  }

  /** Stops the event queues and the workers (waiting at most timeoutMs for running reconciles), then the informers. */
  async stop(timeoutMs?: number): Promise<void> {
    // First: a message received from now on is not handled, so it stays for the next leader.
    await Promise.all(this.consumers.map((c) => c.stop()));
    await Promise.all([this.esQueue.shutdown(timeoutMs), this.storeQueue.shutdown(timeoutMs), this.cesQueue.shutdown(timeoutMs), this.push?.stopWorkers(timeoutMs)]);
    await Promise.all([...this.readInformers().map((i) => i.stop()), this.push?.stopInformers()]);
  }

  readiness(): Readiness {
    return informerReadiness(this.informers());
  }

  private informers() {
    return [...this.readInformers(), ...(this.push?.informers() ?? [])];
  }

  private readInformers() {
    return [this.externalSecrets, this.secretStores, this.clusterSecretStores, this.managedSecrets, this.namespaces, this.clusterExternalSecrets, ...(this.managedConfigMaps ? [this.managedConfigMaps] : [])];
  }

  private routeEvents(): void {
    const enqueueEs = (es: ExternalSecret) => this.esQueue.add(`${es.metadata.namespace}/${es.metadata.name}`);
    if (this.eventIndex) {
      const index = this.eventIndex;
      this.externalSecrets
        .onAdd((es) => this.indexExternalSecret(es))
        .onUpdate((es, old) => {
          if (es.metadata.generation !== old.metadata.generation) this.indexExternalSecret(es);
        })
        .onDelete((es) => index.remove(`${es.metadata.namespace}/${es.metadata.name}`));
    }
    this.externalSecrets
      .onAdd(enqueueEs)
      // Status writes also arrive as updates; only spec, metadata or deletion changes need a pass.
      .onUpdate((es, old) => {
        this.esReconciler.observed(es);
        if (specAnnotationsOrDeletionChanged(es, old)) enqueueEs(es);
      })
      .onDelete(enqueueEs);

    for (const [informer, kind] of [
      [this.secretStores, 'SecretStore'],
      [this.clusterSecretStores, 'ClusterSecretStore'],
    ] as const) {
      informer
        .onAdd((s) => {
          this.storeQueue.add(keyOfStore(s, kind));
          // ExternalSecrets that failed because the store did not exist retry now (and are
          // filed in the event index under the store's region).
          for (const es of this.externalSecretsUsing(s, kind)) {
            this.indexExternalSecret(es);
            enqueueEs(es);
          }
        })
        .onUpdate((s, old) => {
          if (s.metadata.generation === old.metadata.generation) {
            // A new force-sync on the store (rotor refresh, the Argo CD action) re-validates
            // it now; its ExternalSecrets keep their own schedule.
            if (forceSyncToken(s.metadata.annotations) !== forceSyncToken(old.metadata.annotations)) this.storeQueue.add(keyOfStore(s, kind));
            return;
          }
          this.storeQueue.add(keyOfStore(s, kind));
          // Every ExternalSecret of the store, Ready ones too, re-syncs from the new spec (a
          // failing one retries now instead of at its next backoff).
          for (const es of this.externalSecretsUsing(s, kind)) {
            this.esReconciler.storeChanged(es.metadata.namespace!, es.metadata.name);
            this.indexExternalSecret(es); // region, service or prefix may have changed
            enqueueEs(es);
          }
        })
        // The store reconciler releases a deleted store's clients, sockets and credentials.
        .onDelete((s) => this.storeQueue.add(keyOfStore(s, kind)));
    }

    // A managed Secret edited or deleted by someone is repaired by its ExternalSecret: only one
    // of the Secret's own namespace whose uid it records (secret-owner.ts), and through the
    // queue's event limits, so edits can neither reach another namespace nor cut a failing
    // ExternalSecret's backoff short.
    const enqueueOwner = (secret: Secret) => {
      const key = ownerToRepair(secret, (ns, name) => this.externalSecrets.get(ns, name));
      if (key) this.esQueue.addForEvent(key);
    };
    this.managedSecrets.onUpdate(enqueueOwner).onDelete(enqueueOwner);
    // The same rule for ConfigMap targets (only metadata is read).
    this.managedConfigMaps?.onUpdate((cm) => enqueueOwner(cm as Secret)).onDelete((cm) => enqueueOwner(cm as Secret));

    this.routeClusterExternalSecretEvents();

    // A relabelled namespace may now be allowed (or refused) by a ClusterSecretStore's conditions.
    this.namespaces.onUpdate((ns, old) => {
      if (!labelsChanged(ns, old)) return;
      for (const es of this.externalSecrets.list(ns.metadata?.name)) {
        if (storeRefsOf(es).some((ref) => ref.kind === 'ClusterSecretStore')) enqueueEs(es);
      }
    });
  }

  /**
   * A ClusterExternalSecret is reconciled when it changes (spec, or annotations: force-sync),
   * when any namespace appears, is relabelled or goes (it may be selected now, or no longer),
   * and when an ExternalSecret it controls is changed or deleted by someone else (repaired at
   * once), or a foreign ExternalSecret blocking one of its failed namespaces is deleted.
   */
  private routeClusterExternalSecretEvents(): void {
    const enqueue = (name: string) => this.cesQueue.add(name);
    const enqueueAll = () => {
      for (const ces of this.clusterExternalSecrets.list()) enqueue(ces.metadata.name);
    };
    this.clusterExternalSecrets
      .onAdd((ces) => enqueue(ces.metadata.name))
      .onUpdate((ces, old) => {
        if (specAnnotationsOrDeletionChanged(ces, old)) enqueue(ces.metadata.name);
      })
      .onDelete((ces) => enqueue(ces.metadata.name));

    this.namespaces
      .onAdd(enqueueAll)
      .onUpdate((ns, old) => {
        if (labelsChanged(ns, old) || deletionChanged(ns, old)) enqueueAll();
      })
      .onDelete(enqueueAll);

    const ownerOf = (es: ExternalSecret) => controllingClusterExternalSecret(es);
    this.externalSecrets
      .onUpdate((es, old) => {
        const owner = ownerOf(es) ?? ownerOf(old);
        if (!owner) return;
        if (stampedFieldsChanged(es, old)) enqueue(owner);
      })
      .onDelete((es) => {
        const owner = ownerOf(es);
        if (owner) {
          enqueue(owner);
          return;
        }
        const namespace = es.metadata.namespace;
        for (const ces of this.clusterExternalSecrets.list()) {
          if (ces.status?.failedNamespaces?.some((f) => f.namespace === namespace)) enqueue(ces.metadata.name);
        }
      });
  }

  /** Namespaces a ClusterExternalSecret may stamp into (only the watched one with --watch-namespace). */
  private namespaceViews(): NamespaceView[] {
    const watched = this.options.watchNamespace;
    return this.namespaces
      .list()
      .filter((ns) => !watched || ns.metadata?.name === watched)
      .map((ns) => ({ name: ns.metadata!.name!, labels: ns.metadata?.labels ?? {}, terminating: !!ns.metadata?.deletionTimestamp }));
  }

  /** Namespace labels from the informer cache; the API only for a namespace not seen yet. */
  private cachedNamespaces(api: NamespaceClient): NamespaceClient {
    return {
      labels: async (name) => {
        const cached = this.namespaces.get(undefined, name);
        return cached ? (cached.metadata?.labels ?? {}) : api.labels(name);
      },
    };
  }

  /** The store an ExternalSecret key reads from (its own key when it is gone). */
  private storeGroupOf(key: string): string {
    const [ns, name] = splitKey(key);
    const es = this.externalSecrets.get(ns, name);
    return (es && storeKeysOfRefs(es)[0]) ?? key;
  }

  /** The ExternalSecrets naming this store (an index lookup: a store event must not scan every ExternalSecret). */
  externalSecretsUsing(store: SecretStore, kind: StoreKind): ExternalSecret[] {
    return this.externalSecrets.byIndex(BY_STORE, keyOfStore(store, kind));
  }

  /** The cached managed Secrets of a namespace whose rotor.dev/owner names `owner` (an index lookup). */
  managedSecretsOf(namespace: string, owner: string): Secret[] {
    return this.managedSecrets.byIndex(BY_OWNER, owner).filter((s) => s.metadata?.namespace === namespace);
  }

  /**
   * Managed Secrets come from the informer cache (no API call per pass), without their data
   * (a digest instead; the reconciler reads the API where it needs values); others (Merge
   * targets) from the API. A cached copy is never written back: it would erase the data.
   */
  private cacheFirstSecrets(api: SecretClient): SecretClient {
    const writable = (s: Secret): Secret => {
      if (isDataStripped(s)) throw new Error(`refusing to write the informer's data-less copy of Secret ${s.metadata?.namespace}/${s.metadata?.name}`);
      return s;
    };
    return {
      get: async (ns, name) => this.managedSecrets.get(ns, name) ?? api.get(ns, name),
      create: (s) => api.create(writable(s)),
      replace: (s) => api.replace(writable(s)),
      delete: (ns, name, expected) => api.delete(ns, name, expected),
    };
  }

  private logFailure(controller: string, key: string, error: unknown, retries: number): void {
    if (error instanceof ReconcileFailure) {
      // Already in status and events; the log line keeps the message for operators.
      this.log.debug({ controller, key, retries, retryable: error.retryable }, error.retryable ? 'reconcile failed; backing off' : 'reconcile failed; waiting for a change or the next refresh');
      return;
    }
    // Kubernetes errors keep their message (a 422 names field paths only, from where it is
    // raised: kube/client/errors.ts); any other error shows its name and code.
    this.log.error({ controller, key, retries, err: errorForLog(error) }, 'unexpected reconcile error');
  }
}


function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}

/** ExternalSecrets by the store they name (storeKeyOf), and the periodic ones by namespace (rollout siblings). */
const BY_STORE = 'store';
const PERIODIC_BY_NAMESPACE = 'periodic';
/** ExternalSecrets by the ClusterExternalSecret that controls them. */
const BY_CLUSTER_EXTERNAL_SECRET = 'clusterexternalsecret';
const EXTERNAL_SECRET_INDEXERS: Indexers<ExternalSecret & KubeObject> = {
  // Every store it reads through, sourceRef.storeRef entries included: a change of any of them requeues it.
  [BY_STORE]: (es) => storeKeysOfRefs(es),
  [BY_CLUSTER_EXTERNAL_SECRET]: (es) => {
    const ces = controllingClusterExternalSecret(es);
    return ces ? [ces] : [];
  },
  [PERIODIC_BY_NAMESPACE]: (es) => {
    return es.metadata.namespace && periodicIntervalMs(es) !== undefined ? [es.metadata.namespace] : [];
  },
};

/** Managed Secrets and ConfigMaps by their rotor.dev/owner annotation ("namespace/name" of the ExternalSecret). */
const BY_OWNER = 'owner';
const MANAGED_OBJECT_INDEXERS: Indexers<KubeObject & { metadata?: { annotations?: Record<string, string> } }> = {
  [BY_OWNER]: (object) => {
    const owner = object.metadata?.annotations?.[ANNOTATION_OWNER];
    return owner ? [owner] : [];
  },
};

/** Informer objects from the same list share a kind; the reconcilers rely on it being set. */
function withKind(store: SecretStore | undefined, kind: StoreKind): SecretStore | undefined {
  return store && store.kind !== kind ? { ...store, kind } : store;
}

/**
 * Records a broken events queue, and its recovery, as Events on `object` (the operator's Pod):
 * `kubectl describe pod` and `kubectl get events -n <operator namespace>` show it. Refreshes go
 * on by polling meanwhile, so nothing else changes.
 */
export function queueHealthEvents(recorder: EventRecorder, object: ObjectRef, queue: string): NonNullable<QueueConsumerOptions['onHealthChange']> {
  return (change) => {
    const recorded = change.up
      ? recorder.record(object, 'Normal', 'EventQueueReadable', `events queue ${queue} is read again: AWS change events refresh ExternalSecrets within seconds`)
      : recorder.record(
          object,
          'Warning',
          'EventQueueUnreadable',
          `events queue ${queue} cannot be read (${change.code}): check that it exists and that the operator's role has sqs:ReceiveMessage, sqs:GetQueueAttributes, sqs:DeleteMessage (and kms:Decrypt for SSE-KMS); ExternalSecrets refresh by polling (refreshInterval) until it is readable`,
        );
    void recorded.catch(() => undefined); // the recorder logs its own failures
  };
}
