// KubeEventRecorder through the real API calls against the fake API server.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeEvent } from '../../src/kube/client/objects.js';
import { makeKubeClients } from '../../src/kube/client/clients.js';
import { KubeEventRecorder, MAX_EVENT_MESSAGE, truncateMessage } from '../../src/kube/events.js';
import type { ObjectRef } from '../../src/kube/ports.js';
import { FakeApiServer, status } from './fake-apiserver.js';

const es: ObjectRef = { apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', name: 'db', namespace: 'team-a', uid: 'uid-1' };
const EVENTS = '/api/v1/namespaces/team-a/events';

describe('KubeEventRecorder', () => {
  let server: FakeApiServer;
  let clock: number;
  let warnings: unknown[];
  let recorder: KubeEventRecorder;

  beforeEach(async () => {
    server = await FakeApiServer.start();
    server.on((r) => {
      if (r.method === 'POST' && r.path.endsWith('/events')) return { status: 201, body: r.body };
      if (r.method === 'PATCH' && r.path.includes('/events/')) return { status: 200, body: { metadata: { name: r.path.split('/').pop() } } };
      return undefined;
    });
    clock = Date.parse('2024-05-01T10:00:00Z');
    warnings = [];
    recorder = new KubeEventRecorder({
      core: makeKubeClients(server.kubeConfig()).core,
      instance: 'rotor-7d9f-abcde',
      clock: { now: () => clock },
      logger: { warn: (o: unknown) => void warnings.push(o), debug: () => {} } as never,
    });
  });
  afterEach(async () => {
    await server.close();
  });

  it('creates a core/v1 Event naming the object, reason, type and source', async () => {
    await recorder.record(es, 'Warning', 'SyncFailed', 'AccessDeniedException: the role needs kms:Decrypt');
    const [post] = server.requestsTo('POST', EVENTS);
    const event = post!.body as KubeEvent & { firstTimestamp: string; lastTimestamp: string };
    expect(event.metadata?.namespace).toBe('team-a');
    expect(event.metadata?.name).toMatch(/^db\.[0-9a-f]+$/);
    expect(event.involvedObject).toEqual({ apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', name: 'db', namespace: 'team-a', uid: 'uid-1' });
    expect(event).toMatchObject({
      type: 'Warning',
      reason: 'SyncFailed',
      message: 'AccessDeniedException: the role needs kms:Decrypt',
      count: 1,
      source: { component: 'rotor', host: 'rotor-7d9f-abcde' },
      reportingComponent: 'rotor',
      reportingInstance: 'rotor-7d9f-abcde',
    });
    expect(event.firstTimestamp).toBe('2024-05-01T10:00:00.000Z');
    expect(event.lastTimestamp).toBe('2024-05-01T10:00:00.000Z');
  });

  it('aggregates a repeat within 10 minutes into a count bump (merge patch)', async () => {
    await recorder.record(es, 'Warning', 'SyncFailed', 'same');
    const name = (server.requestsTo('POST', EVENTS)[0]!.body as KubeEvent).metadata!.name!;
    clock += 5 * 60_000;
    await recorder.record(es, 'Warning', 'SyncFailed', 'same');
    clock += 9 * 60_000; // 9 min after the last one: still aggregated
    await recorder.record(es, 'Warning', 'SyncFailed', 'same');
    expect(server.requestsTo('POST', EVENTS)).toHaveLength(1);
    const patches = server.requestsTo('PATCH', `${EVENTS}/${name}`);
    expect(patches).toHaveLength(2);
    expect(patches[0]!.headers['content-type']).toBe('application/merge-patch+json');
    expect(patches[0]!.body).toEqual({ count: 2, lastTimestamp: '2024-05-01T10:05:00.000Z' });
    expect(patches[1]!.body).toEqual({ count: 3, lastTimestamp: '2024-05-01T10:14:00.000Z' });
  });

  it('creates a new Event after the window, for another message/reason/object', async () => {
    await recorder.record(es, 'Warning', 'SyncFailed', 'same');
    await recorder.record(es, 'Warning', 'SyncFailed', 'different message');
    await recorder.record(es, 'Normal', 'Updated', 'same');
    await recorder.record({ ...es, name: 'other' }, 'Warning', 'SyncFailed', 'same');
    clock += 10 * 60_000;
    await recorder.record(es, 'Warning', 'SyncFailed', 'same');
    expect(server.requestsTo('POST', EVENTS)).toHaveLength(5);
    expect(server.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);
  });

  it('re-creates the Event when the one to bump has expired (404)', async () => {
    await recorder.record(es, 'Warning', 'SyncFailed', 'same');
    const name = (server.requestsTo('POST', EVENTS)[0]!.body as KubeEvent).metadata!.name!;
    server.reply('PATCH', `${EVENTS}/${name}`, { status: 404, body: status(404, 'NotFound', 'events not found') });
    clock += 60_000;
    await recorder.record(es, 'Warning', 'SyncFailed', 'same');
    expect(server.requestsTo('POST', EVENTS)).toHaveLength(2);
    expect((server.requestsTo('POST', EVENTS)[1]!.body as KubeEvent).count).toBe(1);
  });

  it('concurrent identical records create one Event', async () => {
    await Promise.all([1, 2, 3].map(() => recorder.record(es, 'Warning', 'SyncFailed', 'same')));
    expect(server.requestsTo('POST', EVENTS)).toHaveLength(1);
    expect(server.requests.filter((r) => r.method === 'PATCH')).toHaveLength(2);
  });

  describe('memo bound (maxEntries)', () => {
    const bounded = () =>
      new KubeEventRecorder({ core: makeKubeClients(server.kubeConfig()).core, clock: { now: () => clock }, maxEntries: 2, logger: { warn: () => {}, debug: () => {} } as never });
    const posts = () => server.requestsTo('POST', EVENTS).length;
    const patches = () => server.requests.filter((r) => r.method === 'PATCH').length;

    it('forgets the oldest Event beyond the bound: its repeat is a new Event', async () => {
      const r = bounded();
      for (const m of ['a', 'b', 'c']) await r.record(es, 'Warning', 'SyncFailed', m);
      await r.record(es, 'Warning', 'SyncFailed', 'c');
      await r.record(es, 'Warning', 'SyncFailed', 'a');
      expect([posts(), patches()]).toEqual([4, 1]);
    });

    it('keeps an Event repeated since over one that was not, when the memo is full', async () => {
      const r = bounded();
      await r.record(es, 'Warning', 'SyncFailed', 'a');
      await r.record(es, 'Warning', 'SyncFailed', 'b');
      clock += 1000;
      await r.record(es, 'Warning', 'SyncFailed', 'a'); // bumped: now the most recent
      await r.record(es, 'Warning', 'SyncFailed', 'c'); // full: b goes, not a
      await r.record(es, 'Warning', 'SyncFailed', 'a');
      expect([posts(), patches()]).toEqual([3, 2]);
      await r.record(es, 'Warning', 'SyncFailed', 'b');
      expect(posts()).toBe(4);
    });
  });

  it('puts Events of cluster-scoped objects in "default"', async () => {
    await recorder.record({ apiVersion: 'rotor.dev/v1alpha1', kind: 'ClusterSecretStore', name: 'shared' }, 'Warning', 'InvalidProviderConfig', 'bad');
    const [post] = server.requestsTo('POST', '/api/v1/namespaces/default/events');
    expect((post!.body as KubeEvent).involvedObject.namespace).toBeUndefined();
  });

  it('truncates messages to 1024 characters', async () => {
    await recorder.record(es, 'Warning', 'SyncFailed', 'x'.repeat(5000));
    const message = (server.requestsTo('POST', EVENTS)[0]!.body as KubeEvent).message!;
    expect(message).toHaveLength(MAX_EVENT_MESSAGE);
    expect(message.endsWith('...')).toBe(true);
    expect(truncateMessage('short')).toBe('short');
  });

  it('logs failures and never throws', async () => {
    server.reply('POST', EVENTS, { status: 403, body: status(403, 'Forbidden', 'events is forbidden') });
    await expect(recorder.record(es, 'Warning', 'SyncFailed', 'm')).resolves.toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0])).toContain('events is forbidden');
    await server.close();
    await expect(recorder.record(es, 'Normal', 'Created', 'm')).resolves.toBeUndefined();
    expect(warnings).toHaveLength(2);
    server = await FakeApiServer.start(); // afterEach closes it
  });
});
