// One level-based pass over an ExternalSecret: decide whether to refresh, resolve the
// store and its credentials, fetch, build the desired Secret, write it only if it differs,
// roll workloads when the remote version changed, and write status only if it differs.
// Every collaborator is injected (docs/architecture.md); unit tests pass in-memory fakes.
import type { Secret } from '../../kube/client/objects.js';
import type { Logger } from 'pino';
import {
  API_GROUP_VERSION,
  ANNOTATION_OWNER_UID,
  ANNOTATION_DATA_MAC,
  ES_REASON,
  mergesInto,
  type ExternalSecret,
  type ExternalSecretStatus,
  type LastEvent,
  type SecretStore,
  type SyncedVersion,
} from '../../api/types.js';
import { withDefaults, type DefaultedExternalSecret } from '../../api/defaults.js';
import { ANNOTATION_ADOPT_ESO } from '../../api/eso.js';
import { validateExternalSecret } from '../../sync/validate.js';
import { parseDuration } from '../../api/duration.js';
import { ProviderError } from '../../api/provider.js';
import { KubeApiError, httpStatusOf, invalidMessage, isConflict } from '../../kube/client/errors.js';
import { errorForLog } from '../../platform/error-for-log.js';
import type { EventRecorder, NamespaceClient, ObjectRef, SecretClient, StatusWriter } from '../../kube/ports.js';
import { dataDigest, isLegacyMAC, versionFingerprint } from '../../sync/mac.js';
import { SyncError } from '../../sync/errors.js';
import { versionSummary } from '../../sync/build.js';
import { shouldRollOut, type RolloutDecision } from '../../rollout/decide.js';
import type { RolloutCoordinator, RolloutRequest } from '../../rollout/coordinator.js';
import { PendingRollouts } from '../../rollout/pending.js';
import { abbreviateFingerprint } from '../../rollout/restarted-for.js';
import { decideRefresh, stableFraction, stableOffsetMs, type RefreshDecision, type RefreshFacts } from './refresh.js';
import { heartbeatDue } from './heartbeat.js';
import { forceSyncRequested, forceSyncToken } from './force-sync.js';
import { decodedData, legacyTargetMAC, liveTemplateMetadata, targetDrift, targetMAC } from './drift.js';
import { cachedDataDigest, isDataStripped, type CachedSecret } from '../../kube/informer/cache-transform.js';
import { releaseMergeKeys } from './merge-owners.js';
import { recreateSecret } from './recreate.js';
import { planTargetWrite, isOwnedBy, pendingRollout, sameData, withoutRolloutPending, type DesiredSecret, type TargetPlan } from './target-plan.js';
import { findCondition, readyCondition, sameJson, setCondition } from '../runtime/conditions.js';
import { ReconcileFailure, type ReconcileResult } from '../runtime/reconcile.js';
import { checkStoreAccess } from '../store/access.js';
import { storeKeysOfRefs } from '../store/key.js';
import { problemsError, type FetchDesiredOptions, type SecretSource, storeRefKey, type DesiredData } from './fetch-desired.js';
import { objectsGone, reconcileScope } from '../runtime/reconcile-scope.js';
import { syncedResourceVersion } from './synced-resource-version.js';
import type { LearnedRead } from './event-index.js';
import { readServiceOf, type AwsService, type SecretStoreRef } from '../../api/types.js';
import { generatedRefreshBy } from './generated-expiry.js';
import type { ManifestTargets } from '../manifest/manifest-targets.js';
import type { CreatedEvents } from './created-events.js';
import { ExternalSecretMemory } from './memory.js';
import type { Clock } from '../../platform/clock.js';

/** An AWS change event that asks for a refresh (controller/externalsecret/event-router.ts). */
export interface EventTrigger {
  event: LastEvent;
  /** When the operator received it (ms): the start of rotor_event_to_secret_seconds. */
  receivedAtMs: number;
  /** A rotation ended: the AWSRotation condition records how. */
  rotation?: 'Succeeded' | 'Failed';
}

/** The condition a RotationFailed / RotationSucceeded event sets (issue #16). */
export const CONDITION_AWS_ROTATION = 'AWSRotation';

/** What one pass knows about itself when it decides whether to refresh. */
interface PassFacts {
  now: Date;
  intervalMs: number;
  storeChange: number | undefined;
  rolloutSibling: boolean;
  trigger: EventTrigger | undefined;
  /** The target as read (a Secret, a manifest object, or undefined when missing). */
  target: unknown;
  targetDrifted: boolean;
}

/** Kubernetes rejects Secrets over 1 MiB; say so before the API server does, naming the keys. */
export const SECRET_SIZE_LIMIT = 1024 * 1024;

export interface StoreLookup {
  secretStore(namespace: string, name: string): SecretStore | undefined;
  clusterSecretStore(name: string): SecretStore | undefined;
}

export interface ExternalSecretReconcilerDeps {
  externalSecrets: { get(namespace: string, name: string): ExternalSecret | undefined };
  stores: StoreLookup;
  namespaces: NamespaceClient;
  secrets: SecretClient;
  status: StatusWriter;
  events: EventRecorder;
  /**
   * Where a new Secret's Normal `Created` Event goes: folded per store in a burst
   * (created-events.ts). Without it, straight to `events`.
   */
  createdEvents?: Pick<CreatedEvents, 'created'>;
  source: SecretSource;
  rollouts?: Pick<RolloutCoordinator, 'request'>;
  /**
   * Managed Secrets in `namespace` whose owner annotation names this ExternalSecret
   * (`namespace/name`), from the informer cache: finds the Secret left behind by a
   * spec.target.name change.
   */
  managedSecretsOf?: (namespace: string, owner: string) => Secret[];
  /**
   * The managed-Secret informer cache. When given, the first pass of a new ExternalSecret (no
   * status yet) whose Owner/Orphan target is not in it creates the Secret without reading the
   * API first: one round trip fewer per new ExternalSecret. A Secret that exists after all
   * (not ours, or ours before the cache saw it) fails the create with 409, and the pass reads
   * it and plans again.
   */
  cachedManagedSecret?: (namespace: string, name: string) => Secret | undefined;
  /**
   * The Secret as the API server has it, with its data. `secrets.get` may answer from the
   * informer cache, which keeps a digest in place of the data (kube/informer/cache-transform.ts): this is
   * read where the values are needed. Default: secrets.get.
   */
  readLive?: (namespace: string, name: string) => Promise<Secret | undefined>;
  /** Queue this ExternalSecret for another pass (a rollout it asked for has an answer). */
  requeue?: (namespace: string, name: string) => void;
  /** Wait before asking again for a rollout whose listing or patch failed. Default 30 s. */
  rolloutRetryMs?: number;
  macKey: Buffer;
  /** Time source (platform/clock.ts); tests pass a fixed or stepping one. */
  clock: Clock;
  logger: Logger;
  /**
   * A refresh that changed nothing rewrites status only to move refreshTime, at most this
   * often (heartbeat.ts). Default 5 minutes; 0 = never.
   */
  statusHeartbeatMs?: number;
  onSyncResult?: (result: 'synced' | 'unchanged' | 'error' | 'skipped', es: ExternalSecret) => void;
  /** A delete-then-create left no Secret: the create failed after its immediate retries (metric). */
  onRecreateFailed?: (es: ExternalSecret) => void;
  /** Pauses between immediate retries of a failed re-create (recreate.ts); tests shorten them. */
  recreateRetryDelaysMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
  /** The ExternalSecret is gone: drop what is kept per ExternalSecret outside this class (metric series). */
  onDeleted?: (namespace: string, name: string) => void;
  /** A sync succeeded: what it read (names, ARNs, regions), for the event index. */
  onSynced?: (namespace: string, name: string, service: AwsService, reads: LearnedRead[]) => void;
  /** A refresh an AWS event triggered wrote the Secret: seconds from the event's receipt. */
  onEventSynced?: (seconds: number) => void;
  /** Non-Secret targets (spec.target.manifest); absent: such ExternalSecrets are refused. */
  manifestTargets?: ManifestTargets;
}

export const DEFAULT_STATUS_HEARTBEAT_MS = 5 * 60_000;

// The reconcile contract lives in runtime/reconcile.ts; re-exported for this module's importers.
export { ReconcileFailure, type ReconcileResult };

export class ExternalSecretReconciler {
  /**
   * What is remembered per ExternalSecret between passes (force-sync token, written status,
   * store change, sibling refreshes, synced wave, pending event), forgotten at once (memory.ts).
   */
  private readonly memory: ExternalSecretMemory<ExternalSecretStatus, EventTrigger>;
  private readonly startedAtMs: number;

