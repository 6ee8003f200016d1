// KubeWorkloadClient against a throwaway HTTP server on 127.0.0.1 that answers like the
// Kubernetes API server: checks the real kube/client/api.ts wiring (URLs, merge-patch
// Content-Type, pagination, error mapping, Argo Rollouts CRD absence).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeKubeClients } from '../../src/kube/client/clients.js';
import { KubeWorkloadClient } from '../../src/kube/workloads.js';
import { KubeApiError } from '../../src/kube/client/errors.js';

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string | undefined;
  body: string;
}

let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let handler: (req: Seen, res: ServerResponse) => void;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function statusBody(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message };
}

function deployment(name: string, extra: Record<string, unknown> = {}) {
  return {
    metadata: { name, uid: `uid-${name}`, labels: { app: name }, annotations: { 'rotor.dev/reload': 'db' } },
    spec: { template: { metadata: { annotations: { 'rotor.dev/restarted-for': 'db=0123456789abcdef', other: 'x' } } } },
    ...extra,
  };
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const s: Seen = { method: req.method ?? '', path: url.pathname, query: url.searchParams, contentType: req.headers['content-type'], body };
      seen.push(s);
      handler(s, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
  handler = (_req, res) => json(res, 404, statusBody(404, 'NotFound', 'not found'));
});

function client(now: () => number = Date.now): KubeWorkloadClient {
  const clients = makeKubeClients({ source: 'test', context: 'test', cluster: { server: baseUrl, insecureSkipTlsVerify: true }, user: { token: 'test-token' } });
  return KubeWorkloadClient.fromClients(clients, { clock: { now }, pageSize: 2, argoRecheckMs: 60_000 });
}

