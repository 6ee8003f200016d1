// Which workloads in an ExternalSecret's namespace restart when its target Secret changes
// (docs/architecture.md):
//   1. spec.rollout.targets[]  — named explicitly; a missing one is reported, not thrown;
//   2. spec.rollout.selector   — label selector on the workloads' own labels;
//   3. opt-in by the workload  — metadata annotation `rotor.dev/reload: "<secret>[,<secret>]"`.
// `spec.rollout.enabled: false` switches off (1) and (2) only: the annotation is the
// workload owner's explicit choice, and it is removed from the workload to opt out.
import type { Logger } from 'pino';
import { ANNOTATION_RELOAD, type RolloutSpec } from '../api/types.js';
import { isEmptyLabelSelector, matchesLabelSelector, validateLabelSelector } from '../api/label-selector.js';
import { parseReloadAnnotation } from './reload-annotation.js';
import {
  WORKLOAD_KINDS,
  WORKLOAD_RESOURCES,
  rbacHint,
  type WorkloadClient,
  type WorkloadKind,
  type WorkloadSummary,
} from '../kube/workloads.js';
import { httpStatusOf } from '../kube/client/errors.js';
import { errorForLog } from '../platform/error-for-log.js';

export interface ResolveTargetsInput {
  namespace: string;
  /** Name of the Secret that changed (the ExternalSecret's target). */
  secretName: string;
  rollout?: RolloutSpec;
}

export interface ResolvedTargets {
  /** Unique, sorted by kind (Deployment, StatefulSet, DaemonSet, Rollout) then name. */
  targets: WorkloadSummary[];
  /** One line each, naming the field (spec.rollout.targets[i], ...) and what to do. */
  problems: string[];
  /** A workload listing failed: the targets may be incomplete, so the rollout is worth another try. */
  listFailed?: boolean;
}

/** "Deployment/web": how workloads are named in results, events and status.lastRollout. */
export function workloadId(w: { kind: string; name: string }): string {
  return `${w.kind}/${w.name}`;
}

/** `log` receives the full error of a failed list; `problems` only carry the status code. */
export async function resolveTargets(
  input: ResolveTargetsInput,
  client: WorkloadClient,
  log?: Pick<Logger, 'warn'>,
): Promise<ResolvedTargets> {
  const { namespace, secretName } = input;
  const problems: string[] = [];
  let listFailed = false;
  const specEnabled = input.rollout !== undefined && input.rollout.enabled !== false;

  // Every kind is listed: opt-in annotations can sit on any of them.
  const byKind = new Map<WorkloadKind, WorkloadSummary[]>();
  /** Why Argo Rollouts could not be listed when the operator may not (403): reported only for a target naming one. */
  let rolloutsForbidden: string | undefined;
  for (const kind of WORKLOAD_KINDS) {
    try {
      byKind.set(kind, await client.list(namespace, kind));
    } catch (err) {
      if (kind === 'Rollout' && httpStatusOf(err) === 403) {
        // The chart leaves Argo Rollouts out unless rbac.argoRollouts is set: not a failure of
        // every rollout, only of one that names a Rollout (selector and annotation matches
        // among Rollouts cannot be seen, as when Argo Rollouts is not installed).
        rolloutsForbidden = listProblem(err, kind, namespace);
        continue;
      }
      log?.warn({ namespace, kind, status: httpStatusOf(err), err: errorForLog(err) }, 'listing workloads for rollout failed');
      problems.push(listProblem(err, kind, namespace));
      listFailed = true;
    }
  }
  const all = [...byKind.values()].flat();

  const selected = new Map<string, WorkloadSummary>();
  const add = (w: WorkloadSummary, field: string): void => {
    if (w.workloadRef) {
      problems.push(
        `${field}: ${workloadId(w)} takes its pod template from ${w.workloadRef.kind}/${w.workloadRef.name} (spec.workloadRef); ` +
          `target that ${w.workloadRef.kind} instead`,
      );
      return;
    }
    selected.set(workloadId(w), w);
  };

  if (specEnabled) {
    (input.rollout?.targets ?? []).forEach((target, i) => {
      const field = `spec.rollout.targets[${i}]`;
      if (!WORKLOAD_KINDS.includes(target.kind)) {
        problems.push(`${field}: kind "${String(target.kind)}" is not supported; use one of ${WORKLOAD_KINDS.join(', ')}`);
        return;
      }
      if (target.kind === 'Rollout' && rolloutsForbidden !== undefined) {
        problems.push(`${field}: Rollout/${target.name}: ${rolloutsForbidden}`);
        return;
      }
      const listed = byKind.get(target.kind);
      if (!listed) return; // the list failure is already reported
      const found = listed.find((w) => w.name === target.name);
      if (!found) {
        const hint = target.kind === 'Rollout' ? ' (or Argo Rollouts is not installed)' : '';
        problems.push(`${field}: ${target.kind}/${target.name} not found in namespace ${namespace}${hint}; create it or fix the name`);
        return;
      }
      add(found, field);
    });

    const selector = input.rollout?.selector;
    if (selector) {
      const invalid = validateLabelSelector(selector, 'spec.rollout.selector');
      if (invalid.length > 0) {
        problems.push(...invalid);
      } else if (isEmptyLabelSelector(selector)) {
        // Kubernetes would read {} as "everything"; restarting every workload in the namespace
        // is never what a user meant by leaving the selector blank.
        problems.push('spec.rollout.selector: empty selector ignored; add matchLabels or matchExpressions');
      } else {
        for (const w of all) if (matchesLabelSelector(selector, w.labels)) add(w, 'spec.rollout.selector');
      }
    }
  }

  for (const w of all) {
    if (parseReloadAnnotation(w.annotations[ANNOTATION_RELOAD]).includes(secretName)) {
      add(w, `${workloadId(w)} annotation ${ANNOTATION_RELOAD}`);
    }
  }

  const order = (kind: WorkloadKind): number => WORKLOAD_KINDS.indexOf(kind);
  const targets = [...selected.values()].sort((a, b) => order(a.kind) - order(b.kind) || a.name.localeCompare(b.name));
  return listFailed ? { targets, problems, listFailed } : { targets, problems };
}

function listProblem(err: unknown, kind: WorkloadKind, namespace: string): string {
  const { group, resource } = WORKLOAD_RESOURCES[kind];
  const status = httpStatusOf(err) || undefined;
  const base = `cannot list ${resource}.${group} in namespace ${namespace}`;
  if (status === 403) return `${base} (HTTP 403): ${rbacHint('list', kind, namespace)}`;
  // Only the status code: the raw error text is for the operator log, not for events/status.
  return status ? `${base} (HTTP ${status}); see the operator log` : `${base}; see the operator log`;
}