  /** Rollouts asked for and not yet cleared from their Secret (see rollout/pending.ts). */
  private readonly pendingRollouts: PendingRollouts | undefined;

  constructor(private readonly deps: ExternalSecretReconcilerDeps) {
    this.startedAtMs = deps.clock.now();
    const rollouts = deps.rollouts;
    this.pendingRollouts = rollouts
      ? new PendingRollouts({
          request: (request) => rollouts.request(request),
          onSettled: (key) => {
            const [namespace, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
            deps.requeue?.(namespace, name);
          },
          clock: deps.clock,
          ...(deps.rolloutRetryMs !== undefined ? { retryMs: deps.rolloutRetryMs } : {}),
        })
      : undefined;
    this.memory = new ExternalSecretMemory(this.pendingRollouts ? [this.pendingRollouts] : []);
  }

  /**
   * The store of this ExternalSecret changed its spec: its next pass syncs, fresh, whatever the
   * refresh policy (a Ready ExternalSecret under OnChange would otherwise keep the old store's
   * data forever). The caller enqueues the key.
   */
  storeChanged(namespace: string, name: string): void {
    this.memory.markStoreChanged(`${namespace}/${name}`);
  }

  /**
   * Another ExternalSecret is about to restart a workload this one restarts too: refresh it
   * now (a fresh AWS read, if it refreshes periodically) so a version rotated alongside lands
   * in the same restart. Resolves when the next pass of this ExternalSecret has finished. The
   * caller enqueues the key.
   */
  refreshForRollout(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    return new Promise((resolve) => this.memory.addSiblingWaiter(key, resolve));
  }

  /**
   * AWS says a secret this ExternalSecret reads changed (or its rotation ended): the next pass
   * refreshes now if it refreshes periodically, and records the event in status.lastEvent (and
   * a rotation's outcome in the AWSRotation condition). The caller enqueues the key, after
   * dropping the changed secret from the shared fetch cache.
   */
  refreshForEvent(namespace: string, name: string, trigger: EventTrigger): void {
    const key = `${namespace}/${name}`;
    const pending = this.memory.eventTrigger(key);
    // A rotation outcome is not lost to a later plain change of the same secret.
    this.memory.setEventTrigger(key, pending?.rotation && !trigger.rotation ? { ...trigger, rotation: pending.rotation } : trigger);
  }

  async reconcile(namespace: string, name: string): Promise<ReconcileResult> {
    const key = `${namespace}/${name}`;
    // Taken at the start: a request that arrives during this pass is for the next one.
    const siblingWaiters = this.memory.takeSiblingWaiters(key);
    const trigger = this.memory.takeEventTrigger(key);
    let done = false;
    try {
      const result = await this.reconcileOnce(namespace, name, siblingWaiters !== undefined, trigger);
      done = true;
      return result;
    } finally {
      for (const resolve of siblingWaiters ?? []) resolve();
      // A failed pass is retried with backoff: the retry still records the event.
      if (!done && trigger && this.memory.eventTrigger(key) === undefined) this.memory.setEventTrigger(key, trigger);
    }
  }

  private async reconcileOnce(namespace: string, name: string, rolloutSibling: boolean, trigger?: EventTrigger): Promise<ReconcileResult> {
    const es = this.withOwnStatus(this.deps.externalSecrets.get(namespace, name));
    if (!es || es.metadata.deletionTimestamp) {
      // Owner references let the garbage collector remove an Owner target; nothing else to undo.
      this.memory.forget(`${namespace}/${name}`);
      this.deps.onDeleted?.(namespace, name);
      return {};
    }
    const log = this.deps.logger.child({ externalSecret: `${namespace}/${name}` });
    // A spec error heals only by a spec change, which requeues through the informer.
    if (await this.refusedSpec(es, log)) return {};
    const defaulted = withDefaults(es);
    const intervalMs = parseDuration(defaulted.spec.refreshInterval);
    const now = new Date(this.deps.clock.now());
    const storeChange = this.memory.storeChange(keyOf(es));
    if (defaulted.spec.target.manifest) return this.reconcileManifestTarget(es, defaulted, intervalMs, rolloutSibling, log, trigger);
    // A rollout recorded on the Secret is finished first, whatever this pass does next (even
    // if the refresh then fails): that is what makes a rollout survive a crash.
    const read = await this.readTarget(defaulted);
    const progress = await this.progressRollout(defaulted, read.target, log);
    const { es: spec, target } = await this.convertLegacyMAC(progress.es, progress.target, log);
    const decision = this.decide(es, spec, { now, intervalMs, storeChange, rolloutSibling, trigger, target, targetDrifted: this.hasDrifted(spec, target, log) }, log);
    if (!decision.sync) {
      if (decision.waveMs !== undefined) this.memory.setSyncedWave(keyOf(es), decision.waveMs);
      this.deps.onSyncResult?.('skipped', es);
      return requeueAt(this.delayUntil(decision.nextAt), progress.requeueAfterMs);
    }
    log.debug({ reason: decision.reason }, 'refreshing');
    try {
      // An event's refresh is not "fresh": the router already dropped the changed secret from
      // the shared cache, so every ExternalSecret it queued shares one new read.
      await this.sync(spec, target, log, { fresh: freshRead(decision.reason), notBefore: decision.waveMs }, read.assumedAbsent, trigger);
    } catch (error) {
      return this.syncFailed(error, es, spec, log, () => requeueAt(this.delayUntil(decision.nextAt), progress.requeueAfterMs));
    }
    this.rememberSynced(es, storeChange, decision.waveMs);
    return requeueAt(this.delayUntil(this.nextPassAfterSync(namespace, name, decision.nextAt)), progress.requeueAfterMs);
  }

  /** When to come back after a sync: the decision's next pass, or sooner when a generated value written by this pass expires (ECR / STS tokens). */
  private nextPassAfterSync(namespace: string, name: string, nextAt: number | undefined): number | undefined {
    const refreshBy = generatedRefreshBy(this.withOwnStatus(this.deps.externalSecrets.get(namespace, name))?.status);
    return nextAt !== undefined && refreshBy !== undefined && refreshBy > this.deps.clock.now() ? Math.min(nextAt, refreshBy) : nextAt;
  }

  /** validateExternalSecret found problems: recorded (InvalidSpec), no AWS call. */
  private async refusedSpec(es: ExternalSecret, log: Logger): Promise<boolean> {
    const problems = validateExternalSecret(es);
    if (problems.length === 0) return false;
    const message = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
    await this.fail(es, ES_REASON.InvalidSpec, message, log);
    this.deps.onSyncResult?.('error', es);
    return true;
  }

  /**
   * The refresh decision (refresh.ts) for a Secret target and a manifest target alike, with what
   * it says about spec.syncWindows logged.
   */
  private decide(es: ExternalSecret, spec: DefaultedExternalSecret, pass: PassFacts, log: Logger): RefreshDecision {
    const decision = decideRefresh(this.refreshFacts(es, spec, pass));
    for (const w of decision.ignoredWindows ?? []) log.warn({ field: w.field, problem: w.reason }, 'sync window ignored: its schedule or duration does not parse (ESO ignores it too); fix it or remove it');
    if (decision.heldByWindow) log.debug({ reason: decision.heldByWindow, nextAt: decision.nextAt }, 'periodic refresh held back by spec.syncWindows');
    return decision;
  }

  /**
   * What the refresh decision (refresh.ts) needs to know, for a Secret target and a manifest
   * target alike. `es` is the object as the pass found it; `spec` the defaulted one it works on.
   */
  private refreshFacts(
    es: ExternalSecret,
    spec: DefaultedExternalSecret,
    pass: PassFacts,
  ): RefreshFacts {
    const ready = findCondition(es.status?.conditions, 'Ready');
    return {
      policy: spec.spec.refreshPolicy,
      intervalMs: pass.intervalMs,
      now: pass.now.getTime(),
      phaseMs: stableOffsetMs(storeSeed(spec)),
      lastSyncMs: lastSuccessfulSync(es),
      syncedWaveMs: this.memory.syncedWave(keyOf(es)),
      lastSyncFailed: ready !== undefined && ready.status !== 'True' && ready.reason !== ES_REASON.SecretDeleted,
      generation: es.metadata.generation,
      observedGeneration: es.status?.observedGeneration,
      targetMissing: spec.spec.target.creationPolicy !== 'None' && !pass.target,
      targetOrphan: spec.spec.target.creationPolicy === 'Orphan',
      targetDrifted: pass.targetDrifted,
      forceRequested: this.forceRequested(es),
      metadataChanged: es.status?.syncedResourceVersion !== undefined && es.status.syncedResourceVersion !== syncedResourceVersion(es.metadata),
      // In memory (the store watch saw the change) or on record (status.syncedStore, which
      // survives a restart between the store's change and this ExternalSecret's next pass).
      storeChanged: pass.storeChange !== undefined || storeMovedOn(spec.status?.syncedStore, this.findStore(spec)),
      rolloutSibling: pass.rolloutSibling,
      eventTriggered: pass.trigger !== undefined,
      // Generated values that expire (ECR / STS tokens) bring the next refresh forward.
      refreshByMs: generatedRefreshBy(es.status),
      syncWindows: spec.spec.syncWindows,
    };
  }

  /**
   * A sync failed: Ready=False with the reason, a Warning, and what the queue does next
   * (docs/architecture.md): wait for a change (the pass's own requeue, `nextPass`), no retries
   * (terminal, back at `nextPass`), or back off (retryable). Always throws, unless waiting.
   */
  private async syncFailed(error: unknown, es: ExternalSecret, spec: DefaultedExternalSecret, log: Logger, nextPass: () => ReconcileResult): Promise<ReconcileResult> {
    const { reason, message, retryable } = describeFailure(error);
    if (!(error instanceof ProviderError) && !(error instanceof SyncError)) {
      // The status says "see the operator log": say here what failed (errorForLog: by name
      // and code only, unless its message is known to be free of values).
      log.error({ err: errorForLog(error) }, 'sync failed with an unexpected error');
    }
    await this.fail(spec, reason, message, log);
    this.deps.onSyncResult?.('error', es);
    if (waitsForChange(error)) {
      // Retrying cannot help until someone changes an object: the ExternalSecret, its store
      // or the namespace (their watches requeue it) or the target Secret (not watched unless
      // managed; the periodic refresh looks again). The pass stays due, so the next one syncs.
      log.debug({ reason }, 'waiting for a change instead of retrying');
      return nextPass();
    }
    // A spec the API server or the builder refuses heals only when the ExternalSecret changes
    // (its watch requeues it) or the data its next refresh reads does: no backoff retries,
    // which would repeat the AWS reads. AWS-side failures back off: nothing here sees them heal.
    if (!retryable && !reportedByAws(error)) throw new ReconcileFailure(message, false, nextPass().requeueAfterMs);
    throw new ReconcileFailure(message, true);
  }

  /** A pass synced: the force-sync request and the store change it saw are honoured, and its wave is in sync. */
  private rememberSynced(es: ExternalSecret, storeChange: number | undefined, waveMs: number | undefined): void {
    this.rememberForceSync(es);
    if (storeChange !== undefined) this.memory.clearStoreChange(keyOf(es), storeChange);
    if (waveMs !== undefined) this.memory.setSyncedWave(keyOf(es), waveMs);
  }

  /**
   * A pass over an ExternalSecret with spec.target.manifest (controller/manifest/): the same
   * refresh decision, store resolution, fetch, failure handling and status as a Secret target;
   * the target is read, planned and written by ManifestTargets. No rollouts (they follow Secrets).
   */
  private async reconcileManifestTarget(es: ExternalSecret, spec: DefaultedExternalSecret, intervalMs: number, rolloutSibling: boolean, log: Logger, trigger?: EventTrigger): Promise<ReconcileResult> {
    const now = new Date(this.deps.clock.now());
    const manifests = this.deps.manifestTargets;
    const storeChange = this.memory.storeChange(keyOf(es));
    let nextAt: number | undefined;
    try {
      if (!manifests) throw new SyncError(ES_REASON.TargetKindNotAllowed, 'spec.target.manifest: this operator writes Secrets only (started without non-Secret targets); remove spec.target.manifest', { field: 'spec.target.manifest' });
      const resolved = await manifests.resolve(spec);
      const target = await manifests.read(spec, resolved);
      const decision = this.decide(es, spec, { now, intervalMs, storeChange, rolloutSibling, trigger, target, targetDrifted: manifests.drifted(spec, resolved, target) }, log);
      nextAt = decision.nextAt;
      if (!decision.sync) {
        if (decision.waveMs !== undefined) this.memory.setSyncedWave(keyOf(es), decision.waveMs);
        this.deps.onSyncResult?.('skipped', es);
        return requeueAt(this.delayUntil(decision.nextAt), undefined);
      }
      const namespace = spec.metadata.namespace!;
      const { store, built } = await this.fetchDesired(spec, { fresh: freshRead(decision.reason), notBefore: decision.waveMs });
      const what = `${resolved.target.kind} ${namespace}/${spec.spec.target.name}`;
      if (built.allMissing && spec.spec.target.deletionPolicy === 'Delete' && spec.spec.target.creationPolicy === 'Owner') {
        if (await manifests.deleteIfOwned(spec, resolved, target)) await this.event(spec, 'Normal', 'Deleted', `deleted ${what}: every remote secret it was built from is gone (deletionPolicy: Delete)`);
        await this.writeStatus(spec, { ...deletedStatus(spec, new Date(this.deps.clock.now())), conditions: setCondition(es.status?.conditions, readyCondition('False', ES_REASON.SecretDeleted, `every remote secret is gone; deletionPolicy Delete applied to ${what}`, new Date(this.deps.clock.now()), es.metadata.generation)) });
        this.deps.onSyncResult?.('synced', es);
        return requeueAt(this.delayUntil(decision.nextAt), undefined);
      }
      // deletionPolicy Merge (ESO): with every remote secret gone the keys are written empty.
      if (built.problems.length > 0 && !(built.allMissing && spec.spec.target.deletionPolicy === 'Merge')) throw problemsError(built.problems);
      const write = await manifests.write(spec, resolved, target, built.allMissing ? { ...built, data: {} } : built);
      const written = write.action === 'created' || write.action === 'updated';
      if (written) await this.event(spec, 'Normal', write.action === 'created' ? 'Created' : 'Updated', `${write.action} ${what} (${countKeys(built.data)}; versions ${versionSummary(built.syncedVersions)})`);
      const status = manifestSyncedStatus(es, spec, what, built, store, write.mac, trigger, new Date(this.deps.clock.now()));
      if (this.syncedStatusDue(es, status)) await this.writeStatus(es, { ...status, refreshTime: new Date(this.deps.clock.now()).toISOString() });
      for (const old of await manifests.deleteRenamed(spec, resolved)) await this.event(spec, 'Normal', 'Deleted', `deleted ConfigMap ${namespace}/${old}: spec.target.name is now ${spec.spec.target.name}`);
      this.rememberSynced(es, storeChange, decision.waveMs);
      this.reportReads(spec, store, built);
      this.deps.onSyncResult?.(written ? 'synced' : 'unchanged', es);
      log.info({ written, kind: resolved.target.listName, keys: Object.keys(built.data).length }, written ? 'target written' : 'target up to date');
      return requeueAt(this.delayUntil(this.nextPassAfterSync(namespace, spec.metadata.name!, decision.nextAt)), undefined);
    } catch (error) {
      const { reason, message, retryable } = describeFailure(error);
      await this.fail(spec, reason, message, log);
      this.deps.onSyncResult?.('error', es);
      if (waitsForChange(error)) return requeueAt(this.delayUntil(nextAt ?? now.getTime() + intervalMs), undefined);
      throw new ReconcileFailure(message, retryable);
    }
  }

  /**
   * The target Secret: from the managed-Secret cache, else from the API, except on the first
   * pass of a new ExternalSecret with an Owner/Orphan target, which assumes a cache miss means
   * "absent" (see cachedManagedSecret; sync() checks the assumption on create).
   */
  private async readTarget(es: DefaultedExternalSecret): Promise<{ target: Secret | undefined; assumedAbsent: boolean }> {
    const namespace = es.metadata.namespace!;
    const name = es.spec.target.name;
    const policy = es.spec.target.creationPolicy;
    // Not when adopting ESO's Secret (rotor.dev/adopt-eso): that one exists by design.
    if (this.deps.cachedManagedSecret && es.status === undefined && (policy === 'Owner' || policy === 'Orphan') && !es.metadata.annotations?.[ANNOTATION_ADOPT_ESO]) {
      const cached = this.deps.cachedManagedSecret(namespace, name);
      return { target: cached, assumedAbsent: cached === undefined };
    }
    return { target: await this.deps.secrets.get(namespace, name), assumedAbsent: false };
  }

  /** The delay until `nextAt`, measured after the pass (a sync takes time). */
  private delayUntil(nextAt: number | undefined): number | undefined {
    return nextAt === undefined ? undefined : Math.max(0, nextAt - this.deps.clock.now());
  }

  /**
   * Moves the rollout recorded on the target Secret (rollout-pending marker) forward: asks the
   * coordinator once, and when it has answered, records status.lastRollout and then removes
   * the marker (in that order, so a crash in between repeats an idempotent request rather
   * than losing lastRollout). Returns the ExternalSecret and Secret as they now are.
   */
  private async progressRollout(
    es: DefaultedExternalSecret,
    target: Secret | undefined,
    log: Logger,
  ): Promise<{ es: DefaultedExternalSecret; target: Secret | undefined; requeueAfterMs?: number }> {
    const key = keyOf(es);
    const fingerprint = pendingRollout(target);
    if (!this.pendingRollouts || !target || fingerprint === undefined) return { es, target };
    // The marker is cleared by writing the Secret back: that needs its data.
    if (isDataStripped(target)) target = await this.liveTarget(es.metadata.namespace!, es.spec.target.name);
    if (!target) return { es, target };
    const progress = this.pendingRollouts.advance(key, this.rolloutRequest(es, fingerprint));
    if (progress.state === 'requested' || progress.state === 'cleared') return { es, target };
    if (progress.state === 'retry-later') return { es, target, requeueAfterMs: progress.afterMs };
    const { result } = progress;
    const restarted = [...result.targets, ...result.unchanged].sort();
    let updated = es;
    if (restarted.length > 0) {
      const lastRollout = { time: new Date(this.deps.clock.now()).toISOString(), targets: restarted, versions: es.status?.version ?? abbreviateFingerprint(fingerprint) };
      const status = { ...es.status, lastRollout };
      await this.writeStatus(es, status);
      updated = { ...es, status };
    }
    try {
      const cleared = await this.deps.secrets.replace(withoutRolloutPending(target));
      this.pendingRollouts.cleared(key, fingerprint);
      log.debug({ restarted, problems: result.problems.length }, 'rollout finished; marker cleared');
      return { es: updated, target: cleared };
    } catch (error) {
      // Someone wrote the Secret meanwhile (409) or the API server is away: try again soon.
      // Not a sync failure, so Ready is left alone.
      log.debug({ status: httpStatusOf(error) }, 'clearing the rollout marker failed; retrying');
      return { es: updated, target, requeueAfterMs: 1000 };
    }
  }

  private rolloutRequest(es: DefaultedExternalSecret, fingerprint: string): RolloutRequest {
    return {
      namespace: es.metadata.namespace!,
      secretName: es.spec.target.name,
      externalSecret: refOf(es),
      ...(es.spec.rollout ? { rollout: es.spec.rollout } : {}),
      fingerprint,
    };
  }

  /**
   * Delete-then-create (type change, immutable Secret; recreate.ts). A create that still fails
   * after its immediate retries leaves no Secret: that gets its own Warning and metric, and the
   * thrown error makes the work queue retry with backoff (the next pass creates the Secret).
   */
  private async recreate(es: DefaultedExternalSecret, live: Secret | undefined, secret: Secret, log: Logger): Promise<void> {
    const target = `Secret ${es.metadata.namespace}/${es.spec.target.name}`;
    const outcome = await recreateSecret(this.deps.secrets, live, secret, {
      ...(this.deps.recreateRetryDelaysMs ? { delaysMs: this.deps.recreateRetryDelaysMs } : {}),
      ...(this.deps.sleep ? { sleep: this.deps.sleep } : {}),
    });
    if (outcome.ok) {
      if (outcome.attempts > 1) log.warn({ attempts: outcome.attempts }, 're-created the target Secret after failed creates; it was missing meanwhile');
      return;
    }
    const cause = describeFailure(outcome.error).message;
    if (!outcome.secretMissing) throw outcome.error;
    this.deps.onRecreateFailed?.(es);
    log.error({ attempts: outcome.attempts, code: httpStatusOf(outcome.error) }, 'target Secret deleted to re-create it, and the create failed: it is missing until a retry succeeds');
    const message =
      `${target} was deleted to re-create it (its type changed or it is immutable, which Kubernetes cannot update in place) ` +
      `and creating it again failed ${outcome.attempts} time${outcome.attempts === 1 ? '' : 's'} (${cause}); ` +
      `it is missing until a retry succeeds, retrying with backoff`;
    await this.event(es, 'Warning', 'RecreateFailed', message);
    throw new SyncError(ES_REASON.SecretSyncedError, message, { field: 'spec.target' });
  }

  /** The Secret from the API server, values included (see readLive). */
  private liveTarget(namespace: string, name: string): Promise<Secret | undefined> {
    return this.deps.readLive ? this.deps.readLive(namespace, name) : this.deps.secrets.get(namespace, name);
  }

  /**
   * The target with its data, for planning a write. A cached copy holds only a digest of its
   * data: when that is the digest of what we are about to write (the usual no-op refresh), the
   * values are exactly `desired`'s and need no read; otherwise (a change, a Merge target whose
   * other keys we do not know) the Secret is read from the API server.
   */
  private async withData(es: DefaultedExternalSecret, target: Secret | undefined, desired: Record<string, Buffer>): Promise<Secret | undefined> {
    if (!target || !isDataStripped(target)) return target;
    if (!mergesInto(es.spec.target.creationPolicy) && cachedDataDigest(target) === dataDigest(this.deps.macKey, desired)) return restoredData(target, desired);
    return this.liveTarget(es.metadata.namespace!, es.spec.target.name);
  }

  /**
   * A status.dataMAC written by an older Rotor (one cluster-wide key, sync/mac.ts) is converted
   * once to this ExternalSecret's own key: when the live Secret is still what that MAC says,
   * only status is rewritten — no Secret write, no rollout, no drift. A Secret that no longer
   * matches it has drifted and is repaired as usual. Costs one read of the Secret per
   * ExternalSecret, once.
   */
  private async convertLegacyMAC(es: DefaultedExternalSecret, target: Secret | undefined, log: Logger): Promise<{ es: DefaultedExternalSecret; target: Secret | undefined }> {
    const expected = es.status?.dataMAC;
    const policy = es.spec.target.creationPolicy;
    if (!isLegacyMAC(expected) || !target || (policy !== 'Owner' && policy !== 'Orphan')) return { es, target };
    const live = isDataStripped(target) ? await this.liveTarget(es.metadata.namespace!, es.spec.target.name) : target;
    if (!live) return { es, target: live };
    const content = { ...liveTemplateMetadata(live, es.spec.target.template), type: live.type ?? 'Opaque', data: decodedData(live) };
    if (legacyTargetMAC(this.deps.macKey, content) !== expected) return { es, target: live };
    const status: ExternalSecretStatus = { ...es.status, dataMAC: targetMAC(this.deps.macKey, es.metadata.uid ?? '', content) };
    await this.writeStatus(es, status);
    log.info('status.dataMAC converted to this ExternalSecret\'s own key (written by an older Rotor); the Secret is unchanged');
    return { es: { ...es, status }, target: live };
  }

  /** Creates the Secret; false (nothing written) when one of that name exists (409). */
  private async createUnlessExists(secret: Secret): Promise<boolean> {
    try {
      await this.deps.secrets.create(secret);
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  /**
   * One sync of a Secret target, for a pass that decided to refresh: the steps, in order.
   * `assumedAbsent`: the target was taken as absent from a cache miss (readTarget).
   */
  private async sync(
    es: DefaultedExternalSecret,
    target: Secret | undefined,
    log: Logger,
    fetchOptions: FetchDesiredOptions,
    assumedAbsent: boolean,
    trigger?: EventTrigger,
  ): Promise<void> {
    const { store, built } = await this.fetchDesired(es, fetchOptions);
    target = await this.withData(es, target, built.data);
    if (await this.applyRemoteGone(es, target, built, log)) return;
    checkWritable(built);
    const { desired, mac, rollout } = desiredSecret(es, target, built, this.deps.macKey, this.pendingRollouts !== undefined);
    const written = await this.writeTarget(es, store, target, desired, built.data, assumedAbsent, log);
    if (written && desired.rolloutPending !== undefined) this.askRollout(es, desired.rolloutPending, desired.versions, rollout.why, log);
    await this.writeSyncedStatus(es, syncedStatus(es, built, store, desired, mac, trigger, new Date(this.deps.clock.now())));
    await this.deleteRenamedTargets(es, log);
    if (trigger && written) this.deps.onEventSynced?.(Math.max(0, this.deps.clock.now() - trigger.receivedAtMs) / 1000);
    this.reportReads(es, store, built);
    this.deps.onSyncResult?.(written ? 'synced' : 'unchanged', es);
    log.info({ written, versions: desired.versions, keys: Object.keys(built.data).length }, written ? 'secret written' : 'secret up to date');
  }

  /**
   * Every remote secret is gone: spec.target.deletionPolicy decides. True when that finished
   * the pass (the Secret deleted or trimmed, or deleted on an earlier pass); false when the
   * pass goes on to write (Retain, Merge's empty keys, or some remote secret is still there).
   */
  private async applyRemoteGone(es: DefaultedExternalSecret, target: Secret | undefined, built: DesiredData, log: Logger): Promise<boolean> {
    if (!built.allMissing) return false;
    if (es.spec.target.deletionPolicy === 'Delete' && es.spec.target.creationPolicy !== 'Owner') {
      // ESO admits Delete with Orphan and refuses the deletion when it comes (only an owned
      // Secret is deleted): the sync fails, the Secret stays.
      throw new SyncError(
        ES_REASON.SecretSyncedError,
        `every remote secret is gone, but deletionPolicy Delete deletes only a Secret the ExternalSecret owns and spec.target.creationPolicy is ${es.spec.target.creationPolicy}: Secret ${es.spec.target.name} is kept; set creationPolicy Owner to have it deleted, or deletionPolicy Retain`,
        { field: 'spec.target.deletionPolicy' },
      );
    }
    if (es.spec.target.deletionPolicy !== 'Retain' && target && isOwnedBy(target, ownerOf(es))) {
      await this.applyDeletionPolicy(es, target, log);
      return true;
    }
    if (es.spec.target.deletionPolicy === 'Delete' && !target && (es.status?.syncedVersions?.length ?? 0) > 0) {
      // Deleted on an earlier pass: that is the intended state, not a failure to report as
      // "missing" with a Warning on every refresh. Re-created in AWS, it syncs again.
      await this.writeStatus(es, deletedStatus(es, new Date(this.deps.clock.now())));
      return true;
    }
    return false;
  }

  /**
   * Plans the write of `desired` over the live target and makes it (create, update or
   * delete-then-create), with its Event. True when the Secret was written; a refused plan
   * (not ours, ...) throws.
   */
  private async writeTarget(
    es: DefaultedExternalSecret,
    /** The store it read through (for the Created Event's fold), undefined for generator-only ones. */
    store: SecretStore | undefined,
    target: Secret | undefined,
    desired: DesiredSecret,
    data: Record<string, Buffer>,
    assumedAbsent: boolean,
    log: Logger,
  ): Promise<boolean> {
    const namespace = es.metadata.namespace!;
    const adoptFromEso = es.metadata.annotations?.[ANNOTATION_ADOPT_ESO];
    const planFor = (live: Secret | undefined) =>
      withOwnerUid(
        planTargetWrite(live, desired, es.spec.target.creationPolicy, ownerOf(es), {
          isMergeOwnerLive: this.mergeOwnerLive(es),
          isTargetOwnerLive: this.targetOwnerLive(es),
          ...(adoptFromEso ? { adoptFromEso } : {}),
        }),
        es.metadata.uid,
      );
    /** The live Secret the plan was made from. */
    let planned = target;
    let plan = planFor(planned);
    let created = false;
    if (plan.action === 'create' && assumedAbsent) {
      created = await this.createUnlessExists(plan.secret);
      if (!created) {
        // It exists after all (someone else's, or ours before the cache saw it): plan again
        // from the API's copy. Only on a first sync, so the rollout decision is unaffected.
        log.debug('target Secret exists although not cached; planning from the API copy');
        planned = await this.liveTarget(namespace, desired.name);
        plan = planFor(planned);
      }
    }
    if (plan.action === 'refuse') throw new SyncError(plan.reason, plan.message, { field: 'spec.target' });

    if (plan.action === 'create') {
      if (!created) await this.deps.secrets.create(plan.secret);
      const message = `created Secret ${namespace}/${desired.name} (${countKeys(data)})`;
      // A generator-only ExternalSecret has no store to fold its Created Event under.
      if (this.deps.createdEvents && store) await this.deps.createdEvents.created(refOf(es), storeRefOf(store), message);
      else await this.event(es, 'Normal', 'Created', message);
      return true;
    }
    if (plan.action === 'update' || plan.action === 'recreate') {
      if (plan.action === 'recreate') {
        await this.recreate(es, planned, plan.secret, log);
      } else {
        await this.deps.secrets.replace(plan.secret);
      }
      if (plan.adoptedFrom !== undefined) {
        log.info({ from: plan.adoptedFrom }, 'took the Secret over from ESO');
        await this.event(es, 'Normal', 'Adopted', `took Secret ${namespace}/${desired.name} over from ESO's ExternalSecret ${plan.adoptedFrom} (${countKeys(data)}; versions ${desired.versions})`);
      } else {
        await this.event(es, 'Normal', 'Updated', `updated Secret ${namespace}/${desired.name} (${countKeys(data)}; versions ${desired.versions})`);
      }
      return true;
    }
    return false;
  }

  /**
   * The Secret was written with a rollout-pending marker: ask now rather than on the pass our
   * own write triggers, so the request joins the current debounce window; that pass finds it
   * asked already.
   */
  private askRollout(es: DefaultedExternalSecret, fingerprint: string, versions: string, why: string | undefined, log: Logger): void {
    log.info({ versions, why }, 'rotation: rollout recorded on the Secret');
    this.pendingRollouts?.advance(keyOf(es), this.rolloutRequest(es, fingerprint));
  }

  /**
   * Writes the status of a successful sync when it differs from the one on record (refreshTime
   * moves with it), or on the heartbeat. A refresh that changed nothing writes no status:
   * scheduling is in memory (refresh.ts).
   */
  private async writeSyncedStatus(es: DefaultedExternalSecret, status: ExternalSecretStatus): Promise<void> {
    if (!this.syncedStatusDue(es, status)) return;
    const next = { ...status, refreshTime: new Date(this.deps.clock.now()).toISOString() };
    await this.deps.status.externalSecret(es.metadata.namespace!, es.metadata.name, next);
    this.rememberStatus(es, next);
  }

  /** The synced status differs from `es`'s (or has no refreshTime yet), or the heartbeat is due (heartbeat.ts). */
  private syncedStatusDue(es: ExternalSecret, status: ExternalSecretStatus): boolean {
    if (es.status?.refreshTime === undefined || !sameJson(es.status ?? {}, status)) return true;
    return heartbeatDue({
      now: this.deps.clock.now(),
      lastWrittenMs: lastSuccessfulSync(es),
      startedAtMs: this.startedAtMs,
      heartbeatMs: this.deps.statusHeartbeatMs ?? DEFAULT_STATUS_HEARTBEAT_MS,
      spread: stableFraction(keyOf(es)),
    });
  }

  /** What a successful sync read, for the event index. */
  private reportReads(es: DefaultedExternalSecret, store: SecretStore | undefined, built: DesiredData): void {
    // A CertificateManager store never gets here (refused at admission and by validateStoreSpec).
    const service = built.readsService ?? readServiceOf(store?.spec.provider.aws.service);
    if (service) this.deps.onSynced?.(es.metadata.namespace!, es.metadata.name, service, built.reads ?? []);
  }

  /** The store spec.secretStoreRef names, from the informer cache; no access check. */
  private findStore(es: DefaultedExternalSecret): SecretStore | undefined {
    const ref = es.spec.secretStoreRef;
    return ref ? this.lookupStore(es.metadata.namespace!, ref) : undefined;
  }

  private lookupStore(namespace: string, ref: SecretStoreRef): SecretStore | undefined {
    return ref.kind === 'ClusterSecretStore' ? this.deps.stores.clusterSecretStore(ref.name) : this.deps.stores.secretStore(namespace, ref.name);
  }

  /**
   * Every store this pass reads through, access-checked: spec.secretStoreRef's when an entry
   * uses it (or there is no entry: a template-only Secret), and each distinct sourceRef.storeRef
   * (ESO's per-entry store), keyed by storeRefKey. A failure names the entry's field.
   */
  /**
   * Resolves the stores `es` reads through and fetches its desired data. AWS reads stop at the
   * pass's deadline or when the ExternalSecret or a store it reads goes away.
   */
  private async fetchDesired(es: DefaultedExternalSecret, fetchOptions: Omit<FetchDesiredOptions, 'signal' | 'entryStores'>): Promise<{ store: SecretStore | undefined; built: DesiredData }> {
    const namespace = es.metadata.namespace!;
    const { store, entryStores } = await this.resolveStores(es);
    const scope = reconcileScope({
      stillWanted: () => {
        const nowEs = this.deps.externalSecrets.get(namespace, es.metadata.name);
        const used: Array<[SecretStore, SecretStore | undefined]> = [
          ...(store ? [[store, this.findStore(es)] as [SecretStore, SecretStore | undefined]] : []),
          ...[...entryStores].map(([key, s]): [SecretStore, SecretStore | undefined] => [s, this.lookupStore(namespace, refOfKey(key))]),
        ];
        if (used.length === 0) return objectsGone(es, es, nowEs, nowEs);
        for (const [was, now] of used) {
          const gone = objectsGone(es, was, nowEs, now);
          if (gone) return gone;
        }
        return undefined;
      },
    });
    const built = await this.deps.source.fetch(store, es, { ...fetchOptions, signal: scope.signal, entryStores }).finally(scope.dispose);
    return { store, built };
  }

  private async resolveStores(es: DefaultedExternalSecret): Promise<{ store: SecretStore | undefined; entryStores: Map<string, SecretStore> }> {
    const spec = es.spec;
    const entryRefs = new Map<string, { ref: SecretStoreRef; field: string }>();
    let primaryUsed = spec.data.length + spec.dataFrom.length === 0;
    spec.data.forEach((d, i) => {
      const ref = d.sourceRef?.storeRef;
      if (!ref) primaryUsed = true;
      else if (!entryRefs.has(storeRefKey(ref))) entryRefs.set(storeRefKey(ref), { ref, field: `spec.data[${i}].sourceRef.storeRef` });
    });
    spec.dataFrom.forEach((d, j) => {
      if (d.sourceRef?.generatorRef) return;
      const ref = d.sourceRef?.storeRef;
      if (!ref) primaryUsed = true;
      else if (!entryRefs.has(storeRefKey(ref))) entryRefs.set(storeRefKey(ref), { ref, field: `spec.dataFrom[${j}].sourceRef.storeRef` });
    });
    let store: SecretStore | undefined;
    if (primaryUsed) {
      if (!spec.secretStoreRef) {
        throw new SyncError(ES_REASON.InvalidSpec, 'spec.secretStoreRef is required: an entry without sourceRef reads through it', { field: 'spec.secretStoreRef' });
      }
      store = await this.resolveStore(es.metadata.namespace!, spec.secretStoreRef, 'spec.secretStoreRef');
    }
    const entryStores = new Map<string, SecretStore>();
    for (const [key, { ref, field }] of entryRefs) entryStores.set(key, await this.resolveStore(es.metadata.namespace!, { kind: ref.kind ?? 'SecretStore', name: ref.name }, field));
    return { store, entryStores };
  }

  private async resolveStore(namespace: string, ref: SecretStoreRef, field: string): Promise<SecretStore> {
    const store = this.lookupStore(namespace, ref);
    if (ref.kind === 'ClusterSecretStore') {
      if (!store) throw new SyncError(ES_REASON.StoreNotFound, `ClusterSecretStore ${ref.name} not found; create it or fix ${field}.name`, { field });
      const labels = (await this.deps.namespaces.labels(namespace)) ?? {};
      const access = checkStoreAccess(ref.name, store.spec.conditions, namespace, labels);
      if (!access.allowed) throw new SyncError(ES_REASON.StoreNotAllowed, field === 'spec.secretStoreRef' ? access.message : `${field}: ${access.message}`, { field });
      return store;
    }
    if (!store) {
      throw new SyncError(
        ES_REASON.StoreNotFound,
        `SecretStore ${namespace}/${ref.name}${field === 'spec.secretStoreRef' ? '' : ` (${field})`} not found; create it in this namespace, or set ${field}.kind: ClusterSecretStore`,
        { field },
      );
    }
    return store;
  }

  /**
   * spec.target.name changed: the Secret under the old name is deleted when this
   * ExternalSecret owned it (owner reference, i.e. creationPolicy Owner), as ESO does. Orphan
   * and Merge targets, and anything it did not create, stay. Runs after the new Secret is
   * written, so there is no moment without one.
   */
  private async deleteRenamedTargets(es: DefaultedExternalSecret, log: Logger): Promise<void> {
    if (!this.deps.managedSecretsOf || es.spec.target.creationPolicy !== 'Owner') return;
    const namespace = es.metadata.namespace!;
    const uid = es.metadata.uid;
    for (const old of this.deps.managedSecretsOf(namespace, keyOf(es))) {
      const oldName = old.metadata?.name;
      if (!oldName || oldName === es.spec.target.name || !uid) continue;
      if (!(old.metadata?.ownerReferences ?? []).some((ref) => ref.uid === uid && ref.controller === true)) continue;
      await this.deps.secrets.delete(namespace, oldName, old.metadata ?? {});
      log.info({ secret: oldName, target: es.spec.target.name }, 'deleted the Secret of the previous spec.target.name');
      await this.event(es, 'Normal', 'Deleted', `deleted Secret ${namespace}/${oldName}: spec.target.name is now ${es.spec.target.name}`);
    }
  }

  private async applyDeletionPolicy(es: DefaultedExternalSecret, target: Secret, log: Logger): Promise<void> {
    const namespace = es.metadata.namespace!;
    const name = es.spec.target.name;
    if (es.spec.target.deletionPolicy === 'Delete') {
      await this.deps.secrets.delete(namespace, name, target.metadata ?? {});
      await this.event(es, 'Normal', 'Deleted', `deleted Secret ${namespace}/${name}: every remote secret it was built from is gone (deletionPolicy: Delete)`);
    } else {
      const managedKeys = new Set([...(es.spec.data ?? []).map((d) => d.secretKey), ...(es.status?.syncedVersions ?? []).map((v) => v.key)]);
      const { secret, removed } = releaseMergeKeys(target, es.metadata.name, managedKeys, this.mergeOwnerLive(es));
      await this.deps.secrets.replace(secret);
      await this.event(es, 'Normal', 'Updated', `removed ${removed} key(s) from Secret ${namespace}/${name}: the remote secrets are gone (deletionPolicy: Merge)`);
    }
    log.info({ deletionPolicy: es.spec.target.deletionPolicy }, 'remote secrets gone; deletion policy applied');
    await this.writeStatus(es, deletedStatus(es, new Date(this.deps.clock.now())));
  }

  /** Whether the ExternalSecret `name` (same namespace) still merges keys into `es`'s target. */
  private mergeOwnerLive(es: DefaultedExternalSecret): (name: string) => boolean {
    return (name) => {
      const other = this.deps.externalSecrets.get(es.metadata.namespace!, name);
      if (!other || other.metadata.deletionTimestamp) return false;
      return (other.spec?.target?.name || other.metadata.name) === es.spec.target.name && mergesInto(other.spec?.target?.creationPolicy);
    };
  }

  /**
   * Whether the ExternalSecret `name` (same namespace; this uid when given) still writes
   * `es`'s target as its whole owner (creationPolicy Owner or Orphan, the default Owner).
   */
  private targetOwnerLive(es: DefaultedExternalSecret): (name: string, uid?: string) => boolean {
    return (name, uid) => {
      const other = this.deps.externalSecrets.get(es.metadata.namespace!, name);
      if (!other || other.metadata.deletionTimestamp || (uid !== undefined && other.metadata.uid !== uid)) return false;
      const policy = other.spec?.target?.creationPolicy ?? 'Owner';
      return (other.spec?.target?.name || other.metadata.name) === es.spec.target.name && (policy === 'Owner' || policy === 'Orphan');
    };
  }

  /** Records a failure in status + a Warning event; the target Secret is left untouched. */
  private async fail(es: ExternalSecret, reason: string, message: string, log: Logger): Promise<void> {
    log.warn({ reason, error: message }, 'sync failed; keeping the last good Secret');
    const status: ExternalSecretStatus = {
      ...es.status,
      conditions: setCondition(es.status?.conditions, readyCondition('False', reason, message, new Date(this.deps.clock.now()), es.metadata.generation)),
    };
    await this.writeStatus(es, status);
    await this.event(es, 'Warning', 'SyncFailed', message);
  }

  private async writeStatus(es: ExternalSecret, status: ExternalSecretStatus): Promise<void> {
    if (sameJson(es.status ?? {}, status)) return;
    await this.deps.status.externalSecret(es.metadata.namespace!, es.metadata.name, status);
    this.rememberStatus(es, status);
  }

  private rememberStatus(es: ExternalSecret, status: ExternalSecretStatus): void {
    const baseResourceVersion = es.metadata.resourceVersion;
    if (baseResourceVersion) this.memory.rememberStatus(keyOf(es), { baseResourceVersion, status });
  }

  /**
   * The informer delivered this ExternalSecret: a status remembered from an older object is no
   * longer needed (the informer's copy is the truth again, as withOwnStatus would decide on the
   * next pass). Without this an entry stayed until that pass, an interval later: at 10,000
   * ExternalSecrets the remembered statuses were 11.7 MiB of a 88 MiB heap (docs/benchmarks.md).
   */
  observed(es: ExternalSecret): void {
    const key = keyOf(es);
    const written = this.memory.writtenStatus(key);
    if (written && es.metadata.resourceVersion !== written.baseResourceVersion) this.memory.dropWrittenStatus(key);
  }

  /** Statuses remembered until the informer catches up with them (withOwnStatus). */
  get statusesHeld(): number {
    return this.memory.statusesHeld;
  }

  /** The informer's object, with the status we wrote if the informer has not caught up with it yet. */
  private withOwnStatus(es: ExternalSecret | undefined): ExternalSecret | undefined {
    if (!es) return es;
    const written = this.memory.writtenStatus(keyOf(es));
    if (!written) return es;
    if (es.metadata.resourceVersion === written.baseResourceVersion) return { ...es, status: written.status };
    // The informer has a newer object (ours or someone else's write): it is the truth again.
    this.memory.dropWrittenStatus(keyOf(es));
    return es;
  }

  private async event(es: ExternalSecret, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    await this.deps.events.record(refOf(es), type, reason, message);
  }

  /** Drift: the live Secret is no longer what Rotor last wrote (see drift.ts). Merge targets are checked on refresh. */
  private hasDrifted(es: DefaultedExternalSecret, target: Secret | undefined, log: Logger): boolean {
    const expectedMAC = es.status?.dataMAC;
    if (!target || !expectedMAC) return false;
    const drift = targetDrift({
      target,
      policy: es.spec.target.creationPolicy,
      owner: ownerOf(es),
      template: es.spec.target.template,
      expectedMAC,
      ...(es.status?.version !== undefined ? { expectedVersions: es.status.version } : {}),
      macKey: this.deps.macKey,
    });
    if (drift) log.debug({ drift }, 'target Secret drifted from what was written');
    return drift !== undefined;
  }

  /** rotor.dev/force-sync or ESO's external-secrets.io/force-sync set to a value not yet honoured (force-sync.ts). */
  private forceRequested(es: ExternalSecret): boolean {
    return forceSyncRequested(es.metadata.annotations, this.memory.forceSyncSeen(keyOf(es)), lastSuccessfulSync(es));
  }

  private rememberForceSync(es: ExternalSecret): void {
    const token = forceSyncToken(es.metadata.annotations);
    if (token) this.memory.rememberForceSync(keyOf(es), token);
  }
}

/**
 * Every write of the target records the ExternalSecret's uid (rotor.dev/owner-uid): what ties
 * a watch event on the Secret to this very ExternalSecret when there is no owner reference
 * (secret-owner.ts). Added to writes only, so Secrets an older Rotor wrote are not rewritten
 * for it.
 */
function withOwnerUid(plan: TargetPlan, uid: string | undefined): TargetPlan {
  if (!uid || (plan.action !== 'create' && plan.action !== 'update' && plan.action !== 'recreate')) return plan;
  const metadata = plan.secret.metadata ?? {};
  return { ...plan, secret: { ...plan.secret, metadata: { ...metadata, annotations: { ...(metadata.annotations ?? {}), [ANNOTATION_OWNER_UID]: uid } } } };
}

/** A forced, store-changed or sibling refresh reads AWS afresh, past the shared fetch cache. */
function freshRead(reason: string | undefined): boolean {
  return reason === 'forced' || reason === 'store-changed' || reason === 'rollout-sibling';
}

/** The status of a successful sync of a manifest target (`what`: "<Kind> <ns>/<name>"); refreshTime as it was. */
function manifestSyncedStatus(
  es: ExternalSecret,
  spec: DefaultedExternalSecret,
  what: string,
  built: DesiredData,
  store: SecretStore | undefined,
  mac: string | undefined,
  trigger: EventTrigger | undefined,
  now: Date,
): ExternalSecretStatus {
  const message = `${what} synced: ${syncedMessage(spec, built.syncedVersions, built.skipped.map((s) => s.secretKey)).replace(/^Secret \S+ synced: /, '')}`;
  const conditions = setCondition(es.status?.conditions, readyCondition('True', ES_REASON.SecretSynced, message, now, es.metadata.generation));
  return withGeneratedExpiry(
    {
      ...es.status,
      conditions: trigger?.rotation ? setCondition(conditions, rotationCondition(trigger)) : conditions,
      ...(trigger ? { lastEvent: trigger.event } : {}),
      observedGeneration: es.metadata.generation,
      syncedResourceVersion: syncedResourceVersion(es.metadata),
      syncedVersions: built.syncedVersions,
      ...(mac ? { dataMAC: mac } : {}),
      version: versionSummary(built.syncedVersions),
      ...(built.servedRegion ? { servedRegion: built.servedRegion } : {}),
      ...(store && storeSpecId(store) ? { syncedStore: storeSpecId(store) } : {}),
    },
    built,
  );
}

/** What a fetch built can be written: no entry failed, and it fits in a Secret (1 MiB). */
function checkWritable(built: DesiredData): void {
  if (built.problems.length > 0) throw problemsError(built.problems);
  const size = Object.entries(built.data).reduce((sum, [k, v]) => sum + k.length + v.length, 0);
  if (size > SECRET_SIZE_LIMIT) {
    throw new SyncError(
      ES_REASON.SecretSyncedError,
      `the resulting Secret is ${size} bytes, over the Kubernetes limit of 1 MiB; select fewer keys with property/jmesPath or split it across ExternalSecrets`,
      { field: 'spec.data' },
    );
  }
}

/**
 * The Secret to write from what was built, its content MAC (status.dataMAC), and whether the
 * write restarts workloads (rollout/decide.ts). With `recordRollout`, a rollout is marked on the
 * Secret itself (rotor.dev/rollout-pending, in the same write as the data: from then on the
 * rollout is on record).
 */
function desiredSecret(
  es: DefaultedExternalSecret,
  target: Secret | undefined,
  built: DesiredData,
  macKey: Buffer,
  recordRollout: boolean,
): { desired: DesiredSecret; mac: string; rollout: RolloutDecision } {
  const mac = targetMAC(macKey, es.metadata.uid ?? '', built);
  // A Secret an older Rotor wrote keeps its v1 annotation while its content is what we would
  // write (the annotation is checked exactly against that content): no rewrite at upgrade.
  const annotated = target?.metadata?.annotations?.[ANNOTATION_DATA_MAC];
  const annotationMAC = isLegacyMAC(annotated) && annotated === legacyTargetMAC(macKey, built) ? annotated : mac;
  const fingerprint = versionFingerprint(built.syncedVersions);
  const desired: DesiredSecret = {
    namespace: es.metadata.namespace!,
    name: es.spec.target.name,
    type: built.type,
    data: built.data,
    labels: built.labels,
    annotations: built.annotations,
    ...(es.spec.target.template?.metadata?.finalizers?.length ? { finalizers: es.spec.target.template.metadata.finalizers } : {}),
    immutable: es.spec.target.immutable ?? false,
    mac: annotationMAC,
    versions: versionSummary(built.syncedVersions),
  };
  const previousFingerprint = es.status?.syncedVersions ? versionFingerprint(es.status.syncedVersions) : undefined;
  const rollout = shouldRollOut({
    previousFingerprint,
    newFingerprint: fingerprint,
    // The data itself, not just the Secret: a rewrite for metadata (version annotation,
    // labels) must never restart workloads. A Secret someone deleted is "changed" too: the
    // pods still run with what it held before.
    dataChanged: !target || !sameData(target, built.data, mergesInto(es.spec.target.creationPolicy)),
    firstSync: previousFingerprint === undefined,
    stages: requestedStages(es),
  });
  if (rollout.roll && recordRollout) desired.rolloutPending = fingerprint;
  return { desired, mac, rollout };
}

/** The status of a successful sync of a Secret target; refreshTime is left as it was (writeSyncedStatus moves it). */
function syncedStatus(
  es: DefaultedExternalSecret,
  built: DesiredData,
  store: SecretStore | undefined,
  desired: DesiredSecret,
  mac: string,
  trigger: EventTrigger | undefined,
  now: Date,
): ExternalSecretStatus {
  const lastRollout = es.status?.lastRollout;
  const ready = setCondition(
    es.status?.conditions,
    readyCondition('True', ES_REASON.SecretSynced, syncedMessage(es, built.syncedVersions, built.skipped.map((s) => s.secretKey)), now, es.metadata.generation),
  );
  const status: ExternalSecretStatus = {
    ...es.status,
    conditions: trigger?.rotation ? setCondition(ready, rotationCondition(trigger)) : ready,
    ...(trigger ? { lastEvent: trigger.event } : {}),
    refreshTime: es.status?.refreshTime,
    observedGeneration: es.metadata.generation,
    syncedResourceVersion: syncedResourceVersion(es.metadata),
    syncedVersions: built.syncedVersions,
    dataMAC: mac,
    version: desired.versions,
    ...(built.servedRegion ? { servedRegion: built.servedRegion } : {}),
    ...(lastRollout ? { lastRollout } : {}),
    ...(store && storeSpecId(store) ? { syncedStore: storeSpecId(store) } : {}),
    // ESO sets binding when it creates or updates the Secret, so not under creationPolicy None.
    ...(es.spec.target.creationPolicy !== 'None' ? { binding: { name: desired.name } } : {}),
  };
  return withGeneratedExpiry(status, built);
}

/** status.generatedExpiresAt: set while the target holds generated values that expire; gone with the last of them. */
function withGeneratedExpiry(status: ExternalSecretStatus, built: DesiredData): ExternalSecretStatus {
  if (built.generatedExpiresAt) status.generatedExpiresAt = built.generatedExpiresAt.toISOString();
  else delete status.generatedExpiresAt;
  return status;
}

/** The cached Secret with the data its digest proved it holds (and no digest: it may be written). */
function restoredData(cached: Secret, data: Record<string, Buffer>): Secret {
  const { rotorDataDigest: _digest, ...secret } = cached as CachedSecret;
  const encoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) encoded[key] = value.toString('base64');
  return { ...secret, data: encoded };
}

/** The earlier of two optional requeue delays. */
function requeueAt(a: number | undefined, b: number | undefined): ReconcileResult {
  if (a === undefined && b === undefined) return {};
  return { requeueAfterMs: Math.min(a ?? Infinity, b ?? Infinity) };
}

function deletedStatus(es: DefaultedExternalSecret, now: Date): ExternalSecretStatus {
  const message = `every remote secret is gone; deletionPolicy ${es.spec.target.deletionPolicy} applied to Secret ${es.spec.target.name}`;
  return {
    ...es.status,
    conditions: setCondition(es.status?.conditions, readyCondition('False', ES_REASON.SecretDeleted, message, now, es.metadata.generation)),
    observedGeneration: es.metadata.generation,
    // ESO records it for a deletion policy applied too (its markAsDone).
    syncedResourceVersion: syncedResourceVersion(es.metadata),
  };
}

/** AWSRotation from a rotation's outcome; the transition time is the event's. */
function rotationCondition(trigger: EventTrigger) {
  const failed = trigger.rotation === 'Failed';
  return {
    type: CONDITION_AWS_ROTATION,
    status: failed ? ('False' as const) : ('True' as const),
    reason: failed ? 'RotationFailed' : 'RotationSucceeded',
    message: failed
      ? `AWS reported that rotating a secret this ExternalSecret reads failed at ${trigger.event.time}; the Secret keeps the current version. Check the rotation function's logs in AWS`
      : `AWS reported a successful rotation at ${trigger.event.time}`,
    lastTransitionTime: trigger.event.time,
  };
}

/** ExternalSecrets of one store share its refresh waves (and so their reads). */
function storeSeed(es: DefaultedExternalSecret): string {
  // The first store it reads through (the manager's fairness group uses the same); only generators: its own waves.
  return storeKeysOfRefs(es)[0] ?? `ExternalSecret/${es.metadata.namespace}/${es.metadata.name}`;
}

/** storeRefKey back to a reference. */
function refOfKey(key: string): SecretStoreRef {
  const slash = key.indexOf('/');
  return { kind: key.slice(0, slash) as SecretStoreRef['kind'] & string, name: key.slice(slash + 1) } as SecretStoreRef;
}

function lastSuccessfulSync(es: ExternalSecret): number | undefined {
  const t = es.status?.refreshTime;
  return t ? Date.parse(t) : undefined;
}

function keyOf(es: ExternalSecret): string {
  return `${es.metadata.namespace}/${es.metadata.name}`;
}

function ownerOf(es: ExternalSecret) {
  return { namespace: es.metadata.namespace!, name: es.metadata.name, uid: es.metadata.uid ?? '' };
}

/** The store an ExternalSecret read through, as an Event's object. */
function storeRefOf(store: SecretStore): ObjectRef {
  const kind = store.kind === 'ClusterSecretStore' ? 'ClusterSecretStore' : 'SecretStore';
  return { apiVersion: API_GROUP_VERSION, kind, name: store.metadata.name, ...(kind === 'SecretStore' ? { namespace: store.metadata.namespace } : {}), uid: store.metadata.uid };
}

export function refOf(es: ExternalSecret): ObjectRef {
  return { apiVersion: API_GROUP_VERSION, kind: 'ExternalSecret', name: es.metadata.name, namespace: es.metadata.namespace, uid: es.metadata.uid };
}

function requestedStages(es: DefaultedExternalSecret): string[] {
  const stages = new Set<string>();
  for (const d of es.spec.data ?? []) if (d.remoteRef.version) stages.add(d.remoteRef.version);
  for (const d of es.spec.dataFrom ?? []) if (d.extract?.version) stages.add(d.extract.version);
  return [...stages];
}

function countKeys(data: Record<string, Buffer>): string {
  const n = Object.keys(data).length;
  return `${n} key${n === 1 ? '' : 's'}`;
}

function syncedMessage(es: DefaultedExternalSecret, versions: SyncedVersion[], skippedOptional: string[]): string {
  // syncedVersions has one entry per Secret key; count the remote secrets behind them.
  const remotes = new Set(versions.map((v) => v.remoteKey)).size;
  const keys = versions.length;
  const base = `Secret ${es.spec.target.name} synced: ${keys} key${keys === 1 ? '' : 's'} from ${remotes} remote secret${remotes === 1 ? '' : 's'}`;
  return skippedOptional.length ? `${base}; optional keys not found and left out: ${skippedOptional.join(', ')}` : base;
}

/**
 * Failures whose cause is a Kubernetes object, not AWS: backing off and retrying cannot fix
 * them, a change of that object does (issue: TargetNotOwned / StoreNotAllowed retried forever).
 */
const CHANGE_HEALED_REASONS: ReadonlySet<string> = new Set([ES_REASON.TargetNotOwned, ES_REASON.StoreNotAllowed, ES_REASON.StoreNotFound, ES_REASON.TargetKindNotAllowed]);

export function waitsForChange(error: unknown): boolean {
  if (!(error instanceof SyncError)) return false;
  // A Merge target that does not exist yet is also someone else's object to create.
  return CHANGE_HEALED_REASONS.has(error.reason) || (error.reason === ES_REASON.SecretMissing && error.field === 'spec.target');
}

/** AWS (or the store's endpoint) reported the failure, possibly wrapped in a SyncError naming the spec field. */
function reportedByAws(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) if (e instanceof ProviderError) return true;
  return false;
}

/** Maps any failure to a status reason + message; unknown errors never leak their (possibly value-bearing) text. */
export function describeFailure(error: unknown): { reason: string; message: string; retryable: boolean } {
  if (error instanceof ProviderError) return { reason: error.reason, message: error.message, retryable: error.retryable };
  if (error instanceof SyncError) return { reason: error.reason, message: error.message, retryable: false };
  const status = httpStatusOf(error);
  if (isConflict(error)) return { reason: ES_REASON.SecretSyncedError, message: 'the target Secret changed while it was being written; retrying', retryable: true };
  if (status === 403) {
    return {
      reason: ES_REASON.AccessDenied,
      message: "the operator's ServiceAccount may not write Secrets in this namespace; check the chart's RBAC",
      retryable: true,
    };
  }
  // Field paths only (kube/client/errors.ts invalidMessage): the API server's own text repeats the
  // rejected label/annotation keys, which a template may render from secret values.
  if (error instanceof KubeApiError && error.code === 422) {
    return {
      reason: ES_REASON.SecretSyncedError,
      message: `${invalidMessage(error).replace('the object', 'the target Secret')}; check the keys spec.target.template renders (labels, annotations, data)`,
      retryable: false,
    };
  }
  return { reason: ES_REASON.SecretSyncedError, message: 'internal error while syncing; see the operator log', retryable: true };
}


/** "<uid>/<generation>" of a store's spec: changes with every spec edit and when it is re-created. */
export function storeSpecId(store: SecretStore): string | undefined {
  const { uid, generation } = store.metadata;
  return uid && generation !== undefined ? `${uid}/${generation}` : undefined;
}

/**
 * The store's spec is not the one the last sync read through. Unknown on either side (a status
 * from before syncedStore existed, a store not in the cache) is not a change: the first would
 * re-sync every ExternalSecret at once after an upgrade, the second fails in the sync anyway.
 */
function storeMovedOn(syncedStore: string | undefined, store: SecretStore | undefined): boolean {
  const current = store ? storeSpecId(store) : undefined;
  return syncedStore !== undefined && current !== undefined && syncedStore !== current;
}
