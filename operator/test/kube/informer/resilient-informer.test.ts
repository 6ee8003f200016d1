import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ResilientInformer, type RestartCause } from '../../../src/kube/informer/resilient-informer.js';
import { FakeListWatch, obj, type TestObject } from '../fake-list-watch.js';
import { kubeApiErrorFor } from '../../../src/kube/client/errors.js';
import { recordingLogger } from '../../aws/helpers.js';

const STALL = 60_000;

function setup(source = new FakeListWatch()) {
  const events: string[] = [];
  const restarts: RestartCause[] = [];
  const health: boolean[] = [];
  const informer = new ResilientInformer<TestObject>({
    resource: 'things',
    source,
    stallTimeoutMs: STALL,
    backoff: { baseMs: 1000, maxMs: 30_000, jitter: 0 },
    onRestart: (cause) => restarts.push(cause),
    onHealthChange: (h) => health.push(h),
  });
  informer
    .onAdd((o) => events.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}`))
    .onUpdate((o, old) => events.push(`update ${o.metadata.name}@${old.metadata.resourceVersion}->${o.metadata.resourceVersion}`))
    .onDelete((o) => events.push(`delete ${o.metadata.name}`));
  return { source, informer, events, restarts, health };
}

const flush = () => vi.advanceTimersByTimeAsync(0);

describe('ResilientInformer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lists, emits adds, then watches from the list resourceVersion', async () => {
    const source = new FakeListWatch();
    source.putSilently(obj('ns', 'a'));
    source.putSilently(obj(undefined, 'cluster-wide'));
    const { informer, events, health } = setup(source);
    expect(informer.healthy()).toBe(false);
    await informer.start();
    await flush();
    expect(informer.hasSynced()).toBe(true);
    expect(events.sort()).toEqual(['add a@101', 'add cluster-wide@102']);
    expect(source.watches).toHaveLength(1);
    expect(source.watches[0]!.resourceVersion).toBe('102');
    expect(informer.healthy()).toBe(true);
    expect(health).toEqual([true]);
    expect(informer.get('ns', 'a')?.value).toBe('v');
    expect(informer.get(undefined, 'cluster-wide')).toBeDefined();
    expect(informer.get('other', 'a')).toBeUndefined();
    expect(informer.list('ns').map((o) => o.metadata.name)).toEqual(['a']);
    expect(informer.list()).toHaveLength(2);
    await informer.stop();
  });

  it('list(namespace) and byIndex are index lookups: they read no other cached object', async () => {
    const source = new FakeListWatch();
    for (let i = 0; i < 1000; i++) source.putSilently({ ...obj(`ns-${i % 10}`, `o-${i}`), value: `group-${i % 100}` });
    const informer = new ResilientInformer<TestObject>({ resource: 'things', source, stallTimeoutMs: STALL, indexers: { group: (o) => (o.value ? [o.value] : []) } });
    await informer.start();
    await flush();
    // Count every read of a cached object's metadata or value from now on.
    let reads = 0;
    for (const o of informer.list()) {
      const { metadata, value } = o;
      Object.defineProperty(o, 'metadata', { get: () => (reads++, metadata) });
      Object.defineProperty(o, 'value', { get: () => (reads++, value) });
    }
    expect(informer.list('ns-3')).toHaveLength(100);
    expect(informer.byIndex('group', 'group-42')).toHaveLength(10);
    expect(informer.list('absent')).toEqual([]);
    expect(reads).toBe(0);
    // Updates and deletes move objects between the files.
    source.put({ ...obj('ns-3', 'o-3'), value: 'group-x' });
    source.remove('ns-3', 'o-13');
    await flush();
    expect(informer.list('ns-3')).toHaveLength(99);
    expect(informer.byIndex('group', 'group-x').map((o) => o.metadata.name)).toEqual(['o-3']);
    expect(informer.byIndex('group', 'group-3')).toHaveLength(9);
    await informer.stop();
  });

  it('admit: keeps only admitted objects; one that stops being admitted is a delete to handlers', async () => {
    const source = new FakeListWatch();
    source.putSilently(obj('ns', 'kept', 'ok'));
    source.putSilently(obj('ns', 'dropped', 'no'));
    const events: string[] = [];
    const informer = new ResilientInformer<TestObject>({ resource: 'things', source, stallTimeoutMs: STALL, admit: (o) => o.value === 'ok' });
    informer.onAdd((o) => events.push(`add ${o.metadata.name}`)).onDelete((o) => events.push(`delete ${o.metadata.name}@${o.value}`));
    await informer.start();
    await flush();
    expect(informer.list().map((o) => o.metadata.name)).toEqual(['kept']);
    source.put(obj('ns', 'other', 'no'));
    source.put(obj('ns', 'kept', 'no'));
    await flush();
    expect(informer.list()).toEqual([]);
    // Handlers hear of the object as it was cached (its owner then), not as it is now.
    expect(events).toEqual(['add kept', 'delete kept@ok']);
    await informer.stop();
  });

  it('caches and hands out transformed objects, from the list and from the watch', async () => {
    const source = new FakeListWatch();
    source.putSilently(obj('ns', 'listed', 'raw'));
    const seen: string[] = [];
    const informer = new ResilientInformer<TestObject>({
      resource: 'things',
      source,
      transform: (o) => ({ ...o, value: `${o.value}-trimmed` }),
    });
    informer.onAdd((o) => seen.push(o.value ?? '')).onUpdate((o) => seen.push(o.value ?? ''));
    await informer.start();
    await flush();
    source.put(obj('ns', 'watched', 'raw'));
    source.put(obj('ns', 'watched', 'again'));
    expect(informer.get('ns', 'listed')?.value).toBe('raw-trimmed');
    expect(informer.get('ns', 'watched')?.value).toBe('again-trimmed');
    expect(seen).toEqual(['raw-trimmed', 'raw-trimmed', 'again-trimmed']);
    await informer.stop();
  });

  it('applies add/update/delete watch events to the cache and handlers', async () => {
    const { source, informer, events } = setup();
    await informer.start();
    await flush();
    source.put(obj('ns', 'a', 'one'));
    source.put(obj('ns', 'a', 'two'));
    expect(informer.get('ns', 'a')?.value).toBe('two');
    source.remove('ns', 'a');
    expect(informer.get('ns', 'a')).toBeUndefined();
    expect(events).toEqual(['add a@101', 'update a@101->102', 'delete a']);
    await informer.stop();
  });

  it('after a watch error relists and emits the diff, including deletions missed while disconnected', async () => {
    const source = new FakeListWatch();
    source.putSilently(obj('ns', 'keep'));
    source.putSilently(obj('ns', 'gone'));
    source.putSilently(obj('ns', 'changed', 'old'));
    const { informer, events, restarts, health } = setup(source);
    await informer.start();
    await flush();
    events.length = 0;

    // The connection drops; meanwhile the cluster changes.
    source.open!.onDone(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    source.removeSilently('ns', 'gone');
    source.putSilently(obj('ns', 'changed', 'new'));
    source.putSilently(obj('ns', 'fresh'));
    await flush();
    expect(restarts).toEqual(['error']);
    expect(informer.healthy()).toBe(false);
    expect(source.listCalls).toBe(1);

    await vi.advanceTimersByTimeAsync(1000); // backoff
    expect(source.listCalls).toBe(2);
    expect(events).toEqual(['delete gone', 'update changed@103->105', 'add fresh@106']);
    expect(informer.get('ns', 'changed')?.value).toBe('new');
    expect(informer.healthy()).toBe(true);
    expect(health).toEqual([true, false, true]);
    expect(source.watches).toHaveLength(2);
    expect(source.watches[0]!.aborted).toBe(true);
    expect(source.watches[1]!.resourceVersion).toBe('106');
    await informer.stop();
  });

  it('relists on a 410 ERROR event (resourceVersion too old)', async () => {
    const { source, informer, restarts } = setup();
    await informer.start();
    await flush();
    source.open!.onEvent({ type: 'ERROR', status: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 1 (200)' } });
    await vi.advanceTimersByTimeAsync(1000);
    expect(restarts).toEqual(['gone']);
    expect(source.listCalls).toBe(2);
    expect(source.watches[0]!.aborted).toBe(true);
    expect(source.open).toBe(source.watches[1]);
    await informer.stop();
  });

  it('relists on an HTTP 410 answer to the watch request', async () => {
    const { source, informer, restarts } = setup();
    await informer.start();
    await flush();
    source.open!.onDone(kubeApiErrorFor(410, { reason: 'Gone', message: 'too old resource version' }, 'watch things'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(restarts).toEqual(['gone']);
    expect(source.listCalls).toBe(2);
    await informer.stop();
  });

  it('resumes from the last resourceVersion without a relist after a clean close', async () => {
    const { source, informer, restarts, events } = setup();
    await informer.start();
    await flush();
    source.put(obj('ns', 'a'));
    source.open!.onDone();
    await flush();
    expect(restarts).toEqual(['closed']);
    expect(source.listCalls).toBe(1);
    expect(source.watches).toHaveLength(2);
    expect(source.watches[1]!.resourceVersion).toBe('101');
    expect(informer.healthy()).toBe(true);
    // Replayed event with the same resourceVersion is not news.
    source.open!.onEvent({ type: 'ADDED', object: structuredClone(source.objects.get('ns/a')!) });
    expect(events).toEqual(['add a@101']);
    await informer.stop();
  });

  it('treats the client inactivity timeout like a clean close', async () => {
    const { source, informer, restarts } = setup();
    await informer.start();
    await flush();
    source.bookmark();
    source.open!.onDone(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    await flush();
    expect(restarts).toEqual(['timeout']);
    expect(source.listCalls).toBe(1);
    expect(source.watches[1]!.resourceVersion).toBe('101');
    await informer.stop();
  });

  it('restarts with a relist when the watch stalls', async () => {
    const { source, informer, restarts } = setup();
    await informer.start();
    await flush();
    await vi.advanceTimersByTimeAsync(STALL - 1);
    expect(restarts).toEqual([]);
    expect(informer.lastEventAge()).toBe(STALL - 1);
    await vi.advanceTimersByTimeAsync(1);
    expect(restarts).toEqual(['stall']);
    expect(source.watches[0]!.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(source.listCalls).toBe(2);
    expect(source.open).toBe(source.watches[1]);
    expect(informer.lastEventAge()).toBe(0);
    await informer.stop();
  });

  it('bookmarks and events reset the stall clock', async () => {
    const { source, informer, restarts } = setup();
    await informer.start();
    await flush();
    await vi.advanceTimersByTimeAsync(STALL * 0.8);
    source.bookmark();
    await vi.advanceTimersByTimeAsync(STALL * 0.8);
    source.put(obj('ns', 'a'));
    await vi.advanceTimersByTimeAsync(STALL * 0.8);
    expect(restarts).toEqual([]);
    expect(informer.lastEventAge()).toBe(STALL * 0.8);
    await vi.advanceTimersByTimeAsync(STALL * 0.2);
    expect(restarts).toEqual(['stall']);
    await informer.stop();
  });

  it('the bookmark resourceVersion is where a resumed watch starts', async () => {
    const { source, informer } = setup();
    await informer.start();
    await flush();
    source.bookmark();
    source.bookmark();
    source.open!.onDone();
    await flush();
    expect(source.watches[1]!.resourceVersion).toBe('102');
    await informer.stop();
  });

  it('backs off exponentially while the list keeps failing, then syncs', async () => {
    const source = new FakeListWatch();
    source.listError = new Error('connection refused');
    source.putSilently(obj('ns', 'a'));
    const { informer, restarts } = setup(source);
    let started = false;
    void informer.start().then(() => (started = true));
    await flush();
    expect(source.listCalls).toBe(1);
    const delays = [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000];
    for (const [i, delay] of delays.entries()) {
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(source.listCalls).toBe(i + 1);
      await vi.advanceTimersByTimeAsync(1);
      expect(source.listCalls).toBe(i + 2);
    }
    expect(started).toBe(false);
    expect(informer.healthy()).toBe(false);
    source.listError = undefined;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(started).toBe(true);
    expect(informer.healthy()).toBe(true);
    expect(restarts.every((c) => c === 'list_error')).toBe(true);
    await informer.stop();
  });

  describe('a kind whose CRD may not be installed (optional)', () => {
    const notFound = () => kubeApiErrorFor(404, { reason: 'NotFound', message: 'the server could not find the requested resource' }, 'GET things');
    const optionalInformer = (source: FakeListWatch) => {
      const { logger, lines } = recordingLogger();
      const warnings = { lines, messages: () => lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40).map((l) => l.msg) };
      const events: string[] = [];
      const informer = new ResilientInformer<TestObject>({
        resource: 'things',
        source,
        stallTimeoutMs: STALL,
        backoff: { baseMs: 1000, maxMs: 30_000, jitter: 0 },
        logger,
        optional: { absentRecheckMs: 60_000, whatToDo: 'apply its CRD' },
      });
      informer.onAdd((o) => events.push(`add ${o.metadata.name}`)).onDelete((o) => events.push(`delete ${o.metadata.name}`));
      return { informer, warnings, events };
    };

    it('a 404 on list counts as synced and healthy, says once what to do, and looks again until the CRD is there', async () => {
      const source = new FakeListWatch();
      source.listError = notFound();
      source.putSilently(obj(undefined, 'a'));
      const { informer, warnings, events } = optionalInformer(source);
      let started = false;
      void informer.start().then(() => (started = true));
      await flush();
      expect(started).toBe(true);
      expect(informer.healthy()).toBe(true);
      expect(informer.isAbsent()).toBe(true);
      expect(source.watches).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(source.listCalls).toBe(2);
      expect(warnings.messages()).toEqual(['the API server does not serve things: apply its CRD']);

      source.listError = undefined;
      await vi.advanceTimersByTimeAsync(60_000);
      expect(informer.isAbsent()).toBe(false);
      expect(events).toEqual(['add a']);
      expect(source.watches).toHaveLength(1);
      expect(informer.healthy()).toBe(true);
      await informer.stop();
    });

    it('a CRD deleted while watched empties the cache (its objects went with it)', async () => {
      const source = new FakeListWatch();
      source.putSilently(obj(undefined, 'a'));
      const { informer, events } = optionalInformer(source);
      await informer.start();
      await flush();
      source.listError = notFound();
      source.open!.onDone(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      await vi.advanceTimersByTimeAsync(1000);
      expect(informer.isAbsent()).toBe(true);
      expect(informer.list()).toHaveLength(0);
      expect(events).toEqual(['add a', 'delete a']);
      expect(informer.healthy()).toBe(true);
      await informer.stop();
    });

    it('without the option a 404 is an error like any other: not synced, not ready', async () => {
      const source = new FakeListWatch();
      source.listError = notFound();
      const { informer } = setup(source);
      let started = false;
      void informer.start().then(() => (started = true));
      await vi.advanceTimersByTimeAsync(10_000);
      expect(started).toBe(false);
      expect(informer.healthy()).toBe(false);
      await informer.stop();
    });
  });

  it('a watch that fails to open is retried with backoff and a relist', async () => {
    const source = new FakeListWatch();
    const realWatch = source.watch.bind(source);
    let failNext = 2;
    source.watch = async (rv, onEvent, onDone) => {
      if (failNext-- > 0) {
        onDone(kubeApiErrorFor(403, { reason: 'Forbidden', message: 'things is forbidden' }, 'watch things'));
        return { abort: () => {} };
      }
      return realWatch(rv, onEvent, onDone);
    };
    const { informer, restarts } = setup(source);
    await informer.start();
    await flush();
    expect(restarts).toEqual(['error']);
    expect(informer.healthy()).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(restarts).toEqual(['error', 'error']);
    await vi.advanceTimersByTimeAsync(1999);
    expect(source.listCalls).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(source.listCalls).toBe(3);
    expect(informer.healthy()).toBe(true);
    await informer.stop();
  });

  it('a throwing handler does not stop the others or the watch', async () => {
    const source = new FakeListWatch();
    const informer = new ResilientInformer<TestObject>({ resource: 'things', source, stallTimeoutMs: STALL });
    const seen: string[] = [];
    informer.onAdd(() => {
      throw new Error('handler bug');
    });
    informer.onAdd((o) => seen.push(o.metadata.name));
    await informer.start();
    await flush();
    source.put(obj('ns', 'a'));
    source.put(obj('ns', 'b'));
    expect(seen).toEqual(['a', 'b']);
    expect(informer.healthy()).toBe(true);
    await informer.stop();
  });

  it('stop() aborts the watch and leaves no timers, also while backing off', async () => {
    const { source, informer, health } = setup();
    await informer.start();
    await flush();
    expect(vi.getTimerCount()).toBe(1); // the stall timer
    await informer.stop();
    expect(source.watches[0]!.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(informer.healthy()).toBe(false);
    expect(health).toEqual([true, false]);
    await vi.advanceTimersByTimeAsync(10 * STALL);
    expect(source.watches).toHaveLength(1);
    expect(source.listCalls).toBe(1);

    const second = setup();
    await second.informer.start();
    await flush();
    second.source.open!.onDone(new Error('boom'));
    await flush();
    expect(vi.getTimerCount()).toBe(1); // the backoff sleep
    await second.informer.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(second.source.listCalls).toBe(1);
  });

  it('start() resolves when stopped before the first sync', async () => {
    const source = new FakeListWatch();
    source.listError = new Error('down');
    const { informer } = setup(source);
    const started = informer.start();
    await flush();
    await informer.stop();
    await expect(started).resolves.toBeUndefined();
    expect(informer.hasSynced()).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('informerReadiness', () => {
  it('lists one reason per unhealthy informer', async () => {
    const { informerReadiness } = await import('../../../src/kube/informer/resilient-informer.js');
    const fake = (resource: string, healthy: boolean, synced: boolean, age: number) => ({
      resource,
      healthy: () => healthy,
      hasSynced: () => synced,
      lastEventAge: () => age,
    });
    expect(informerReadiness([fake('secrets', true, true, 0)])).toEqual({ ok: true, reasons: [] });
    expect(
      informerReadiness([fake('secrets', true, true, 0), fake('externalsecrets', false, false, Infinity), fake('secretstores', false, true, 312_400)]),
    ).toEqual({
      ok: false,
      reasons: ['watch externalsecrets has not synced yet', 'watch secretstores is not healthy (last event 312s ago)'],
    });
  });
});
