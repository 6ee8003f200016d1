// Reconciles a ClusterExternalSecret (ESO's kind): stamps its ExternalSecret into every selected
// namespace, keeps each in step with the spec, deletes the ones in namespaces that stopped
// matching (or under a previous externalSecretName), never touches an ExternalSecret it does
// not control, and records provisioned and failed namespaces in status. Deleting the
// ClusterExternalSecret needs nothing from us: its ExternalSecrets carry an owner reference to
// it, so the garbage collector removes them. Reads come from informer caches; the pure parts
// are in ces-plan.ts.
import type { Logger } from 'pino';
import {
  CES_REASON,
  type ClusterExternalSecret,
  type ClusterExternalSecretStatus,
  type ExternalSecret,
} from '../../api/types.js';
import type { ClusterExternalSecretStatusWriter, EventRecorder, ExternalSecretWriter } from '../../kube/ports.js';
import {
  externalSecretNameOf,
  isControlledBy,
  planExternalSecret,
  refreshMsOf,
  selectNamespaces,
  validateClusterExternalSecret,
  type NamespaceView,
} from './externalsecret-plan.js';
import { fanOutMessage, keptStatus, readyConditions, recordStatus } from '../runtime/fan-out-status.js';
import { stampIntoNamespaces, type StampPlan } from '../runtime/fan-out-writes.js';
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
      await this.record(ces, { ...keptStatus(ces), conditions: this.condition(ces, 'False', CES_REASON.InvalidSpec, message) }, log);
      this.deps.onResult?.(name, { ready: false, provisioned: ces.status?.provisionedNamespaces?.length ?? 0, failed: 0 });
      // Only a spec change can fix it; the informer brings that.
      return {};
    }

    const esName = externalSecretNameOf(ces);
    const selected = selectNamespaces(ces, this.deps.namespaces());
    const { provisioned, outcomes } = await stampIntoNamespaces<ExternalSecret>({
      kind: 'ExternalSecret',
      name: esName,
      selected,
      candidates: this.deps.externalSecrets.controlledBy(name),
      isControlled: (es) => isControlledBy(es, name),
      cached: (namespace, esn) => this.deps.externalSecrets.get(namespace, esn),
      plan: (namespace, existing) => stampPlan(planExternalSecret(ces, namespace, existing)),
      writer: this.deps.writer,
      ownWrites: this.ownWrites,
      log,
    });

    const failedNamespaces = outcomes.failures();
    const ready = failedNamespaces.length === 0;
    const message = fanOutMessage({
      kind: 'ExternalSecret',
      name: esName,
      selectorField: 'spec.namespaceSelectors (or namespaces)',
      selected: selected.length,
      provisioned: provisioned.length,
      failures: failedNamespaces,
    });
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
    if (outcomes.transient !== undefined) throw new ReconcileFailure(outcomes.transient, true);
    return { requeueAfterMs: refreshMsOf(ces) };
  }

  private condition(ces: ClusterExternalSecret, status: 'True' | 'False', reason: string, message: string) {
    return readyConditions(ces, status, reason, message, new Date(this.deps.clock.now()));
  }

  private record(ces: ClusterExternalSecret, status: ClusterExternalSecretStatus, log: Logger): Promise<void> {
    return recordStatus(ces, status, { kind: 'ClusterExternalSecret', write: (name, s) => this.deps.status.clusterExternalSecret(name, s), events: this.deps.events }, log);
  }
}

function stampPlan(plan: ReturnType<typeof planExternalSecret>): StampPlan<ExternalSecret> {
  return plan.action === 'create' || plan.action === 'update' ? { action: plan.action, object: plan.externalSecret } : plan;
}
