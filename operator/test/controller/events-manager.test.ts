// The whole event path with the real Manager, reconciler, fetcher and router: an in-memory
// queue (the EventQueue port the SQS queue implements) delivers AWS events as EventBridge does;
// in-memory list/watch sources stand in for the API server (issue #16).
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Secret } from '../../src/kube/client/objects.js';
import type { ClusterExternalSecret, ExternalSecret, ExternalSecretStatus, SecretStore } from '../../src/api/types.js';
import { SharedFetcher } from '../../src/aws/fetcher.js';
import { FetchingSecretSource } from '../../src/controller/externalsecret/fetch-desired.js';
import { EventIndex } from '../../src/controller/externalsecret/event-index.js';
import { Manager, type ManagerSources } from '../../src/controller/manager.js';
import type { ListWatchSource } from '../../src/kube/informer/list-watch.js';
import type { EventQueue, QueueMessage } from '../../src/aws/events/sqs-queue.js';
import { createMetrics, clusterExternalSecretMetrics, managerMetrics } from '../../src/metrics.js';
import { FakeListWatch, type TestObject } from '../kube/fake-list-watch.js';
import { FakeCesStatus, FakeEvents, FakeExternalSecretStore, FakeProvider, FakeSecrets, FakeStatus, capturedLogger, externalSecret, secretStore } from './fakes.js';
import { labelUpdated, serviceEvent } from '../aws/events/fixtures.js';
import { externalSecretDeps, storeDeps } from './manager-fixtures.js';

const source = <T>(fake: FakeListWatch) => fake as unknown as ListWatchSource<T & { metadata: TestObject['metadata'] }>;

