// Reconciles a ClusterPushSecret (ESO's kind): stamps its PushSecret into every namespace its
// namespaceSelectors choose, keeps each in step with the spec, deletes the ones in namespaces
// that stopped matching (or under a previous pushSecretName), never touches a PushSecret it does
// not control, and records provisioned and failed namespaces in status. Deleting the
// ClusterPushSecret needs nothing from us: its PushSecrets carry an owner reference, so the
// garbage collector deletes them (and each one's deletionPolicy finalizer runs). The same shell
// as the ClusterExternalSecret reconciler; the pure parts are in plan.ts and ces-plan.ts.
import type { Logger } from 'pino';
import { API_GROUP_VERSION } from '../../api/types.js';
import { CPS_REASON, type ClusterPushSecret, type ClusterPushSecretNamespaceFailure, type ClusterPushSecretStatus, type PushSecret } from '../../api/push-types.js';
import type { EventRecorder } from '../../kube/ports.js';
import type { ClusterPushSecretStatusWriter, PushSecretWriter } from '../../kube/push-secrets.js';
import { KubeApiError } from '../../kube/client/errors.js';
import { selectNamespaces, type NamespaceView } from '../clusterexternalsecret/externalsecret-plan.js';
import { findCondition, readyCondition, sameJson, setCondition } from '../runtime/conditions.js';
import { OwnWrites } from '../runtime/own-writes.js';
import { ReconcileFailure, type ReconcileResult } from '../externalsecret/reconciler.js';
import { isPushSecretControlledBy, planPushSecret, pushSecretNameOf, refreshMsOf, validateClusterPushSecret } from './plan.js';
import type { Clock } from '../../platform/clock.js';

export interface ClusterPushSecretReconcilerDeps {
  get(name: string): ClusterPushSecret | undefined;
  namespaces(): NamespaceView[];
  pushSecrets: {
    get(namespace: string, name: string): PushSecret | undefined;
    list(): PushSecret[];
  };
  writer: PushSecretWriter;
  status: ClusterPushSecretStatusWriter;
  events: EventRecorder;
  /** Time source (platform/clock.ts); tests pass a fixed or stepping one. */
  clock: Clock;
  logger: Logger;
}

export class ClusterPushSecretReconciler {
  /** Our writes the informer may not show yet (see ClusterExternalSecretReconciler). */
  private readonly ownWrites = new OwnWrites<PushSecret>();

  constructor(private readonly deps: ClusterPushSecretReconcilerDeps) {}

