// Plans the write of an ExternalSecret's target Secret from what exists and what is
// desired, honouring creationPolicy. Pure: returns the object to write (or a refusal
// the user can act on); the reconciler performs it. Values are never put in messages.
import type { OwnerReference, Secret } from '../../kube/client/objects.js';
import { hasOwnerUid } from '../../api/owner-references.js';
import {
  ANNOTATION_DATA_MAC,
  ANNOTATION_MERGE_OWNERS,
  ANNOTATION_OWNER,
  ANNOTATION_ROLLOUT_PENDING,
  ANNOTATION_VERSIONS,
  API_GROUP,
  API_GROUP_VERSION,
  LABEL_MANAGED,
  type CreationPolicy,
  type EsReason,
} from '../../api/types.js';
import { ESO_LABEL_MANAGED, ESO_SECRET_ANNOTATIONS, ESO_SECRET_LABELS, esoControllerOwner, hasEsoMarks, isAdoptableFromEso } from '../../api/eso.js';
import { keyConflicts, mergeOwnersOf, ownsExactly, recordMergeOwner } from './merge-owners.js';

export interface DesiredSecret {
  namespace: string;
  name: string;
  type: string;
  data: Record<string, Buffer>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** template.metadata.finalizers: added (ESO), never removed; the owners of finalizers remove them. */
  finalizers?: string[];
  immutable: boolean;
  /** Keyed MAC of data+type+metadata; stored on the Secret for drift detection. */
  mac: string;
  /** Version identifiers only (never values), for humans reading the Secret. */
  versions: string;
  /**
   * Set when this write is a rotation that must restart workloads: the fingerprint goes into
   * the rollout-pending annotation in the same write as the data. Undefined keeps whatever
   * marker the live Secret carries (a rollout still to finish).
   */
  rolloutPending?: string;
}

export interface OwnerIdentity {
  namespace: string;
  name: string;
  uid: string;
}

export type TargetPlan =
  | { action: 'none'; reason: 'unchanged' | 'policy-none' }
  | { action: 'create'; secret: Secret }
  /** adoptedFrom: the ESO ExternalSecret whose Secret this write takes over. */
  | { action: 'update'; secret: Secret; adoptedFrom?: string }
  /** An immutable Secret cannot be updated in place: delete and create. */
  | { action: 'recreate'; secret: Secret; adoptedFrom?: string }
  | { action: 'refuse'; reason: EsReason; message: string };

export function ownerAnnotationValue(owner: OwnerIdentity): string {
  return `${owner.namespace}/${owner.name}`;
}

/** True when the Secret was written by this ExternalSecret (by annotation, owner ref, or as a Merge key owner). */
export function isOwnedBy(secret: Secret, owner: OwnerIdentity): boolean {
  const annotated = secret.metadata?.annotations?.[ANNOTATION_OWNER] === ownerAnnotationValue(owner);
  const referenced = hasOwnerUid(secret, owner.uid);
  return annotated || referenced || mergeOwnersOf(secret)[owner.name] !== undefined;
}

export interface PlanOptions {
  /**
   * Merge only: does the ExternalSecret of this name (same namespace) still write this Secret
   * with creationPolicy Merge? Keys recorded for one that does not are free again. Default: yes.
   */
  isMergeOwnerLive?: (name: string) => boolean;
  /**
   * The ESO ExternalSecret (same namespace) whose Secret this ExternalSecret may take over
   * (annotation rotor.dev/adopt-eso, set by `rotor migrate --live`). Without it a Secret
   * Rotor does not own is never overwritten.
   */
  adoptFromEso?: string;
  /**
   * Merge only: does the ExternalSecret of this name (same namespace; of this uid when given)
   * still write this Secret as its whole owner (creationPolicy Owner or Orphan)? Such a Secret
   * is refused as a Merge target. Default: yes (refusing is the safe side).
   */
  isTargetOwnerLive?: (name: string, uid?: string) => boolean;
}

/**
 * Secret types whose data another component owns and trusts: merging keys into them could
 * mint or alter credentials (a ServiceAccount token, a node bootstrap token) or corrupt a
 * Helm release. creationPolicy Merge refuses them.
 */