/** A queue in memory: push() delivers, receive() long-polls until something is there or it is aborted. */
class MemoryQueue implements EventQueue {
  private readonly waiting: QueueMessage[] = [];
  private wake: (() => void) | undefined;
  readonly deleted: string[] = [];
  receives = 0;
  push(body: unknown, receiptHandle: string): void {
    this.waiting.push({ body: typeof body === 'string' ? body : JSON.stringify(body), receiptHandle, receiveCount: 1 });
    this.wake?.();
  }
  async check(): Promise<void> {}
  async receive(max: number, signal: AbortSignal): Promise<QueueMessage[]> {
    this.receives++;
    while (this.waiting.length === 0) {
      if (signal.aborted) throw new Error('aborted');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    return this.waiting.splice(0, max);
  }
  async delete(receiptHandle: string): Promise<void> {
    this.deleted.push(receiptHandle);
  }
}

/** Event time as AWS stamps it: whole seconds. */
const awsNow = () => new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');

function setup() {
  const fakes = {
    externalSecrets: new FakeListWatch(),
    secretStores: new FakeListWatch(),
    clusterSecretStores: new FakeListWatch(),
    managedSecrets: new FakeListWatch(),
    namespaces: new FakeListWatch(),
    clusterExternalSecrets: new FakeListWatch(),
  };
  const sources = {
    externalSecrets: source<ExternalSecret>(fakes.externalSecrets),
    secretStores: source<SecretStore>(fakes.secretStores),
    clusterSecretStores: source<SecretStore>(fakes.clusterSecretStores),
    managedSecrets: source<Secret>(fakes.managedSecrets),
    namespaces: source(fakes.namespaces),
    clusterExternalSecrets: source<ClusterExternalSecret>(fakes.clusterExternalSecrets),
  } as ManagerSources;
  const metrics = createMetrics({ defaultMetrics: false });
  const provider = new FakeProvider();
  provider.set('prod/db', JSON.stringify({ password: 'p-1' }), 'v-1');
  provider.set('prod/other', JSON.stringify({ password: 'o-1' }), 'o-1');
  const secrets = new FakeSecrets();
  const statuses = new Map<string, ExternalSecretStatus>();
  const events = new FakeEvents();
  const index = new EventIndex();
  const fetcher = new SharedFetcher({ ttlMs: 10_000, batchWindowMs: 5, onRead: (service, value, at) => index.recordRead(service, value, at) });
  const providers = { forStore: async (s: SecretStore) => ({ identityKey: `${s.kind}/${s.metadata.namespace ?? ''}/${s.metadata.name}`, provider }), forgetStore: () => {} };
  const queue = new MemoryQueue();
  const { logger } = capturedLogger();
  const manager = new Manager({
    sources,
    logger,
    metrics: managerMetrics(metrics),
    concurrency: 4,
    watchStallMs: 60_000,
    externalSecretDeps: externalSecretDeps(providers, metrics, {
      secrets,
      status: new FakeStatus((ns, name, status) => statuses.set(`${ns}/${name}`, status)),
      events,
      source: new FetchingSecretSource(providers, fetcher),
    }),
    storeDeps: storeDeps(providers),
    clusterExternalSecretDeps: { writer: new FakeExternalSecretStore(), status: new FakeCesStatus(), events: new FakeEvents(), clock: { now: () => Date.now() }, ...clusterExternalSecretMetrics(metrics) },
    events: { queues: [{ name: 'http://127.0.0.1:4566/000000000000/rotor-events', queue }], index, invalidate: (service, key) => fetcher.invalidateRemote(service, key) },
  });
  const put = (fake: FakeListWatch, object: unknown) => fake.put(object as TestObject);
  // Two namespaces, both store kinds, one secret; a third ExternalSecret reads another secret.
  put(fakes.secretStores, secretStore());
  put(fakes.clusterSecretStores, { ...secretStore('ClusterSecretStore'), metadata: { name: 'shared', generation: 1 } });
  put(fakes.externalSecrets, externalSecret());
  put(fakes.externalSecrets, externalSecret({ target: { name: 'db2' } }, { name: 'db2', uid: 'uid-2' }));
  put(fakes.externalSecrets, externalSecret({ secretStoreRef: { name: 'shared', kind: 'ClusterSecretStore' } }, { namespace: 'team-b', uid: 'uid-b' }));
  put(fakes.externalSecrets, externalSecret({ data: [{ secretKey: 'password', remoteRef: { key: 'prod/other', property: 'password' } }] }, { name: 'other', uid: 'uid-o' }));
  return { manager, fakes, metrics, provider, secrets, statuses, events, queue, index };
}

const value = async (metrics: ReturnType<typeof createMetrics>, name: string, labels = '', suffix = '') => {
  const text = await metrics.registry.getSingleMetricAsString(name);
  const line = text.split('\n').find((l) => l.startsWith(`${name}${suffix}${labels}`));
  return line ? Number(line.split(' ').pop()) : 0;
};

let running: Manager | undefined;
afterEach(async () => {
  await running?.stop(1_000);
  running = undefined;
});

async function started() {
  const t = setup();
  running = t.manager;
  await t.manager.start();
  await vi.waitFor(() => {
    expect(t.secrets.value('app', 'db', 'password')).toBe('p-1');
    expect(t.secrets.value('app', 'db2', 'password')).toBe('p-1');
    expect(t.secrets.value('team-b', 'db', 'password')).toBe('p-1');
    expect(t.secrets.value('app', 'other', 'password')).toBe('o-1');
  });
  return t;
}

describe('event-driven refresh through the Manager', () => {
  it('a rotation reaches every ExternalSecret that reads the secret (any namespace, any store kind) with one AWS read per store identity, without a scan; the message is deleted after', async () => {
    const t = await started();
    const callsBefore = t.provider.calls;
    const list = vi.spyOn(t.manager.externalSecrets, 'list');
    const examinedBefore = t.index.stats.examined;

    t.provider.set('prod/db', JSON.stringify({ password: 'p-2' }), 'v-2');
    const time = awsNow();
    t.queue.push(labelUpdated({ region: 'us-east-1', time, resources: [], detail: { name: 'prod/db', labelUpdated: 'AWSCURRENT', versionId: 'v-2' } }), 'm1');

    await vi.waitFor(() => {
      expect(t.secrets.value('app', 'db', 'password')).toBe('p-2');
      expect(t.secrets.value('app', 'db2', 'password')).toBe('p-2');
      expect(t.secrets.value('team-b', 'db', 'password')).toBe('p-2');
    });
    await vi.waitFor(() => expect(t.queue.deleted).toEqual(['m1']));
    // One read of prod/db per store identity (the fetch cache never shares values across
    // stores): app/db and app/db2 share one; prod/other was not read again.
    expect(t.provider.calls - callsBefore).toBe(2);
    // Matching looked at the three readers only and listed no ExternalSecrets.
    expect(t.index.stats.examined - examinedBefore).toBe(3);
    expect(list).not.toHaveBeenCalled();
    for (const key of ['app/db', 'app/db2', 'team-b/db']) expect(t.statuses.get(key)?.lastEvent).toEqual({ time: new Date(time).toISOString(), type: 'SecretLabelUpdated', source: 'aws.secretsmanager' });
    expect(t.statuses.get('app/other')?.lastEvent).toBeUndefined();
    expect(await value(t.metrics, 'rotor_events_received_total', '{source="aws.secretsmanager"}')).toBe(1);
    expect(await value(t.metrics, 'rotor_events_matched_total', '{source="aws.secretsmanager"}')).toBe(1);
    await vi.waitFor(async () => expect(await value(t.metrics, 'rotor_event_to_secret_seconds', '', '_count')).toBe(3));
    expect(await value(t.metrics, 'rotor_events_queue_up', '{queue="http://127.0.0.1:4566/000000000000/rotor-events"}')).toBe(1);
  });

  it('a duplicate, an event older than the last read, a foreign secret and a malformed body cost no read and are deleted', async () => {
    const t = await started();
    const callsBefore = t.provider.calls;
    t.queue.push(labelUpdated({ id: 'dup', region: 'us-east-1', time: awsNow(), resources: [], detail: { name: 'prod/db' } }), 'm1');
    await vi.waitFor(() => expect(t.queue.deleted).toEqual(['m1']));
    await vi.waitFor(() => expect(t.provider.calls - callsBefore).toBe(2)); // one per store identity
    t.queue.push(labelUpdated({ id: 'dup', region: 'us-east-1', time: awsNow(), resources: [], detail: { name: 'prod/db' } }), 'm2');
    t.queue.push(labelUpdated({ id: 'old', region: 'us-east-1', time: '2020-01-01T00:00:00Z', resources: [], detail: { name: 'prod/db' } }), 'm3');
    t.queue.push(labelUpdated({ id: 'foreign', region: 'us-east-1', time: awsNow(), resources: [], detail: { name: 'someone/else' } }), 'm4');
    t.queue.push('not json', 'm5');
    await vi.waitFor(() => expect(t.queue.deleted).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']));
    await new Promise((r) => setTimeout(r, 50));
    expect(t.provider.calls - callsBefore).toBe(2);
    expect(await value(t.metrics, 'rotor_events_ignored_total', '{reason="duplicate"}')).toBe(1);
    expect(await value(t.metrics, 'rotor_events_ignored_total', '{reason="older-than-read"}')).toBe(1);
    expect(await value(t.metrics, 'rotor_events_unmatched_total', '{source="aws.secretsmanager"}')).toBe(1);
    expect(await value(t.metrics, 'rotor_events_malformed_total', '{reason="not-json"}')).toBe(1);
  });

  it('RotationFailed: AWSRotation=False with the event time, a Warning Event and the metric on each reader; RotationSucceeded sets it True', async () => {
    const t = await started();
    const arn = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbC123';
    const failedAt = awsNow();
    t.queue.push({ ...serviceEvent('RotationFailed', { SecretId: arn }), region: 'us-east-1', time: failedAt }, 'm1');
    await vi.waitFor(() => {
      for (const key of ['app/db', 'app/db2', 'team-b/db']) {
        expect(t.statuses.get(key)?.conditions?.find((c) => c.type === 'AWSRotation')).toMatchObject({ status: 'False', reason: 'RotationFailed', lastTransitionTime: new Date(failedAt).toISOString() });
      }
    });
    expect(t.events.events.filter((e) => e.reason === 'RotationFailed').map((e) => `${e.type}/${e.object.namespace}/${e.object.name}`).sort()).toEqual(['Warning/app/db', 'Warning/app/db2', 'Warning/team-b/db']);
    expect(await value(t.metrics, 'rotor_aws_rotation_failures_total')).toBe(1);
    expect(t.statuses.get('app/other')?.conditions?.find((c) => c.type === 'AWSRotation')).toBeUndefined();

    t.queue.push({ ...serviceEvent('RotationSucceeded', { SecretId: arn }), id: 'ok', region: 'us-east-1', time: awsNow() }, 'm2');
    await vi.waitFor(() => expect(t.statuses.get('app/db')?.conditions?.find((c) => c.type === 'AWSRotation')).toMatchObject({ status: 'True', reason: 'RotationSucceeded' }));
  });

  it('an ExternalSecret deleted, or changed to read another secret, no longer matches (incremental index)', async () => {
    const t = await started();
    t.fakes.externalSecrets.remove('team-b', 'db');
    t.fakes.externalSecrets.remove('app', 'db2');
    t.fakes.externalSecrets.put(externalSecret({ data: [{ secretKey: 'password', remoteRef: { key: 'prod/other', property: 'password' } }] }, { generation: 2 }) as unknown as TestObject);
    await vi.waitFor(() => expect(t.secrets.value('app', 'db', 'password')).toBe('o-1'));
    t.queue.push(labelUpdated({ region: 'us-east-1', time: awsNow(), resources: [], detail: { name: 'prod/db' } }), 'm1');
    await vi.waitFor(() => expect(t.queue.deleted).toEqual(['m1']));
    expect(await value(t.metrics, 'rotor_events_unmatched_total', '{source="aws.secretsmanager"}')).toBe(1);
  });

  it('stopping the Manager (step-down) ends the long poll: no queue is read by a replica that is not leading', async () => {
    const t = await started();
    await vi.waitFor(() => expect(t.queue.receives).toBeGreaterThan(0));
    await t.manager.stop(1_000);
    running = undefined;
    const receives = t.queue.receives;
    t.queue.push(labelUpdated({ region: 'us-east-1', time: awsNow(), resources: [], detail: { name: 'prod/db' } }), 'm1');
    await new Promise((r) => setTimeout(r, 30));
    expect(t.queue.receives).toBe(receives);
    expect(t.queue.deleted).toEqual([]);
  });
});
