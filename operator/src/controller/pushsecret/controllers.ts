// The PushSecret and ClusterPushSecret controllers as the Manager runs them: their informers,
// work queues and event routing, beside the read path's (manager.ts) and sharing its store and
// namespace caches. Watch callbacks only enqueue keys. A change of a selected Secret re-pushes
// the PushSecrets that select it, found through PushSourceIndex (a lookup, never a scan); the
// Secret informer keeps only Secrets some PushSecret selects, and without their data.
import type { Logger } from 'pino';
import type { ClusterPushSecret, PushSecret } from '../../api/push-types.js';
import type { SecretStore } from '../../api/types.js';
import type { Namespace, Secret } from '../../kube/client/objects.js';
import type { KubeObject, ListWatchSource } from '../../kube/informer/list-watch.js';
import type { ResilientInformer } from '../../kube/informer/resilient-informer.js';
import { WorkQueue, type WorkQueueOptions } from '../runtime/workqueue.js';
import { controllingClusterExternalSecret, type NamespaceView } from '../clusterexternalsecret/externalsecret-plan.js';
import { PushSecretReconciler, type PushSecretReconcilerDeps } from './reconciler.js';
import { PushSourceIndex } from './source-index.js';
import { ClusterPushSecretReconciler, type ClusterPushSecretReconcilerDeps } from '../clusterpushsecret/reconciler.js';
import { CLUSTER_PUSH_SECRET_KIND } from '../clusterpushsecret/plan.js';

export interface PushSources {
  pushSecrets: ListWatchSource<PushSecret & KubeObject>;
  clusterPushSecrets: ListWatchSource<ClusterPushSecret & KubeObject>;
  /** Every Secret (of the watched namespace); the informer keeps only selected ones. */
  sourceSecrets: ListWatchSource<Secret & KubeObject>;
}

export interface PushControllerDeps {
  pushSecret: Omit<PushSecretReconcilerDeps, 'get' | 'stores' | 'logger'>;
  clusterPushSecret: Omit<ClusterPushSecretReconcilerDeps, 'get' | 'namespaces' | 'pushSecrets' | 'logger'>;
}

/** Builds an informer the way the Manager does (stall timeout, metrics, cache transform). */
export type InformerFactory = <T extends KubeObject>(
  resource: string,
  source: ListWatchSource<T>,
  options?: { optional?: string; transform?: (o: T) => T; admit?: (o: T) => boolean },
) => ResilientInformer<T>;

export interface PushControllersOptions {
  sources: PushSources;
  deps: PushControllerDeps;
  informer: InformerFactory;
  /** The Manager's caches. */
  secretStores: ResilientInformer<SecretStore & KubeObject>;
  clusterSecretStores: ResilientInformer<SecretStore & KubeObject>;
  namespaces: ResilientInformer<Namespace & KubeObject>;
  namespaceViews: () => NamespaceView[];
  /** Drops a Secret's data for the cache (kube/informer/cache-transform.ts secretForCache). */
  secretTransform: <T extends KubeObject>(o: T) => T;
  concurrency: number;
  queueMetrics: (controller: string) => WorkQueueOptions['metrics'];
  onError: (controller: string, key: string, error: unknown, retries: number) => void;
  logger: Logger;
}

export class PushControllers {
  readonly pushSecrets: ResilientInformer<PushSecret & KubeObject>;
  readonly clusterPushSecrets: ResilientInformer<ClusterPushSecret & KubeObject>;
  readonly sourceSecrets: ResilientInformer<Secret & KubeObject>;
  readonly index = new PushSourceIndex();
  readonly reconciler: PushSecretReconciler;
  private readonly psQueue: WorkQueue;
  private readonly cpsQueue: WorkQueue;
  /** startInformers() ran and stop did not: the source informer may be started. */
  private running = false;
  private sourcesStarted = false;

