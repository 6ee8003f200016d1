import { describe, expect, it } from 'vitest';
import { OwnWrites } from '../../../src/controller/runtime/own-writes.js';
import { stampIntoNamespaces, type StampPlan, type StampWriter } from '../../../src/controller/runtime/fan-out-writes.js';
import { KubeApiError } from '../../../src/kube/client/errors.js';
import { capturedLogger } from '../fakes.js';

type Obj = { metadata: { name: string; namespace: string; uid?: string; resourceVersion?: string; owner?: string }; v: number };
const obj = (namespace: string, name: string, v = 1, owner = 'mine'): Obj => ({ metadata: { name, namespace, uid: `uid-${namespace}-${name}`, resourceVersion: '1', owner }, v });

/** A writer over a map; `fail` makes a call on that namespace throw. */
function store(initial: Obj[], fail: Record<string, unknown> = {}) {
  const objects = new Map(initial.map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]));
  const calls: string[] = [];
  let rv = 10;
  const check = (namespace: string) => {
    if (namespace in fail) throw fail[namespace];
  };
  const writer: StampWriter<Obj> = {
    async create(o) {
      calls.push(`create ${o.metadata.namespace}/${o.metadata.name}`);
      check(o.metadata.namespace);
      const stored = { ...o, metadata: { ...o.metadata, resourceVersion: String(rv++) } };
      objects.set(`${o.metadata.namespace}/${o.metadata.name}`, stored);
      return stored;
    },
    async replace(o) {
      calls.push(`replace ${o.metadata.namespace}/${o.metadata.name}`);
      check(o.metadata.namespace);
      const stored = { ...o, metadata: { ...o.metadata, resourceVersion: String(rv++) } };
      objects.set(`${o.metadata.namespace}/${o.metadata.name}`, stored);
      return stored;
    },
    async delete(namespace, name, uid, resourceVersion) {
      calls.push(`delete ${namespace}/${name} ${uid} ${resourceVersion}`);
      check(namespace);
      objects.delete(`${namespace}/${name}`);
    },
  };
  return { objects, calls, writer };
}

const plan = (v: number) => (namespace: string, existing: Obj | undefined): StampPlan<Obj> => {
  if (!existing) return { action: 'create', object: obj(namespace, 'app', v) };
  if (existing.metadata.owner !== 'mine') return { action: 'conflict', reason: 'an app of someone else is there' };
  return existing.v === v ? { action: 'none' } : { action: 'update', object: { ...existing, v } };
};

function stamping(s: ReturnType<typeof store>, selected: string[], cache: Map<string, Obj>, ownWrites = new OwnWrites<Obj>(), v = 1) {
  const log = capturedLogger();
  return {
    log,
    run: () =>
      stampIntoNamespaces<Obj>({
        kind: 'ExternalSecret',
        name: 'app',
        selected,
        candidates: [...cache.values()],
        isControlled: (o) => o.metadata.owner === 'mine',
        cached: (namespace, name) => cache.get(`${namespace}/${name}`),
        plan: plan(v),
        writer: s.writer,
        ownWrites,
        log: log.logger,
      }),
  };
}

describe('stampIntoNamespaces', () => {
  it('deletes what it controls in deselected namespaces or under an old name, then creates and updates in the selected ones', async () => {
    const initial = [obj('gone', 'app'), obj('a', 'old-name'), obj('a', 'app', 0), obj('b', 'foreign', 1, 'theirs')];
    const s = store(initial);
    const cache = new Map(s.objects);
    const { log, run } = stamping(s, ['a', 'c'], cache);
    const result = await run();
    expect(s.calls).toEqual(['delete gone/app uid-gone-app 1', 'delete a/old-name uid-a-old-name 1', 'replace a/app', 'create c/app']);
    expect(result.provisioned).toEqual(['a', 'c']);
    expect(result.outcomes.failures()).toEqual([]);
    expect(result.outcomes.transient).toBeUndefined();
    expect(log.output()).toContain('"externalSecret":"old-name"');
    expect(log.output()).toContain('deleted ExternalSecret of a namespace no longer selected');
    expect(log.output()).toContain('created ExternalSecret');
  });

  it('reads through its own writes: a second pass on a stale cache writes nothing again', async () => {
    const s = store([obj('gone', 'app')]);
    const staleCache = new Map(s.objects);
    const ownWrites = new OwnWrites<Obj>();
    await stamping(s, ['a'], staleCache, ownWrites).run();
    s.calls.length = 0;
    const again = await stamping(s, ['a'], staleCache, ownWrites).run();
    expect(s.calls).toEqual([]);
    expect(again.provisioned).toEqual(['a']);
  });

  it('lists a conflict without a retry, a refused write with none, and retries what may pass', async () => {
    const s = store([obj('x', 'app', 1, 'theirs')], { b: new KubeApiError(403, 'forbidden'), c: new KubeApiError(503, 'unavailable') });
    const result = await stamping(s, ['x', 'b', 'c'], new Map(s.objects)).run();
    expect(result.provisioned).toEqual([]);
    expect(result.outcomes.failures()).toEqual([
      { namespace: 'b', reason: 'forbidden' },
      { namespace: 'c', reason: 'unavailable' },
      { namespace: 'x', reason: 'an app of someone else is there' },
    ]);
    expect(result.outcomes.transient).toBe('unavailable');
  });

  it('a failed clean-up in a deselected namespace is retried but not listed', async () => {
    const s = store([obj('gone', 'app')], { gone: new KubeApiError(500, 'etcd timeout') });
    const result = await stamping(s, ['a'], new Map(s.objects)).run();
    expect(result.outcomes.failures()).toEqual([]);
    expect(result.outcomes.transient).toBe('etcd timeout');
    expect(result.provisioned).toEqual(['a']);
  });
});
