// The workloads a rollout can restart, behind a narrow interface: list them in a namespace and
// merge-patch their pod template annotations. KubeWorkloadClient implements it over
// kube/client/api.ts; unit tests use an in-memory fake.
import type { Logger } from 'pino';
import { ANNOTATION_RESTARTED_FOR, type RolloutKind } from '../api/types.js';
import type { AppsApi, CustomObjectsApi } from './client/api.js';
import type { KubeClients } from './client/clients.js';
import { KubeApiError, httpStatusOf } from './client/errors.js';
import type { KubeList, Workload } from './client/objects.js';
import { listAllPages } from './client/pages.js';
import { systemClock, type Clock } from '../platform/clock.js';

export type WorkloadKind = RolloutKind;

/** Every kind a rollout can restart; `Rollout` is Argo Rollouts (argoproj.io/v1alpha1). */
export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout'];

/** apiVersion of each kind, for event object references. */
export const WORKLOAD_API_VERSIONS: Record<WorkloadKind, string> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  Rollout: 'argoproj.io/v1alpha1',
};

/** Resource name and API group of each kind, as RBAC rules spell them. */
export const WORKLOAD_RESOURCES: Record<WorkloadKind, { group: string; resource: string }> = {
  Deployment: { group: 'apps', resource: 'deployments' },
  StatefulSet: { group: 'apps', resource: 'statefulsets' },
  DaemonSet: { group: 'apps', resource: 'daemonsets' },
  Rollout: { group: 'argoproj.io', resource: 'rollouts' },
};

