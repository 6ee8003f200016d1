// Reconciles a ClusterPushSecret (ESO's kind): stamps its PushSecret into every namespace its
// namespaceSelectors choose, keeps each in step with the spec, deletes the ones in namespaces
// that stopped matching (or under a previous pushSecretName), never touches a PushSecret it does
// not control, and records provisioned and failed namespaces in status. Deleting the
// ClusterPushSecret needs nothing from us: its PushSecrets carry an owner reference, so the
// garbage collector deletes them (and each one's deletionPolicy finalizer runs). The same shell
// as the ClusterExternalSecret reconciler; the pure parts are in plan.ts and ces-plan.ts.
import type { Logger } from 'pino';
import { CPS_REASON, type ClusterPushSecret, type ClusterPushSecretStatus, type PushSecret } from '../../api/push-types.js';
import type { EventRecorder } from '../../kube/ports.js';
import type { ClusterPushSecretStatusWriter, PushSecretWriter } from '../../kube/push-secrets.js';
import { selectNamespaces, type NamespaceView } from '../clusterexternalsecret/externalsecret-plan.js';
import { fanOutMessage, keptStatus, readyConditions, recordStatus } from '../runtime/fan-out-status.js';
import { stampIntoNamespaces, type StampPlan } from '../runtime/fan-out-writes.js';
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
      await this.record(cps, { ...keptStatus(cps), conditions: this.condition(cps, 'False', CPS_REASON.InvalidSpec, message) }, log);
      return {};
    }

    const psName = pushSecretNameOf(cps);
    // ESO's ClusterPushSecret selects by namespaceSelectors only.
    const selected = selectNamespaces({ spec: { namespaceSelectors: cps.spec.namespaceSelectors ?? [] } }, this.deps.namespaces());
    const { provisioned, outcomes } = await stampIntoNamespaces<PushSecret>({
      kind: 'PushSecret',
      name: psName,
      selected,
      candidates: this.deps.pushSecrets.list(),
      isControlled: (ps) => isPushSecretControlledBy(ps, name),
      cached: (namespace, psn) => this.deps.pushSecrets.get(namespace, psn),
      plan: (namespace, existing) => stampPlan(planPushSecret(cps, namespace, existing)),
      writer: this.deps.writer,
      ownWrites: this.ownWrites,
      log,
    });

    const failedNamespaces = outcomes.failures();
    const ready = failedNamespaces.length === 0;
    const message = fanOutMessage({
      kind: 'PushSecret',
      name: psName,
      selectorField: 'spec.namespaceSelectors',
      selected: selected.length,
      provisioned: provisioned.length,
      failures: failedNamespaces,
    });
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
    if (outcomes.transient !== undefined) throw new ReconcileFailure(outcomes.transient, true);
    return { requeueAfterMs: refreshMsOf(cps) };
  }

  private condition(cps: ClusterPushSecret, status: 'True' | 'False', reason: string, message: string) {
    return readyConditions(cps, status, reason, message, new Date(this.deps.clock.now()));
  }

  private record(cps: ClusterPushSecret, status: ClusterPushSecretStatus, log: Logger): Promise<void> {
    return recordStatus(cps, status, { kind: 'ClusterPushSecret', write: (name, s) => this.deps.status.clusterPushSecret(name, s), events: this.deps.events }, log);
  }
}

function stampPlan(plan: ReturnType<typeof planPushSecret>): StampPlan<PushSecret> {
  return plan.action === 'create' || plan.action === 'update' ? { action: plan.action, object: plan.pushSecret } : plan;
}
