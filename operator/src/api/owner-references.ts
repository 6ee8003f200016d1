// Reading owner references, written once: which reference controls an object (Kubernetes allows
// one with controller: true), and whether an object names a given owner by uid. Pure; typed
// loosely so the operator's objects, ESO's and the migrate tool's all fit.

interface RefLike {
  apiVersion?: string;
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean;
}

interface WithOwners<R extends RefLike> {
  metadata?: { ownerReferences?: R[] } | undefined;
}

/** The owner reference with controller: true, if any. */
export function controllerOf<R extends RefLike>(object: WithOwners<R>): R | undefined {
  return (object.metadata?.ownerReferences ?? []).find((ref) => ref.controller === true);
}

/** The controller, when it is a `kind` of API group `group` (any version). */
export function controllerOfKind<R extends RefLike>(object: WithOwners<R>, group: string, kind: string): R | undefined {
  const ref = controllerOf(object);
  return ref && ref.kind === kind && ref.apiVersion?.split('/')[0] === group ? ref : undefined;
}

/** Whether the object lists the owner with this uid (controller or not). */
export function hasOwnerUid<R extends RefLike>(object: WithOwners<R>, uid: string | undefined): boolean {
  return uid !== undefined && (object.metadata?.ownerReferences ?? []).some((ref) => ref.uid === uid);
}
