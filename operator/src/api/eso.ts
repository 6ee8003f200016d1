// What the External Secrets Operator (ESO) puts on the Secrets it writes, and the annotation
// that lets Rotor take such a Secret over. Shared by the operator (adoption in
// controller/externalsecret/target-plan.ts) and `rotor migrate` (migrate/), so both agree on ESO's marks.
import { controllerOf, controllerOfKind } from './owner-references.js';
export const ESO_GROUP = 'external-secrets.io';
/** ESO sets it to "true" on every Secret an ExternalSecret writes. */
export const ESO_LABEL_MANAGED = 'reconcile.external-secrets.io/managed';
/** creationPolicy Owner: md5 of "<namespace>/<name>" of the ExternalSecret; ESO deletes other Secrets carrying it. */
export const ESO_LABEL_CREATED_BY = 'reconcile.external-secrets.io/created-by';
/** Hash of the data ESO last wrote. */
export const ESO_ANNOTATION_DATA_HASH = 'reconcile.external-secrets.io/data-hash';
/** ESO's finalizer on ExternalSecrets; only ESO's controller removes it. */
export const ESO_FINALIZER_CLEANUP = 'externalsecrets.external-secrets.io/externalsecret-cleanup';

/** ESO's finalizer on ClusterExternalSecrets; only ESO's controller removes it. */
export const ESO_FINALIZER_CES_CLEANUP = 'externalsecrets.external-secrets.io/clusterexternalsecret-cleanup';
/**
 * ESO's finalizer on each namespace a ClusterExternalSecret provisioned:
 * "externalsecrets.external-secrets.io/ces-<name>" (recent ESO shortens long names, keeping
 * their first 50 characters). Left behind, it blocks the namespace's deletion for good.
 */
export function isEsoNamespaceFinalizerOf(finalizer: string, cesName: string): boolean {
  const prefix = 'externalsecrets.external-secrets.io/ces-';
  if (!finalizer.startsWith(prefix)) return false;
  const rest = finalizer.slice(prefix.length);
  return rest === cesName || (cesName.length > 59 && rest.startsWith(cesName.slice(0, 50)));
}

/** ESO's marks on a Secret, removed when Rotor adopts it (ESO must not find it as its own). */
export const ESO_SECRET_LABELS = [ESO_LABEL_MANAGED, ESO_LABEL_CREATED_BY] as const;
export const ESO_SECRET_ANNOTATIONS = [ESO_ANNOTATION_DATA_HASH] as const;

/**
 * On a Rotor ExternalSecret: the name of the ESO ExternalSecret (same namespace) whose target
 * Secret Rotor may take over. Opt-in: without it Rotor never overwrites a Secret it does not
 * own. Honoured only when the Secret really is that ESO ExternalSecret's (its controller owner
 * reference), or, for ESO's creationPolicy Orphan/Merge (no owner reference), carries ESO's
 * managed label or data-hash annotation. `rotor migrate --live` sets it.
 */
export const ANNOTATION_ADOPT_ESO = 'rotor.dev/adopt-eso';

interface OwnerReferenceLike {
  apiVersion?: string;
  kind?: string;
  name?: string;
  controller?: boolean;
}

interface SecretLike {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: OwnerReferenceLike[] };
}

/** The ESO ExternalSecret named by the Secret's controller owner reference, if that is one. */
export function esoControllerOwner(secret: SecretLike): string | undefined {
  return controllerOfKind(secret, ESO_GROUP, 'ExternalSecret')?.name;
}

/**
 * May a Rotor ExternalSecret annotated with adopt-eso=<esoName> take this Secret over?
 * Yes when ESO's ExternalSecret <esoName> controls it, or when ESO wrote it without an owner
 * reference (Orphan, Merge: ESO's managed label or data-hash annotation) and no other controller claims it.
 */
export function isAdoptableFromEso(secret: SecretLike, esoName: string | undefined): boolean {
  if (!esoName) return false;
  if (controllerOf(secret)) return esoControllerOwner(secret) === esoName;
  return secret.metadata?.labels?.[ESO_LABEL_MANAGED] === 'true' || ESO_ANNOTATION_DATA_HASH in (secret.metadata?.annotations ?? {});
}

/** True when the Secret still carries a mark by which ESO would find it as its own. */
export function hasEsoMarks(secret: SecretLike): boolean {
  const labels = secret.metadata?.labels ?? {};
  const annotations = secret.metadata?.annotations ?? {};
  return ESO_SECRET_LABELS.some((l) => l in labels) || ESO_SECRET_ANNOTATIONS.some((a) => a in annotations) || esoControllerOwner(secret) !== undefined;
}
