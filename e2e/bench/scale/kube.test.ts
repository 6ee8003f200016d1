// The benchmark's KubeApi (kube.ts) on the operator's own client, against the unit tests' fake
// API server: it reads the bed's admin.kubeconfig, creates in bulk with 409 counted as done,
// gets, patches, reads /metrics as text, and keeps one watch open across stream ends.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApiServer, status, type WatchWriter } from '../../../operator/test/kube/fake-apiserver.js';
import { KubeApi } from './kube.js';

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('scale benchmark KubeApi', () => {
  let server: FakeApiServer;
  let bed: string;
  let api: KubeApi;

  beforeEach(async () => {
    server = await FakeApiServer.start();
    bed = mkdtempSync(join(tmpdir(), 'rotor-bench-kube-'));
    writeFileSync(
      join(bed, 'admin.kubeconfig'),
      `apiVersion: v1
kind: Config
clusters: [{name: bed, cluster: {server: "${server.url}"}}]
users: [{name: admin, user: {token: admin-token}}]
contexts: [{name: bed, context: {cluster: bed, user: admin}}]
current-context: bed
`,
    );
    api = new KubeApi(bed);
  });
  afterEach(async () => {
    api.destroy();
    await server.close();
    rmSync(bed, { recursive: true, force: true });
  });

  it('authenticates with the bed admin kubeconfig and creates every object, an existing one counting as done', async () => {
    const path = '/apis/rotor.dev/v1alpha1/namespaces/bench/externalsecrets';
    server.reply('POST', path, (r) =>
      (r.body as { metadata: { name: string } }).metadata.name === 'b' ? { status: 409, body: status(409, 'AlreadyExists', 'exists') } : { status: 201, body: r.body },
    );
    await api.createAll(path, ['a', 'b', 'c', 'd'].map((name) => ({ metadata: { name } })), 2);
    const posts = server.requestsTo('POST', path);
    expect(posts.map((p) => (p.body as { metadata: { name: string } }).metadata.name).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(posts[0]!.headers.authorization).toBe('Bearer admin-token');
  });

  it('fails createAll and create on any other error', async () => {
    server.reply('POST', '/api/v1/namespaces', { status: 403, body: status(403, 'Forbidden', 'no') });
    await expect(api.createAll('/api/v1/namespaces', [{ metadata: { name: 'x' } }])).rejects.toMatchObject({ code: 403 });
    await expect(api.create('/api/v1/namespaces', { metadata: { name: 'x' } })).rejects.toMatchObject({ code: 403 });
  });

  it('gets (undefined when missing), merge-patches, and reads /metrics as text', async () => {
    server.reply('GET', '/api/v1/namespaces/ns/secrets/there', { status: 200, body: { data: { v: 'eA==' } } });
    server.reply('PATCH', '/api/v1/namespaces/ns/secrets/there', { status: 200, body: {} });
    server.reply('GET', '/metrics', { status: 200, body: 'apiserver_request_total 3' });
    expect(await api.get('/api/v1/namespaces/ns/secrets/there')).toEqual({ data: { v: 'eA==' } });
    expect(await api.get('/api/v1/namespaces/ns/secrets/missing')).toBeUndefined();
    await api.patch('/api/v1/namespaces/ns/secrets/there', { metadata: { annotations: { a: '1' } } });
    expect(server.requestsTo('PATCH', '/api/v1/namespaces/ns/secrets/there')[0]!.headers['content-type']).toBe('application/merge-patch+json');
    // The fake sends its body as JSON: a string arrives quoted, and is returned as it came.
    expect(await api.metrics()).toBe('"apiserver_request_total 3"');
  });

  it('watches from the resourceVersion, skips bookmarks, and reopens a closed stream from the last one seen', async () => {
    const path = '/apis/rotor.dev/v1alpha1/namespaces/bench/externalsecrets';
    const writers: WatchWriter[] = [];
    server.reply('GET', path, { stream: (w) => writers.push(w) });
    const seen: string[] = [];
    const watch = api.watch(path, '0', (type, object) => seen.push(`${type} ${object.metadata.name}`));
    await until(() => writers.length === 1, 'the watch');
    writers[0]!.event('ADDED', { metadata: { name: 'a', resourceVersion: '5' } });
    writers[0]!.event('BOOKMARK', { metadata: { resourceVersion: '7' } });
    await until(() => seen.length === 1, 'ADDED a');
    writers[0]!.end();
    await until(() => writers.length === 2, 'the reopened watch');
    writers[1]!.event('MODIFIED', { metadata: { name: 'a', resourceVersion: '8' } });
    await until(() => seen.length === 2, 'MODIFIED a');
    watch.stop();
    const opened = server.requestsTo('GET', path);
    expect(opened.map((r) => [r.query.get('watch'), r.query.get('resourceVersion'), r.query.get('allowWatchBookmarks')])).toEqual([
      ['true', '0', 'true'],
      ['true', '7', 'true'],
    ]);
    expect(seen).toEqual(['ADDED a', 'MODIFIED a']);
    await until(() => writers[1]!.closed, 'stop() closes the stream');
  });
});
