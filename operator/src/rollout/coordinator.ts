// Performs rollouts: collects the requests of one namespace for `debounceMs`, resolves their
// target workloads against one listing, and patches each workload ONCE with every secret
// version that changed in the window (docs/architecture.md, "Rollouts").
//
// The caller (the ExternalSecret reconciler) has already decided to roll (decide.ts) and
// has already written the Secret. request() never rejects: failures come back as problems
// and as Warning events on the ExternalSecret.
import type { Logger } from 'pino';
import { ANNOTATION_RESTARTED_FOR, type RolloutSpec } from '../api/types.js';
import type { EventRecorder, EventType, ObjectRef } from '../kube/ports.js';
import { abbreviateFingerprint, mergeRestartedFor } from './restarted-for.js';
import { resolveTargets, workloadId, type ResolvedTargets, type ResolveTargetsInput } from './targets.js';
import {
  WORKLOAD_API_VERSIONS,
  rbacHint,
  type WorkloadClient,
  type WorkloadKind,
  type WorkloadSummary,
} from '../kube/workloads.js';
import { httpStatusOf } from '../kube/client/errors.js';
import { errorForLog } from '../platform/error-for-log.js';
import { systemClock, type Clock } from '../platform/clock.js';

export const ROLLOUT_EVENT_REASON = {
  /** Normal, on the workload. */
  RolledOut: 'RolledOut',
  /** Normal, on the ExternalSecret. */
  RolloutTriggered: 'RolloutTriggered',
  /** Warning, on the ExternalSecret: a target could not be resolved or patched. */
  RolloutFailed: 'RolloutFailed',
} as const;

export interface RolloutRequest {
  namespace: string;
  /** Name of the Secret whose data changed. */
  secretName: string;
  externalSecret: ObjectRef;
  rollout?: RolloutSpec;
  /** Version fingerprint (AWS version identifiers only) of the data now in the Secret. */
  fingerprint: string;
}

export interface RolloutResult {
  /** Workloads patched for this request ("Deployment/web"), sorted. */
  targets: string[];
  /** Targets that already carried these versions: nothing to restart (idempotent re-run). */
  unchanged: string[];
  /** Field-naming messages; never secret values. */
  problems: string[];
  /**
   * A listing or a patch failed (API server, RBAC): the request should be made again later.
   * Not set for spec problems (a missing target), which only a spec change heals.
   */
  retry?: boolean;
}

/** An ExternalSecret of the namespace that may restart the same workloads (item: coalescing). */
export interface SiblingCandidate {
  externalSecret: ObjectRef;
  /** The Secret it writes (what `rotor.dev/reload` annotations name). */
  secretName: string;
  rollout?: RolloutSpec;
}

/**
 * Before restarting a workload, the other ExternalSecrets that restart it are refreshed, so
 * secrets rotated together restart it once (docs/architecture.md, Rollouts).
 */
export interface SiblingRefresher {
  /** ExternalSecrets of `namespace` that refresh periodically (only they can have a new version). */
  candidates(namespace: string): SiblingCandidate[];
  /** Refreshes them now, reading AWS afresh; resolves when their passes have finished. */
  refresh(externalSecrets: ObjectRef[]): Promise<void>;
}

export interface RolloutTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type WorkloadOutcome = 'patched' | 'unchanged' | 'failed';

export interface RolloutMetrics {
  /** Once per workload considered in a flush. */
  workload?(kind: WorkloadKind, outcome: WorkloadOutcome): void;
  /** Once per flush: how many requests were coalesced into how many patches. */
  flush?(namespace: string, requests: number, patches: number): void;
}

