// The object an ExternalSecret with spec.target.manifest writes, and whether to write it, with
// ESO 2.9's semantics (pkg/controllers/externalsecret/externalsecret_controller_manifest.go):
//   - without a template a ConfigMap gets the fetched keys in `data` as strings, another kind
//     in `spec.data`; with a template, the rendered data goes to `data` (ESO's template target
//     "Data" is the top-level field for every kind) and template.metadata labels/annotations
//     to the object's;
//   - without a template the ExternalSecret's own labels and annotations are copied (ESO);
//   - the managed label always; creationPolicy Owner adds a controller owner reference (the
//     garbage collector removes the object with its ExternalSecret), others remove ours;
//   - Owner/Orphan replace the content (`data`, or `spec`), Merge/CreateOrMerge write the keys
//     into the existing object and keep the rest.
// Rotor's rules on top, as for Secrets (target-plan.ts): an object this ExternalSecret did not
// write is never overwritten by Owner/Orphan (ESO overwrites it), nothing is written when
// nothing changed, and the object carries a keyed MAC of its content so drift is found without
// keeping values (drift over the cached digest, manifest-drift.ts). Pure; no values in messages.
import {
  ANNOTATION_DATA_MAC,
  ANNOTATION_OWNER,
  ANNOTATION_OWNER_UID,
  API_GROUP,
  API_GROUP_VERSION,
  ES_REASON,
  LABEL_MANAGED,
  type CreationPolicy,
  type EsReason,
  type OwnerReference,
} from '../../api/types.js';
import type { ObjectMeta } from '../../kube/client/objects.js';
import { LAST_APPLIED_ANNOTATION } from '../../kube/informer/cache-transform.js';
import { dataMACv2, objectMacKey } from '../../sync/mac.js';
import { canonicalJson, manifestContentDigest } from '../../sync/manifest-content.js';
import type { TargetKind } from './target-kind.js';

/** A target object as Rotor reads and writes it: metadata plus any top-level fields. */
export interface ManifestObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  data?: Record<string, unknown>;
  spec?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface ManifestOwner {
  namespace: string;
  name: string;
  uid: string;
}

export interface ManifestInput {
  target: TargetKind;
  name: string;
  owner: ManifestOwner;
  /** The built data (after templates). */
  data: Record<string, Buffer>;
  /** Rendered template.metadata (with a template); else the ExternalSecret's own metadata. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** spec.target.template is set. */
  templated: boolean;
}

export type ManifestPlan =
  | { action: 'none'; reason: 'unchanged' | 'policy-none' }
  | { action: 'create'; object: ManifestObject }
  | { action: 'update'; object: ManifestObject }
  | { action: 'refuse'; reason: EsReason; message: string };

/** Where the data goes: ESO writes `data` for ConfigMaps and templates, `spec.data` otherwise. */
export function dataPath(target: TargetKind, templated: boolean): 'data' | 'spec.data' {
  return target.kind === 'ConfigMap' && target.group === '' ? 'data' : templated ? 'data' : 'spec.data';
}

/** ESO: string(value) — a ConfigMap's data is text. */
function asStrings(data: Record<string, Buffer>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(data).sort()) out[key] = data[key]!.toString('utf8');
  return out;
}

/** The ExternalSecret's labels/annotations as ESO copies them, without bookkeeping of others. */
export function copiedMetadata(source: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(source ?? {})) {
    if (key === LAST_APPLIED_ANNOTATION || key.startsWith('rotor.dev/')) continue;
    out[key] = value;
  }
  return out;
}

/** The keyed MAC of an object's content, recorded on it and in status.dataMAC. */
export function manifestMAC(clusterKey: Buffer, uid: string, target: TargetKind, object: ManifestObject): string {
  return dataMACv2(objectMacKey(clusterKey, uid), { dataDigest: manifestContentDigest(clusterKey, object, target.kind), type: `${target.apiVersion}/${target.kind}` });
}

export function ownerAnnotation(owner: ManifestOwner): string {
  return `${owner.namespace}/${owner.name}`;
}

/** Written by this ExternalSecret: our annotation with our uid, or our owner reference. */
export function isManifestOwnedBy(object: ManifestObject, owner: ManifestOwner): boolean {
  const annotations = object.metadata?.annotations ?? {};
  const annotated = annotations[ANNOTATION_OWNER] === ownerAnnotation(owner) && (annotations[ANNOTATION_OWNER_UID] === undefined || annotations[ANNOTATION_OWNER_UID] === owner.uid);
  return annotated || (object.metadata?.ownerReferences ?? []).some((ref) => ref.uid === owner.uid);
}

