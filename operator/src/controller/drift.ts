// Has someone changed a managed Secret behind Rotor's back? Answered from the informer's copy
// of the Secret and the ExternalSecret's status alone — no AWS call, no desired values — so a
// watch event on the Secret can trigger the repair at once (docs/architecture.md, "Change
// detection"). Pure.
import type { Secret } from '../kube/objects.js';
import { ANNOTATION_DATA_MAC, ANNOTATION_OWNER, ANNOTATION_VERSIONS, LABEL_MANAGED, type CreationPolicy, type ExternalSecretTarget } from '../api/types.js';
import { dataMAC } from '../sync/mac.js';
import { ownerAnnotationValue, type OwnerIdentity } from './target-plan.js';

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
  macKey: Buffer;
}

/**
 * The MAC stored in status.dataMAC and on the Secret: data, type and the template's labels and
 * annotations, so an edit of any of them is seen from the watch event alone. Other labels and
 * annotations (kubectl, other tools) are not Rotor's and do not count.
 */
export function targetMAC(
  macKey: Buffer,
  secret: { data: Record<string, Buffer>; type: string; labels: Record<string, string>; annotations: Record<string, string> },
): string {
  return dataMAC(macKey, { data: secret.data, type: secret.type, labels: unreserved(secret.labels), annotations: unreserved(secret.annotations) });
}

/** What drifted, or undefined when the live Secret is still what Rotor last wrote. Merge and None targets are not Rotor's to watch. */
export function targetDrift(input: DriftInput): Drift | undefined {
  const { target, policy } = input;
  if (policy === 'Merge' || policy === 'None') return undefined;
  const data: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(target.data ?? {})) data[key] = Buffer.from(value, 'base64');
  const labels = pick(target.metadata?.labels, Object.keys(input.template?.metadata?.labels ?? {}));
  const annotations = pick(target.metadata?.annotations, Object.keys(input.template?.metadata?.annotations ?? {}));
  const contentMAC = targetMAC(input.macKey, { data, type: target.type ?? 'Opaque', labels, annotations });
  if (contentMAC !== input.expectedMAC) return 'content';
  const meta = target.metadata ?? {};
  // Without the label the Secret drops out of the operator's watch and later edits go unseen.
  if (meta.labels?.[LABEL_MANAGED] !== 'true') return 'metadata';
  if (meta.annotations?.[ANNOTATION_OWNER] !== ownerAnnotationValue(input.owner)) return 'metadata';
  if (meta.annotations?.[ANNOTATION_DATA_MAC] !== input.expectedMAC) return 'metadata';
  if (input.expectedVersions !== undefined && meta.annotations?.[ANNOTATION_VERSIONS] !== input.expectedVersions) return 'metadata';
  // The owner reference is what lets the garbage collector remove the Secret with its ExternalSecret.
  if (policy === 'Owner' && !(meta.ownerReferences ?? []).some((ref) => ref.uid === input.owner.uid)) return 'metadata';
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