export const ARGO_ROLLOUTS = { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts' } as const;

export interface WorkloadSummary {
  kind: WorkloadKind;
  name: string;
  /** metadata.uid; events carry it so `kubectl describe` finds them. */
  uid?: string;
  labels: Record<string, string>;
  /** metadata.annotations of the workload itself (where `rotor.dev/reload` lives). */
  annotations: Record<string, string>;
  /** spec.template.metadata.annotations. */
  templateAnnotations: Record<string, string>;
  /** Current `rotor.dev/restarted-for` pod template annotation, if any. */
  restartedFor?: string;
  /** updateStrategy OnDelete: a template change restarts no pod until someone deletes them. */
  onDeleteUpdateStrategy?: boolean;
  /** Argo Rollout using spec.workloadRef instead of its own template. */
  workloadRef?: { kind: string; name: string };
}

export interface WorkloadClient {
  /** Workloads of one kind in a namespace. Argo Rollouts not installed: an empty list. */
  list(namespace: string, kind: WorkloadKind): Promise<WorkloadSummary[]>;
  /**
   * JSON merge patch of spec.template.metadata.annotations (same path for Argo Rollouts).
   * All keys go in ONE patch, so the workload restarts at most once.
   */
  patchTemplateAnnotations(namespace: string, kind: WorkloadKind, name: string, annotations: Record<string, string>): Promise<void>;
}

/** What the operator's ClusterRole must grant for `verb` on `kind`, in RBAC terms. */
export function rbacHint(verb: 'list' | 'patch', kind: WorkloadKind, namespace: string): string {
  const { group, resource } = WORKLOAD_RESOURCES[kind];
  const rule = `the operator's ClusterRole needs "${verb}" on ${resource}.${group} (apiGroups: ["${group}"], resources: ["${resource}"]) in namespace ${namespace}`;
  // The chart grants Argo Rollouts only on request: name the value that does it.
  return kind === 'Rollout' ? `${rule}; with the Helm chart, set ${ARGO_ROLLOUTS_CHART_VALUE}` : rule;
}

/** The chart value that grants list/patch on Argo Rollouts (off by default). */
export const ARGO_ROLLOUTS_CHART_VALUE = 'rbac.argoRollouts=true';

export interface KubeWorkloadClientOptions {
  apps: Pick<AppsApi, 'listNamespacedDeployment' | 'listNamespacedStatefulSet' | 'listNamespacedDaemonSet' | 'patchNamespacedDeployment' | 'patchNamespacedStatefulSet' | 'patchNamespacedDaemonSet'>;
  customObjects: Pick<CustomObjectsApi, 'listNamespacedCustomObject' | 'patchNamespacedCustomObject'>;
  logger?: Pick<Logger, 'debug' | 'info' | 'warn'>;
  /** Time source (platform/clock.ts); default the system clock, tests move it. */
  clock?: Clock;
  /** How long a 404 (not installed) or 403 (not permitted) on Argo Rollouts holds before asking again. Default 10 min. */
  argoRecheckMs?: number;
  /** Page size for list calls. */
  pageSize?: number;
}

const FIELD_MANAGER = 'rotor';

export class KubeWorkloadClient implements WorkloadClient {
  private readonly clock: Clock;
  private readonly argoRecheckMs: number;
  private readonly pageSize: number;
  /** Until when (ms) Argo Rollouts counts as not installed; 0 = unknown / installed. */
  private argoMissingUntil = 0;
  /** Until when (ms) listing Argo Rollouts counts as forbidden (chart rbac.argoRollouts off), and the answer that said so. */
  private argoForbidden: { until: number; error: KubeApiError } | undefined;

  constructor(private readonly opts: KubeWorkloadClientOptions) {
    this.clock = opts.clock ?? systemClock;
    this.argoRecheckMs = opts.argoRecheckMs ?? 10 * 60_000;
    this.pageSize = opts.pageSize ?? 500;
  }

  static fromClients(clients: Pick<KubeClients, 'apps' | 'customObjects'>, options: Omit<KubeWorkloadClientOptions, 'apps' | 'customObjects'> = {}): KubeWorkloadClient {
    return new KubeWorkloadClient({ ...options, apps: clients.apps, customObjects: clients.customObjects });
  }

  /** True while a recent 404 says the Argo Rollouts CRD is not installed. */
  argoRolloutsMissing(): boolean {
    return this.clock.now() < this.argoMissingUntil;
  }

  async list(namespace: string, kind: WorkloadKind): Promise<WorkloadSummary[]> {
    if (kind === 'Rollout' && this.argoRolloutsMissing()) return [];
    // Forbidden is the default (the chart grants Argo Rollouts on request): each rollout would
    // otherwise cost a 403 per namespace. RBAC is cluster-wide or bound to one namespace, so
    // the answer holds for every namespace; asked again after argoRecheckMs.
    if (kind === 'Rollout' && this.argoForbidden && this.clock.now() < this.argoForbidden.until) throw this.argoForbidden.error;
    try {
      const listed = await this.listPages(namespace, kind);
      if (kind === 'Rollout') this.argoForbidden = undefined;
      return listed;
    } catch (err) {
      if (kind === 'Rollout' && httpStatusOf(err) === 403) {
        const error = toWorkloadError(err, 'list', kind, namespace);
        this.argoForbidden = { until: this.clock.now() + this.argoRecheckMs, error };
        throw error;
      }
      if (kind === 'Rollout' && httpStatusOf(err) === 404) {
        // The API group is not served: Argo Rollouts is not installed. Remember it so every
        // rollout does not cost another failing request; ask again after argoRecheckMs in
        // case it gets installed.
        this.argoMissingUntil = this.clock.now() + this.argoRecheckMs;
        this.opts.logger?.info({ namespace, recheckMs: this.argoRecheckMs }, 'Argo Rollouts CRD not installed; Rollout targets are skipped');
        return [];
      }
      throw toWorkloadError(err, 'list', kind, namespace);
    }
  }

  async patchTemplateAnnotations(namespace: string, kind: WorkloadKind, name: string, annotations: Record<string, string>): Promise<void> {
    const body = { spec: { template: { metadata: { annotations } } } };
    const request = { name, namespace, patch: 'merge' as const, body, fieldManager: FIELD_MANAGER };
    try {
      switch (kind) {
        case 'Deployment':
          await this.opts.apps.patchNamespacedDeployment(request);
          return;
        case 'StatefulSet':
          await this.opts.apps.patchNamespacedStatefulSet(request);
          return;
        case 'DaemonSet':
          await this.opts.apps.patchNamespacedDaemonSet(request);
          return;
        case 'Rollout':
          await this.opts.customObjects.patchNamespacedCustomObject({ ...ARGO_ROLLOUTS, ...request });
          return;
      }
    } catch (err) {
      throw toWorkloadError(err, 'patch', kind, namespace, name);
    }
  }

  private async listPages(namespace: string, kind: WorkloadKind): Promise<WorkloadSummary[]> {
    const out: WorkloadSummary[] = [];
    const listPage = (token: string | undefined): Promise<KubeList<Workload>> => {
      const page = { namespace, limit: this.pageSize, ...(token ? { _continue: token } : {}) };
      switch (kind) {
        case 'Deployment':
          return this.opts.apps.listNamespacedDeployment(page);
        case 'StatefulSet':
          return this.opts.apps.listNamespacedStatefulSet(page);
        case 'DaemonSet':
          return this.opts.apps.listNamespacedDaemonSet(page);
        case 'Rollout':
          return this.opts.customObjects.listNamespacedCustomObject<Workload>({ ...ARGO_ROLLOUTS, ...page });
      }
    };
    await listAllPages(listPage, (item) => {
      const summary = summarize(kind, item);
      if (summary) out.push(summary);
    });
    return out;
  }
}

/** Reduce an API object to what rollouts need; exported for the fake-server test. */
export function summarize(kind: WorkloadKind, obj: Workload): WorkloadSummary | undefined {
  const name = obj.metadata?.name;
  if (!name) return undefined;
  const templateAnnotations = { ...(obj.spec?.template?.metadata?.annotations ?? {}) };
  const summary: WorkloadSummary = {
    kind,
    name,
    labels: { ...(obj.metadata?.labels ?? {}) },
    annotations: { ...(obj.metadata?.annotations ?? {}) },
    templateAnnotations,
  };
  if (obj.metadata?.uid) summary.uid = obj.metadata.uid;
  const restartedFor = templateAnnotations[ANNOTATION_RESTARTED_FOR];
  if (restartedFor !== undefined) summary.restartedFor = restartedFor;
  if ((kind === 'StatefulSet' || kind === 'DaemonSet') && obj.spec?.updateStrategy?.type === 'OnDelete') {
    summary.onDeleteUpdateStrategy = true;
  }
  const ref = obj.spec?.workloadRef;
  if (kind === 'Rollout' && !obj.spec?.template && ref?.name) {
    summary.workloadRef = { kind: ref.kind ?? 'Deployment', name: ref.name };
  }
  return summary;
}

function toWorkloadError(err: unknown, verb: 'list' | 'patch', kind: WorkloadKind, namespace: string, name?: string): KubeApiError {
  const status = httpStatusOf(err) || undefined;
  const what = name ? `${kind}/${name}` : `${WORKLOAD_RESOURCES[kind].resource}`;
  // The API server's Status.message (or a network error's message), trimmed so logs stay short.
  const detail = (err instanceof KubeApiError ? err.statusMessage : err instanceof Error ? err.message : undefined)?.slice(0, 300);
  const message = `${verb} ${what} in namespace ${namespace} failed${status ? ` (HTTP ${status})` : ''}${detail ? `: ${detail}` : ''}`;
  const reason = err instanceof KubeApiError ? err.reason : undefined;
  return new KubeApiError(status ?? 0, message, reason, { cause: err, ...(detail !== undefined && status ? { statusMessage: detail } : {}) });
}