const MANAGED_SECRET_TYPES = new Map([
  ['kubernetes.io/service-account-token', 'Kubernetes'],
  ['bootstrap.kubernetes.io/token', 'Kubernetes'],
  ['helm.sh/release.v1', 'Helm'],
]);

export function planTargetWrite(
  existing: Secret | undefined,
  desired: DesiredSecret,
  policy: CreationPolicy,
  owner: OwnerIdentity,
  options: PlanOptions = {},
): TargetPlan {
  if (policy === 'None') return { action: 'none', reason: 'policy-none' };
  const marker = desired.rolloutPending ?? existing?.metadata?.annotations?.[ANNOTATION_ROLLOUT_PENDING];
  if (marker !== undefined) desired = { ...desired, rolloutPending: marker };
  if (policy === 'Merge') {
    const isMergeLive = options.isMergeOwnerLive ?? (() => true);
    const whole = existing && wholeOwnerOf(existing, owner, isMergeLive, options.isTargetOwnerLive ?? (() => true));
    if (whole !== undefined) return refuseOwnedByOther(desired, whole);
    return planMerge(existing, desired, owner, isMergeLive, options.adoptFromEso);
  }

  if (!existing) return { action: 'create', secret: ownedSecret(desired, policy, owner, undefined) };
  if (!isOwnedBy(existing, owner)) {
    if (isAdoptableFromEso(existing, options.adoptFromEso)) return planAdoption(existing, desired, policy, owner, options.adoptFromEso!);
    return refuseNotOwned(existing, desired, options.adoptFromEso);
  }
  const next = ownedSecret(desired, policy, owner, existing);
  // The owner reference lets the garbage collector remove the Secret with its ExternalSecret.
  const ownerReferenced = policy !== 'Owner' || hasOwnerUid(existing, owner.uid);
  if (isUnchanged(existing, desired, owner) && ownerReferenced) return { action: 'none', reason: 'unchanged' };
  next.metadata!.resourceVersion = existing.metadata?.resourceVersion;
  // Neither an immutable Secret nor a Secret's type can be changed in place.
  const typeChanged = (existing.type ?? 'Opaque') !== desired.type;
  return existing.immutable || typeChanged ? { action: 'recreate', secret: next } : { action: 'update', secret: next };
}

/**
 * Takes a Secret ESO wrote over in one write: Rotor's owner reference, label and annotations
 * replace ESO's, the data is what Rotor fetched (the same bytes unless the remote value
 * changed). Updated in place (guarded by resourceVersion), so the Secret never disappears;
 * only what cannot change in place (type, an immutable Secret's data) is re-created.
 */
function planAdoption(existing: Secret, desired: DesiredSecret, policy: CreationPolicy, owner: OwnerIdentity, from: string): TargetPlan {
  const next = ownedSecret(desired, policy, owner, existing);
  next.metadata!.resourceVersion = existing.metadata?.resourceVersion;
  const typeChanged = (existing.type ?? 'Opaque') !== desired.type;
  const immutableBlocks = existing.immutable === true && (!desired.immutable || !sameData(existing, desired.data));
  return { action: typeChanged || immutableBlocks ? 'recreate' : 'update', secret: next, adoptedFrom: from };
}

function refuseNotOwned(existing: Secret, desired: DesiredSecret, adoptFromEso: string | undefined): TargetPlan {
  const target = `Secret ${desired.namespace}/${desired.name}`;
  const eso = esoControllerOwner(existing);
  if (eso !== undefined || existing.metadata?.labels?.[ESO_LABEL_MANAGED] === 'true') {
    const whose = eso !== undefined ? `ESO's ExternalSecret ${desired.namespace}/${eso} (external-secrets.io)` : "the External Secrets Operator (ESO)";
    const hint =
      adoptFromEso !== undefined
        ? `the annotation rotor.dev/adopt-eso names ${JSON.stringify(adoptFromEso)}, not its owner; set it to ${JSON.stringify(eso ?? '')} or remove it`
        : `to hand it over from ESO without a gap run \`rotor migrate --live\`, or annotate this ExternalSecret with rotor.dev/adopt-eso=${eso ?? '<ESO ExternalSecret name>'}`;
    return { action: 'refuse', reason: 'TargetNotOwned', message: `${target} already exists and is managed by ${whose}; refusing to overwrite it: ${hint}.` };
  }
  const otherOwner = existing.metadata?.annotations?.[ANNOTATION_OWNER];
  const whose = otherOwner ? `is managed by ExternalSecret ${otherOwner}` : 'was not created by Rotor';
  return {
    action: 'refuse',
    reason: 'TargetNotOwned',
    message:
      `${target} already exists and ${whose}; ` +
      `refusing to overwrite it. Set spec.target.creationPolicy: Merge to merge keys into it, ` +
      `choose another spec.target.name, or delete the existing Secret.`,
  };
}

