// The refresh scheduling, the shared read cache and the work queue together, on a fake clock:
// many ExternalSecrets sharing one secret, created at different times, and a series of
// rotations. Every Secret must show a rotation within its refresh interval (+ the time to
// work through the queue), whichever ExternalSecret's read the cache serves it from; the
// reads stay shared; a refresh that changes nothing writes nothing.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExternalSecret } from '../../../src/api/types.js';
import { SharedFetcher } from '../../../src/aws/fetcher.js';
import { FetchingSecretSource } from '../../../src/controller/externalsecret/fetch-desired.js';
import { ExternalSecretReconciler } from '../../../src/controller/externalsecret/reconciler.js';
import { WorkQueue } from '../../../src/controller/runtime/workqueue.js';
import { FakeEvents, FakeNamespaces, FakeProvider, FakeSecrets, FakeStatus, capturedLogger, externalSecret, secretStore } from '../fakes.js';

const INTERVAL_MS = 10_000;
const COUNT = 20;

function bed() {
  const objects = new Map<string, ExternalSecret>();
  for (let i = 0; i < COUNT; i++) {
    const es = externalSecret({ refreshInterval: '10s' }, { name: `es-${i}` });
    es.spec.target = { name: `target-${i}` };
    objects.set(`app/es-${i}`, es);
  }
  const secrets = new FakeSecrets();
  const status = new FakeStatus((ns, name, s) => {
    const es = objects.get(`${ns}/${name}`)!;
    objects.set(`${ns}/${name}`, { ...es, status: s });
  });
  const provider = new FakeProvider();
  provider.set('prod/db', JSON.stringify({ username: 'app', password: 'v0' }), 'v0');
  const clock = { now: () => Date.now() };
  // A read cache much longer than the interval: freshness must come from the waves, not the TTL.
  const fetcher = new SharedFetcher({ clock, ttlMs: 60_000, batchWindowMs: 5 });
  const reconciler = new ExternalSecretReconciler({
    externalSecrets: { get: (ns, name) => objects.get(`${ns}/${name}`) },
    stores: { secretStore: () => secretStore(), clusterSecretStore: () => undefined },
    namespaces: new FakeNamespaces(),
    secrets,
    status,
    events: new FakeEvents(),
    source: new FetchingSecretSource({ forStore: async () => ({ identityKey: 'id', provider }) }, fetcher),
    macKey: Buffer.alloc(32, 7),
    clock: { now: () => Date.now() },
    logger: capturedLogger().logger,
  });
  const queue = new WorkQueue({
    concurrency: 4,
    handler: (key) => {
      const [ns, name] = key.split('/') as [string, string];
      return reconciler.reconcile(ns, name);
    },
  });
  queue.start();
  return { objects, secrets, status, provider, queue };
}

describe('rotation latency with a shared read cache', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2030, 0, 1, 0, 0, 0, 123) }));
  afterEach(() => vi.useRealTimers());

  it(`${COUNT} ExternalSecrets on one secret see each of 10 rotations within interval + 1 s, with shared reads`, async () => {
    const b = bed();
    // Created one after another over an interval, as they would be in a real cluster.
    for (let i = 0; i < COUNT; i++) {
      b.queue.add(`app/es-${i}`);
      await vi.advanceTimersByTimeAsync(487);
    }
    await vi.advanceTimersByTimeAsync(2 * INTERVAL_MS);
    for (let i = 0; i < COUNT; i++) expect(b.secrets.value('app', `target-${i}`, 'password')).toBe('v0');

    const callsBefore = b.provider.calls;
    const rotationsStart = Date.now();
    const statusWritesBefore = b.status.writes;
    const latencies: number[] = [];
    for (let r = 1; r <= 10; r++) {
      // Rotations at odd offsets within the waves.
      await vi.advanceTimersByTimeAsync(3_331 * r % INTERVAL_MS);
      b.provider.set('prod/db', JSON.stringify({ username: 'app', password: `v${r}` }), `v${r}`);
      const rotatedAt = Date.now();
      const pending = new Set(Array.from({ length: COUNT }, (_, i) => i));
      while (pending.size > 0 && Date.now() - rotatedAt < 3 * INTERVAL_MS) {
        await vi.advanceTimersByTimeAsync(50);
        for (const i of pending) {
          if (b.secrets.value('app', `target-${i}`, 'password') === `v${r}`) {
            latencies.push(Date.now() - rotatedAt);
            pending.delete(i);
          }
        }
      }
      expect(pending.size).toBe(0);
    }
    expect(Math.max(...latencies)).toBeLessThanOrEqual(INTERVAL_MS + 1_000);
    // One read per wave serves all 20 (the 20 refreshes of a wave cost at most a few calls).
    const waves = Math.ceil((Date.now() - rotationsStart) / INTERVAL_MS) + 1;
    expect(b.provider.calls - callsBefore).toBeLessThan(waves);
    // Status was written only for the data changes (new version), not for unchanged refreshes.
    expect(b.status.writes - statusWritesBefore).toBe(10 * COUNT);
    await b.queue.shutdown();
  });
});
