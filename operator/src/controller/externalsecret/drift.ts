// Has someone changed a managed Secret behind Rotor's back? Answered from the informer's copy
// of the Secret (metadata and a digest of its data: the cache keeps no values) and the
// ExternalSecret's status alone — no AWS call, no desired values — so a watch event on the
// Secret can trigger the repair at once (docs/architecture.md, "Change detection"). Pure.
import type { Secret } from '../../kube/client/objects.js';
import { hasOwnerUid } from '../../api/owner-references.js';
import { ANNOTATION_DATA_MAC, ANNOTATION_OWNER, ANNOTATION_VERSIONS, LABEL_MANAGED, type CreationPolicy, type ExternalSecretTarget } from '../../api/types.js';
import { dataDigest, dataDigestOfBase64, dataMAC, dataMACv2, isLegacyMAC, objectMacKey } from '../../sync/mac.js';
import { cachedDataDigest } from '../../kube/informer/cache-transform.js';
import { missingFinalizers, ownerAnnotationValue, type OwnerIdentity } from './target-plan.js';

/** Labels and annotations under this prefix are Rotor's own, never taken from a template. */
const RESERVED_PREFIX = 'rotor.dev/';

/** `content`: data, type or template metadata; `metadata`: what Rotor itself puts on the Secret. */
export type Drift = 'content' | 'metadata';

export interface DriftInput {
  target: Secret;
  policy: CreationPolicy;
  owner: OwnerIdentity;
  template?: ExternalSecretTarget['template'];
  /** status.dataMAC: MAC of what Rotor last wrote (see targetMAC). */
  expectedMAC: string;
  /** status.version: the version summary Rotor last wrote into the Secret's annotation. */
  expectedVersions?: string;
  /** The cluster-wide key (kube/hmac-key.ts); the ExternalSecret's own key is derived from it and owner.uid. */
  macKey: Buffer;
}

export interface TargetContent {
  data: Record<string, Buffer>;
  type: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/**
 * The MAC stored in status.dataMAC and on the Secret: data, type and the template's labels and
 * annotations, so an edit of any of them is seen from the watch event alone. Other labels and
 * annotations (kubectl, other tools) are not Rotor's and do not count. Keyed per ExternalSecret
 * (sync/mac.ts objectMacKey): equal values in two tenants' Secrets give unrelated MACs.
 */
export function targetMAC(macKey: Buffer, uid: string, secret: TargetContent): string {
  return macOfDigest(macKey, uid, dataDigest(macKey, secret.data), secret);
}

/** The MAC an older Rotor (format v1, cluster-wide key) wrote for this content: recognises its status at upgrade. */
export function legacyTargetMAC(macKey: Buffer, secret: TargetContent): string {
  return dataMAC(macKey, { data: secret.data, type: secret.type, labels: unreserved(secret.labels), annotations: unreserved(secret.annotations) });
}

function macOfDigest(macKey: Buffer, uid: string, digest: string, secret: Omit<TargetContent, 'data'>): string {
  return dataMACv2(objectMacKey(macKey, uid), { dataDigest: digest, type: secret.type, labels: unreserved(secret.labels), annotations: unreserved(secret.annotations) });
}

/** The template's labels and annotations as the live Secret has them (what the MAC covers). */
export function liveTemplateMetadata(target: Secret, template: ExternalSecretTarget['template']): { labels: Record<string, string>; annotations: Record<string, string> } {
  return {
    labels: pick(target.metadata?.labels, Object.keys(template?.metadata?.labels ?? {})),
    annotations: pick(target.metadata?.annotations, Object.keys(template?.metadata?.annotations ?? {})),
  };
}

/** The live Secret's decoded data; needs a Secret read from the API (the cache keeps none). */
export function decodedData(target: Secret): Record<string, Buffer> {
  const data: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(target.data ?? {})) data[key] = Buffer.from(value, 'base64');
  return data;
}

/** What drifted, or undefined when the live Secret is still what Rotor last wrote. Merge and None targets are not Rotor's to watch. */
export function targetDrift(input: DriftInput): Drift | undefined {
  const { target, policy } = input;
  if (policy === 'Merge' || policy === 'None') return undefined;
  const metadata = liveTemplateMetadata(target, input.template);
  const type = target.type ?? 'Opaque';
  const cached = cachedDataDigest(target);
  let contentMatches: boolean;
  if (isLegacyMAC(input.expectedMAC)) {
    // A status from an older Rotor: checkable only against the values (a Secret read from the
    // API). The reconciler converts such a status first (without counting it as drift).
    contentMatches = cached === undefined && legacyTargetMAC(input.macKey, { ...metadata, type, data: decodedData(target) }) === input.expectedMAC;
  } else {
    const digest = cached ?? dataDigestOfBase64(input.macKey, target.data);
    contentMatches = macOfDigest(input.macKey, input.owner.uid, digest, { ...metadata, type }) === input.expectedMAC;
  }
  if (!contentMatches) return 'content';
  const meta = target.metadata ?? {};
  // Without the label the Secret drops out of the operator's watch and later edits go unseen.
  if (meta.labels?.[LABEL_MANAGED] !== 'true') return 'metadata';
  if (meta.annotations?.[ANNOTATION_OWNER] !== ownerAnnotationValue(input.owner)) return 'metadata';
  // An annotation an older Rotor wrote stays until the next write of the data: rewriting every
  // Secret at upgrade only to refresh it would be a write (and watch events) per Secret.
  const annotatedMAC = meta.annotations?.[ANNOTATION_DATA_MAC];
  if (annotatedMAC !== input.expectedMAC && !isLegacyMAC(annotatedMAC)) return 'metadata';
  if (input.expectedVersions !== undefined && meta.annotations?.[ANNOTATION_VERSIONS] !== input.expectedVersions) return 'metadata';
  // The owner reference is what lets the garbage collector remove the Secret with its ExternalSecret.
  if (policy === 'Owner' && !hasOwnerUid({ metadata: meta }, input.owner.uid)) return 'metadata';
  // A template finalizer someone removed is put back, as ESO does on its next reconcile.
  if (missingFinalizers(target, { finalizers: input.template?.metadata?.finalizers }).length > 0) return 'metadata';
  return undefined;
}

function unreserved(entries: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).filter(([key]) => !key.startsWith(RESERVED_PREFIX)));
}

function pick(entries: Record<string, string> | undefined, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = entries?.[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