/**
 * The other ExternalSecret (same namespace) that writes this whole Secret, if any: named by a
 * Rotor owner reference (creationPolicy Owner) or, failing that, by the rotor.dev/owner
 * annotation when the writer it names is not a live Merge writer (creationPolicy Orphan).
 * Merging into such a Secret made the two take turns: the owner rewrote the whole Secret
 * without the merged keys at every refresh, the Merge writer put them back at its own.
 */
function wholeOwnerOf(
  existing: Secret,
  self: OwnerIdentity,
  isMergeLive: (name: string) => boolean,
  isTargetOwnerLive: (name: string, uid?: string) => boolean,
): string | undefined {
  for (const ref of existing.metadata?.ownerReferences ?? []) {
    if (ref.kind !== 'ExternalSecret' || !ref.apiVersion.startsWith(`${API_GROUP}/`)) continue;
    if (ref.uid === self.uid || ref.name === self.name) continue;
    if (isTargetOwnerLive(ref.name, ref.uid)) return ref.name;
  }
  const annotated = existing.metadata?.annotations?.[ANNOTATION_OWNER];
  if (annotated === undefined) return undefined;
  const slash = annotated.indexOf('/');
  // An annotation naming another namespace cannot be an owner's (targets live in their
  // ExternalSecret's namespace): someone else wrote it, and it proves nothing.
  if (slash < 0 || annotated.slice(0, slash) !== self.namespace) return undefined;
  const name = annotated.slice(slash + 1);
  if (name === self.name || (mergeOwnersOf(existing)[name] !== undefined && isMergeLive(name))) return undefined;
  return isTargetOwnerLive(name) ? name : undefined;
}

function refuseOwnedByOther(desired: DesiredSecret, other: string): TargetPlan {
  const target = `Secret ${desired.namespace}/${desired.name}`;
  const otherRef = `ExternalSecret ${desired.namespace}/${other}`;
  return {
    action: 'refuse',
    reason: 'TargetNotOwned',
    message:
      `spec.target.creationPolicy is Merge but ${target} is owned by ${otherRef} (creationPolicy Owner or Orphan), ` +
      `which rewrites the whole Secret at every refresh and would drop the merged keys; refusing to merge into it. ` +
      `Add these keys to ${otherRef} instead, set its spec.target.creationPolicy to Merge as well, or choose another spec.target.name.`,
  };
}

