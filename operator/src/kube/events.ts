// EventRecorder creating core/v1 Events, with client-side aggregation like client-go's:
// the same (object, type, reason, message) again within the window bumps `count` and
// `lastTimestamp` on the Event already written instead of adding a new one, so a failure
// that repeats every retry shows as "x42 over 3h" in `kubectl describe`, not 42 lines.
// Recording is best effort: failures are logged, never thrown at the reconciler.
import { randomBytes } from 'node:crypto';
import type { CoreApi } from './client/api.js';
import type { KubeEvent } from './client/objects.js';
import type { Logger } from 'pino';
import { isNotFound } from './client/errors.js';
import type { EventRecorder, EventType, ObjectRef } from './ports.js';
import { systemClock, type Clock } from '../platform/clock.js';
import { EventMemo } from './event-memo.js';

export const EVENT_COMPONENT = 'rotor';
export const MAX_EVENT_MESSAGE = 1024;
const DEFAULT_WINDOW_MS = 10 * 60_000;
const DEFAULT_MAX_ENTRIES = 4096;
/** Event names are DNS subdomains: at most 253 characters. */
const MAX_NAME = 253;

export interface KubeEventRecorderOptions {
  core: Pick<CoreApi, 'createNamespacedEvent' | 'patchNamespacedEvent'>;
  /** source.component / reportingComponent. Default "rotor". */
  component?: string;
  /** source.host / reportingInstance, e.g. the pod name. */
  instance?: string;
  logger?: Pick<Logger, 'warn' | 'debug'>;
  /** Repeats within this long of the last occurrence are aggregated. Default 10 minutes. */
  aggregationWindowMs?: number;
  /** Bound on remembered events. Default 4096. */
  maxEntries?: number;
  /** Time source; default the system clock. */
  clock?: Clock;
}

interface SeenEvent {
  name: string;
  namespace: string;
  count: number;
  lastSeenMs: number;
}

/** Cuts a message to the Event limit, marking the cut. */
export function truncateMessage(message: string, max = MAX_EVENT_MESSAGE): string {
  return message.length <= max ? message : `${message.slice(0, max - 3)}...`;
}

export class KubeEventRecorder implements EventRecorder {
  /** Events written within the window, for aggregation (bounded; expired from the front). */
  private readonly memo: EventMemo<SeenEvent>;
  /** Per-key chain so two records of the same event do not both create one. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly component: string;
  private readonly clock: Clock;

  constructor(private readonly options: KubeEventRecorderOptions) {
    this.component = options.component ?? EVENT_COMPONENT;
    this.memo = new EventMemo(options.aggregationWindowMs ?? DEFAULT_WINDOW_MS, options.maxEntries ?? DEFAULT_MAX_ENTRIES);
    this.clock = options.clock ?? systemClock;
  }

  record(object: ObjectRef, type: EventType, reason: string, message: string): Promise<void> {
    const text = truncateMessage(message);
    // Cluster-scoped objects (ClusterSecretStore) get their Events in "default", as kubectl expects.
    const namespace = object.namespace || 'default';
    const key = JSON.stringify([namespace, object.apiVersion, object.kind, object.name, object.uid ?? '', type, reason, text]);
    const previous = this.inFlight.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.recordOnce(key, namespace, object, type, reason, text));
    this.inFlight.set(key, next);
    return next.finally(() => {
      if (this.inFlight.get(key) === next) this.inFlight.delete(key);
    });
  }

  private async recordOnce(key: string, namespace: string, object: ObjectRef, type: EventType, reason: string, message: string): Promise<void> {
    const now = new Date(this.clock.now());
    try {
      const seen = this.memo.recent(key, now.getTime());
      if (seen && (await this.bump(key, seen, now))) return;
      await this.create(key, namespace, object, type, reason, message, now);
    } catch (error) {
      this.options.logger?.warn(
        { err: error instanceof Error ? error.message : String(error), object: `${object.kind} ${namespace}/${object.name}`, reason },
        'could not record Event',
      );
    }
  }

  /** Patches count/lastTimestamp; false when the Event is gone (expired by its TTL) and must be re-created. */
  private async bump(key: string, seen: SeenEvent, now: Date): Promise<boolean> {
    const count = seen.count + 1;
    try {
      await this.options.core.patchNamespacedEvent({
        name: seen.name,
        namespace: seen.namespace,
        patch: 'merge',
        body: { count, lastTimestamp: now.toISOString() },
      });
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
    // Seen again: to the back of the memo's queue, so it outlives Events not repeated since.
    this.memo.seen(key, { ...seen, count, lastSeenMs: now.getTime() });
    return true;
  }

  private async create(key: string, namespace: string, object: ObjectRef, type: EventType, reason: string, message: string, now: Date): Promise<void> {
    const name = eventName(object.name, now);
    const event: KubeEvent = {
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.name,
        namespace: object.namespace,
        uid: object.uid,
      },
      reason,
      message,
      type,
      source: { component: this.component, ...(this.options.instance ? { host: this.options.instance } : {}) },
      reportingComponent: this.component,
      reportingInstance: this.options.instance ?? this.component,
      firstTimestamp: now.toISOString(),
      lastTimestamp: now.toISOString(),
      count: 1,
    };
    await this.options.core.createNamespacedEvent({ namespace, body: event });
    this.memo.seen(key, { name, namespace, count: 1, lastSeenMs: now.getTime() });
  }
}

/** `<object>.<hex time><random>` like client-go, so names are unique and sort by time. */
function eventName(objectName: string, now: Date): string {
  const suffix = `${now.getTime().toString(16)}${randomBytes(4).toString('hex')}`;
  return `${objectName.slice(0, MAX_NAME - suffix.length - 1)}.${suffix}`;
}
