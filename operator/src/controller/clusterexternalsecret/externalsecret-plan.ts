// What a ClusterExternalSecret wants, with ESO's semantics (pkg/controllers/clusterexternalsecret):
// which namespaces are selected, the ExternalSecret it stamps into each, and what to do with
// the one already there. Pure; clusterexternalsecret-reconciler.ts does the I/O.
import { matchesLabelSelector, validateLabelSelector } from '../../api/label-selector.js';
import { parseDuration, InvalidDurationError } from '../../api/duration.js';
import {
  ANNOTATION_FORCE_SYNC,
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
import { sameJson } from '../runtime/conditions.js';

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

/** The selectors ESO ORs: the deprecated namespaceSelector, then namespaceSelectors. */
function selectorsOf(ces: ClusterExternalSecret): Array<{ selector: LabelSelector; field: string }> {
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
export function selectNamespaces(ces: ClusterExternalSecret, namespaces: NamespaceView[]): string[] {
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
  try {
    refreshMsOf(ces);
  } catch (error) {
    if (!(error instanceof InvalidDurationError)) throw error;
    problems.push({ field: 'spec.refreshTime', message: error.message.replace(/^spec\.refreshTime /, '') });
  }
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
export function isControlledBy(es: Pick<ExternalSecret, 'metadata'>, cesName: string): boolean {
  return controllingClusterExternalSecret(es) === cesName;
}

/** Name of the ClusterExternalSecret that controls this ExternalSecret, if one does. */
export function controllingClusterExternalSecret(es: Pick<ExternalSecret, 'metadata'>): string | undefined {
  return controllerOfKind(es, API_GROUP, 'ClusterExternalSecret')?.name;
}

/** A label value holds at most 63 characters; longer ClusterExternalSecret names get no label. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * The ExternalSecret for one namespace: the spec as given, externalSecretMetadata's labels and
 * annotations, our label naming the ClusterExternalSecret, the owner reference, and (as ESO
 * does with its force-sync annotation) a rotor.dev/force-sync set on the ClusterExternalSecret.
 */
export function desiredExternalSecret(ces: ClusterExternalSecret, namespace: string): ExternalSecret {
  const labels: Record<string, string> = { ...(ces.spec.externalSecretMetadata?.labels ?? {}) };
  const name = ces.metadata.name;
  if (name.length <= 63 && LABEL_VALUE.test(name)) labels[LABEL_CLUSTER_EXTERNAL_SECRET] = name;
  else delete labels[LABEL_CLUSTER_EXTERNAL_SECRET];
  const annotations: Record<string, string> = { ...(ces.spec.externalSecretMetadata?.annotations ?? {}) };
  const forceSync = ces.metadata.annotations?.[ANNOTATION_FORCE_SYNC];
  if (forceSync !== undefined) annotations[ANNOTATION_FORCE_SYNC] = forceSync;
  else delete annotations[ANNOTATION_FORCE_SYNC];
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
  if (desired.metadata.annotations?.[ANNOTATION_FORCE_SYNC] === undefined) delete annotations[ANNOTATION_FORCE_SYNC];
  const others = (existing.metadata.ownerReferences ?? []).filter((ref) => !(ref.controller === true && ref.kind === 'ClusterExternalSecret'));
  return { labels, annotations, ownerReferences: [...others, ...desired.metadata.ownerReferences!] };
}
