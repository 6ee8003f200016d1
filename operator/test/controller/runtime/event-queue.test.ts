import { describe, expect, it } from 'vitest';
import { QueuedEventRecorder } from '../../../src/controller/runtime/event-queue.js';
import type { EventRecorder, EventType, ObjectRef } from '../../../src/kube/ports.js';

const obj = (name: string): ObjectRef => ({ apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', name, namespace: 'ns', uid: `uid-${name}` });

/** An inner recorder whose writes finish only when the test releases them. */
class GatedRecorder implements EventRecorder {
  readonly started: string[] = [];
  readonly written: string[] = [];
  private gates: (() => void)[] = [];
  record(object: ObjectRef, type: EventType, reason: string): Promise<void> {
    const label = `${object.name}:${type}:${reason}`;
    this.started.push(label);
    return new Promise((resolve) => {
      this.gates.push(() => {
        this.written.push(label);
        resolve();
      });
    });
  }
  /** Lets every write started so far finish. */
  async releaseAll(): Promise<void> {
    while (this.gates.length > 0) {
      for (const gate of this.gates.splice(0)) gate();
      await new Promise((r) => setImmediate(r));
    }
  }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('QueuedEventRecorder', () => {
  it('returns before the Event is written, so a pass does not wait for the API server', async () => {
    const inner = new GatedRecorder();
    const events = new QueuedEventRecorder({ inner });
    let returned = false;
    void events.record(obj('a'), 'Normal', 'Created', 'created Secret ns/a').then(() => (returned = true));
    await tick();
    expect(returned).toBe(true);
    expect(inner.written).toEqual([]);
    await inner.releaseAll();
    expect(inner.written).toEqual(['a:Normal:Created']);
  });

  it('writes at most `writers` Events at once, in order, and flush() waits for all of them', async () => {
    const inner = new GatedRecorder();
    const events = new QueuedEventRecorder({ inner, writers: 2 });
    for (const name of ['a', 'b', 'c', 'd']) await events.record(obj(name), 'Normal', 'Created', 'm');
    expect(inner.started).toEqual(['a:Normal:Created', 'b:Normal:Created']);
    expect(events.depth).toBe(2);
    let flushed = false;
    const flush = events.flush(60_000).then(() => (flushed = true));
    await tick();
    expect(flushed).toBe(false);
    await inner.releaseAll();
    await flush;
    expect(inner.written).toEqual(['a:Normal:Created', 'b:Normal:Created', 'c:Normal:Created', 'd:Normal:Created']);
  });

  it('when full, drops Normal events first and makes room for a Warning; every drop is counted', async () => {
    const inner = new GatedRecorder();
    const dropped: EventType[] = [];
    const events = new QueuedEventRecorder({ inner, writers: 1, capacity: 2, onDropped: (t) => dropped.push(t) });
    await events.record(obj('running'), 'Normal', 'Created', 'm'); // taken by the writer
    await events.record(obj('n1'), 'Normal', 'Created', 'm');
    await events.record(obj('w1'), 'Warning', 'SyncFailed', 'm');
    await events.record(obj('n2'), 'Normal', 'Created', 'm'); // full: dropped
    await events.record(obj('w2'), 'Warning', 'SyncFailed', 'm'); // full: evicts n1
    expect(dropped).toEqual(['Normal', 'Normal']);
    await inner.releaseAll();
    await events.flush();
    expect(inner.written).toEqual(['running:Normal:Created', 'w1:Warning:SyncFailed', 'w2:Warning:SyncFailed']);
  });

  it('by default holds a burst of 10,000 new ExternalSecrets\' Events without dropping one', async () => {
    const dropped: EventType[] = [];
    const events = new QueuedEventRecorder({ inner: { record: () => new Promise(() => undefined) }, onDropped: (t) => dropped.push(t) });
    // 2 being written + 10,000 queued.
    for (let i = 0; i < 10_002; i++) await events.record(obj(`es-${i}`), 'Normal', 'Created', 'm');
    expect(dropped).toEqual([]);
    await events.record(obj('one-more'), 'Normal', 'Created', 'm');
    expect(dropped).toEqual(['Normal']);
  });

  it('drops a Warning only when the queue holds nothing but Warnings, and says so', async () => {
    const inner = new GatedRecorder();
    const dropped: EventType[] = [];
    const warned: unknown[] = [];
    const events = new QueuedEventRecorder({ inner, writers: 1, capacity: 1, onDropped: (t) => dropped.push(t), logger: { warn: (o: unknown) => warned.push(o) } });
    await events.record(obj('running'), 'Warning', 'SyncFailed', 'm');
    await events.record(obj('w1'), 'Warning', 'SyncFailed', 'm');
    await events.record(obj('w2'), 'Warning', 'SyncFailed', 'the message');
    expect(dropped).toEqual(['Warning']);
    expect(warned).toEqual([{ object: 'ExternalSecret ns/w2', reason: 'SyncFailed', queued: 1 }]);
    await inner.releaseAll();
    expect(inner.written).toEqual(['running:Warning:SyncFailed', 'w1:Warning:SyncFailed']);
  });

  it('goes on after an inner failure, and flush() gives up after its timeout', async () => {
    let calls = 0;
    const events = new QueuedEventRecorder({
      inner: { record: () => (++calls === 1 ? Promise.reject(new Error('boom')) : new Promise(() => undefined)) },
      writers: 1,
    });
    await events.record(obj('a'), 'Normal', 'Created', 'm');
    await events.record(obj('b'), 'Normal', 'Created', 'm');
    await tick();
    expect(calls).toBe(2);
    const started = Date.now();
    await events.flush(50);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
