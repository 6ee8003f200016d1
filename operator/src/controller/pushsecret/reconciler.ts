// One level-based pass over a PushSecret (ESO's kind): keep the finalizer in step with
// deletionPolicy, decide whether a push is due, read the source Secret(s) of the PushSecret's
// own namespace (or run its generator), apply its template, resolve the stores it may use,
// push each data entry through the store's writer, delete what is no longer wanted
// (deletionPolicy Delete), and record ESO's status map of what is where. Values never reach a
// log, an event or status. The pure rules are in plan.ts; every collaborator is injected.
import type { Logger } from 'pino';
import { API_GROUP_VERSION, type SecretStore, type StoreKind } from '../../api/types.js';
import { PS_REASON, PUSH_SECRET_FINALIZER, type PsReason, type PushSecret, type PushSecretStatus, type SyncedPushSecrets } from '../../api/push-types.js';
import { PushError, PUSH_REASON, type PolicySourceRef, type PushOutcome, type PushRequest, type SecretPusher } from '../../api/push.js';
import { GeneratorError, type GeneratorRunner } from '../../api/generator.js';
import { ProviderError } from '../../api/provider.js';
import { matchesLabelSelector } from '../../api/label-selector.js';
import type { Secret } from '../../kube/client/objects.js';
import type { EventRecorder, NamespaceClient, TemplateSourceClient } from '../../kube/ports.js';
import type { PushSecretFinalizerWriter, PushSecretStatusWriter, PushSourceClient } from '../../kube/push-secrets.js';
import { KubeApiError } from '../../kube/client/errors.js';
import type { GoEngine } from '../../sync/template/go/engine.js';
import { applyTemplate, NO_TEMPLATE_SOURCES, templateSourceNames, type TemplateSources } from '../../sync/template/apply.js';
import { findCondition, readyCondition, sameJson, setCondition } from '../runtime/conditions.js';
import { checkStoreAccess } from '../store/access.js';
import { syncedResourceVersion } from '../externalsecret/synced-resource-version.js';
import { ReconcileFailure, type ReconcileResult } from '../externalsecret/reconciler.js';
import {
  decideRefresh,
  finalizerAction,
  mergeSynced,
  parseStoreKey,
  PushValueError,
  refreshMsOf,
  staleEntries,
  statusRefOf,
  storeKeyOf,
  syncedEntry,
  validatePushSecret,
  valueFor,
  withFinalizer,
  withoutEntry,
} from './plan.js';
import type { Clock } from '../../platform/clock.js';
import { planStoreEntries, unmatchedDataTo, validateDataTo } from './data-to.js';

/** The AWS writers' factory (aws/push/factory.ts): one writer per store identity. */
export interface PusherFactory {
  forStore(store: SecretStore, referentNamespace?: string): Promise<SecretPusher>;
  /** Drops a deleted store's writers, clients and credentials. */
  forgetStore?(store: Pick<SecretStore, 'kind' | 'metadata'>): void;
}

export interface PushSecretReconcilerDeps {
  get(namespace: string, name: string): PushSecret | undefined;
  /** Stores from the informer caches. */
  stores: {
    secretStore(namespace: string, name: string): SecretStore | undefined;
    clusterSecretStore(name: string): SecretStore | undefined;
    secretStores(namespace: string): SecretStore[];
    clusterSecretStores(): SecretStore[];
  };
  namespaces: NamespaceClient;
  sources: PushSourceClient;
  templateSources?: TemplateSourceClient;
  pushers: PusherFactory;
  /** Runs selector.generatorRef; absent: such PushSecrets are refused with GeneratorUnavailable. */
  generators?: GeneratorRunner;
  /** The Go template engine (sync/gotemplate); loaded on first use of a template when absent. */
  go?: () => GoEngine | Promise<GoEngine>;
  status: PushSecretStatusWriter;
  finalizers: PushSecretFinalizerWriter;
  events: EventRecorder;
  /** Time source (platform/clock.ts); tests pass a fixed or stepping one. */
  clock: Clock;
  logger: Logger;
  /** Deadline of one pass's AWS calls (default 60 s). */
  passTimeoutMs?: number;
  onResult?: (namespace: string, name: string, ready: boolean) => void;
}