function planMerge(existing: Secret | undefined, desired: DesiredSecret, owner: OwnerIdentity, isLive: (name: string) => boolean, adoptFromEso?: string): TargetPlan {
  if (!existing) {
    return {
      action: 'refuse',
      reason: 'SecretMissing',
      message:
        `spec.target.creationPolicy is Merge but Secret ${desired.namespace}/${desired.name} does not exist; ` +
        `create it first or use creationPolicy: Owner.`,
    };
  }
  if (existing.immutable) {
    return {
      action: 'refuse',
      reason: 'TargetNotOwned',
      message: `Secret ${desired.namespace}/${desired.name} is immutable and not owned by Rotor, so keys cannot be merged into it.`,
    };
  }
  const type = existing.type ?? 'Opaque';
  if (MANAGED_SECRET_TYPES.has(type)) {
    return {
      action: 'refuse',
      reason: 'TargetNotOwned',
      message:
        `Secret ${desired.namespace}/${desired.name} is of type ${type}, which ${MANAGED_SECRET_TYPES.get(type)} manages; ` +
        `Rotor does not merge keys into it. Choose another spec.target.name.`,
    };
  }
  const owners = mergeOwnersOf(existing);
  const keys = Object.keys(desired.data);
  const conflicts = keyConflicts(owners, owner.name, keys, isLive);
  if (conflicts.size > 0) {
    const [other, taken] = [...conflicts.entries()][0]!;
    const list = taken.map((k) => JSON.stringify(k)).join(', ');
    return {
      action: 'refuse',
      reason: 'TargetNotOwned',
      message:
        `key${taken.length === 1 ? '' : 's'} ${list} of Secret ${desired.namespace}/${desired.name} ${taken.length === 1 ? 'is' : 'are'} already written by ` +
        `ExternalSecret ${desired.namespace}/${other} (creationPolicy Merge); a key has one owner, the first to write it. ` +
        `Leave ${taken.length === 1 ? 'it' : 'them'} out of this ExternalSecret (or rename with dataFrom rewrite), or remove ${taken.length === 1 ? 'it' : 'them'} from ${desired.namespace}/${other}.`,
    };
  }
  const ownersValue = recordMergeOwner(owners, owner.name, keys, isLive);
  // With other Merge writers, the single-valued annotations (owner, MAC, versions) describe
  // whoever wrote last: comparing them would make the writers take turns rewriting forever.
  const sole = Object.keys(owners).every((name) => name === owner.name || !isLive(name));
  const recorded = existing.metadata?.annotations?.[ANNOTATION_MERGE_OWNERS] === ownersValue && ownsExactly(owners, owner.name, keys);
  // Adopting from ESO: its marks go, so that ESO's controller no longer counts the Secret as its own.
  const dropEso = isAdoptableFromEso(existing, adoptFromEso) && hasEsoMarks(existing);
  if (recorded && !dropEso && isUnchanged(existing, desired, owner, true, sole)) return { action: 'none', reason: 'unchanged' };
  const data = { ...(existing.data ?? {}) };
  for (const [key, value] of Object.entries(desired.data)) data[key] = value.toString('base64');
  const merged: Secret = {
    ...existing,
    metadata: {
      ...existing.metadata,
      name: desired.name,
      namespace: desired.namespace,
      labels: { ...(existing.metadata?.labels ?? {}), ...desired.labels },
      ...finalizersOf(existing, desired),
      annotations: {
        ...(existing.metadata?.annotations ?? {}),
        ...desired.annotations,
        [ANNOTATION_OWNER]: ownerAnnotationValue(owner),
        [ANNOTATION_DATA_MAC]: desired.mac,
        [ANNOTATION_VERSIONS]: desired.versions,
        [ANNOTATION_MERGE_OWNERS]: ownersValue,
        ...pendingAnnotation(desired),
      },
    },
    data,
  };
  if (dropEso) {
    for (const label of ESO_SECRET_LABELS) delete merged.metadata!.labels![label];
    for (const annotation of ESO_SECRET_ANNOTATIONS) delete merged.metadata!.annotations![annotation];
    return { action: 'update', secret: merged, adoptedFrom: adoptFromEso! };
  }
  return { action: 'update', secret: merged };
}

/**
 * Unchanged = the live Secret already holds exactly the desired keys, type, template
 * metadata and immutability. Compared in memory (both sides are at hand here); the keyed
 * MAC is only needed where values are not, i.e. drift detection from the informer.
 * For Merge only the keys Rotor writes are compared: the rest belong to someone else.
 */