  constructor(private readonly options: PushControllersOptions) {
    const { sources, deps } = options;
    const whatToDo = (kind: string) => `its CRD is not installed; apply it (kubectl apply --server-side -f crds/) to use ${kind}s — everything else works without it`;
    this.pushSecrets = options.informer('pushsecrets', sources.pushSecrets, { optional: whatToDo('PushSecret') });
    this.clusterPushSecrets = options.informer('clusterpushsecrets', sources.clusterPushSecrets, { optional: whatToDo('ClusterPushSecret') });
    this.sourceSecrets = options.informer('pushsourcesecrets', sources.sourceSecrets, {
      transform: options.secretTransform,
      admit: (s) => this.index.selects(secretView(s)),
    });

    const stores = {
      secretStore: (ns: string, name: string) => withKind(options.secretStores.get(ns, name), 'SecretStore'),
      clusterSecretStore: (name: string) => withKind(options.clusterSecretStores.get(undefined, name), 'ClusterSecretStore'),
      secretStores: (ns: string) => options.secretStores.list(ns).map((s) => withKind(s, 'SecretStore')!),
      clusterSecretStores: () => options.clusterSecretStores.list().map((s) => withKind(s, 'ClusterSecretStore')!),
    };
    const reconciler = (this.reconciler = new PushSecretReconciler({
      ...deps.pushSecret,
      get: (ns, name) => this.pushSecrets.get(ns, name),
      stores,
      logger: options.logger.child({ controller: 'pushsecret' }),
    }));
    const cpsReconciler = new ClusterPushSecretReconciler({
      ...deps.clusterPushSecret,
      get: (name) => this.clusterPushSecrets.get(undefined, name),
      namespaces: options.namespaceViews,
      pushSecrets: { get: (ns, name) => this.pushSecrets.get(ns, name), list: () => this.pushSecrets.list() },
      logger: options.logger.child({ controller: 'clusterpushsecret' }),
    });
    this.psQueue = new WorkQueue({
      concurrency: Math.max(1, Math.ceil(options.concurrency / 2)),
      metrics: options.queueMetrics('pushsecret'),
      handler: (key) => {
        const slash = key.indexOf('/');
        return reconciler.reconcile(key.slice(0, slash), key.slice(slash + 1));
      },
      onError: (key, error, retries) => options.onError('pushsecret', key, error, retries),
    });
    this.cpsQueue = new WorkQueue({
      concurrency: 1,
      metrics: options.queueMetrics('clusterpushsecret'),
      handler: (name) => cpsReconciler.reconcile(name),
      onError: (key, error, retries) => options.onError('clusterpushsecret', key, error, retries),
    });
    this.route();
  }

  /** The informers that run (the source informer only once started: readiness counts it from then on). */
  informers(): Array<ResilientInformer<KubeObject>> {
    return [this.pushSecrets, this.clusterPushSecrets, ...(this.sourcesStarted ? [this.sourceSecrets] : [])] as Array<ResilientInformer<KubeObject>>;
  }

  /**
   * PushSecrets first: the source informer admits Secrets by what they select. It starts only
   * once a PushSecret selects a Secret: watching every Secret costs a list of all of them (with
   * their data, before the transform drops it) and every Secret event after, which a cluster
   * without PushSecrets should not pay.
   */
  async startInformers(): Promise<void> {
    this.running = true;
    await Promise.all([this.pushSecrets.start(), this.clusterPushSecrets.start()]);
    if (this.index.size > 0) await this.startSources();
  }

  async stopInformers(): Promise<void> {
    this.running = false;
    await Promise.all(this.informers().map((i) => i.stop()));
  }

  private startSources(): Promise<void> {
    if (this.sourcesStarted || !this.running) return Promise.resolve();
    this.sourcesStarted = true;
    this.options.logger.child({ component: 'pushsecret' }).info('a PushSecret selects Secrets: watching Secrets for changes');
    return this.sourceSecrets.start();
  }

  startWorkers(): void {
    this.psQueue.start();
    this.cpsQueue.start();
  }

  async stopWorkers(timeoutMs?: number): Promise<void> {
    await Promise.all([this.psQueue.shutdown(timeoutMs), this.cpsQueue.shutdown(timeoutMs)]);
  }

