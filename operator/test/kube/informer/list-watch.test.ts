// The real ListWatchSource (kube/client/rest.ts watch + list calls) against a fake API server over HTTP.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeApiError } from '../../../src/kube/client/errors.js';
import type { Secret } from '../../../src/kube/client/objects.js';
import { makeKubeClients } from '../../../src/kube/client/clients.js';
import { configMapListWatchSource, customResourceListWatchSource, secretListWatchSource, type KubeObject, type WatchEvent } from '../../../src/kube/informer/list-watch.js';
import { ResilientInformer } from '../../../src/kube/informer/resilient-informer.js';
import { FakeApiServer, status, type WatchWriter } from '../fake-apiserver.js';

function secret(name: string, rv: string): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'ns', resourceVersion: rv, creationTimestamp: '2024-05-01T10:00:00Z', labels: { 'rotor.dev/managed': 'true' } },
    data: { k: 'dg==' },
  };
}

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('kube list/watch source over HTTP', () => {
  let server: FakeApiServer;
  beforeEach(async () => {
    server = await FakeApiServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  it('lists Secrets page by page with the label selector and returns plain JSON', async () => {
    server.reply('GET', '/api/v1/secrets', (r) =>
      r.query.get('continue') === 'page2'
        ? { status: 200, body: { kind: 'SecretList', metadata: { resourceVersion: '50' }, items: [secret('b', '41')] } }
        : { status: 200, body: { kind: 'SecretList', metadata: { resourceVersion: '50', continue: 'page2' }, items: [secret('a', '40')] } },
    );
    const clients = makeKubeClients(server.kubeConfig());
    const source = secretListWatchSource<Secret>(clients, { labelSelector: 'rotor.dev/managed=true' });
    const seen: string[] = [];
    const result = await source.list((s) => {
      seen.push(s.metadata!.name!);
      return s.metadata?.name === 'b' ? undefined : s;
    });
    expect(result.resourceVersion).toBe('50');
    // Each page passes through `prepare` as it arrives; what it drops is not returned.
    expect(seen).toEqual(['a', 'b']);
    expect(result.items.map((s) => s.metadata?.name)).toEqual(['a']);
    // Same shape as watch events: timestamps stay strings.
    expect(typeof result.items[0]!.metadata!.creationTimestamp).toBe('string');
    const lists = server.requestsTo('GET', '/api/v1/secrets');
    expect(lists).toHaveLength(2);
    expect(lists[0]!.query.get('labelSelector')).toBe('rotor.dev/managed=true');
    // Small pages: a Secret may hold 1 MiB and anyone may label theirs (issue #15, item 6).
    expect(lists[0]!.query.get('limit')).toBe('50');
    expect(lists[1]!.query.get('continue')).toBe('page2');
    expect(lists[0]!.headers.authorization).toBe('Bearer test-token');
  });

  it('watches with resourceVersion, bookmarks and the selector, and parses events', async () => {
    let writer: WatchWriter | undefined;
    server.reply('GET', '/api/v1/namespaces/ns/secrets', { stream: (w) => (writer = w) });
    const clients = makeKubeClients(server.kubeConfig());
    const source = secretListWatchSource<Secret>(clients, { labelSelector: 'rotor.dev/managed=true', namespace: 'ns' });
    const events: WatchEvent<Secret>[] = [];
    let done: unknown = 'not yet';
    const handle = await source.watch('77', (e) => events.push(e), (err) => (done = err));
    const request = server.requestsTo('GET', '/api/v1/namespaces/ns/secrets')[0]!;
    expect(request.query.get('watch')).toBe('true');
    expect(request.query.get('resourceVersion')).toBe('77');
    expect(request.query.get('allowWatchBookmarks')).toBe('true');
    expect(request.query.get('labelSelector')).toBe('rotor.dev/managed=true');

    writer!.event('ADDED', secret('a', '78'));
    writer!.event('BOOKMARK', { kind: 'Secret', apiVersion: 'v1', metadata: { resourceVersion: '90' } });
    writer!.event('ERROR', status(410, 'Expired', 'too old resource version: 77 (95)'));
    await until(() => events.length === 3, 'three events');
    expect(events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'a' } } });
    expect(events[1]).toEqual({ type: 'BOOKMARK', resourceVersion: '90' });
    expect(events[2]).toMatchObject({ type: 'ERROR', status: { code: 410, reason: 'Expired' } });
    writer!.end();
    await until(() => done !== 'not yet', 'onDone');
    expect(done).toBeUndefined();
    handle.abort();
  });

  it('lists ConfigMaps in one namespace or all, with the selector and small pages, and watches the same path', async () => {
    const page = { kind: 'ConfigMapList', metadata: { resourceVersion: '9' }, items: [{ metadata: { name: 'c', namespace: 'ns', resourceVersion: '8' } }] };
    server.reply('GET', '/api/v1/namespaces/ns/configmaps', (r) => (r.query.get('watch') === 'true' ? { stream: () => {} } : { status: 200, body: page }));
    server.reply('GET', '/api/v1/configmaps', { status: 200, body: page });
    const clients = makeKubeClients(server.kubeConfig());
    const one = configMapListWatchSource<KubeObject>(clients, { labelSelector: 'rotor.dev/managed=true', namespace: 'ns' });
    expect((await one.list()).items.map((c) => c.metadata?.name)).toEqual(['c']);
    expect((await configMapListWatchSource<KubeObject>(clients, { labelSelector: 'x=y' }).list()).resourceVersion).toBe('9');
    const [namespaced] = server.requestsTo('GET', '/api/v1/namespaces/ns/configmaps');
    expect(namespaced!.query.get('labelSelector')).toBe('rotor.dev/managed=true');
    expect(namespaced!.query.get('limit')).toBe('50');
    expect(server.requestsTo('GET', '/api/v1/configmaps')[0]!.query.get('labelSelector')).toBe('x=y');
    const handle = await one.watch('9', () => {}, () => {});
    await until(() => server.streams.length === 1, 'stream');
    expect(server.requestsTo('GET', '/api/v1/namespaces/ns/configmaps')[1]!.query.get('watch')).toBe('true');
    handle.abort();
  });

  it('reports an HTTP 410 on the watch request as a KubeApiError with code 410', async () => {
    server.reply('GET', '/apis/rotor.dev/v1alpha1/externalsecrets', (r) =>
      r.query.get('watch') === 'true' ? { status: 410, body: status(410, 'Gone', 'gone') } : undefined!,
    );
    const clients = makeKubeClients(server.kubeConfig());
    const source = customResourceListWatchSource(clients, { plural: 'externalsecrets' });
    let done: unknown;
    await source.watch('5', () => {}, (err) => (done = err));
    await until(() => done !== undefined, 'onDone');
    expect(done).toBeInstanceOf(KubeApiError);
    expect((done as KubeApiError).code).toBe(410);
  });

  it('applies the configured inactivity timeout to a silent watch (TimeoutError)', async () => {
    server.reply('GET', '/api/v1/secrets', { stream: () => {} });
    const clients = makeKubeClients(server.kubeConfig());
    const source = secretListWatchSource(clients, { labelSelector: 'a=b', inactivityTimeoutMs: 150 });
    let done: unknown;
    const startedAt = Date.now();
    await source.watch('1', () => {}, (err) => (done = err));
    await until(() => done !== undefined, 'timeout', 5000);
    expect((done as Error).name).toBe('TimeoutError');
    // Well under the 90s default: our setting took effect.
    expect(Date.now() - startedAt).toBeLessThan(5000);
  });

  it('abort() closes the stream on the server side', async () => {
    server.reply('GET', '/apis/rotor.dev/v1alpha1/clustersecretstores', (r) =>
      r.query.get('watch') === 'true' ? { stream: () => {} } : { status: 200, body: { items: [], metadata: { resourceVersion: '1' } } },
    );
    const clients = makeKubeClients(server.kubeConfig());
    const source = customResourceListWatchSource(clients, { plural: 'clustersecretstores' });
    const handle = await source.watch('1', () => {}, () => {});
    await until(() => server.streams.length === 1, 'stream');
    handle.abort();
    await until(() => server.streams[0]!.closed, 'server sees the close');
  });

  it('an informer on the real source survives a dropped connection and sees deletions made meanwhile', async () => {
    let items = [
      { apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', metadata: { name: 'a', namespace: 'ns', resourceVersion: '10' } },
      { apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', metadata: { name: 'b', namespace: 'ns', resourceVersion: '11' } },
    ];
    server.reply('GET', '/apis/rotor.dev/v1alpha1/namespaces/ns/externalsecrets', (r) =>
      r.query.get('watch') === 'true'
        ? { stream: () => {} }
        : { status: 200, body: { apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecretList', metadata: { resourceVersion: '12' }, items } },
    );
    const clients = makeKubeClients(server.kubeConfig());
    const informer = new ResilientInformer({
      resource: 'externalsecrets',
      source: customResourceListWatchSource(clients, { plural: 'externalsecrets', namespace: 'ns' }),
      backoff: { baseMs: 10, maxMs: 50, jitter: 0 },
    });
    const deleted: string[] = [];
    informer.onDelete((o) => deleted.push(o.metadata?.name ?? ''));
    await informer.start();
    await until(() => informer.healthy(), 'healthy');
    expect(informer.list()).toHaveLength(2);

    items = items.slice(0, 1);
    server.streams[0]!.destroy();
    await until(() => deleted.length === 1, 'delete after relist');
    expect(deleted).toEqual(['b']);
    await until(() => informer.healthy() && server.streams.length === 2, 'watching again');
    const watches = server.requests.filter((r) => r.query.get('watch') === 'true');
    expect(watches.map((w) => w.query.get('resourceVersion'))).toEqual(['12', '12']);
    await informer.stop();
    await until(() => server.streams.every((s) => s.closed), 'streams closed after stop');
  });
});