function isUnchanged(existing: Secret, desired: DesiredSecret, owner: OwnerIdentity, mergeOnly = false, checkLastWrite = true): boolean {
  if (!sameData(existing, desired.data, mergeOnly)) return false;
  if (!mergeOnly && (existing.type ?? 'Opaque') !== desired.type) return false;
  // Without the label the Secret drops out of the operator's watch and edits go unrepaired.
  if (!mergeOnly && existing.metadata?.labels?.[LABEL_MANAGED] !== 'true') return false;
  if (!mergeOnly && (existing.immutable ?? false) !== desired.immutable) return false;
  const annotations = existing.metadata?.annotations ?? {};
  if (desired.rolloutPending !== undefined && annotations[ANNOTATION_ROLLOUT_PENDING] !== desired.rolloutPending) return false;
  if (checkLastWrite) {
    if (annotations[ANNOTATION_OWNER] !== ownerAnnotationValue(owner)) return false;
    if (annotations[ANNOTATION_DATA_MAC] !== desired.mac || annotations[ANNOTATION_VERSIONS] !== desired.versions) return false;
  }
  if (missingFinalizers(existing, desired).length > 0) return false;
  return includesAll(existing.metadata?.labels, desired.labels) && includesAll(annotations, desired.annotations);
}

/**
 * The template's finalizers the live Secret lacks. None while it is being deleted: the API
 * server refuses new finalizers then, and ESO adds them only before.
 */
export function missingFinalizers(existing: Pick<Secret, 'metadata'>, desired: { finalizers?: string[] }): string[] {
  if (existing.metadata?.deletionTimestamp) return [];
  const live = new Set(existing.metadata?.finalizers ?? []);
  return (desired.finalizers ?? []).filter((f) => !live.has(f));
}

/**
 * metadata.finalizers for a write (a PUT replaces the list): the live Secret's (Rotor removes
 * none, whoever added them does) plus the template's that are missing.
 */
function finalizersOf(existing: Secret | undefined, desired: DesiredSecret): { finalizers?: string[] } {
  const live = existing?.metadata?.finalizers ?? [];
  const all = [...live, ...(existing ? missingFinalizers(existing, desired) : [...new Set(desired.finalizers ?? [])])];
  return all.length > 0 ? { finalizers: all } : {};
}

/** The live Secret holds exactly `data` (or, for Merge, at least these keys with these values). */
export function sameData(existing: Secret, data: Record<string, Buffer>, mergeOnly = false): boolean {
  const live = existing.data ?? {};
  const keys = Object.keys(data);
  if (!mergeOnly && Object.keys(live).length !== keys.length) return false;
  return keys.every((key) => live[key] !== undefined && Buffer.from(live[key]!, 'base64').equals(data[key]!));
}

function pendingAnnotation(desired: DesiredSecret): Record<string, string> {
  return desired.rolloutPending !== undefined ? { [ANNOTATION_ROLLOUT_PENDING]: desired.rolloutPending } : {};
}

/** The Secret without its rollout-pending marker: the rollout it recorded is done. */
export function withoutRolloutPending(secret: Secret): Secret {
  const annotations = { ...(secret.metadata?.annotations ?? {}) };
  delete annotations[ANNOTATION_ROLLOUT_PENDING];
  return { ...secret, metadata: { ...secret.metadata, annotations } };
}

/** The fingerprint whose rollout the Secret still waits for, if any. */
export function pendingRollout(secret: Secret | undefined): string | undefined {
  return secret?.metadata?.annotations?.[ANNOTATION_ROLLOUT_PENDING];
}

function includesAll(live: Record<string, string> | undefined, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([key, value]) => live?.[key] === value);
}

function ownedSecret(desired: DesiredSecret, policy: CreationPolicy, owner: OwnerIdentity, existing: Secret | undefined): Secret {
  const ownerReferences: OwnerReference[] =
    policy === 'Owner'
      ? [
          {
            apiVersion: API_GROUP_VERSION,
            kind: 'ExternalSecret',
            name: owner.name,
            uid: owner.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ]
      : [];
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(desired.data)) data[key] = value.toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: desired.name,
      namespace: desired.namespace,
      labels: { ...desired.labels, [LABEL_MANAGED]: 'true' },
      annotations: {
        ...desired.annotations,
        [ANNOTATION_OWNER]: ownerAnnotationValue(owner),
        [ANNOTATION_DATA_MAC]: desired.mac,
        [ANNOTATION_VERSIONS]: desired.versions,
        ...pendingAnnotation(desired),
      },
      ...finalizersOf(existing, desired),
      ...(ownerReferences.length ? { ownerReferences } : {}),
    },
    type: desired.type,
    data,
    ...(desired.immutable ? { immutable: true } : {}),
  };
}
