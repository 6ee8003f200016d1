// The workloads a rollout can restart, behind a narrow interface: list them in a namespace and
// merge-patch their pod template annotations. KubeWorkloadClient implements it with
// @kubernetes/client-node 2.x; unit tests use an in-memory fake.
import {
  ApiException,
  AppsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1ObjectMeta,
  type V1PodTemplateSpec,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { ANNOTATION_RESTARTED_FOR, type RolloutKind } from '../api/types.js';

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

/** A failed workload API call; `status` is the HTTP status when the API server answered. */
export class WorkloadApiError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly verb: 'list' | 'patch',
    readonly kind: WorkloadKind,
  ) {
    super(message);
    this.name = 'WorkloadApiError';
  }
}

/** HTTP status of an error from a workload call (WorkloadApiError, ApiException or similar). */
export function httpStatusOf(err: unknown): number | undefined {
  if (err instanceof WorkloadApiError) return err.status;
  if (typeof err === 'object' && err !== null) {
    const candidate = (err as { code?: unknown; status?: unknown; statusCode?: unknown });
    for (const v of [candidate.code, candidate.status, candidate.statusCode]) {
      if (typeof v === 'number' && v >= 100 && v < 600) return v;
    }
  }
  return undefined;
}

/**
 * Error text fit for the operator log: the message of errors this module built (API server
 * Status messages), only the error name otherwise — an arbitrary error could echo anything.
 */
export function safeErrorText(err: unknown): string {
  if (err instanceof WorkloadApiError) return err.message;
  if (err instanceof Error) return err.name;
  return typeof err;
}

/** What the operator's ClusterRole must grant for `verb` on `kind`, in RBAC terms. */
export function rbacHint(verb: 'list' | 'patch', kind: WorkloadKind, namespace: string): string {
  const { group, resource } = WORKLOAD_RESOURCES[kind];
  return `the operator's ClusterRole needs "${verb}" on ${resource}.${group} (apiGroups: ["${group}"], resources: ["${resource}"]) in namespace ${namespace}`;
}

export interface KubeWorkloadClientOptions {
  apps: AppsV1Api;
  customObjects: CustomObjectsApi;
  logger?: Pick<Logger, 'debug' | 'info' | 'warn'>;
  /** Milliseconds clock; injected so tests can move time. */
  now?: () => number;
  /** How long a 404 on Argo Rollouts means "not installed" before asking again. Default 10 min. */
  argoRecheckMs?: number;
  /** Page size for list calls. */
  pageSize?: number;
}

const FIELD_MANAGER = 'rotor';

export class KubeWorkloadClient implements WorkloadClient {
  private readonly now: () => number;
  private readonly argoRecheckMs: number;
  private readonly pageSize: number;
  /** Until when (ms) Argo Rollouts counts as not installed; 0 = unknown / installed. */
  private argoMissingUntil = 0;

  constructor(private readonly opts: KubeWorkloadClientOptions) {
    this.now = opts.now ?? Date.now;
    this.argoRecheckMs = opts.argoRecheckMs ?? 10 * 60_000;
    this.pageSize = opts.pageSize ?? 500;
  }

  static fromKubeConfig(kc: KubeConfig, options: Omit<KubeWorkloadClientOptions, 'apps' | 'customObjects'> = {}): KubeWorkloadClient {
    return new KubeWorkloadClient({ ...options, apps: kc.makeApiClient(AppsV1Api), customObjects: kc.makeApiClient(CustomObjectsApi) });
  }

  /** True while a recent 404 says the Argo Rollouts CRD is not installed. */
  argoRolloutsMissing(): boolean {
    return this.now() < this.argoMissingUntil;
  }

  async list(namespace: string, kind: WorkloadKind): Promise<WorkloadSummary[]> {
    if (kind === 'Rollout' && this.argoRolloutsMissing()) return [];
    try {
      return await this.listPages(namespace, kind);
    } catch (err) {
      if (kind === 'Rollout' && httpStatusOf(err) === 404) {
        // The API group is not served: Argo Rollouts is not installed. Remember it so every
        // rollout does not cost another failing request; ask again after argoRecheckMs in
        // case it gets installed.
        this.argoMissingUntil = this.now() + this.argoRecheckMs;
        this.opts.logger?.info({ namespace, recheckMs: this.argoRecheckMs }, 'Argo Rollouts CRD not installed; Rollout targets are skipped');
        return [];
      }
      throw toWorkloadError(err, 'list', kind, namespace);
    }
  }

