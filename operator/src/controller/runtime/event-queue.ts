// Events off the reconcile's critical path, like client-go's recorder (a bounded broadcaster
// queue written in the background): record() queues the Event and returns at once, so a pass
// does not wait one more API round trip before writing status (measured in benchmarks.md).
// A few writers send the queue to the inner recorder (kube/events.ts: aggregation, best
// effort). The queue is bounded: when full, Normal events are dropped first (the incoming
// one, or the oldest queued one to make room for a Warning); a Warning is dropped only when
// the queue holds nothing but Warnings. Every drop is counted (rotor_events_dropped_total)
// and a dropped Warning is also logged (object and reason; messages never carry values).
import type { Logger } from 'pino';
import type { EventRecorder, EventType, ObjectRef } from '../../kube/ports.js';

/**
 * Enough for a burst of 10,000 new ExternalSecrets (one Created event each) to be written after
 * the fact instead of dropped: with 1,000 (client-go's maxQueuedEvents) the 10,000 benchmark
 * dropped ~3,000. An entry is a few hundred bytes.
 */
export const DEFAULT_EVENT_QUEUE_CAPACITY = 10_000;
/** Writers at once: events are never the bottleneck, and they compete with the passes' writes. */
export const DEFAULT_EVENT_WRITERS = 2;

export interface QueuedEventRecorderOptions {
  inner: EventRecorder;
  capacity?: number;
  writers?: number;
  /** An event was dropped because the queue was full. */
  onDropped?: (type: EventType) => void;
  logger?: Pick<Logger, 'warn'>;
}

interface Pending {
  object: ObjectRef;
  type: EventType;
  reason: string;
  message: string;
}

export class QueuedEventRecorder implements EventRecorder {
  private readonly queue: Pending[] = [];
  private readonly capacity: number;
  private readonly writers: number;
  private running = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: QueuedEventRecorderOptions) {
    this.capacity = Math.max(1, options.capacity ?? DEFAULT_EVENT_QUEUE_CAPACITY);
    this.writers = Math.max(1, options.writers ?? DEFAULT_EVENT_WRITERS);
  }

  /** Queues the Event; resolves at once (before it is written). */
  record(object: ObjectRef, type: EventType, reason: string, message: string): Promise<void> {
    const event = { object, type, reason, message };
    if (this.queue.length >= this.capacity && !this.makeRoomFor(event)) return Promise.resolve();
    this.queue.push(event);
    this.pump();
    return Promise.resolve();
  }

  /** Events queued and not yet handed to the inner recorder. */
  get depth(): number {
    return this.queue.length;
  }

  /** Resolves when every queued Event has been written (or failed), or after `timeoutMs`. */
  flush(timeoutMs = 5_000): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve();
      }, timeoutMs);
      this.idleWaiters.push(done);
    });
  }

  /** Full queue: drops a Normal event (the incoming one, or the oldest queued for a Warning). False when `event` is dropped. */
  private makeRoomFor(event: Pending): boolean {
    if (event.type === 'Warning') {
      const normal = this.queue.findIndex((e) => e.type === 'Normal');
      if (normal >= 0) {
        this.queue.splice(normal, 1);
        this.options.onDropped?.('Normal');
        return true;
      }
      this.options.logger?.warn(
        { object: `${event.object.kind} ${event.object.namespace ?? ''}/${event.object.name}`, reason: event.reason, queued: this.queue.length },
        'event queue full of Warnings; dropping a Warning event (the status condition still says it)',
      );
    }
    this.options.onDropped?.(event.type);
    return false;
  }

  private pump(): void {
    while (this.running < this.writers && this.queue.length > 0) {
      const event = this.queue.shift()!;
      this.running++;
      void this.write(event);
    }
  }

  private async write(event: Pending): Promise<void> {
    try {
      await this.options.inner.record(event.object, event.type, event.reason, event.message);
    } catch {
      // The inner recorder is best effort and logs its own failures.
    } finally {
      this.running--;
      this.pump();
      if (this.idle()) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }

  private idle(): boolean {
    return this.running === 0 && this.queue.length === 0;
  }
}
