// What a ClusterPushSecret wants, with ESO's semantics (pkg/controllers/clusterpushsecret): the
// PushSecret it stamps into each namespace its namespaceSelectors choose, and what to do with
// the one already there. Namespace selection and ownership are ClusterExternalSecret's rules
// (ces-plan.ts), reused; this adds the PushSecret's shape. Pure; reconciler.ts does the I/O.
import { durationProblem, parseDuration } from '../../api/duration.js';
import { validateLabelSelector } from '../../api/label-selector.js';
import { API_GROUP_VERSION, type OwnerReference } from '../../api/types.js';
import { LABEL_CLUSTER_PUSH_SECRET, type ClusterPushSecret, type PushSecret } from '../../api/push-types.js';
import { isControlledBy, type FieldProblem } from '../clusterexternalsecret/externalsecret-plan.js';
import { isLabelValue } from '../../sync/metadata-rules.js';
import { sameJson } from '../runtime/conditions.js';
import { validatePushSecret } from '../pushsecret/plan.js';

export const CLUSTER_PUSH_SECRET_KIND = 'ClusterPushSecret';
/** ESO's default when spec.refreshTime is unset. */
export const DEFAULT_CPS_REFRESH_MS = 3_600_000;

export function pushSecretNameOf(cps: ClusterPushSecret): string {
  return cps.spec.pushSecretName || cps.metadata.name;
}

export function refreshMsOf(cps: ClusterPushSecret): number {
  const text = cps.spec.refreshTime;
  if (!text) return DEFAULT_CPS_REFRESH_MS;
  const ms = parseDuration(text, 'spec.refreshTime');
  return ms > 0 ? ms : DEFAULT_CPS_REFRESH_MS;
}

/** The duration, the selectors' requirements, and the embedded spec as a PushSecret's is checked. */
export function validateClusterPushSecret(cps: ClusterPushSecret): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const refreshProblem = cps.spec.refreshTime ? durationProblem(cps.spec.refreshTime, 'spec.refreshTime') : undefined;
  if (refreshProblem) problems.push({ field: 'spec.refreshTime', message: refreshProblem });
  (cps.spec.namespaceSelectors ?? []).forEach((selector, i) => {
    const field = `spec.namespaceSelectors[${i}]`;
    if (selector) for (const message of validateLabelSelector(selector, field)) problems.push({ field, message });
  });
  problems.push(...validatePushSecret({ spec: cps.spec.pushSecretSpec }, 'spec.pushSecretSpec'));
  return problems;
}

export function ownerReferenceTo(cps: ClusterPushSecret): OwnerReference {
  return { apiVersion: API_GROUP_VERSION, kind: CLUSTER_PUSH_SECRET_KIND, name: cps.metadata.name, uid: cps.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

export function isPushSecretControlledBy(ps: Pick<PushSecret, 'metadata'>, cpsName: string): boolean {
  return isControlledBy(ps, cpsName, CLUSTER_PUSH_SECRET_KIND);
}

/** The PushSecret for one namespace: the spec as given, pushSecretMetadata, our label and the owner reference. */
export function desiredPushSecret(cps: ClusterPushSecret, namespace: string): PushSecret {
  const labels: Record<string, string> = { ...(cps.spec.pushSecretMetadata?.labels ?? {}) };
  const name = cps.metadata.name;
  // A name that is no valid label value (e.g. longer than 63 characters) gets no label.
  if (isLabelValue(name)) labels[LABEL_CLUSTER_PUSH_SECRET] = name;
  else delete labels[LABEL_CLUSTER_PUSH_SECRET];
  const annotations = { ...(cps.spec.pushSecretMetadata?.annotations ?? {}) };
  return {
    apiVersion: API_GROUP_VERSION,
    kind: 'PushSecret',
    metadata: {
      name: pushSecretNameOf(cps),
      namespace,
      labels,
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ownerReferences: [ownerReferenceTo(cps)],
    },
    spec: structuredClone(cps.spec.pushSecretSpec),
  };
}

export type PushSecretPlan =
  | { action: 'create'; pushSecret: PushSecret }
  | { action: 'update'; pushSecret: PushSecret }
  | { action: 'none' }
  | { action: 'conflict'; reason: string };

/**
 * What to do in one namespace: a PushSecret of that name it does not control is never touched
 * (ESO: "push secret already exists in namespace"); one it controls is replaced when its spec,
 * our labels and annotations or its owner reference differ. Others' labels, annotations and
 * finalizers (the PushSecret's own deletionPolicy finalizer) are kept.
 */
export function planPushSecret(cps: ClusterPushSecret, namespace: string, existing: PushSecret | undefined): PushSecretPlan {
  const desired = desiredPushSecret(cps, namespace);
  if (!existing) return { action: 'create', pushSecret: desired };
  if (!isPushSecretControlledBy(existing, cps.metadata.name)) {
    const owner = (existing.metadata.ownerReferences ?? []).find((ref) => ref.controller === true);
    const by = owner ? `is controlled by ${owner.kind} ${owner.name}` : 'was not created by it';
    return {
      action: 'conflict',
      reason:
        `PushSecret ${namespace}/${desired.metadata.name} already exists and ${by}; it is left untouched. ` +
        `Delete or rename that PushSecret, or set spec.pushSecretName of ClusterPushSecret ${cps.metadata.name} to another name.`,
    };
  }
  const labels = { ...(existing.metadata.labels ?? {}), ...(desired.metadata.labels ?? {}) };
  if (!desired.metadata.labels?.[LABEL_CLUSTER_PUSH_SECRET]) delete labels[LABEL_CLUSTER_PUSH_SECRET];
  const annotations = { ...(existing.metadata.annotations ?? {}), ...(desired.metadata.annotations ?? {}) };
  const others = (existing.metadata.ownerReferences ?? []).filter((ref) => !(ref.controller === true && ref.kind === CLUSTER_PUSH_SECRET_KIND));
  const ownerReferences = [...others, ...desired.metadata.ownerReferences!];
  const unchanged =
    sameJson(existing.spec, desired.spec) &&
    sameJson(existing.metadata.labels ?? {}, labels) &&
    sameJson(existing.metadata.annotations ?? {}, annotations) &&
    sameJson(existing.metadata.ownerReferences ?? [], ownerReferences);
  if (unchanged) return { action: 'none' };
  return {
    action: 'update',
    pushSecret: {
      ...desired,
      metadata: {
        ...desired.metadata,
        labels,
        annotations,
        ownerReferences,
        ...(existing.metadata.finalizers ? { finalizers: existing.metadata.finalizers } : {}),
        ...(existing.metadata.resourceVersion ? { resourceVersion: existing.metadata.resourceVersion } : {}),
      },
    },
  };
}
