// The long-poll loop with an in-memory queue behind the same EventQueue port the SDK queue implements.
import { describe, expect, it, vi } from 'vitest';
import { QueueConsumer, type ConsumerMetrics } from '../../../src/aws/events/consumer.js';
import { queueHealthEvents } from '../../../src/controller/manager.js';
import type { EventQueue, QueueMessage } from '../../../src/aws/events/sqs-queue.js';
import type { SecretChange } from '../../../src/aws/events/parse.js';
import { labelUpdated } from './fixtures.js';

const quiet = { info: () => {}, warn: vi.fn(), debug: () => {} };

/** Hands out scripted receive results, then waits (like a long poll) until aborted. */
class FakeQueue implements EventQueue {
  readonly deleted: string[] = [];
  checks = 0;
  receives = 0;
  constructor(
    private readonly script: Array<QueueMessage[] | Error>,
    private readonly checkScript: Array<Error | undefined> = [],
  ) {}
  async check(): Promise<void> {
    const outcome = this.checkScript[this.checks++];
    if (outcome) throw outcome;
  }
  /** The wait of each receive (undefined: the long-poll default). */
  readonly waits: Array<number | undefined> = [];
  receive(_max: number, signal: AbortSignal, waitSeconds?: number): Promise<QueueMessage[]> {
    this.waits.push(waitSeconds);
    const next = this.script[this.receives++];
    if (next instanceof Error) return Promise.reject(next);
    if (next) return Promise.resolve(next);
    if (waitSeconds === 0) return Promise.resolve([]);
    return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
  }
  async delete(receiptHandle: string): Promise<void> {
    this.deleted.push(receiptHandle);
  }
}

function recorder() {
  const counts = { received: [] as string[], malformed: [] as string[], ages: [] as number[], up: [] as boolean[], redelivered: 0 };
  const metrics: ConsumerMetrics = {
    received: (s) => counts.received.push(s),
    malformed: (r) => counts.malformed.push(r),
    redelivered: () => counts.redelivered++,
    age: (a) => counts.ages.push(a),
    up: (u) => counts.up.push(u),
  };
  return { counts, metrics };
}

