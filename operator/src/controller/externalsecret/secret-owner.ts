// Which ExternalSecret an event on a managed Secret may wake up. The Secret is the tenant's
// object (anyone who may edit Secrets in its namespace can write its labels and annotations),
// so its rotor.dev/owner annotation is a claim, not a fact: an edit in one namespace must never
// make the operator work for an ExternalSecret of another (issue #15, item 4), nor for a
// namesake that did not write it. Pure.
import { ANNOTATION_OWNER, ANNOTATION_OWNER_UID, API_GROUP } from '../../api/types.js';
import type { Secret } from '../../kube/client/objects.js';

/** The owner's namespace and name as the annotation states it, when it names the Secret's own namespace. */
export function sameNamespaceOwner(secret: Secret): { namespace: string; name: string } | undefined {
  const namespace = secret.metadata?.namespace;
  const owner = secret.metadata?.annotations?.[ANNOTATION_OWNER];
  if (!namespace || !owner) return undefined;
  const slash = owner.indexOf('/');
  if (slash <= 0 || owner.slice(0, slash) !== namespace) return undefined;
  const name = owner.slice(slash + 1);
  return name && !name.includes('/') ? { namespace, name } : undefined;
}

/**
 * The work-queue key (`namespace/name`) of the ExternalSecret an event on `secret` should
 * repair, or undefined. Required: the owner annotation names the Secret's own namespace, that
 * ExternalSecret exists, and every uid the Secret records for it matches — the controller
 * owner reference (creationPolicy Owner) and the rotor.dev/owner-uid annotation (written on every
 * target write since issue #15). A Secret an older Rotor wrote without an owner reference
 * (Orphan, Merge) has neither and is accepted by the same-namespace annotation alone, so its
 * drift is still repaired: the most such a forgery can do is wake an ExternalSecret of its own
 * namespace, rate-limited by the work queue (WorkQueue.addForEvent).
 */
export function ownerToRepair(secret: Secret, externalSecret: (namespace: string, name: string) => { metadata: { uid?: string } } | undefined): string | undefined {
  const owner = sameNamespaceOwner(secret);
  if (!owner) return undefined;
  const es = externalSecret(owner.namespace, owner.name);
  if (!es) return undefined;
  const uid = es.metadata.uid;
  const refs = (secret.metadata?.ownerReferences ?? []).filter((ref) => ref.kind === 'ExternalSecret' && ref.apiVersion?.split('/')[0] === API_GROUP);
  if (refs.length > 0 && !refs.some((ref) => ref.uid === uid)) return undefined;
  const annotated = secret.metadata?.annotations?.[ANNOTATION_OWNER_UID];
  if (annotated !== undefined && annotated !== uid) return undefined;
  return `${owner.namespace}/${owner.name}`;
}