/** Another ExternalSecret controls it (ESO's applyOwnership refuses this too). */
function otherController(object: ManifestObject, owner: ManifestOwner): string | undefined {
  const ref = (object.metadata?.ownerReferences ?? []).find((r) => r.controller === true && r.kind === 'ExternalSecret' && r.apiVersion.startsWith(`${API_GROUP}/`));
  return ref && ref.uid !== owner.uid ? ref.name : undefined;
}

function controllerRef(owner: ManifestOwner): OwnerReference {
  return { apiVersion: API_GROUP_VERSION, kind: 'ExternalSecret', name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true };
}

function setAt(object: ManifestObject, path: 'data' | 'spec.data', value: Record<string, string>, merge: boolean): void {
  if (path === 'data') {
    object.data = merge ? { ...(object.data ?? {}), ...value } : value;
    return;
  }
  const spec = merge ? { ...(object.spec ?? {}) } : {};
  const previous = spec['data'];
  const base = merge && previous && typeof previous === 'object' && !Array.isArray(previous) ? (previous as Record<string, unknown>) : {};
  spec['data'] = { ...base, ...value };
  object.spec = spec;
}

/**
 * Plans the write. `live` is the object as the API server has it (with its content), undefined
 * when absent. `clusterKey` keys the content MAC.
 */
export function planManifestWrite(live: ManifestObject | undefined, input: ManifestInput, policy: CreationPolicy, clusterKey: Buffer): ManifestPlan {
  if (policy === 'None') return { action: 'none', reason: 'policy-none' };
  const { target, owner } = input;
  const shown = `${target.kind} ${owner.namespace}/${input.name}`;
  const merging = policy === 'Merge' || policy === 'CreateOrMerge';
  if (!live && policy === 'Merge') {
    return { action: 'refuse', reason: ES_REASON.SecretMissing, message: `${shown} does not exist; creationPolicy Merge writes into an existing object only: create it, or use creationPolicy Owner` };
  }
  if (live) {
    const other = otherController(live, owner);
    if (other !== undefined) return { action: 'refuse', reason: ES_REASON.TargetNotOwned, message: `${shown} is controlled by ExternalSecret ${owner.namespace}/${other}; refusing to write it. Choose another spec.target.name` };
    if (!merging && !isManifestOwnedBy(live, owner)) {
      return {
        action: 'refuse',
        reason: ES_REASON.TargetNotOwned,
        message: `${shown} already exists and was not created by this ExternalSecret; refusing to overwrite it. Set spec.target.creationPolicy: Merge to write keys into it, choose another spec.target.name, or delete it`,
      };
    }
  }
  const next: ManifestObject = live ? structuredClone(live) : { apiVersion: target.apiVersion, kind: target.kind, metadata: { name: input.name, namespace: owner.namespace } };
  const metadata: ObjectMeta = { ...(next.metadata ?? {}) };
  const path = dataPath(target, input.templated);
  setAt(next, path, asStrings(input.data), merging && live !== undefined);

  const labels = { ...(metadata.labels ?? {}), ...input.labels, [LABEL_MANAGED]: 'true' };
  const annotations: Record<string, string> = { ...(metadata.annotations ?? {}), ...input.annotations, [ANNOTATION_OWNER]: ownerAnnotation(owner) };
  if (owner.uid) annotations[ANNOTATION_OWNER_UID] = owner.uid;
  let refs = (metadata.ownerReferences ?? []).filter((ref) => ref.uid !== owner.uid);
  if (policy === 'Owner' && owner.uid) refs = [...refs, controllerRef(owner)];
  next.metadata = { ...metadata, labels, annotations };
  if (refs.length > 0) next.metadata.ownerReferences = refs;
  else delete next.metadata.ownerReferences;
  annotations[ANNOTATION_DATA_MAC] = manifestMAC(clusterKey, owner.uid, target, next);

  if (!live) return { action: 'create', object: next };
  if (sameWrite(live, next)) return { action: 'none', reason: 'unchanged' };
  return { action: 'update', object: next };
}

/** What a write would change: content, labels, annotations, owner references. */
function sameWrite(live: ManifestObject, next: ManifestObject): boolean {
  const view = (o: ManifestObject) => {
    const { metadata, status: _status, ...rest } = o;
    return canonicalJson({ rest, labels: metadata?.labels ?? {}, annotations: metadata?.annotations ?? {}, refs: metadata?.ownerReferences ?? [] });
  };
  return view(live) === view(next);
}