/** A failed pass: reason and message for status, and whether backing off may help. */
class PassFailure extends Error {
  constructor(
    readonly reason: PsReason,
    message: string,
    readonly retryable: boolean,
    /** What was pushed before the failure (kept in status with the old entries, as ESO). */
    readonly partial?: SyncedPushSecrets,
  ) {
    super(message);
  }
}

interface Source {
  /** "Secret <name>" or "generator <kind>/<name>", for messages. */
  what: string;
  data: Map<string, Buffer>;
}

const PUSH_TO_PS_REASON: Record<string, PsReason> = {
  [PUSH_REASON.InvalidMetadata]: PS_REASON.InvalidMetadata,
  [PUSH_REASON.NotManaged]: PS_REASON.NotManaged,
  [PUSH_REASON.AccessDenied]: PS_REASON.AccessDenied,
  [PUSH_REASON.InvalidStore]: PS_REASON.InvalidStore,
};

export class PushSecretReconciler {
  /** PushSecrets whose source Secret changed since their last push (Secret informer events). */
  private readonly sourceChanged = new Set<string>();

  constructor(private readonly deps: PushSecretReconcilerDeps) {}

  /** A selected Secret changed: the next pass pushes even when the interval has not elapsed. */
  markSourceChanged(namespace: string, name: string): void {
    this.sourceChanged.add(`${namespace}/${name}`);
  }

  async reconcile(namespace: string, name: string): Promise<ReconcileResult> {
    const key = `${namespace}/${name}`;
    const ps = this.deps.get(namespace, name);
    if (!ps) {
      this.sourceChanged.delete(key);
      return {};
    }
    const log = this.deps.logger.child({ pushSecret: key });
    if (ps.metadata.deletionTimestamp) return this.finalize(ps, log);

    const action = finalizerAction(ps);
    if (action !== 'none') {
      await this.deps.finalizers.setFinalizers(namespace, name, withFinalizer(ps.metadata.finalizers, action === 'add'), ps.metadata.resourceVersion);
      log.debug({ finalizer: action }, 'finalizer updated for deletionPolicy');
    }

    const problems = [...validatePushSecret(ps), ...validateDataTo(ps.spec)];
    if (problems.length > 0) {
      const message = `${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}. Nothing was pushed.`;
      await this.record(ps, { ...this.kept(ps), conditions: this.condition(ps, 'False', PS_REASON.InvalidSpec, message) }, log);
      this.deps.onResult?.(namespace, name, false);
      return {}; // only a spec change can fix it
    }

    const decision = decideRefresh(ps, new Date(this.deps.clock.now()), this.sourceChanged.has(key));
    if (!decision.due) return decision.afterMs !== undefined ? { requeueAfterMs: decision.afterMs } : {};
    // Cleared before reading: a change that lands during this pass brings another one.
    this.sourceChanged.delete(key);
    const refreshMs = refreshMsOf(ps);
    const next = refreshMs > 0 ? { requeueAfterMs: refreshMs } : {};
    const signal = AbortSignal.timeout(this.deps.passTimeoutMs ?? 60_000);

    try {
      const sources = await this.resolveSources(ps);
      if (sources === 'deleted') return await this.sourceDeleted(ps, log, signal, next);
      const stores = this.resolveStores(ps);
      await this.checkAccess(ps, stores);
      const unmatched = unmatchedDataTo(ps.spec.dataTo, stores.map(({ store }) => this.identity(store)));
      if (unmatched.length > 0) throw new PassFailure(PS_REASON.InvalidSpec, unmatched.map((p) => `${p.field}: ${p.message}`).join('; '), false);
      const { synced, counts } = await this.pushAll(ps, sources, stores, log, signal);
      const kept = ps.spec.deletionPolicy === 'Delete' ? await this.deleteStale(ps, ps.status?.syncedPushSecrets, synced, log, signal) : synced;
      const message =
        sources.length === 0
          ? 'no Secret matches spec.selector.secret.selector; nothing to push'
          : `pushed ${counts.total} value(s) to ${stores.length} store(s)${counts.exists ? `; ${counts.exists} already existed and were left as they are (updatePolicy IfNotExists)` : ''}`;
      const status: PushSecretStatus = {
        refreshTime: new Date(this.deps.clock.now()).toISOString(),
        syncedResourceVersion: syncedResourceVersion(ps.metadata),
        ...(Object.keys(kept).length ? { syncedPushSecrets: kept } : {}),
        conditions: this.condition(ps, 'True', PS_REASON.Synced, message),
        observedGeneration: ps.metadata.generation,
      };
      await this.record(ps, status, log);
      if (counts.created + counts.updated > 0) {
        await this.deps.events.record(this.ref(ps), 'Normal', 'Pushed', `created ${counts.created}, updated ${counts.updated} remote value(s) (${counts.keys.slice(0, 5).join(', ')}${counts.keys.length > 5 ? ', …' : ''})`);
      }
      this.deps.onResult?.(namespace, name, true);
      return next;
    } catch (error) {
      const failure = this.asFailure(error);
      const synced = mergeSynced(failure.partial ?? {}, ps.status?.syncedPushSecrets);
      await this.record(
        ps,
        {
          ...this.kept(ps),
          ...(Object.keys(synced).length ? { syncedPushSecrets: synced } : { syncedPushSecrets: undefined }),
          conditions: this.condition(ps, 'False', failure.reason, failure.message),
        },
        log,
      );
      this.deps.onResult?.(namespace, name, false);
      if (failure.retryable) throw new ReconcileFailure(failure.message, true);
      return next;
    }
  }