  async reconcile(name: string): Promise<ReconcileResult> {
    const cps = this.deps.get(name);
    if (!cps || cps.metadata.deletionTimestamp) return {};
    const log = this.deps.logger.child({ clusterPushSecret: name });

    const problems = validateClusterPushSecret(cps);
    if (problems.length > 0) {
      const message = `${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}. No PushSecret was created or changed.`;
      await this.record(cps, { ...this.kept(cps), conditions: this.condition(cps, 'False', CPS_REASON.InvalidSpec, message) }, log);
      return {};
    }

    const psName = pushSecretNameOf(cps);
    // ESO's ClusterPushSecret selects by namespaceSelectors only.
    const selected = selectNamespaces({ spec: { namespaceSelectors: cps.spec.namespaceSelectors ?? [] } }, this.deps.namespaces());
    const selectedSet = new Set(selected);
    const failed = new Map<string, string>();
    let transient: string | undefined;
    const noteError = (namespace: string, error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      failed.set(namespace, message);
      if (!(error instanceof KubeApiError) || error.retryable) transient ??= message;
    };

    for (const ps of this.deps.pushSecrets.list()) {
      const namespace = ps.metadata.namespace!;
      if (!isPushSecretControlledBy(ps, name) || (selectedSet.has(namespace) && ps.metadata.name === psName)) continue;
      if (this.current(namespace, ps.metadata.name) === undefined) continue;
      try {
        await this.deps.writer.delete(namespace, ps.metadata.name, ps.metadata.uid ?? '', ps.metadata.resourceVersion);
        this.remember(namespace, ps.metadata.name, ps.metadata.resourceVersion ?? '', undefined);
        log.info({ namespace, pushSecret: ps.metadata.name }, 'deleted PushSecret of a namespace no longer selected');
      } catch (error) {
        if (selectedSet.has(namespace)) noteError(namespace, error);
        else transient ??= error instanceof Error ? error.message : String(error);
      }
    }

    const provisioned: string[] = [];
    for (const namespace of selected) {
      const existing = this.current(namespace, psName);
      const plan = planPushSecret(cps, namespace, existing);
      try {
        if (plan.action === 'conflict') {
          failed.set(namespace, plan.reason);
          continue;
        }
        if (plan.action === 'create') {
          this.remember(namespace, psName, '', await this.deps.writer.create(plan.pushSecret));
          log.info({ namespace, pushSecret: psName }, 'created PushSecret');
        } else if (plan.action === 'update') {
          this.remember(namespace, psName, existing?.metadata.resourceVersion ?? '', await this.deps.writer.replace(plan.pushSecret));
          log.info({ namespace, pushSecret: psName }, 'updated PushSecret');
        }
        provisioned.push(namespace);
      } catch (error) {
        noteError(namespace, error);
      }
    }

    const failedNamespaces: ClusterPushSecretNamespaceFailure[] = [...failed].sort(([a], [b]) => (a < b ? -1 : 1)).map(([namespace, reason]) => ({ namespace, reason }));
    const ready = failedNamespaces.length === 0;
    const message = ready
      ? selected.length === 0
        ? `no namespace is selected: set spec.namespaceSelectors to choose where PushSecret ${psName} is created`
        : `PushSecret ${psName} is in ${provisioned.length} namespace(s)`
      : `${failedNamespaces.length} of ${selected.length} selected namespace(s) failed (see status.failedNamespaces): ${failedNamespaces
          .slice(0, 3)
          .map((f) => `${f.namespace}: ${f.reason}`)
          .join('; ')}${failedNamespaces.length > 3 ? '; …' : ''}`;
    await this.record(
      cps,
      {
        pushSecretName: psName,
        ...(provisioned.length ? { provisionedNamespaces: provisioned } : {}),
        ...(failedNamespaces.length ? { failedNamespaces } : {}),
        conditions: this.condition(cps, ready ? 'True' : 'False', ready ? CPS_REASON.Provisioned : CPS_REASON.NamespacesFailed, message),
        observedGeneration: cps.metadata.generation,
      },
      log,
    );
    if (transient !== undefined) throw new ReconcileFailure(transient, true);
    return { requeueAfterMs: refreshMsOf(cps) };
  }

  /** The cached PushSecret, or our own write when the cache has not caught up with it. */
  private current(namespace: string, name: string): PushSecret | undefined {
    return this.ownWrites.current(namespace, name, this.deps.pushSecrets.get(namespace, name));
  }

  private remember(namespace: string, name: string, base: string, object: PushSecret | undefined): void {
    this.ownWrites.remember(namespace, name, base, object);
  }

  private kept(cps: ClusterPushSecret): ClusterPushSecretStatus {
    const { conditions: _c, ...rest } = cps.status ?? {};
    return { ...rest, observedGeneration: cps.metadata.generation };
  }

  private condition(cps: ClusterPushSecret, status: 'True' | 'False', reason: string, message: string) {
    return setCondition(cps.status?.conditions, readyCondition(status, reason, message, new Date(this.deps.clock.now()), cps.metadata.generation));
  }

  private async record(cps: ClusterPushSecret, status: ClusterPushSecretStatus, log: Logger): Promise<void> {
    if (sameJson(cps.status ?? {}, status)) return;
    await this.deps.status.clusterPushSecret(cps.metadata.name, status);
    const before = findCondition(cps.status?.conditions, 'Ready');
    const after = findCondition(status.conditions, 'Ready')!;
    if (before?.reason === after.reason && before.message === after.message) return;
    const ref = { apiVersion: API_GROUP_VERSION, kind: 'ClusterPushSecret', name: cps.metadata.name, uid: cps.metadata.uid };
    if (after.status === 'True') log.info({ reason: after.reason }, after.message);
    else log.warn({ reason: after.reason, error: after.message }, 'ClusterPushSecret not ready');
    await this.deps.events.record(ref, after.status === 'True' ? 'Normal' : 'Warning', after.reason, after.message);
  }
}