describe('KubeWorkloadClient', () => {
  it('lists Deployments page by page and summarises them', async () => {
    handler = (req, res) => {
      if (req.path !== '/apis/apps/v1/namespaces/apps/deployments') return json(res, 404, statusBody(404, 'NotFound', 'x'));
      if (!req.query.get('continue')) return json(res, 200, { kind: 'DeploymentList', metadata: { continue: 'page-2' }, items: [deployment('a'), deployment('b')] });
      return json(res, 200, { kind: 'DeploymentList', metadata: {}, items: [deployment('c')] });
    };
    const list = await client().list('apps', 'Deployment');
    expect(list.map((w) => w.name)).toEqual(['a', 'b', 'c']);
    expect(list[0]).toEqual({
      kind: 'Deployment',
      name: 'a',
      uid: 'uid-a',
      labels: { app: 'a' },
      annotations: { 'rotor.dev/reload': 'db' },
      templateAnnotations: { 'rotor.dev/restarted-for': 'db=0123456789abcdef', other: 'x' },
      restartedFor: 'db=0123456789abcdef',
    });
    expect(seen.map((s) => [s.query.get('limit'), s.query.get('continue')])).toEqual([
      ['2', null],
      ['2', 'page-2'],
    ]);
  });

  it('marks StatefulSets with the OnDelete update strategy', async () => {
    handler = (req, res) =>
      json(res, 200, { kind: 'StatefulSetList', metadata: {}, items: [deployment('db', { spec: { updateStrategy: { type: 'OnDelete' }, template: {} } })] });
    const [db] = await client().list('apps', 'StatefulSet');
    expect(seen[0]!.path).toBe('/apis/apps/v1/namespaces/apps/statefulsets');
    expect(db!.onDeleteUpdateStrategy).toBe(true);
  });

  it('merge-patches the pod template annotations of a Deployment', async () => {
    handler = (_req, res) => json(res, 200, deployment('web'));
    await client().patchTemplateAnnotations('apps', 'Deployment', 'web', { 'rotor.dev/restarted-for': 'db=0123456789abcdef' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe('PATCH');
    expect(seen[0]!.path).toBe('/apis/apps/v1/namespaces/apps/deployments/web');
    expect(seen[0]!.contentType).toBe('application/merge-patch+json');
    expect(seen[0]!.query.get('fieldManager')).toBe('rotor');
    expect(JSON.parse(seen[0]!.body)).toEqual({ spec: { template: { metadata: { annotations: { 'rotor.dev/restarted-for': 'db=0123456789abcdef' } } } } });
  });

  it('merge-patches DaemonSets and Argo Rollouts at the same path', async () => {
    handler = (_req, res) => json(res, 200, deployment('x'));
    const c = client();
    await c.patchTemplateAnnotations('apps', 'DaemonSet', 'agent', { k: 'v' });
    await c.patchTemplateAnnotations('apps', 'Rollout', 'canary', { k: 'v' });
    expect(seen.map((s) => [s.path, s.contentType])).toEqual([
      ['/apis/apps/v1/namespaces/apps/daemonsets/agent', 'application/merge-patch+json'],
      ['/apis/argoproj.io/v1alpha1/namespaces/apps/rollouts/canary', 'application/merge-patch+json'],
    ]);
    expect(JSON.parse(seen[1]!.body)).toEqual({ spec: { template: { metadata: { annotations: { k: 'v' } } } } });
  });

  it('maps a forbidden patch to KubeApiError with code 403, the reason and the API message', async () => {
    handler = (_req, res) =>
      json(res, 403, statusBody(403, 'Forbidden', 'statefulsets.apps "db" is forbidden: User "system:serviceaccount:rotor:rotor" cannot patch resource'));
    const err = await client()
      .patchTemplateAnnotations('apps', 'StatefulSet', 'db', { k: 'v' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).code).toBe(403);
    expect((err as KubeApiError).reason).toBe('Forbidden');
    expect((err as KubeApiError).message).toMatch(/^patch StatefulSet\/db in namespace apps failed \(HTTP 403\): statefulsets\.apps "db" is forbidden/);
    // The raw ApiException text (headers, JSON body) is not carried over.
    expect((err as KubeApiError).message).not.toContain('Headers');
  });

  it('remembers that Argo Rollouts is not installed and asks again only after the recheck interval', async () => {
    handler = (_req, res) => json(res, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource'));
    let now = 1_000_000;
    const c = client(() => now);
    expect(await c.list('apps', 'Rollout')).toEqual([]);
    expect(await c.list('apps', 'Rollout')).toEqual([]);
    expect(await c.list('other', 'Rollout')).toEqual([]);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.path).toBe('/apis/argoproj.io/v1alpha1/namespaces/apps/rollouts');
    expect(c.argoRolloutsMissing()).toBe(true);

    now += 60_001;
    handler = (_req, res) =>
      json(res, 200, {
        kind: 'RolloutList',
        metadata: {},
        items: [
          { metadata: { name: 'canary' }, spec: { template: { metadata: { annotations: { a: 'b' } } } } },
          { metadata: { name: 'ref' }, spec: { workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } } },
        ],
      });
    const list = await c.list('apps', 'Rollout');
    expect(seen).toHaveLength(2);
    expect(list.map((w) => [w.name, w.templateAnnotations, w.workloadRef])).toEqual([
      ['canary', { a: 'b' }, undefined],
      ['ref', {}, { kind: 'Deployment', name: 'web' }],
    ]);
    expect(c.argoRolloutsMissing()).toBe(false);
  });

  it('remembers that listing Argo Rollouts is forbidden (403) and asks again only after the recheck interval', async () => {
    handler = (_req, res) => json(res, 403, statusBody(403, 'Forbidden', 'rollouts.argoproj.io is forbidden'));
    let now = 1_000_000;
    const c = client(() => now);
    for (const namespace of ['apps', 'apps', 'other']) {
      const err = await c.list(namespace, 'Rollout').then(() => undefined, (e: unknown) => e);
      expect((err as KubeApiError).code).toBe(403);
    }
    expect(seen).toHaveLength(1);
    now += 60_001;
    handler = (_req, res) => json(res, 200, { kind: 'RolloutList', metadata: {}, items: [{ metadata: { name: 'canary' }, spec: { template: {} } }] });
    expect((await c.list('apps', 'Rollout')).map((w) => w.name)).toEqual(['canary']);
    expect((await c.list('apps', 'Rollout')).map((w) => w.name)).toEqual(['canary']);
    expect(seen).toHaveLength(3);
  });

  it('a 404 on a built-in kind is an error, not "not installed"', async () => {
    const err = await client()
      .list('apps', 'Deployment')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).code).toBe(404);
  });
});
