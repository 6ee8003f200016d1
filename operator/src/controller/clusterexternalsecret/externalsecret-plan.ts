// What a ClusterExternalSecret wants, with ESO's semantics (pkg/controllers/clusterexternalsecret):
// which namespaces are selected, the ExternalSecret it stamps into each, and what to do with
// the one already there. Pure; clusterexternalsecret-reconciler.ts does the I/O.
import { matchesLabelSelector, validateLabelSelector } from '../../api/label-selector.js';
import { durationProblem, parseDuration } from '../../api/duration.js';
import {
  API_GROUP,
  API_GROUP_VERSION,
  LABEL_CLUSTER_EXTERNAL_SECRET,
  type ClusterExternalSecret,
  type ExternalSecret,
  type LabelSelector,
  type OwnerReference,
} from '../../api/types.js';
import { validateExternalSecret } from '../../sync/validate.js';
import { controllerOf, controllerOfKind } from '../../api/owner-references.js';
import type { SpecProblem } from '../../api/defaults.js';
import { isLabelValue } from '../../sync/metadata-rules.js';
import { sameJson } from '../runtime/conditions.js';
import { FORCE_SYNC_ANNOTATIONS } from '../externalsecret/force-sync.js';

/** ESO's default when spec.refreshTime is unset (its controller's RequeueInterval). */
export const DEFAULT_CES_REFRESH_MS = 3_600_000;

export interface NamespaceView {
  name: string;
  labels: Record<string, string>;
  /** metadata.deletionTimestamp is set: nothing can be created there any more. */
  terminating: boolean;
}

/** One problem, naming the field to fix (the same shape as an ExternalSecret's). */
export type FieldProblem = SpecProblem;

/** The ExternalSecrets' name: spec.externalSecretName, else the ClusterExternalSecret's name. */
export function externalSecretNameOf(ces: ClusterExternalSecret): string {
  return ces.spec.externalSecretName || ces.metadata.name;
}

export function refreshMsOf(ces: ClusterExternalSecret): number {
  const text = ces.spec.refreshTime;
  if (!text) return DEFAULT_CES_REFRESH_MS;
  const ms = parseDuration(text, 'spec.refreshTime');
  return ms > 0 ? ms : DEFAULT_CES_REFRESH_MS;
}

/** How a cluster kind chooses namespaces (ClusterExternalSecret; ClusterPushSecret has namespaceSelectors only). */
export interface NamespaceSelection {
  spec: Pick<ClusterExternalSecret['spec'], 'namespaces' | 'namespaceSelector' | 'namespaceSelectors'>;
}

/** The selectors ESO ORs: the deprecated namespaceSelector, then namespaceSelectors. */
function selectorsOf(ces: NamespaceSelection): Array<{ selector: LabelSelector; field: string }> {
  const out: Array<{ selector: LabelSelector; field: string }> = [];
  if (ces.spec.namespaceSelector) out.push({ selector: ces.spec.namespaceSelector, field: 'spec.namespaceSelector' });
  (ces.spec.namespaceSelectors ?? []).forEach((selector, i) => {
    // ESO: a null entry selects nothing (metav1's nil selector).
    if (selector) out.push({ selector, field: `spec.namespaceSelectors[${i}]` });
  });
  return out;
}

/**
 * ESO's GetTargetNamespaces: a namespace is selected when it is named in spec.namespaces or its
 * labels match any selector (an empty selector matches every namespace). Nothing set selects
 * nothing. Terminating namespaces are left out (nothing can be created there; their objects go
 * with them). Sorted.
 */
export function selectNamespaces(ces: NamespaceSelection, namespaces: NamespaceView[]): string[] {
  const byName = new Set(ces.spec.namespaces ?? []);
  const selectors = selectorsOf(ces);
  return namespaces
    .filter((ns) => !ns.terminating && (byName.has(ns.name) || selectors.some(({ selector }) => matchesLabelSelector(selector, ns.labels))))
    .map((ns) => ns.name)
    .sort();
}

/**
 * What the CRD schema cannot check: the durations, the selectors' requirements, and the
 * embedded ExternalSecret spec exactly as an ExternalSecret's is checked (fields named from
 * spec.externalSecretSpec).
 */
export function validateClusterExternalSecret(ces: ClusterExternalSecret): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const refreshProblem = ces.spec.refreshTime ? durationProblem(ces.spec.refreshTime, 'spec.refreshTime') : undefined;
  if (refreshProblem) problems.push({ field: 'spec.refreshTime', message: refreshProblem });
  for (const { selector, field } of selectorsOf(ces)) {
    for (const message of validateLabelSelector(selector, field)) problems.push({ field, message });
  }
  const stamped: ExternalSecret = {
    apiVersion: API_GROUP_VERSION,
    kind: 'ExternalSecret',
    metadata: { name: externalSecretNameOf(ces), namespace: 'validation' },
    spec: ces.spec.externalSecretSpec,
  };
  for (const p of validateExternalSecret(stamped)) {
    problems.push({ field: p.field.replace(/^spec(?=\.|$)/, 'spec.externalSecretSpec'), message: p.message.replace(/(^|[\s(])spec\./g, '$1spec.externalSecretSpec.') });
  }
  return problems;
}

export function ownerReferenceTo(ces: ClusterExternalSecret): OwnerReference {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: 'ClusterExternalSecret',
    name: ces.metadata.name,
    uid: ces.metadata.uid ?? '',
    controller: true,
    // The garbage collector's foreground deletion of the ClusterExternalSecret waits for them.
    blockOwnerDeletion: true,
  };
}

