// Reconciles a ClusterExternalSecret (ESO's kind): stamps its ExternalSecret into every selected
// namespace, keeps each in step with the spec, deletes the ones in namespaces that stopped
// matching (or under a previous externalSecretName), never touches an ExternalSecret it does
// not control, and records provisioned and failed namespaces in status. Deleting the
// ClusterExternalSecret needs nothing from us: its ExternalSecrets carry an owner reference to
// it, so the garbage collector removes them. Reads come from informer caches; the pure parts
// are in ces-plan.ts.
import type { Logger } from 'pino';
import {
  API_GROUP_VERSION,
  CES_REASON,
  type ClusterExternalSecret,
  type ClusterExternalSecretNamespaceFailure,
  type ClusterExternalSecretStatus,
  type ExternalSecret,
} from '../../api/types.js';
import type { ClusterExternalSecretStatusWriter, EventRecorder, ExternalSecretWriter } from '../../kube/ports.js';
import { KubeApiError } from '../../kube/client/errors.js';
import {
  externalSecretNameOf,
  isControlledBy,
  planExternalSecret,
  refreshMsOf,
  selectNamespaces,
  validateClusterExternalSecret,
  type NamespaceView,
} from './externalsecret-plan.js';
import { findCondition, readyCondition, sameJson, setCondition } from '../runtime/conditions.js';
import { OwnWrites } from '../runtime/own-writes.js';
import { ReconcileFailure, type ReconcileResult } from '../runtime/reconcile.js';
import type { Clock } from '../../platform/clock.js';

export interface ClusterExternalSecretReconcilerDeps {
  get(name: string): ClusterExternalSecret | undefined;
  /** Every namespace the operator may write ExternalSecrets in (one with --watch-namespace). */
  namespaces(): NamespaceView[];
  /** ExternalSecrets from the informer cache. */
  externalSecrets: {
    get(namespace: string, name: string): ExternalSecret | undefined;
    /** Those whose controller reference names this ClusterExternalSecret (an index lookup, not a scan). */
    controlledBy(cesName: string): ExternalSecret[];
  };
  writer: ExternalSecretWriter;
  status: ClusterExternalSecretStatusWriter;
  events: EventRecorder;
  /** Time source (platform/clock.ts); tests pass a fixed or stepping one. */
  clock: Clock;
  logger: Logger;
  /** Metric hooks: readiness and namespace counts per ClusterExternalSecret, and forgetting one. */
  onResult?: (name: string, result: { ready: boolean; provisioned: number; failed: number }) => void;
  onDeleted?: (name: string) => void;
}

/** A write of ours the informer may not show yet: what we wrote, on top of which version. */
export class ClusterExternalSecretReconciler {
  private readonly ownWrites = new OwnWrites<ExternalSecret>();

  constructor(private readonly deps: ClusterExternalSecretReconcilerDeps) {}

