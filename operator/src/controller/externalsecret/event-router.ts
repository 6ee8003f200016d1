// From one AWS change event to refreshes (issue #16): looks the changed secret up in the event
// index (no scan), drops it from the shared fetch cache so the refreshes share exactly one new
// read, marks each matched ExternalSecret with the event (status.lastEvent, AWSRotation) and
// queues it on the normal work queue — so the write, the rollout and the status are those of a
// polled change. Resolves once every ExternalSecret is queued: then the consumer deletes the
// message. Duplicates (the same event id) and changes older than the last successful read of
// their secret are counted and dropped: that read already has them.
import type { SecretChange } from '../../aws/events/parse.js';
import type { EventRecorder } from '../../kube/ports.js';
import { API_GROUP_VERSION, type AwsService } from '../../api/types.js';
import type { EventIndex } from './event-index.js';
import type { EventTrigger } from './reconciler.js';

export interface EventRouterMetrics {
  matched(source: string): void;
  unmatched(source: string): void;
  /** Dropped before matching: duplicate, older-than-read. */
  ignored(reason: 'duplicate' | 'older-than-read'): void;
  rotationFailure(): void;
}

export interface EventRouterDeps {
  index: Pick<EventIndex, 'match' | 'lastReadOf'>;
  /** SharedFetcher.invalidateRemote. */
  invalidate: (service: AwsService, key: string) => void;
  /** ExternalSecretReconciler.refreshForEvent. */
  mark: (namespace: string, name: string, trigger: EventTrigger) => void;
  /** The ExternalSecret work queue's add. */
  enqueue: (key: string) => void;
  events: EventRecorder;
  /** The uid for the Warning Event's object reference. */
  uidOf: (namespace: string, name: string) => string | undefined;
  metrics: EventRouterMetrics;
  /** Event ids remembered to drop duplicates. Default 10,000. */
  rememberIds?: number;
}

/**
 * AWS stamps `time` to the second: a change at 12:00:00.900 says 12:00:00. Only a read that
 * started a whole second after the stamp surely saw it.
 */
const TIME_RESOLUTION_MS = 1_000;

export class EventRouter {
  /** Recently seen event ids, oldest first (a Map keeps insertion order). */
  private readonly seen = new Map<string, true>();

  constructor(private readonly deps: EventRouterDeps) {}

  async route(change: SecretChange, receivedAtMs: number): Promise<void> {
    const { metrics } = this.deps;
    if (this.seen.has(change.id)) {
      metrics.ignored('duplicate');
      return;
    }
    const lastRead = this.deps.index.lastReadOf(change);
    // A rotation's outcome is news even when the value is not (the condition records it).
    if (!change.rotation && lastRead !== undefined && change.time.getTime() + TIME_RESOLUTION_MS <= lastRead) {
      this.remember(change.id);
      metrics.ignored('older-than-read');
      return;
    }
    const match = this.deps.index.match(change);
    if (match.externalSecrets.length === 0) {
      this.remember(change.id);
      metrics.unmatched(change.source);
      return;
    }
    metrics.matched(change.source);
    if (change.rotation === 'Failed') metrics.rotationFailure();
    // First the cache: a refresh that starts after this reads AWS, once for all of them.
    for (const key of match.requestKeys) this.deps.invalidate(change.service, key);
    const trigger: EventTrigger = {
      event: { time: change.time.toISOString(), type: change.type, source: change.source },
      receivedAtMs,
      ...(change.rotation ? { rotation: change.rotation } : {}),
    };
    for (const esKey of match.externalSecrets) {
      const slash = esKey.indexOf('/');
      const [namespace, name] = [esKey.slice(0, slash), esKey.slice(slash + 1)];
      this.deps.mark(namespace, name, trigger);
      this.deps.enqueue(esKey);
    }
    if (change.rotation === 'Failed') {
      const message = `AWS reported that rotating ${change.name ?? change.arn ?? 'a secret'} (${change.region}) failed at ${trigger.event.time}; the Secret keeps the current version. Check the rotation function's logs in AWS`;
      await Promise.all(
        match.externalSecrets.map((esKey) => {
          const slash = esKey.indexOf('/');
          const [namespace, name] = [esKey.slice(0, slash), esKey.slice(slash + 1)];
          const uid = this.deps.uidOf(namespace, name);
          return this.deps.events.record({ apiVersion: API_GROUP_VERSION, kind: 'ExternalSecret', namespace, name, ...(uid ? { uid } : {}) }, 'Warning', 'RotationFailed', message);
        }),
      );
    }
    this.remember(change.id);
  }

  private remember(id: string): void {
    this.seen.set(id, true);
    const limit = this.deps.rememberIds ?? 10_000;
    while (this.seen.size > limit) this.seen.delete(this.seen.keys().next().value!);
  }
}
