// The writes of a reconciler that stamps one object into many namespaces (ClusterExternalSecret
// -> ExternalSecret, ClusterPushSecret -> PushSecret): first delete the ones it controls that are
// no longer wanted (namespace deselected, or a previous name), then create or update the one in
// each selected namespace, reading through its own recent writes (OwnWrites) and noting what
// failed where (NamespaceOutcomes). The kind-specific parts come in: which objects it controls,
// and the plan for each namespace (controller/<kind>/plan rules). One copy, so both kinds order
// their writes and classify their failures the same way.
import type { Logger } from 'pino';
import { NamespaceOutcomes } from './fan-out-status.js';
import type { OwnWrites } from './own-writes.js';

export interface StampedObject {
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
}

/** What to do in one selected namespace. */
export type StampPlan<T> = { action: 'create' | 'update'; object: T } | { action: 'none' } | { action: 'conflict'; reason: string };

export interface StampWriter<T> {
  create(object: T): Promise<T>;
  replace(object: T): Promise<T>;
  /** Only the object with this uid (and resourceVersion, when given); gone already is success. */
  delete(namespace: string, name: string, uid: string, resourceVersion?: string): Promise<void>;
}

export interface Stamping<T extends StampedObject> {
  /** Kind of the stamped objects, for logs: 'ExternalSecret', 'PushSecret'. */
  kind: string;
  /** The name the stamped object has in every selected namespace. */
  name: string;
  selected: readonly string[];
  /** Objects that may be this owner's (from the cache); those isControlled accepts are. */
  candidates: Iterable<T>;
  isControlled(object: T): boolean;
  /** The cached object in a namespace. */
  cached(namespace: string, name: string): T | undefined;
  plan(namespace: string, existing: T | undefined): StampPlan<T>;
  writer: StampWriter<T>;
  ownWrites: OwnWrites<T>;
  log: Logger;
}

export interface StampResult {
  /** Selected namespaces that have the object as the spec says. */
  provisioned: string[];
  outcomes: NamespaceOutcomes;
}

export async function stampIntoNamespaces<T extends StampedObject>(s: Stamping<T>): Promise<StampResult> {
  const selectedSet = new Set(s.selected);
  const outcomes = new NamespaceOutcomes();
  const logKey = `${s.kind[0]!.toLowerCase()}${s.kind.slice(1)}`;
  const current = (namespace: string, name: string) => s.ownWrites.current(namespace, name, s.cached(namespace, name));

  // Objects it controls that are no longer wanted: namespace deselected, or renamed.
  for (const object of s.candidates) {
    const namespace = object.metadata.namespace!;
    if (!s.isControlled(object) || (selectedSet.has(namespace) && object.metadata.name === s.name)) continue;
    if (current(namespace, object.metadata.name) === undefined) continue; // deleted by us already
    try {
      // Decided from the cache: the preconditions make a changed or replaced one fail (409) instead.
      await s.writer.delete(namespace, object.metadata.name, object.metadata.uid ?? '', object.metadata.resourceVersion);
      s.ownWrites.remember(namespace, object.metadata.name, object.metadata.resourceVersion ?? '', undefined);
      s.log.info({ namespace, [logKey]: object.metadata.name }, `deleted ${s.kind} of a namespace no longer selected`);
    } catch (error) {
      if (selectedSet.has(namespace)) outcomes.fail(namespace, error);
      else outcomes.retry(error);
    }
  }

  const provisioned: string[] = [];
  for (const namespace of s.selected) {
    const existing = current(namespace, s.name);
    const plan = s.plan(namespace, existing);
    try {
      if (plan.action === 'conflict') {
        outcomes.conflict(namespace, plan.reason);
        continue;
      }
      if (plan.action === 'create') {
        s.ownWrites.remember(namespace, s.name, '', await s.writer.create(plan.object));
        s.log.info({ namespace, [logKey]: s.name }, `created ${s.kind}`);
      } else if (plan.action === 'update') {
        s.ownWrites.remember(namespace, s.name, existing?.metadata.resourceVersion ?? '', await s.writer.replace(plan.object));
        s.log.info({ namespace, [logKey]: s.name }, `updated ${s.kind}`);
      }
      provisioned.push(namespace);
    } catch (error) {
      outcomes.fail(namespace, error);
    }
  }
  return { provisioned, outcomes };
}
