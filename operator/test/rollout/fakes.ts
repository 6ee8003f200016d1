// In-memory stand-ins for the rollout ports: a namespace of workloads and an event sink.
import { ANNOTATION_RESTARTED_FOR } from '../../src/api/types.js';
import type { EventRecorder, EventType, ObjectRef } from '../../src/kube/ports.js';
import { KubeApiError } from '../../src/kube/client/errors.js';
import { type WorkloadClient, type WorkloadKind, type WorkloadSummary } from '../../src/kube/workloads.js';

export interface FakeWorkload {
  kind: WorkloadKind;
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  templateAnnotations?: Record<string, string>;
  onDelete?: boolean;
  workloadRef?: { kind: string; name: string };
}

export interface RecordedPatch {
  namespace: string;
  kind: WorkloadKind;
  name: string;
  annotations: Record<string, string>;
}

export class FakeWorkloadClient implements WorkloadClient {
  readonly workloads: FakeWorkload[] = [];
  readonly patches: RecordedPatch[] = [];
  readonly listCalls: string[] = [];
  /** kind -> error thrown by list. */
  readonly listErrors = new Map<WorkloadKind, unknown>();
  /** "Kind/name" -> errors thrown by the next patches, in order. */
  readonly patchErrors = new Map<string, unknown[]>();

  add(...ws: FakeWorkload[]): this {
    this.workloads.push(...ws.map((w) => ({ namespace: 'apps', ...w })));
    return this;
  }

  find(kind: WorkloadKind, name: string, namespace = 'apps'): FakeWorkload | undefined {
    return this.workloads.find((w) => w.kind === kind && w.name === name && w.namespace === namespace);
  }

  async list(namespace: string, kind: WorkloadKind): Promise<WorkloadSummary[]> {
    this.listCalls.push(`${namespace}/${kind}`);
    const err = this.listErrors.get(kind);
    if (err) throw err;
    return this.workloads
      .filter((w) => w.namespace === namespace && w.kind === kind)
      .map((w) => {
        const templateAnnotations = { ...(w.templateAnnotations ?? {}) };
        const s: WorkloadSummary = {
          kind: w.kind,
          name: w.name,
          labels: { ...(w.labels ?? {}) },
          annotations: { ...(w.annotations ?? {}) },
          templateAnnotations,
        };
        if (w.uid) s.uid = w.uid;
        if (templateAnnotations[ANNOTATION_RESTARTED_FOR] !== undefined) s.restartedFor = templateAnnotations[ANNOTATION_RESTARTED_FOR];
        if (w.onDelete) s.onDeleteUpdateStrategy = true;
        if (w.workloadRef) s.workloadRef = w.workloadRef;
        return s;
      });
  }

  async patchTemplateAnnotations(namespace: string, kind: WorkloadKind, name: string, annotations: Record<string, string>): Promise<void> {
    const queued = this.patchErrors.get(`${kind}/${name}`);
    const err = queued?.shift();
    if (err) throw err;
    const w = this.find(kind, name, namespace);
    if (!w) throw new KubeApiError(404, `patch ${kind}/${name} failed (HTTP 404)`);
    this.patches.push({ namespace, kind, name, annotations: { ...annotations } });
    w.templateAnnotations = { ...(w.templateAnnotations ?? {}), ...annotations };
  }
}

export interface RecordedEvent {
  object: ObjectRef;
  type: EventType;
  reason: string;
  message: string;
}

export class FakeEventRecorder implements EventRecorder {
  readonly events: RecordedEvent[] = [];
  failWith: unknown;

  async record(object: ObjectRef, type: EventType, reason: string, message: string): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.events.push({ object, type, reason, message });
  }

  on(kind: string, name: string): RecordedEvent[] {
    return this.events.filter((e) => e.object.kind === kind && e.object.name === name);
  }
}

/** A pino-compatible logger that keeps every line (for "no secret in logs" checks). */
export function captureLogger(): { lines: unknown[]; text: () => string; logger: { debug: Fn; info: Fn; warn: Fn } } {
  const lines: unknown[] = [];
  const fn: Fn = (...args: unknown[]) => {
    lines.push(args);
  };
  return { lines, text: () => JSON.stringify(lines), logger: { debug: fn, info: fn, warn: fn } };
}
type Fn = (...args: unknown[]) => void;