/**
 * ESO's check: the controller owner reference names a ClusterExternalSecret of our group with
 * this name (a re-created ClusterExternalSecret of the same name takes its ExternalSecrets over).
 */
export function isControlledBy(es: Pick<ExternalSecret, 'metadata'>, cesName: string, ownerKind = 'ClusterExternalSecret'): boolean {
  return controllingClusterExternalSecret(es, ownerKind) === cesName;
}

/** Name of the ClusterExternalSecret (or `ownerKind`, e.g. ClusterPushSecret) that controls this object, if one does. */
export function controllingClusterExternalSecret(es: Pick<ExternalSecret, 'metadata'>, ownerKind = 'ClusterExternalSecret'): string | undefined {
  return controllerOfKind(es, API_GROUP, ownerKind)?.name;
}

/**
 * The ExternalSecret for one namespace: the spec as given, externalSecretMetadata's labels and
 * annotations, our label naming the ClusterExternalSecret, the owner reference, and (as ESO
 * does with its force-sync annotation) a rotor.dev/force-sync or ESO's external-secrets.io/force-sync
 * set on the ClusterExternalSecret.
 */
export function desiredExternalSecret(ces: ClusterExternalSecret, namespace: string): ExternalSecret {
  const labels: Record<string, string> = { ...(ces.spec.externalSecretMetadata?.labels ?? {}) };
  const name = ces.metadata.name;
  // A name that is no valid label value (e.g. longer than 63 characters) gets no label.
  if (isLabelValue(name)) labels[LABEL_CLUSTER_EXTERNAL_SECRET] = name;
  else delete labels[LABEL_CLUSTER_EXTERNAL_SECRET];
  const annotations: Record<string, string> = { ...(ces.spec.externalSecretMetadata?.annotations ?? {}) };
  for (const key of FORCE_SYNC_ANNOTATIONS) {
    const forceSync = ces.metadata.annotations?.[key];
    if (forceSync !== undefined) annotations[key] = forceSync;
    else delete annotations[key];
  }
  return {
    apiVersion: API_GROUP_VERSION,
    kind: 'ExternalSecret',
    metadata: {
      name: externalSecretNameOf(ces),
      namespace,
      labels,
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ownerReferences: [ownerReferenceTo(ces)],
    },
    spec: structuredClone(ces.spec.externalSecretSpec),
  };
}

export type ExternalSecretPlan =
  | { action: 'create'; externalSecret: ExternalSecret }
  | { action: 'update'; externalSecret: ExternalSecret }
  | { action: 'none' }
  | { action: 'conflict'; reason: string };

/**
 * What to do in one namespace. An ExternalSecret of that name that this ClusterExternalSecret
 * does not control is never touched (ESO's "already exists"): the reason says what to do. One
 * it controls is replaced when its spec, our labels and annotations, or its owner reference
 * differ; labels and annotations others added (e.g. kubectl's) are kept.
 */
export function planExternalSecret(ces: ClusterExternalSecret, namespace: string, existing: ExternalSecret | undefined): ExternalSecretPlan {
  const desired = desiredExternalSecret(ces, namespace);
  if (!existing) return { action: 'create', externalSecret: desired };
  if (!isControlledBy(existing, ces.metadata.name)) {
    const owner = controllerOf(existing);
    const by = owner ? `is controlled by ${owner.kind} ${owner.name}` : 'was not created by it';
    return {
      action: 'conflict',
      reason:
        `ExternalSecret ${namespace}/${desired.metadata.name} already exists and ${by}; it is left untouched. ` +
        `Delete or rename that ExternalSecret, or set spec.externalSecretName of ClusterExternalSecret ${ces.metadata.name} to another name.`,
    };
  }
  const merged = mergeMetadata(existing, desired);
  const unchanged =
    sameJson(existing.spec, desired.spec) &&
    sameJson(existing.metadata.labels ?? {}, merged.labels) &&
    sameJson(existing.metadata.annotations ?? {}, merged.annotations) &&
    sameJson(existing.metadata.ownerReferences ?? [], merged.ownerReferences);
  if (unchanged) return { action: 'none' };
  return {
    action: 'update',
    externalSecret: {
      ...desired,
      metadata: {
        ...desired.metadata,
        labels: merged.labels,
        annotations: merged.annotations,
        ownerReferences: merged.ownerReferences,
        ...(existing.metadata.resourceVersion ? { resourceVersion: existing.metadata.resourceVersion } : {}),
      },
    },
  };
}

/**
 * Keys others set stay; keys of externalSecretMetadata take their value; a key we set before
 * and no longer want is removed only when it is ours (our label, the propagated force-sync).
 * Owner references other than a ClusterExternalSecret controller are kept.
 */
function mergeMetadata(existing: ExternalSecret, desired: ExternalSecret) {
  const labels = { ...(existing.metadata.labels ?? {}), ...(desired.metadata.labels ?? {}) };
  if (!desired.metadata.labels?.[LABEL_CLUSTER_EXTERNAL_SECRET]) delete labels[LABEL_CLUSTER_EXTERNAL_SECRET];
  const annotations = { ...(existing.metadata.annotations ?? {}), ...(desired.metadata.annotations ?? {}) };
  for (const key of FORCE_SYNC_ANNOTATIONS) if (desired.metadata.annotations?.[key] === undefined) delete annotations[key];
  const others = (existing.metadata.ownerReferences ?? []).filter((ref) => !(ref.controller === true && ref.kind === 'ClusterExternalSecret'));
  return { labels, annotations, ownerReferences: [...others, ...desired.metadata.ownerReferences!] };
}