  async patchTemplateAnnotations(namespace: string, kind: WorkloadKind, name: string, annotations: Record<string, string>): Promise<void> {
    const body = { spec: { template: { metadata: { annotations } } } };
    // The generated client picks application/json-patch+json by default; a merge patch must
    // override the Content-Type header through request middleware.
    const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const request = { name, namespace, body, fieldManager: FIELD_MANAGER };
    try {
      switch (kind) {
        case 'Deployment':
          await this.opts.apps.patchNamespacedDeployment(request, mergePatch);
          return;
        case 'StatefulSet':
          await this.opts.apps.patchNamespacedStatefulSet(request, mergePatch);
          return;
        case 'DaemonSet':
          await this.opts.apps.patchNamespacedDaemonSet(request, mergePatch);
          return;
        case 'Rollout':
          await this.opts.customObjects.patchNamespacedCustomObject({ ...ARGO_ROLLOUTS, ...request }, mergePatch);
          return;
      }
    } catch (err) {
      throw toWorkloadError(err, 'patch', kind, namespace, name);
    }
  }

  private async listPages(namespace: string, kind: WorkloadKind): Promise<WorkloadSummary[]> {
    const out: WorkloadSummary[] = [];
    let token: string | undefined;
    do {
      const page = { namespace, limit: this.pageSize, ...(token ? { _continue: token } : {}) };
      let items: unknown[];
      switch (kind) {
        case 'Deployment': {
          const list = await this.opts.apps.listNamespacedDeployment(page);
          items = list.items;
          token = list.metadata?._continue;
          break;
        }
        case 'StatefulSet': {
          const list = await this.opts.apps.listNamespacedStatefulSet(page);
          items = list.items;
          token = list.metadata?._continue;
          break;
        }
        case 'DaemonSet': {
          const list = await this.opts.apps.listNamespacedDaemonSet(page);
          items = list.items;
          token = list.metadata?._continue;
          break;
        }
        case 'Rollout': {
          // CustomObjectsApi returns untyped JSON.
          const list = (await this.opts.customObjects.listNamespacedCustomObject({ ...ARGO_ROLLOUTS, ...page })) as {
            items?: unknown[];
            metadata?: { continue?: string; _continue?: string };
          };
          items = list.items ?? [];
          token = list.metadata?.continue ?? list.metadata?._continue;
          break;
        }
      }
      for (const item of items) {
        const summary = summarize(kind, item as WorkloadObject);
        if (summary) out.push(summary);
      }
    } while (token);
    return out;
  }
}

/** The fields read from a Deployment / StatefulSet / DaemonSet / Argo Rollout. */
interface WorkloadObject {
  metadata?: Pick<V1ObjectMeta, 'name' | 'uid' | 'labels' | 'annotations'>;
  spec?: {
    template?: Pick<V1PodTemplateSpec, 'metadata'>;
    updateStrategy?: { type?: string };
    workloadRef?: { kind?: string; name?: string };
  };
}

/** Reduce an API object to what rollouts need; exported for the fake-server test. */
export function summarize(kind: WorkloadKind, obj: WorkloadObject): WorkloadSummary | undefined {
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

function toWorkloadError(err: unknown, verb: 'list' | 'patch', kind: WorkloadKind, namespace: string, name?: string): WorkloadApiError {
  const status = httpStatusOf(err);
  const what = name ? `${kind}/${name}` : `${WORKLOAD_RESOURCES[kind].resource}`;
  const detail = statusMessage(err);
  const message = `${verb} ${what} in namespace ${namespace} failed${status ? ` (HTTP ${status})` : ''}${detail ? `: ${detail}` : ''}`;
  return new WorkloadApiError(message, status, verb, kind);
}

/**
 * The API server's Status.message, trimmed. ApiException.message embeds headers and the raw
 * body; only the Status message is kept so logs stay short.
 */
function statusMessage(err: unknown): string | undefined {
  if (err instanceof ApiException) {
    let body: unknown = err.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        return undefined;
      }
    }
    const msg = (body as { message?: unknown } | undefined)?.message;
    return typeof msg === 'string' ? msg.slice(0, 300) : undefined;
  }
  if (err instanceof Error) return err.message.slice(0, 300);
  return undefined;
}