  async reconcile(name: string): Promise<ReconcileResult> {
    const ces = this.deps.get(name);
    if (!ces || ces.metadata.deletionTimestamp) {
      // The garbage collector deletes its ExternalSecrets (owner references); nothing to write.
      this.deps.onDeleted?.(name);
      return {};
    }
    const log = this.deps.logger.child({ clusterExternalSecret: name });

    const problems = validateClusterExternalSecret(ces);
    if (problems.length > 0) {
      const message = `${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}. No ExternalSecret was created or changed.`;
      await this.record(ces, { ...this.keptStatus(ces), conditions: this.condition(ces, 'False', CES_REASON.InvalidSpec, message) }, log);
      this.deps.onResult?.(name, { ready: false, provisioned: ces.status?.provisionedNamespaces?.length ?? 0, failed: 0 });
      // Only a spec change can fix it; the informer brings that.
      return {};
    }

    const esName = externalSecretNameOf(ces);
    const selected = selectNamespaces(ces, this.deps.namespaces());
    const selectedSet = new Set(selected);
    const failed = new Map<string, string>();
    let transient: string | undefined;
    const noteError = (namespace: string, error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      failed.set(namespace, message);
      if (!(error instanceof KubeApiError) || error.retryable) transient ??= message;
    };

    // ExternalSecrets it controls that are no longer wanted: namespace deselected, or renamed.
    for (const es of this.deps.externalSecrets.controlledBy(name)) {
      const namespace = es.metadata.namespace!;
      if (!isControlledBy(es, name) || (selectedSet.has(namespace) && es.metadata.name === esName)) continue;
      if (this.current(namespace, es.metadata.name) === undefined) continue; // deleted by us already
      try {
        // Decided from the cache: the preconditions make a changed or replaced one fail (409) instead.
        await this.deps.writer.delete(namespace, es.metadata.name, es.metadata.uid ?? '', es.metadata.resourceVersion);
        this.remember(namespace, es.metadata.name, es.metadata.resourceVersion ?? '', undefined);
        log.info({ namespace, externalSecret: es.metadata.name }, 'deleted ExternalSecret of a namespace no longer selected');
      } catch (error) {
        if (selectedSet.has(namespace)) noteError(namespace, error);
        else transient ??= error instanceof Error ? error.message : String(error);
      }
    }

    const provisioned: string[] = [];
    for (const namespace of selected) {
      const existing = this.current(namespace, esName);
      const plan = planExternalSecret(ces, namespace, existing);
      try {
        if (plan.action === 'conflict') {
          failed.set(namespace, plan.reason);
          continue;
        }
        if (plan.action === 'create') {
          const created = await this.deps.writer.create(plan.externalSecret);
          this.remember(namespace, esName, '', created);
          log.info({ namespace, externalSecret: esName }, 'created ExternalSecret');
        } else if (plan.action === 'update') {
          const updated = await this.deps.writer.replace(plan.externalSecret);
          this.remember(namespace, esName, existing?.metadata.resourceVersion ?? '', updated);
          log.info({ namespace, externalSecret: esName }, 'updated ExternalSecret');
        }
        provisioned.push(namespace);
      } catch (error) {
        noteError(namespace, error);
      }
    }

    const failedNamespaces: ClusterExternalSecretNamespaceFailure[] = [...failed].sort(([a], [b]) => (a < b ? -1 : 1)).map(([namespace, reason]) => ({ namespace, reason }));
    const ready = failedNamespaces.length === 0;
    const message = ready
      ? selected.length === 0
        ? `no namespace is selected: set spec.namespaceSelectors (or namespaces) to choose where ExternalSecret ${esName} is created`
        : `ExternalSecret ${esName} is in ${provisioned.length} namespace(s)`
      : `${failedNamespaces.length} of ${selected.length} selected namespace(s) failed (see status.failedNamespaces): ${failedNamespaces
          .slice(0, 3)
          .map((f) => `${f.namespace}: ${f.reason}`)
          .join('; ')}${failedNamespaces.length > 3 ? '; …' : ''}`;
    const status: ClusterExternalSecretStatus = {
      externalSecretName: esName,
      ...(provisioned.length ? { provisionedNamespaces: provisioned } : {}),
      ...(failedNamespaces.length ? { failedNamespaces } : {}),
      conditions: this.condition(ces, ready ? 'True' : 'False', ready ? CES_REASON.Provisioned : CES_REASON.NamespacesFailed, message),
      observedGeneration: ces.metadata.generation,
    };
    await this.record(ces, status, log);
    this.deps.onResult?.(name, { ready, provisioned: provisioned.length, failed: failedNamespaces.length });
    // API failures (not conflicts with foreign ExternalSecrets, which wait for a change) back off.
    if (transient !== undefined) throw new ReconcileFailure(transient, true);
    return { requeueAfterMs: refreshMsOf(ces) };
  }

  /** The cached ExternalSecret, or our own write when the cache has not caught up with it. */
  private current(namespace: string, name: string): ExternalSecret | undefined {
    return this.ownWrites.current(namespace, name, this.deps.externalSecrets.get(namespace, name));
  }

  private remember(namespace: string, name: string, base: string, object: ExternalSecret | undefined): void {
    this.ownWrites.remember(namespace, name, base, object);
  }

  /** On InvalidSpec the namespace lists stay as they were: nothing was changed there. */
  private keptStatus(ces: ClusterExternalSecret): ClusterExternalSecretStatus {
    const { conditions: _c, ...rest } = ces.status ?? {};
    return { ...rest, observedGeneration: ces.metadata.generation };
  }

  private condition(ces: ClusterExternalSecret, status: 'True' | 'False', reason: string, message: string) {
    return setCondition(ces.status?.conditions, readyCondition(status, reason, message, new Date(this.deps.clock.now()), ces.metadata.generation));
  }

  /** Writes status only when it differs; an event when Ready's reason or message changes. */
  private async record(ces: ClusterExternalSecret, status: ClusterExternalSecretStatus, log: Logger): Promise<void> {
    if (sameJson(ces.status ?? {}, status)) return;
    await this.deps.status.clusterExternalSecret(ces.metadata.name, status);
    const before = findCondition(ces.status?.conditions, 'Ready');
    const after = findCondition(status.conditions, 'Ready')!;
    if (before?.reason === after.reason && before.message === after.message) return;
    const ref = { apiVersion: API_GROUP_VERSION, kind: 'ClusterExternalSecret', name: ces.metadata.name, uid: ces.metadata.uid };
    if (after.status === 'True') {
      log.info({ reason: after.reason }, after.message);
      await this.deps.events.record(ref, 'Normal', after.reason, after.message);
    } else {
      log.warn({ reason: after.reason, error: after.message }, 'ClusterExternalSecret not ready');
      await this.deps.events.record(ref, 'Warning', after.reason, after.message);
    }
  }
}