  private route(): void {
    const keyOf = (o: { metadata: { namespace?: string; name: string } }) => `${o.metadata.namespace}/${o.metadata.name}`;
    const enqueue = (ps: PushSecret) => this.psQueue.add(keyOf(ps));
    this.pushSecrets
      .onAdd((ps) => {
        this.index.set(ps);
        if (this.index.size > 0 && this.pushSecrets.hasSynced()) void this.startSources();
        enqueue(ps);
      })
      // Status writes arrive as updates too; a pass is needed for spec, metadata or deletion changes.
      .onUpdate((ps, old) => {
        if (ps.metadata.generation !== old.metadata.generation) {
          this.index.set(ps);
          if (this.index.size > 0) void this.startSources();
        }
        if (
          ps.metadata.generation !== old.metadata.generation ||
          JSON.stringify([ps.metadata.labels, ps.metadata.annotations, ps.metadata.finalizers]) !== JSON.stringify([old.metadata.labels, old.metadata.annotations, old.metadata.finalizers]) ||
          ps.metadata.deletionTimestamp !== old.metadata.deletionTimestamp
        ) {
          enqueue(ps);
        }
      })
      .onDelete((ps) => {
        this.index.remove(keyOf(ps));
        enqueue(ps);
      });

    // A selected Secret created, changed or deleted: its PushSecrets push now. The initial list
    // is no change (a restart does not re-push everything; refreshInterval catches up).
    const sourceEvent = (secret: Secret) => {
      if (!this.sourceSecrets.hasSynced()) return;
      for (const key of this.index.pushSecretsFor(secretView(secret))) {
        const slash = key.indexOf('/');
        this.reconciler.markSourceChanged(key.slice(0, slash), key.slice(slash + 1));
        this.psQueue.add(key);
      }
    };
    this.sourceSecrets.onAdd(sourceEvent).onUpdate(sourceEvent).onDelete(sourceEvent);

    // A store that appears or changes lets PushSecrets that failed on it retry.
    for (const [informer, kind] of [
      [this.options.secretStores, 'SecretStore'],
      [this.options.clusterSecretStores, 'ClusterSecretStore'],
    ] as const) {
      const retry = (store: SecretStore) => {
        for (const ps of this.pushSecrets.list(kind === 'SecretStore' ? store.metadata.namespace : undefined)) {
          if (ps.status?.conditions?.some((c) => c.type === 'Ready' && c.status !== 'True')) enqueue(ps);
        }
      };
      informer
        .onAdd(retry)
        .onUpdate((s, old) => s.metadata.generation !== old.metadata.generation && retry(s))
        .onDelete((s) => this.options.deps.pushSecret.pushers.forgetStore?.({ ...s, kind }));
    }

    const enqueueCps = (name: string) => this.cpsQueue.add(name);
    const enqueueAllCps = () => {
      for (const cps of this.clusterPushSecrets.list()) enqueueCps(cps.metadata.name);
    };
    this.clusterPushSecrets
      .onAdd((cps) => enqueueCps(cps.metadata.name))
      .onUpdate((cps, old) => {
        if (cps.metadata.generation !== old.metadata.generation || cps.metadata.deletionTimestamp !== old.metadata.deletionTimestamp) enqueueCps(cps.metadata.name);
      })
      .onDelete((cps) => enqueueCps(cps.metadata.name));
    this.options.namespaces
      .onAdd(enqueueAllCps)
      .onUpdate((ns, old) => {
        // A relabelled namespace may be selected now (or no longer), and may now be allowed
        // (or refused) by a ClusterSecretStore's conditions.
        if (JSON.stringify(ns.metadata?.labels ?? {}) === JSON.stringify(old.metadata?.labels ?? {}) && ns.metadata?.deletionTimestamp === old.metadata?.deletionTimestamp) return;
        enqueueAllCps();
        for (const ps of this.pushSecrets.list(ns.metadata?.name)) {
          if (ps.spec.secretStoreRefs?.some((r) => r.kind === 'ClusterSecretStore')) enqueue(ps);
        }
      })
      .onDelete(enqueueAllCps);
    // A PushSecret a ClusterPushSecret controls, changed or deleted by someone else, is repaired.
    const ownerOf = (ps: PushSecret) => controllingClusterExternalSecret(ps, CLUSTER_PUSH_SECRET_KIND);
    this.pushSecrets
      .onUpdate((ps, old) => {
        const owner = ownerOf(ps) ?? ownerOf(old);
        if (owner && ps.metadata.generation !== old.metadata.generation) enqueueCps(owner);
      })
      .onDelete((ps) => {
        const owner = ownerOf(ps);
        if (owner) enqueueCps(owner);
      });
  }
}

function secretView(secret: Secret): { namespace: string; name: string; labels?: Record<string, string> } {
  return { namespace: secret.metadata?.namespace ?? '', name: secret.metadata?.name ?? '', ...(secret.metadata?.labels ? { labels: secret.metadata.labels } : {}) };
}

function withKind(store: SecretStore | undefined, kind: SecretStore['kind']): SecretStore | undefined {
  return store && store.kind !== kind ? { ...store, kind } : store;
}