export interface RolloutCoordinatorOptions {
  workloads: WorkloadClient;
  events: EventRecorder;
  logger?: Pick<Logger, 'debug' | 'info' | 'warn'>;
  /** Window in which requests of one namespace are merged. Default 2000 ms. */
  debounceMs?: number;
  /** Default: the global setTimeout/clearTimeout (vitest fake timers replace them). */
  timers?: RolloutTimers;
  metrics?: RolloutMetrics;
  /** Waits before re-trying a patch that failed transiently (5xx, 429, network). Default [1000, 5000]. */
  retryDelaysMs?: number[];
  /** Longest wait for sibling refreshes before restarting anyway. Default 10 s. */
  siblingWaitMs?: number;
  /** Time source for that wait (platform/clock.ts); default the system clock. */
  clock?: Clock;
}

interface Pending {
  request: RolloutRequest;
  resolve: (result: RolloutResult) => void;
}

interface Batch {
  pending: Pending[];
  timer: unknown;
}

/** Per workload: which secrets changed to which fingerprint, and which requests asked. */
interface WorkloadPlan {
  workload: WorkloadSummary;
  changes: Map<string, string>;
  requesters: Set<number>;
}

const EVENT_MESSAGE_LIMIT = 1000;

const defaultTimers: RolloutTimers = {
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    // A pending rollout must not keep a process alive that is otherwise shutting down.
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class RolloutCoordinator {
  private readonly debounceMs: number;
  private readonly timers: RolloutTimers;
  private readonly retryDelaysMs: number[];
  private readonly clock: Clock;
  private readonly batches = new Map<string, Batch>();
  /** Flushes of one namespace run one after another, so each reads what the previous patched. */
  private readonly chains = new Map<string, Promise<void>>();
  /** Namespaces whose flush waits for sibling refreshes: their new requests join that flush. */
  private readonly collecting = new Map<string, Pending[]>();
  private siblings: SiblingRefresher | undefined;

  constructor(private readonly opts: RolloutCoordinatorOptions) {
    this.debounceMs = opts.debounceMs ?? 2000;
    this.timers = opts.timers ?? defaultTimers;
    this.retryDelaysMs = opts.retryDelaysMs ?? [1000, 5000];
    this.clock = opts.clock ?? systemClock;
  }

  /** Refresh the other ExternalSecrets of a workload before restarting it (set once the manager exists). */
  refreshSiblingsWith(siblings: SiblingRefresher): void {
    this.siblings = siblings;
  }

  /** Resolves once the (debounced) patches for this request are applied or have failed. */
  request(request: RolloutRequest): Promise<RolloutResult> {
    const invalid = validateRequest(request);
    if (invalid) return Promise.resolve({ targets: [], unchanged: [], problems: [invalid] });
    return new Promise<RolloutResult>((resolve) => {
      const collecting = this.collecting.get(request.namespace);
      if (collecting) {
        collecting.push({ request, resolve });
        return;
      }
      let batch = this.batches.get(request.namespace);
      if (!batch) {
        // A fixed window from the first request (not re-armed by later ones), so a stream of
        // changes cannot postpone a rollout forever.
        const timer = this.timers.setTimeout(() => this.startFlush(request.namespace), this.debounceMs);
        batch = { pending: [], timer };
        this.batches.set(request.namespace, batch);
      }
      batch.pending.push({ request, resolve });
    });
  }

  /**
   * Flush every waiting batch now: the drain at shutdown or step-down. Resolves when all flushes
   * finished. Siblings are not refreshed: the controllers have stopped, so a refresh asked for
   * now would never run and the drain would wait siblingWaitMs for nothing.
   */
  async flushNow(): Promise<void> {
    for (const [namespace, batch] of [...this.batches]) {
      this.timers.clearTimeout(batch.timer);
      this.startFlush(namespace, { siblings: false });
    }
    await Promise.all([...this.chains.values()]);
  }

  private startFlush(namespace: string, options: { siblings: boolean } = { siblings: true }): void {
    const batch = this.batches.get(namespace);
    if (!batch) return;
    this.batches.delete(namespace);
    const previous = this.chains.get(namespace) ?? Promise.resolve();
    const next = previous.then(() => this.flush(namespace, batch.pending, options.siblings));
    this.chains.set(namespace, next);
    void next.finally(() => {
      if (this.chains.get(namespace) === next) this.chains.delete(namespace);
    });
  }

  private async flush(namespace: string, pending: Pending[], withSiblings: boolean): Promise<void> {
    try {
      // One listing per kind and one resolution per (Secret, rollout spec) for the whole flush,
      // sibling search included: the sibling search and the patch plan ask for the same targets.
      const resolve = memoizeResolutions(memoizeLists(this.opts.workloads), this.opts.logger);
      if (this.siblings && withSiblings) await this.refreshSiblings(this.siblings, namespace, pending, resolve);
      await this.flushUnsafe(namespace, pending, resolve);
    } catch (err) {
      // Defensive: flushUnsafe handles its own failures; nothing may leave a caller hanging.
      this.opts.logger?.warn({ namespace, err: errorForLog(err) }, 'rollout flush failed');
      for (const p of pending) p.resolve({ targets: [], unchanged: [], problems: ['rollout failed unexpectedly; see the operator log'], retry: true });
    }
  }

  /**
   * Refreshes the ExternalSecrets (not in this flush) whose rollouts hit the same workloads,
   * and waits for them (at most siblingWaitMs): a version they find joins this flush
   * (`pending` grows), so the workload restarts once with everything new. Repeats for what
   * those bring in, each ExternalSecret at most once.
   */
  private async refreshSiblings(port: SiblingRefresher, namespace: string, pending: Pending[], resolve: Resolver): Promise<void> {
    const deadline = this.clock.now() + (this.opts.siblingWaitMs ?? 10_000);
    this.collecting.set(namespace, pending);
    try {
      const seen = new Set(pending.map((p) => refKey(p.request.externalSecret)));
      let considered = 0;
      while (considered < pending.length && this.clock.now() < deadline) {
        const workloads = new Set<string>();
        for (const p of pending.slice(considered)) {
          for (const w of (await resolve(p.request)).targets) workloads.add(workloadId(w));
        }
        considered = pending.length;
        const siblings: ObjectRef[] = [];
        for (const candidate of port.candidates(namespace)) {
          if (seen.has(refKey(candidate.externalSecret))) continue;
          const { targets } = await resolve({ namespace, secretName: candidate.secretName, ...(candidate.rollout ? { rollout: candidate.rollout } : {}) });
          if (!targets.some((w) => workloads.has(workloadId(w)))) continue;
          seen.add(refKey(candidate.externalSecret));
          siblings.push(candidate.externalSecret);
        }
        if (siblings.length === 0) break;
        this.opts.logger?.debug({ namespace, siblings: siblings.map((s) => s.name) }, 'refreshing the other ExternalSecrets of these workloads first');
        await Promise.race([port.refresh(siblings), this.sleep(Math.max(0, deadline - this.clock.now()))]);
      }
    } catch (err) {
      // Best effort: without the siblings the rollout still happens, just maybe not coalesced.
      this.opts.logger?.warn({ namespace, err: errorForLog(err) }, 'refreshing sibling ExternalSecrets failed');
    } finally {
      this.collecting.delete(namespace);
    }
  }

  private async flushUnsafe(namespace: string, pending: Pending[], resolve: Resolver): Promise<void> {
    // The same ExternalSecret may ask twice in one window (two refreshes): the last ask wins
    // and both callers get its result.
    const unique = new Map<string, { request: RolloutRequest; waiters: Pending[] }>();
    for (const p of pending) {
      const key = `${refKey(p.request.externalSecret)}\u0000${p.request.secretName}`;
      const entry = unique.get(key);
      if (entry) {
        entry.request = p.request;
        entry.waiters.push(p);
      } else {
        unique.set(key, { request: p.request, waiters: [p] });
      }
    }
    const requests = [...unique.values()];

    const problems: string[][] = [];
    const listFailed: boolean[] = [];
    const plans = new Map<string, WorkloadPlan>();
    for (const [i, { request }] of requests.entries()) {
      const resolved = await resolve(request);
      problems[i] = [...resolved.problems];
      listFailed[i] = resolved.listFailed === true;
      for (const workload of resolved.targets) {
        const id = workloadId(workload);
        const plan = plans.get(id) ?? { workload, changes: new Map<string, string>(), requesters: new Set<number>() };
        plan.changes.set(request.secretName, request.fingerprint);
        plan.requesters.add(i);
        plans.set(id, plan);
      }
    }

    const outcomes = new Map<string, { outcome: WorkloadOutcome; problem?: string }>();
    await Promise.all(
      [...plans.entries()].map(async ([id, plan]) => {
        const result = await this.applyPlan(namespace, plan);
        outcomes.set(id, result);
        this.opts.metrics?.workload?.(plan.workload.kind, result.outcome);
      }),
    );
    const patches = [...outcomes.values()].filter((o) => o.outcome === 'patched').length;
    this.opts.metrics?.flush?.(namespace, pending.length, patches);

    for (const [i, { request, waiters }] of requests.entries()) {
      const result: RolloutResult = { targets: [], unchanged: [], problems: problems[i] ?? [] };
      if (listFailed[i]) result.retry = true;
      for (const [id, plan] of [...plans.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        if (!plan.requesters.has(i)) continue;
        const o = outcomes.get(id);
        if (o?.outcome === 'patched') result.targets.push(id);
        else if (o?.outcome === 'unchanged') result.unchanged.push(id);
        else if (o?.problem) {
          result.problems.push(o.problem);
          result.retry = true;
        }
      }
      await this.reportToExternalSecret(request, result);
      for (const w of waiters) w.resolve(result);
    }
  }

  private async applyPlan(namespace: string, plan: WorkloadPlan): Promise<{ outcome: WorkloadOutcome; problem?: string }> {
    const { workload } = plan;
    const id = workloadId(workload);
    const value = mergeRestartedFor(workload.restartedFor, plan.changes);
    const secrets = [...plan.changes.keys()].sort();
    if (value === workload.restartedFor) {
      this.opts.logger?.debug({ namespace, workload: id, secrets }, 'workload already restarted for these versions');
      return { outcome: 'unchanged' };
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await this.opts.workloads.patchTemplateAnnotations(namespace, workload.kind, workload.name, { [ANNOTATION_RESTARTED_FOR]: value });
        break;
      } catch (err) {
        const status = httpStatusOf(err) || undefined; // 0: no answer
        const delay = this.retryDelaysMs[attempt];
        if (isTransient(status) && delay !== undefined) {
          this.opts.logger?.warn({ namespace, workload: id, status, attempt: attempt + 1, err: errorForLog(err) }, 'rollout patch failed; retrying');
          await this.sleep(delay);
          continue;
        }
        this.opts.logger?.warn({ namespace, workload: id, status, err: errorForLog(err) }, 'rollout patch failed');
        return { outcome: 'failed', problem: patchProblem(status, workload.kind, workload.name, namespace) };
      }
    }
    this.opts.logger?.info({ namespace, workload: id, secrets, [ANNOTATION_RESTARTED_FOR]: value }, 'workload rolled out');
    const changed = [...plan.changes.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([secret, fp]) => `Secret ${secret} changed to version ${abbreviateFingerprint(fp)}`)
      .join(', ');
    const onDelete = workload.onDeleteUpdateStrategy ? ' (updateStrategy OnDelete: pods pick it up only when deleted)' : '';
    await this.record(
      {
        apiVersion: WORKLOAD_API_VERSIONS[workload.kind],
        kind: workload.kind,
        name: workload.name,
        namespace,
        ...(workload.uid ? { uid: workload.uid } : {}),
      },
      'Normal',
      ROLLOUT_EVENT_REASON.RolledOut,
      `restarted because ${changed}${onDelete}`,
    );
    return { outcome: 'patched' };
  }

  private async reportToExternalSecret(request: RolloutRequest, result: RolloutResult): Promise<void> {
    const version = `Secret ${request.secretName} changed to version ${abbreviateFingerprint(request.fingerprint)}`;
    if (result.targets.length > 0) {
      await this.record(request.externalSecret, 'Normal', ROLLOUT_EVENT_REASON.RolloutTriggered, `${version}: restarted ${result.targets.join(', ')}`);
    } else if (result.problems.length === 0) {
      this.opts.logger?.debug(
        { namespace: request.namespace, secret: request.secretName, unchanged: result.unchanged },
        result.unchanged.length > 0 ? 'rollout targets already carry these versions' : 'no rollout targets',
      );
    }
    if (result.problems.length > 0) {
      await this.record(request.externalSecret, 'Warning', ROLLOUT_EVENT_REASON.RolloutFailed, `${version}, but: ${result.problems.join('; ')}`);
    }
  }

  private async record(object: ObjectRef, type: EventType, reason: string, message: string): Promise<void> {
    const text = message.length > EVENT_MESSAGE_LIMIT ? `${message.slice(0, EVENT_MESSAGE_LIMIT - 1)}…` : message;
    try {
      await this.opts.events.record(object, type, reason, text);
    } catch (err) {
      // Events are best effort; a failed event must not fail or hide the rollout itself.
      this.opts.logger?.warn({ object: `${object.kind}/${object.name}`, reason, err: errorForLog(err) }, 'recording rollout event failed');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timers.setTimeout(resolve, ms));
  }
}

function validateRequest(r: RolloutRequest): string | undefined {
  if (!r.namespace) return 'rollout request without a namespace';
  if (!r.secretName) return 'rollout request without a Secret name';
  if (!r.fingerprint) return `rollout request for Secret ${r.secretName} without a version fingerprint`;
  return undefined;
}

function refKey(ref: ObjectRef): string {
  return ref.uid ?? `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/** 429, 5xx and no answer at all (network) are worth another try; 4xx are not. */
function isTransient(status: number | undefined): boolean {
  return status === undefined || status === 429 || status >= 500;
}

function patchProblem(status: number | undefined, kind: WorkloadKind, name: string, namespace: string): string {
  const base = `could not restart ${kind}/${name}`;
  if (status === 403) return `${base} (HTTP 403): ${rbacHint('patch', kind, namespace)}`;
  if (status === 404) return `${base}: it was deleted before the patch`;
  return status ? `${base} (HTTP ${status}); see the operator log` : `${base}; see the operator log`;
}

/** Targets of a rollout input, resolved against the flush's one workload listing. */
type Resolver = (input: ResolveTargetsInput) => Promise<ResolvedTargets>;

/**
 * Resolves each distinct (namespace, Secret, rollout spec) once: targets depend on nothing
 * else within a flush, so a request found by the sibling search, or a sibling candidate that
 * then asks itself, is not resolved again.
 */
function memoizeResolutions(snapshot: WorkloadClient, log: Pick<Logger, 'warn'> | undefined): Resolver {
  const resolved = new Map<string, Promise<ResolvedTargets>>();
  return (input) => {
    const key = JSON.stringify([input.namespace, input.secretName, input.rollout ?? null]);
    let result = resolved.get(key);
    if (!result) {
      result = resolveTargets({ namespace: input.namespace, secretName: input.secretName, ...(input.rollout ? { rollout: input.rollout } : {}) }, snapshot, log);
      resolved.set(key, result);
    }
    return result;
  };
}

/** A view of `client` that lists each (namespace, kind) once; patches pass through. */
function memoizeLists(client: WorkloadClient): WorkloadClient {
  const lists = new Map<string, Promise<WorkloadSummary[]>>();
  return {
    list(namespace, kind) {
      const key = `${namespace}/${kind}`;
      let list = lists.get(key);
      if (!list) {
        list = client.list(namespace, kind);
        lists.set(key, list);
      }
      return list;
    },
    patchTemplateAnnotations: (namespace, kind, name, annotations) => client.patchTemplateAnnotations(namespace, kind, name, annotations),
  };
}