  // ------------------------------------------------------------ sources

  private async resolveSources(ps: PushSecret): Promise<Source[] | 'deleted'> {
    const namespace = ps.metadata.namespace!;
    const { secret, generatorRef } = ps.spec.selector;
    let sources: Source[];
    if (secret?.name) {
      const found = await this.deps.sources.get(namespace, secret.name);
      if (!found) {
        // ESO: with deletionPolicy Delete, a deleted source takes its pushed values with it.
        if (ps.spec.deletionPolicy === 'Delete' && Object.keys(ps.status?.syncedPushSecrets ?? {}).length > 0) return 'deleted';
        throw new PassFailure(PS_REASON.SourceNotFound, `Secret ${namespace}/${secret.name} (spec.selector.secret.name) does not exist; create it, or fix the name. It is pushed as soon as it exists.`, false);
      }
      sources = [toSource(found)];
    } else if (secret?.selector) {
      const found = await this.deps.sources.list(namespace, secret.selector);
      sources = found
        .filter((s) => matchesLabelSelector(secret.selector!, s.metadata?.labels))
        .sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1))
        .map(toSource);
    } else if (generatorRef) {
      if (!this.deps.generators) {
        throw new PassFailure(
          PS_REASON.GeneratorUnavailable,
          `spec.selector.generatorRef names ${generatorRef.kind} ${generatorRef.name}, but this operator runs no generators; use spec.selector.secret, or install a Rotor version with generators`,
          false,
        );
      }
      try {
        const generated = await this.deps.generators.generate(namespace, generatorRef);
        sources = [{ what: `generator ${generatorRef.kind}/${generatorRef.name}`, data: new Map(Object.entries(generated.data)) }];
      } catch (error) {
        if (error instanceof GeneratorError) throw new PassFailure(PS_REASON.GeneratorFailed, `spec.selector.generatorRef: ${error.message}`, error.retryable);
        throw error;
      }
    } else {
      throw new PassFailure(PS_REASON.InvalidSpec, 'spec.selector: set secret.name, secret.selector or generatorRef', false);
    }
    const template = ps.spec.template;
    if (!template) return sources;
    const templateSources = await this.readTemplateSources(ps);
    const go = await this.goEngine();
    const out: Source[] = [];
    for (const source of sources) {
      // ESO's PushSecret template: engine v2, its keys added on top of the source's.
      const applied = await applyTemplate({ ...template, engineVersion: 'v2', mergePolicy: 'Merge' }, source.data, templateSources, go, {
        scope: { tenant: namespace, deadline: performance.now() + 2_000 },
      });
      if (applied.problems.length > 0) {
        const text = applied.problems.map((p) => p.message.split('spec.target.template').join('spec.template')).join('; ');
        throw new PassFailure(PS_REASON.TemplateFailed, `${source.what}: ${text}`, false);
      }
      out.push({ what: source.what, data: applied.data });
    }
    return out;
  }

  private async readTemplateSources(ps: PushSecret): Promise<TemplateSources> {
    const names = templateSourceNames(ps.spec.template);
    if (names.configMaps.length + names.secrets.length === 0) return NO_TEMPLATE_SOURCES;
    const client = this.deps.templateSources;
    if (!client) throw new PassFailure(PS_REASON.TemplateFailed, 'spec.template.templateFrom needs ConfigMap and Secret access, which this operator was not given', false);
    const namespace = ps.metadata.namespace!;
    const configMaps = new Map(await Promise.all(names.configMaps.map(async (n) => [n, await client.configMapData(namespace, n)] as const)));
    const secrets = new Map(await Promise.all(names.secrets.map(async (n) => [n, await client.secretData(namespace, n)] as const)));
    return { configMaps, secrets };
  }

  private async goEngine(): Promise<GoEngine> {
    if (this.deps.go) return this.deps.go();
    const { goEngine } = await import('../../sync/template/go/engine.js');
    return goEngine();
  }

  // ------------------------------------------------------------ stores

  /** The stores spec.secretStoreRefs name, de-duplicated, in order; stores being deleted are skipped (ESO). */
  private resolveStores(ps: PushSecret): Array<{ key: string; store: SecretStore }> {
    const namespace = ps.metadata.namespace!;
    const out = new Map<string, SecretStore>();
    ps.spec.secretStoreRefs.forEach((ref, i) => {
      const kind: StoreKind = ref.kind ?? 'SecretStore';
      let found: SecretStore[];
      if (ref.labelSelector) {
        const all = kind === 'ClusterSecretStore' ? this.deps.stores.clusterSecretStores() : this.deps.stores.secretStores(namespace);
        found = all.filter((s) => matchesLabelSelector(ref.labelSelector!, s.metadata.labels));
      } else {
        const store = kind === 'ClusterSecretStore' ? this.deps.stores.clusterSecretStore(ref.name!) : this.deps.stores.secretStore(namespace, ref.name!);
        if (!store) {
          const where = kind === 'SecretStore' ? ` in namespace ${namespace}` : '';
          throw new PassFailure(PS_REASON.StoreNotFound, `spec.secretStoreRefs[${i}]: ${kind} ${ref.name} does not exist${where}; create it or fix the name`, false);
        }
        found = [store];
      }
      for (const store of found) {
        if (store.metadata.deletionTimestamp) continue;
        out.set(storeKeyOf(kind, store.metadata.name), { ...store, kind });
      }
    });
    return [...out].map(([key, store]) => ({ key, store }));
  }

  /** A ClusterSecretStore's spec.conditions are enforced on every pass, as for ExternalSecrets. */
  private async checkAccess(ps: PushSecret, stores: Array<{ store: SecretStore }>): Promise<void> {
    const namespace = ps.metadata.namespace!;
    let labels: Record<string, string> | undefined;
    for (const { store } of stores) {
      if (store.kind !== 'ClusterSecretStore') continue;
      labels ??= (await this.deps.namespaces.labels(namespace)) ?? {};
      const decision = checkStoreAccess(store.metadata.name, store.spec.conditions, namespace, labels);
      if (!decision.allowed) throw new PassFailure(PS_REASON.StoreNotAllowed, decision.message, false);
    }
  }

  private identity(store: SecretStore) {
    return { kind: store.kind, name: store.metadata.name, ...(store.metadata.labels ? { labels: store.metadata.labels } : {}) };
  }

  private async pusherFor(store: SecretStore, namespace: string): Promise<SecretPusher> {
    return this.deps.pushers.forStore(store, namespace);
  }

  // ------------------------------------------------------------ push and delete

  private async pushAll(ps: PushSecret, sources: Source[], stores: Array<{ key: string; store: SecretStore }>, log: Logger, signal: AbortSignal) {
    const synced: SyncedPushSecrets = {};
    const counts = { total: 0, created: 0, updated: 0, exists: 0, keys: [] as string[] };
    const updatePolicy = ps.spec.updatePolicy ?? 'Replace';
    const readPolicySource = this.policySourceReader(ps.metadata.namespace!);
    for (const { key: storeKey, store } of stores) {
      try {
        if (sources.length === 0 || ((ps.spec.data ?? []).length === 0 && (ps.spec.dataTo ?? []).length === 0)) continue;
        let pusher: SecretPusher | undefined;
        for (const source of sources) {
          // spec.dataTo rules for this store expanded, then spec.data (data-to.ts, ESO's order).
          const planned = await planStoreEntries(ps.spec, this.identity(store), source.data, () => this.goEngine());
          if (planned.length === 0) continue;
          pusher ??= await this.pusherFor(store, ps.metadata.namespace!);
          synced[storeKey] ??= {};
          for (const { data: entry, field, source: only } of planned) {
            const { value, secretData } = valueFor(entry, only ?? source.data, field);
            const { remoteKey, property } = entry.match.remoteRef;
            const request: PushRequest = {
              remoteKey,
              ...(property ? { property } : {}),
              value,
              ...(secretData ? { secretData } : {}),
              ...(entry.metadata ? { metadata: entry.metadata } : {}),
              updatePolicy,
              ...(readPolicySource ? { readPolicySource } : {}),
            };
            const result = await pusher.push(request, signal);
            synced[storeKey]![statusRefOf(entry)] = syncedEntry(entry);
            this.count(counts, result.outcome, `${storeKey}:${statusRefOf(entry)}`);
            if (result.outcome !== 'unchanged') log.info({ store: storeKey, remoteKey, property, outcome: result.outcome, version: result.version }, 'pushed');
          }
        }
      } catch (error) {
        throw this.asFailure(error, storeKey, synced);
      }
    }
    return { synced, counts };
  }

  /**
   * Secrets Manager metadata spec.resourcePolicy.policySourceRef: the ConfigMap or Secret key is
   * read from the PushSecret's own namespace only (ESO reads it there), never another.
   */
  private policySourceReader(namespace: string): PushRequest['readPolicySource'] {
    const client = this.deps.templateSources;
    if (!client) return undefined;
    return async (ref: PolicySourceRef) => {
      if (ref.kind === 'ConfigMap') return (await client.configMapData(namespace, ref.name))?.[ref.key];
      return (await client.secretData(namespace, ref.name))?.[ref.key]?.toString('utf8');
    };
  }

  private count(counts: { total: number; created: number; updated: number; exists: number; keys: string[] }, outcome: PushOutcome, ref: string): void {
    counts.total++;
    if (outcome === 'created') counts.created++;
    else if (outcome === 'updated') counts.updated++;
    else if (outcome === 'exists') counts.exists++;
    if (outcome === 'created' || outcome === 'updated') counts.keys.push(ref);
  }

  /**
   * deletionPolicy Delete: removes remote values pushed before that the spec no longer names.
   * Returns `synced` with anything that could not be deleted yet kept (retried next pass).
   */
  private async deleteStale(ps: PushSecret, old: SyncedPushSecrets | undefined, synced: SyncedPushSecrets, log: Logger, signal: AbortSignal): Promise<SyncedPushSecrets> {
    let remaining: SyncedPushSecrets = mergeSynced(synced, old);
    for (const stale of staleEntries(old, synced)) {
      try {
        await this.deleteEntry(ps, stale.storeKey, stale.data, log, signal);
        remaining = withoutEntry(remaining, stale.storeKey, stale.ref);
      } catch (error) {
        throw this.asFailure(error, stale.storeKey, remaining);
      }
    }
    return remaining;
  }

  private async deleteEntry(ps: PushSecret, storeKey: string, data: PushSecretData, log: Logger, signal: AbortSignal): Promise<void> {
    const parsed = parseStoreKey(storeKey);
    const store = parsed && (parsed.kind === 'ClusterSecretStore' ? this.deps.stores.clusterSecretStore(parsed.name) : this.deps.stores.secretStore(ps.metadata.namespace!, parsed.name));
    if (!store) {
      if (parsed?.kind === 'SecretStore' && ps.metadata.deletionTimestamp && (await this.deps.namespaces.terminating?.(ps.metadata.namespace!))) {
        // The namespace is being deleted and took its SecretStore with it: nothing can re-create
        // the store there, so holding the finalizer would hold the namespace's deletion forever.
        // The remote value stays in AWS, and the Warning says so.
        const message = `${storeKey} was deleted with namespace ${ps.metadata.namespace}, so ${statusRefOf(data)} pushed through it was left in AWS (deletionPolicy Delete could not run); delete it there if it should go`;
        log.warn({ store: storeKey, remoteKey: data.match.remoteRef.remoteKey }, 'pushed value left in AWS: its store went with the namespace');
        await this.deps.events.record(this.ref(ps), 'Warning', PS_REASON.StoreNotFound, message);
        return;
      }
      throw new PassFailure(
        PS_REASON.StoreNotFound,
        `${storeKey} is gone, so ${statusRefOf(data)} pushed through it cannot be deleted (deletionPolicy Delete); re-create the store, or set deletionPolicy None to leave the remote value`,
        false,
      );
    }
    const pusher = await this.pusherFor({ ...store, kind: parsed!.kind }, ps.metadata.namespace!);
    const { remoteKey, property } = data.match.remoteRef;
    const outcome = await pusher.delete({ remoteKey, ...(property ? { property } : {}), ...(data.metadata ? { metadata: data.metadata } : {}) }, signal);
    log.info({ store: storeKey, remoteKey, property, outcome }, 'deleted pushed value (deletionPolicy Delete)');
    if (outcome === 'deleted') await this.deps.events.record(this.ref(ps), 'Normal', 'Deleted', `deleted ${statusRefOf(data)} from ${storeKey} (deletionPolicy Delete)`);
  }

  /** The source Secret is gone (deletionPolicy Delete): its pushed values go too (ESO). */
  private async sourceDeleted(ps: PushSecret, log: Logger, signal: AbortSignal, next: ReconcileResult): Promise<ReconcileResult> {
    const remaining = await this.deleteStale(ps, ps.status?.syncedPushSecrets, {}, log, signal);
    const message = `Secret ${ps.metadata.namespace}/${ps.spec.selector.secret?.name} was deleted; the values pushed from it were deleted (deletionPolicy Delete)`;
    await this.record(
      ps,
      {
        ...this.kept(ps),
        ...(Object.keys(remaining).length ? { syncedPushSecrets: remaining } : { syncedPushSecrets: undefined }),
        syncedResourceVersion: syncedResourceVersion(ps.metadata),
        conditions: this.condition(ps, 'False', PS_REASON.SourceDeleted, message),
      },
      log,
    );
    this.deps.onResult?.(ps.metadata.namespace!, ps.metadata.name, false);
    return next;
  }

  /** Deletion of the PushSecret: with deletionPolicy Delete, everything it pushed goes first. */
  private async finalize(ps: PushSecret, log: Logger): Promise<ReconcileResult> {
    const namespace = ps.metadata.namespace!;
    if (!(ps.metadata.finalizers ?? []).includes(PUSH_SECRET_FINALIZER)) return {};
    if (ps.spec.deletionPolicy === 'Delete') {
      try {
        const remaining = await this.deleteStale(ps, ps.status?.syncedPushSecrets, {}, log, AbortSignal.timeout(this.deps.passTimeoutMs ?? 60_000));
        if (Object.keys(remaining).length > 0) throw new Error('remote values remain');
      } catch (error) {
        const failure = this.asFailure(error);
        const message = `deleting the pushed values failed, so the PushSecret is kept (finalizer ${PUSH_SECRET_FINALIZER}): ${failure.message}`;
        await this.record(ps, { ...this.kept(ps), ...(failure.partial ? { syncedPushSecrets: failure.partial } : {}), conditions: this.condition(ps, 'False', failure.reason, message) }, log);
        throw new ReconcileFailure(message, true);
      }
    }
    await this.deps.finalizers.setFinalizers(namespace, ps.metadata.name, withFinalizer(ps.metadata.finalizers, false), ps.metadata.resourceVersion);
    log.info('finalizer removed');
    return {};
  }

  // ------------------------------------------------------------ status

  private asFailure(error: unknown, storeKey?: string, partial?: SyncedPushSecrets): PassFailure {
    if (error instanceof PassFailure) return partial && !error.partial ? new PassFailure(error.reason, error.message, error.retryable, partial) : error;
    const where = storeKey ? `${storeKey}: ` : '';
    if (error instanceof PushError) return new PassFailure(PUSH_TO_PS_REASON[error.reason] ?? PS_REASON.Errored, `${where}${error.message}`, error.retryable, partial);
    if (error instanceof PushValueError) return new PassFailure(PS_REASON.InvalidSpec, error.message, false, partial);
    if (error instanceof ProviderError) return new PassFailure(PS_REASON.Errored, `${where}${error.message}`, error.retryable, partial);
    if (error instanceof KubeApiError) return new PassFailure(PS_REASON.Errored, `${where}${error.message}`, error.retryable, partial);
    if (error instanceof Error && error.name === 'TimeoutError') return new PassFailure(PS_REASON.Errored, `${where}the push did not finish in time; retried with backoff`, true, partial);
    // Unknown errors may come from a library: name only their kind, never their text.
    return new PassFailure(PS_REASON.Errored, `${where}unexpected ${error instanceof Error ? error.name : 'error'}; see the operator log`, true, partial);
  }

  private kept(ps: PushSecret): PushSecretStatus {
    const { conditions: _c, ...rest } = ps.status ?? {};
    return { ...rest, observedGeneration: ps.metadata.generation };
  }

  private condition(ps: PushSecret, status: 'True' | 'False', reason: string, message: string) {
    return setCondition(ps.status?.conditions, readyCondition(status, reason, message, new Date(this.deps.clock.now()), ps.metadata.generation));
  }

  private ref(ps: PushSecret) {
    return { apiVersion: API_GROUP_VERSION, kind: 'PushSecret', name: ps.metadata.name, namespace: ps.metadata.namespace, uid: ps.metadata.uid };
  }

  /** Writes status only when it differs; an event when Ready's reason or message changes. */
  private async record(ps: PushSecret, status: PushSecretStatus, log: Logger): Promise<void> {
    const clean = JSON.parse(JSON.stringify(status)) as PushSecretStatus; // drops undefined fields
    if (sameJson(ps.status ?? {}, clean)) return;
    await this.deps.status.pushSecret(ps.metadata.namespace!, ps.metadata.name, clean);
    const before = findCondition(ps.status?.conditions, 'Ready');
    const after = findCondition(clean.conditions, 'Ready')!;
    if (before?.reason === after.reason && before.message === after.message) return;
    if (after.status === 'True') {
      log.info({ reason: after.reason }, after.message);
      await this.deps.events.record(this.ref(ps), 'Normal', after.reason, after.message);
    } else {
      log.warn({ reason: after.reason, error: after.message }, 'PushSecret not ready');
      await this.deps.events.record(this.ref(ps), after.reason === PS_REASON.SourceDeleted ? 'Normal' : 'Warning', after.reason, after.message);
    }
  }
}

function toSource(secret: Secret): Source {
  const data = new Map(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')] as const));
  return { what: `Secret ${secret.metadata?.name}`, data };
}

type PushSecretData = NonNullable<PushSecret['spec']['data']>[number];
