// Status and events of a reconciler that stamps one object into many namespaces (the
// ClusterExternalSecret and ClusterPushSecret reconcilers): which namespaces failed and whether
// the pass must be retried, the Ready message, the status a spec error keeps (the namespace lists
// stay as they were: nothing was changed there), and writing status and an Event only when they
// change. One copy so the two kinds say and record the same things the same way.
import type { Logger } from 'pino';
import { API_GROUP_VERSION, type Condition, type ConditionStatus } from '../../api/types.js';
import { KubeApiError } from '../../kube/client/errors.js';
import type { EventRecorder } from '../../kube/ports.js';
import { findCondition, readyCondition, sameJson, setCondition } from './conditions.js';

export interface FanOutStatus {
  conditions?: Condition[];
  observedGeneration?: number;
}

export interface FanOutOwner<S extends FanOutStatus> {
  metadata: { name: string; uid?: string; generation?: number };
  status?: S;
}

export interface NamespaceFailure {
  namespace: string;
  reason: string;
}

/** What the namespaces of one pass came to: the failed ones for status, and the first error worth a retry. */
export class NamespaceOutcomes {
  private readonly failed = new Map<string, string>();
  /** The first API failure that is not a lasting refusal: the pass backs off and runs again. */
  transient: string | undefined;

  /** A write in a selected namespace failed: listed in status; an API failure that may pass also retries. */
  fail(namespace: string, error: unknown): void {
    const message = messageOf(error);
    this.failed.set(namespace, message);
    if (!(error instanceof KubeApiError) || error.retryable) this.transient ??= message;
  }

  /** The namespace holds an object we may not touch: listed, but only a change there fixes it (no retry). */
  conflict(namespace: string, reason: string): void {
    this.failed.set(namespace, reason);
  }

  /** A failure outside the selected namespaces (cleaning up a deselected one): not listed, retried. */
  retry(error: unknown): void {
    this.transient ??= messageOf(error);
  }

  /** Failed namespaces sorted by name, so status does not change with the order of the work. */
  failures(): NamespaceFailure[] {
    return [...this.failed].sort(([a], [b]) => (a < b ? -1 : 1)).map(([namespace, reason]) => ({ namespace, reason }));
  }
}

/** The Ready message of a pass: where the object is, or which namespaces failed (the first three). */
export function fanOutMessage(pass: {
  /** Kind and name of the stamped object, e.g. 'ExternalSecret', 'db'. */
  kind: string;
  name: string;
  /** The field(s) that choose namespaces, named when none is selected. */
  selectorField: string;
  selected: number;
  provisioned: number;
  failures: NamespaceFailure[];
}): string {
  const { kind, name, failures } = pass;
  if (failures.length === 0) {
    return pass.selected === 0
      ? `no namespace is selected: set ${pass.selectorField} to choose where ${kind} ${name} is created`
      : `${kind} ${name} is in ${pass.provisioned} namespace(s)`;
  }
  const shown = failures
    .slice(0, 3)
    .map((f) => `${f.namespace}: ${f.reason}`)
    .join('; ');
  return `${failures.length} of ${pass.selected} selected namespace(s) failed (see status.failedNamespaces): ${shown}${failures.length > 3 ? '; …' : ''}`;
}

/** The owner's conditions with Ready set (its transition time kept while its status holds). */
export function readyConditions<S extends FanOutStatus>(owner: FanOutOwner<S>, status: ConditionStatus, reason: string, message: string, now: Date): Condition[] {
  return setCondition(owner.status?.conditions, readyCondition(status, reason, message, now, owner.metadata.generation));
}

/** The status to write when the spec is invalid: everything but the conditions stays as it was. */
export function keptStatus<S extends FanOutStatus>(owner: FanOutOwner<S>): S {
  const { conditions: _c, ...rest } = owner.status ?? ({} as S);
  return { ...rest, observedGeneration: owner.metadata.generation } as S;
}

export interface StatusRecorder<S> {
  /** The owner's kind, for the Event's object reference and the log line. */
  kind: string;
  write(name: string, status: S): Promise<void>;
  events: EventRecorder;
}

/** Writes status only when it differs; logs and records an Event only when Ready's reason or message changes. */
export async function recordStatus<S extends FanOutStatus>(owner: FanOutOwner<S>, status: S, to: StatusRecorder<S>, log: Logger): Promise<void> {
  if (sameJson(owner.status ?? {}, status)) return;
  await to.write(owner.metadata.name, status);
  const before = findCondition(owner.status?.conditions, 'Ready');
  const after = findCondition(status.conditions, 'Ready')!;
  if (before?.reason === after.reason && before.message === after.message) return;
  const ref = { apiVersion: API_GROUP_VERSION, kind: to.kind, name: owner.metadata.name, uid: owner.metadata.uid };
  if (after.status === 'True') log.info({ reason: after.reason }, after.message);
  else log.warn({ reason: after.reason, error: after.message }, `${to.kind} not ready`);
  await to.events.record(ref, after.status === 'True' ? 'Normal' : 'Warning', after.reason, after.message);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