const msg = (body: unknown, receiptHandle: string, receiveCount = 1): QueueMessage => ({
  body: typeof body === 'string' ? body : JSON.stringify(body),
  receiptHandle,
  receiveCount,
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(condition()).toBe(true);
}

describe('QueueConsumer', () => {
  it('hands each change to the router, then deletes it; malformed and unsupported events are counted and deleted', async () => {
    const queue = new FakeQueue([[msg(labelUpdated(), 'r1'), msg('{nope', 'r2'), msg({ ...labelUpdated(), 'detail-type': 'Something Else' }, 'r3'), msg({ ...labelUpdated(), source: 'evil' }, 'r4')]]);
    const handled: SecretChange[] = [];
    const { counts, metrics } = recorder();
    const consumer = new QueueConsumer({ name: 'q', queue, metrics, logger: quiet, clock: { now: () => Date.parse('2026-12-06T12:00:07Z') }, handle: async (c) => void handled.push(c) });
    consumer.start();
    await until(() => queue.deleted.length === 4);
    await consumer.stop();
    expect(handled.map((c) => c.name)).toEqual(['prod/db']);
    expect(queue.deleted).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(counts.received).toEqual(['aws.secretsmanager', 'unknown', 'aws.secretsmanager', 'other']);
    expect(counts.malformed).toEqual(['not-json', 'unsupported', 'unknown-source']);
    expect(counts.ages).toEqual([2]);
    expect(counts.up).toEqual([true]);
  });

  it('reports the queue up at once: the first receive after a (re)start does not wait, later ones long-poll', async () => {
    const gone = Object.assign(new Error('gone'), { name: 'QueueDoesNotExist' });
    const queue = new FakeQueue([gone]);
    const { counts, metrics } = recorder();
    const consumer = new QueueConsumer({ name: 'q', queue, metrics, logger: quiet, handle: async () => {}, sleep: async () => {} });
    consumer.start();
    // Nothing on the queue: the long poll now in flight never returns, yet the queue is up.
    await until(() => counts.up.length === 2);
    await consumer.stop();
    expect(counts.up).toEqual([false, true]);
    // A failed short poll, then after the recovery check another short one, then long polls.
    expect(queue.waits).toEqual([0, 0, undefined]);
  });

  it('a message SQS handed out before (its consumer died with it) is counted as redelivered and handled as usual', async () => {
    const queue = new FakeQueue([[msg(labelUpdated({ id: 'a' }), 'r1', 2), msg(labelUpdated({ id: 'b' }), 'r2')]]);
    const handled: string[] = [];
    const { counts, metrics } = recorder();
    const consumer = new QueueConsumer({ name: 'q', queue, metrics, logger: quiet, handle: async (c) => void handled.push(c.id) });
    consumer.start();
    await until(() => queue.deleted.length === 2);
    await consumer.stop();
    expect(handled).toEqual(['a', 'b']);
    expect(counts.redelivered).toBe(1);
  });

  it('a message whose handling failed is not deleted (redelivered after the visibility timeout); the next one is', async () => {
    const queue = new FakeQueue([[msg(labelUpdated({ id: 'a' }), 'r1'), msg(labelUpdated({ id: 'b' }), 'r2')]]);
    const { metrics } = recorder();
    const consumer = new QueueConsumer({
      name: 'q',
      queue,
      metrics,
      logger: quiet,
      handle: async (c) => {
        if (c.id === 'a') throw new Error('work queue closed');
      },
    });
    consumer.start();
    await until(() => queue.deleted.length === 1);
    await consumer.stop();
    expect(queue.deleted).toEqual(['r2']);
  });

  it('a broken queue backs off, reports down, checks again and recovers; stop ends the long poll', async () => {
    const denied = Object.assign(new Error('denied'), { name: 'AccessDenied' });
    const gone = Object.assign(new Error('gone'), { name: 'QueueDoesNotExist' });
    const queue = new FakeQueue([gone, [msg(labelUpdated(), 'r1')]], [denied, undefined, undefined]);
    const { counts, metrics } = recorder();
    const sleeps: number[] = [];
    const warn = vi.fn();
    const consumer = new QueueConsumer({
      name: 'q',
      queue,
      metrics,
      logger: { ...quiet, warn },
      handle: async () => {},
      backoff: { baseMs: 100, maxMs: 1000, jitter: 0 },
      sleep: async (ms) => void sleeps.push(ms),
    });
    consumer.start();
    await until(() => queue.deleted.length === 1);
    await consumer.stop();
    expect(sleeps).toEqual([100, 200]);
    expect(counts.up).toEqual([false, false, true]);
    expect(queue.checks).toBe(3); // checked again after each failure
    // One log line for the outage, not one per retry.
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatchObject({ code: 'AccessDenied', class: 'auth' });
  });

  it('a broken queue becomes one Warning Event on the operator, its recovery one Normal Event (not the first read)', async () => {
    const denied = Object.assign(new Error('User: arn:aws:sts::1:assumed-role/r is not authorized'), { name: 'AccessDenied' });
    const queue = new FakeQueue([denied, denied, [msg(labelUpdated(), 'r1')]]);
    const { metrics } = recorder();
    const recorded: Array<{ type: string; reason: string; message: string }> = [];
    const events = { record: async (_o: unknown, type: string, reason: string, message: string) => void recorded.push({ type, reason, message }) };
    const consumer = new QueueConsumer({
      name: 'https://sqs.us-east-1.amazonaws.com/1/rotor-events',
      queue,
      metrics,
      logger: quiet,
      handle: async () => {},
      backoff: { baseMs: 1, maxMs: 1, jitter: 0 },
      sleep: async () => {},
      onHealthChange: queueHealthEvents(events, { apiVersion: 'v1', kind: 'Pod', name: 'rotor-0', namespace: 'rotor-system' }, 'https://sqs.us-east-1.amazonaws.com/1/rotor-events'),
    });
    consumer.start();
    await until(() => queue.deleted.length === 1);
    await consumer.stop();
    // The first check succeeded (no Event for starting), then two failed receives (one Event), then a read again.
    expect(recorded.map((e) => `${e.type}/${e.reason}`)).toEqual(['Warning/EventQueueUnreadable', 'Normal/EventQueueReadable']);
    expect(recorded[0]!.message).toContain('(AccessDenied)');
    expect(recorded[0]!.message).toContain('sqs:ReceiveMessage');
    expect(recorded[0]!.message).not.toContain('not authorized'); // no server text
  });
});

