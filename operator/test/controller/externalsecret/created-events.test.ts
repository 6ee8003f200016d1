// The Created Event of new ExternalSecrets, folded per store in a burst (created-events.ts).
import { describe, expect, it } from 'vitest';
import { CreatedEvents, summaryMessage } from '../../../src/controller/externalsecret/created-events.js';
import type { ObjectRef } from '../../../src/kube/ports.js';
import { FakeEvents } from '../fakes.js';

const es = (name: string, namespace = 'app'): ObjectRef => ({ apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', name, namespace, uid: `uid-${name}` });
const store = (name = 'aws', namespace = 'app'): ObjectRef => ({ apiVersion: 'rotor.dev/v1alpha1', kind: 'SecretStore', name, namespace, uid: `uid-${name}` });
const clusterStore: ObjectRef = { apiVersion: 'rotor.dev/v1alpha1', kind: 'ClusterSecretStore', name: 'shared', uid: 'uid-shared' };

/** Timers fired by hand. */
function manualTimers() {
  const pending: { fn: () => void; cancelled: boolean }[] = [];
  return {
    setTimer: (fn: () => void) => {
      const t = { fn, cancelled: false };
      pending.push(t);
      return { cancel: () => (t.cancelled = true) };
    },
    fireAll: () => {
      for (const t of pending.splice(0)) if (!t.cancelled) t.fn();
    },
    count: () => pending.filter((t) => !t.cancelled).length,
  };
}

describe('CreatedEvents', () => {
  it('writes the first Created Events of a store per object, and folds the rest of the window into one on the store', async () => {
    const events = new FakeEvents();
    const timers = manualTimers();
    const created = new CreatedEvents({ events, perWindow: 3, windowMs: 10_000, setTimer: timers.setTimer });
    for (let i = 0; i < 1000; i++) await created.created(es(`app-${i}`), store(), `created Secret app/app-${i} (1 key)`);
    expect(events.events.map((e) => e.object.name)).toEqual(['app-0', 'app-1', 'app-2']);
    expect(events.events.every((e) => e.type === 'Normal' && e.reason === 'Created' && e.object.kind === 'ExternalSecret')).toBe(true);
    timers.fireAll();
    await Promise.resolve();
    expect(events.events).toHaveLength(4);
    expect(events.events[3]).toEqual({ object: store(), type: 'Normal', reason: 'Created', message: summaryMessage(997, 3, 10_000, 'first app-3, last app-999') });
    expect(events.events[3]!.message).toBe(
      "created 997 more Secrets for ExternalSecrets using this store (first app-3, last app-999), beyond 3 Created Events per 10 s; each ExternalSecret's Ready condition records its sync",
    );
    // A new window starts with per-object Events again.
    await created.created(es('late'), store(), 'created Secret app/late (1 key)');
    expect(events.events[4]!.object.name).toBe('late');
  });

  it('keeps a few creations exactly as before: one Event per ExternalSecret, no summary', async () => {
    const events = new FakeEvents();
    const timers = manualTimers();
    const created = new CreatedEvents({ events, setTimer: timers.setTimer });
    for (let i = 0; i < 10; i++) await created.created(es(`a${i}`), store(), 'm');
    timers.fireAll();
    await Promise.resolve();
    expect(events.events).toHaveLength(10);
    expect(events.events.every((e) => e.object.kind === 'ExternalSecret')).toBe(true);
  });

  it('counts each store (and namespace) apart', async () => {
    const events = new FakeEvents();
    const timers = manualTimers();
    const created = new CreatedEvents({ events, perWindow: 1, setTimer: timers.setTimer });
    await created.created(es('a1'), store('a'), 'm');
    await created.created(es('a2'), store('a'), 'm');
    await created.created(es('b1'), store('b'), 'm');
    await created.created(es('c1', 'other'), store('a', 'other'), 'm');
    expect(events.events.map((e) => `${e.object.namespace}/${e.object.name}`)).toEqual(['app/a1', 'app/b1', 'other/c1']);
    timers.fireAll();
    await Promise.resolve();
    expect(events.events.slice(3).map((e) => `${e.object.kind} ${e.object.namespace}/${e.object.name}: ${e.message.split(' (')[0]}`)).toEqual([
      'SecretStore app/a: created 1 more Secret for ExternalSecrets using this store',
    ]);
  });

  it('never folds under a ClusterSecretStore: its Event would name tenants\' objects outside their namespaces', async () => {
    const events = new FakeEvents();
    const timers = manualTimers();
    const created = new CreatedEvents({ events, perWindow: 1, setTimer: timers.setTimer });
    for (let i = 0; i < 5; i++) await created.created(es(`e${i}`, `ns${i}`), clusterStore, 'm');
    timers.fireAll();
    expect(events.events.map((e) => e.object.name)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    expect(timers.count()).toBe(0);
  });

  it('flush() writes the open summaries (shutdown loses none) and cancels their timers', async () => {
    const events = new FakeEvents();
    const timers = manualTimers();
    const created = new CreatedEvents({ events, perWindow: 1, setTimer: timers.setTimer });
    await created.created(es('a'), store(), 'm');
    await created.created(es('b'), store(), 'm');
    await created.flush();
    expect(events.events.map((e) => e.object.kind)).toEqual(['ExternalSecret', 'SecretStore']);
    expect(timers.count()).toBe(0);
    timers.fireAll();
    expect(events.events).toHaveLength(2);
  });
});
