// kube/client/rest.ts + kube/client/auth.ts against a real HTTPS server on 127.0.0.1 with a PKI made at test
// time: TLS verification, one shared connection pool, every kind of credential (token, token
// file rotation, basic, client certificate, exec plugins), error mapping, timeouts and the
// watch stream parser.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CoordinationApi, CoreApi, CustomObjectsApi } from '../../../src/kube/client/api.js';
import { KubeAuth, PLUGIN_STDERR_LOG_LIMIT, type PluginLogger } from '../../../src/kube/client/auth.js';
import { ConflictError, KubeApiError, isConflict, isNotFound, toKubeApiError } from '../../../src/kube/client/errors.js';
import type { ClusterConfig, KubeConfig, UserConfig } from '../../../src/kube/client/kube-config.js';
import { KubeRestClient, MAX_WATCH_LINE_CHARS, WatchLineTooLongError } from '../../../src/kube/client/rest.js';
import { LeadershipLostError, WriteFence } from '../../../src/kube/client/write-fence.js';
import { makeTestPki, type TestPki } from '../tls-fixture.js';

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization?: string;
  contentType?: string;
  clientCN?: string;
  body: string;
}
type Handler = (req: Seen, res: ServerResponse) => void;

let pki: TestPki;
let server: https.Server;
let port: number;
let seen: Seen[];
let connections: number;
let handler: Handler;
let dir: string;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
const statusBody = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });

beforeAll(async () => {
  pki = makeTestPki();
  server = https.createServer({ cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requestCert: true, rejectUnauthorized: false }, (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://x');
      const socket = req.socket as TLSSocket;
      const peer = socket.authorized ? socket.getPeerCertificate() : undefined;
      const s: Seen = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        clientCN: peer?.subject?.CN as string | undefined,
        body,
      };
      seen.push(s);
      handler(s, res);
    });
  });
  server.on('secureConnection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
  connections = 0;
  handler = (_req, res) => json(res, 200, { kind: 'Secret', metadata: { name: 'x' } });
  dir = mkdtempSync(join(tmpdir(), 'rotor-rest-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  server.closeAllConnections();
});

function config(user: UserConfig, cluster: Partial<ClusterConfig> = {}): KubeConfig {
  return { source: 'test', context: 'test', cluster: { server: `https://127.0.0.1:${port}`, certificateAuthority: pki.ca, insecureSkipTlsVerify: false, ...cluster }, user };
}
function client(user: UserConfig = { token: 'abc' }, cluster: Partial<ClusterConfig> = {}, options: ConstructorParameters<typeof KubeRestClient>[1] = {}): KubeRestClient {
  return new KubeRestClient(config(user, cluster), options);
}
const get = (rest: KubeRestClient, path = '/api/v1/namespaces/ns/secrets/x') => rest.request<{ metadata: { name: string } }>({ method: 'GET', path });

describe('KubeRestClient over TLS', () => {
  it('verifies the server with the kubeconfig CA, sends the token, and reuses one connection', async () => {
    const rest = client();
    for (let i = 0; i < 20; i++) expect((await get(rest)).metadata.name).toBe('x');
    await Promise.all(Array.from({ length: 8 }, () => get(rest)));
    expect(seen).toHaveLength(28);
    expect(seen.every((s) => s.authorization === 'Bearer abc')).toBe(true);
    // Sequential requests ride one keep-alive connection; concurrent ones open at most one each.
    expect(connections).toBeLessThanOrEqual(8);
    expect(connections).toBeGreaterThanOrEqual(1);
    const before = connections;
    for (let i = 0; i < 10; i++) await get(rest);
    expect(connections).toBe(before);
    rest.close();
  });

  it('refuses a server its CA did not sign, unless insecure-skip-tls-verify', async () => {
    const error = await get(client({ token: 'abc' }, { certificateAuthority: pki.otherCa })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const mapped = toKubeApiError(error, 'read Secret ns/x');
    expect(mapped.code).toBe(0);
    expect(mapped.retryable).toBe(true);
    expect(mapped.message).toMatch(/^read Secret ns\/x: .*certificate/);
    expect(seen).toHaveLength(0);
    await expect(get(client({ token: 'abc' }, { certificateAuthority: undefined, insecureSkipTlsVerify: true }))).resolves.toMatchObject({ metadata: { name: 'x' } });
  });

  it('verifies the certificate against tls-server-name when the address is not in it', async () => {
    const byName = { server: `https://localhost:${port}` };
    await expect(get(client({ token: 'abc' }, byName))).rejects.toThrow(/altnames|localhost/);
    await expect(get(client({ token: 'abc' }, { ...byName, tlsServerName: 'kube.test' }))).resolves.toMatchObject({ metadata: { name: 'x' } });
  });

  it('authenticates with a client certificate (mutual TLS)', async () => {
    await get(client({ clientCertificate: pki.clientCert, clientKey: pki.clientKey }));
    expect(seen[0]!.clientCN).toBe('rotor-client');
    expect(seen[0]!.authorization).toBeUndefined();
  });

  it('sends basic auth', async () => {
    await get(client({ username: 'admin', password: 'pw' }));
    expect(seen[0]!.authorization).toBe(`Basic ${Buffer.from('admin:pw').toString('base64')}`);
  });

  it('sends no credentials for a user without any', async () => {
    await get(client({}));
    expect(seen[0]!.authorization).toBeUndefined();
  });
});

describe('token file', () => {
  it('is re-read after its TTL (projected tokens rotate), and at once after a 401', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'one\n');
    let clock = 1_000_000;
    const user = { tokenFile: file };
    const auth = new KubeAuth(user, config(user).cluster, { clock: { now: () => clock }, tokenFileTtlMs: 60_000 });
    const rest = client(user, {}, { auth });
    await get(rest);
    writeFileSync(file, 'two\n');
    await get(rest);
    clock += 61_000;
    await get(rest);
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer one', 'Bearer one', 'Bearer two']);

    // Rotated again within the TTL and the old token is already refused: one retry with the new one.
    writeFileSync(file, 'three\n');
    handler = (req, res) => (req.authorization === 'Bearer three' ? json(res, 200, { metadata: { name: 'x' } }) : json(res, 401, statusBody(401, 'Unauthorized', 'Unauthorized')));
    await expect(get(rest)).resolves.toMatchObject({ metadata: { name: 'x' } });
    expect(seen.slice(3).map((s) => s.authorization)).toEqual(['Bearer two', 'Bearer three']);
  });

  it('keeps the last good token when the file cannot be read, and names the file when there never was one', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'good');
    let clock = 0;
    const user = { tokenFile: file };
    const rest = client(user, {}, { auth: new KubeAuth(user, config(user).cluster, { clock: { now: () => clock }, tokenFileTtlMs: 10 }) });
    await get(rest);
    rmSync(file);
    clock += 100;
    await get(rest);
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer good', 'Bearer good']);
    await expect(get(client({ tokenFile: join(dir, 'absent') }))).rejects.toThrow(`cannot read the token file ${join(dir, 'absent')} (ENOENT)`);
  });
});

describe('exec credential plugin', () => {
  /** A plugin that counts its runs and returns token `<arg>-<run>` expiring at $EXPIRY. */
  function plugin(): { command: string; args: string[]; runs: () => string[] } {
    const log = join(dir, 'runs');
    writeFileSync(log, '');
    const script = join(dir, 'plugin.mjs');
    writeFileSync(
      script,
      `import { appendFileSync, readFileSync } from 'node:fs';
const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO);
if (process.env.FAIL) { process.stderr.write('boom: ' + process.env.FAIL + '\\n'); process.exit(3); }
appendFileSync(${JSON.stringify(log)}, JSON.stringify({ info, fromKubeconfig: process.env.FROM_KUBECONFIG }) + '\\n');
const run = readFileSync(${JSON.stringify(log)}, 'utf8').trim().split('\\n').length;
console.log(JSON.stringify({ apiVersion: info.apiVersion, kind: 'ExecCredential', status: { token: process.argv[2] + '-' + run, expirationTimestamp: process.env.EXPIRY } }));
`,
    );
    return { command: process.execPath, args: [script, 'tok'], runs: () => readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) };
  }

  it('runs once per credential with the kubeconfig args and env, caches it until expirationTimestamp', async () => {
    const p = plugin();
    const expiry = '2030-01-01T00:00:00Z';
    const user: UserConfig = {
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: p.command,
        args: p.args,
        env: [{ name: 'FROM_KUBECONFIG', value: 'yes' }, { name: 'EXPIRY', value: expiry }],
        provideClusterInfo: true,
      },
    };
    let clock = Date.parse(expiry) - 3_600_000;
    const rest = client(user, {}, { auth: new KubeAuth(user, config(user).cluster, { clock: { now: () => clock } }) });
    await Promise.all([get(rest), get(rest), get(rest)]);
    await get(rest);
    expect(p.runs()).toHaveLength(1);
    expect(seen.map((s) => s.authorization)).toEqual(Array(4).fill('Bearer tok-1'));
    const run = JSON.parse(p.runs()[0]!) as { info: { apiVersion: string; kind: string; spec: { interactive: boolean; cluster?: { server: string } } }; fromKubeconfig: string };
    expect(run.fromKubeconfig).toBe('yes');
    expect(run.info).toMatchObject({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false, cluster: { server: `https://127.0.0.1:${port}` } } });

    clock = Date.parse(expiry) + 1;
    await get(rest);
    expect(p.runs()).toHaveLength(2);
    expect(seen.at(-1)!.authorization).toBe('Bearer tok-2');
  });

  it('runs again when the API server answers 401 (the credential was revoked early), and retries once', async () => {
    const p = plugin();
    const user: UserConfig = { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: p.command, args: p.args, env: [], provideClusterInfo: false } };
    const rest = client(user);
    handler = (req, res) => (req.authorization === 'Bearer tok-1' ? json(res, 401, statusBody(401, 'Unauthorized', 'Unauthorized')) : json(res, 200, { metadata: { name: 'x' } }));
    await expect(get(rest)).resolves.toMatchObject({ metadata: { name: 'x' } });
    expect(p.runs()).toHaveLength(2);
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    // A second 401 in a row is the answer, not a reason to loop.
    handler = (_req, res) => json(res, 401, statusBody(401, 'Unauthorized', 'Unauthorized'));
    const error = await get(rest).catch((e: unknown) => e);
    expect((error as KubeApiError).code).toBe(401);
    expect(p.runs()).toHaveLength(3);
  });

  it('reports a failing or missing plugin by command and exit code; its stderr goes only to the log, truncated', async () => {
    const p = plugin();
    const failing: UserConfig = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: p.command, args: p.args, env: [{ name: 'FAIL', value: 'role arn:aws:iam::123456789012:role/team-b' }], provideClusterInfo: false } };
    const logged: { fields: Record<string, unknown>; message: string }[] = [];
    const logger = { warn: (fields: Record<string, unknown>, message: string) => logged.push({ fields, message }) } as unknown as PluginLogger;
    const error = (await get(client(failing, {}, { logger })).catch((e: unknown) => e)) as Error;
    // The message reaches status conditions and Events: fixed text, no plugin output.
    expect(error.message).toBe(
      `exec credential plugin "${process.execPath}" failed (exit 3): fix its configuration or credentials; its stderr is in the operator log (never in status or Events), or run it by hand with the same environment to see why`,
    );
    expect(error.message).not.toContain('123456789012');
    expect(logged).toEqual([{ fields: { command: process.execPath, exitCode: 3, stderr: 'boom: role arn:aws:iam::123456789012:role/team-b' }, message: 'exec credential plugin failed; its stderr follows' }]);
    // A plugin that writes megabytes to stderr is logged truncated.
    const chatty: UserConfig = { exec: { ...failing.exec!, env: [{ name: 'FAIL', value: 'x'.repeat(10_000) }] } };
    await get(client(chatty, {}, { logger })).catch(() => undefined);
    const stderr = String(logged[1]!.fields.stderr);
    expect(stderr.length).toBeLessThan(PLUGIN_STDERR_LOG_LIMIT + 40);
    expect(stderr).toMatch(/… \(\d+ more characters\)$/);
    const missing: UserConfig = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'rotor-no-such-plugin', args: [], env: [], installHint: 'install it from the docs', provideClusterInfo: false } };
    await expect(get(client(missing))).rejects.toThrow('exec credential plugin "rotor-no-such-plugin" not found: install it from the docs');
    const script = join(dir, 'wrong.sh');
    writeFileSync(script, `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}}'\n`);
    chmodSync(script, 0o755);
    const wrongVersion: UserConfig = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: script, args: [], env: [], provideClusterInfo: false } };
    await expect(get(client(wrongVersion))).rejects.toThrow(/answered apiVersion "client.authentication.k8s.io\/v1beta1" but the kubeconfig asks for client.authentication.k8s.io\/v1/);
    // What the plugin printed is never quoted unless it is a known word: stdout carries the credential.
    const leaky = join(dir, 'leaky.sh');
    writeFileSync(leaky, `#!/bin/sh\necho '{"apiVersion":"tok-SECRET-1","kind":"tok-SECRET-2","status":{"token":"t"}}'\n`);
    chmodSync(leaky, 0o755);
    const leakyUser: UserConfig = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: leaky, args: [], env: [], provideClusterInfo: false } };
    const leakError = (await get(client(leakyUser)).catch((e: unknown) => e)) as Error;
    expect(leakError.message).toBe(`exec credential plugin "${leaky}" printed a JSON document that is not an ExecCredential (kind)`);
    writeFileSync(leaky, `#!/bin/sh\necho '{"apiVersion":"tok-SECRET-1","kind":"ExecCredential","status":{"token":"t"}}'\n`);
    const versionError = (await get(client(leakyUser)).catch((e: unknown) => e)) as Error;
    expect(versionError.message).toBe(`exec credential plugin "${leaky}" answered apiVersion another version but the kubeconfig asks for client.authentication.k8s.io/v1`);
    expect(seen).toHaveLength(0);
  });
});

describe('errors and timeouts', () => {
  it('carries the HTTP status and the Status message; errors.ts maps them', async () => {
    const rest = client();
    handler = (_req, res) => json(res, 404, statusBody(404, 'NotFound', 'secrets "x" not found'));
    const notFound = await get(rest).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(KubeApiError);
    expect(notFound).toMatchObject({ code: 404, reason: 'NotFound', message: 'GET /api/v1/namespaces/ns/secrets/x: HTTP 404: secrets "x" not found' });
    expect(isNotFound(notFound)).toBe(true);
    expect(toKubeApiError(notFound, 'read Secret ns/x').message).toBe('read Secret ns/x: secrets "x" not found');

    handler = (_req, res) => json(res, 409, statusBody(409, 'Conflict', 'the object has been modified'));
    const conflict = await get(rest).catch((e: unknown) => e);
    expect(isConflict(conflict)).toBe(true);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(toKubeApiError(conflict, 'x')).toMatchObject({ name: 'ConflictError', reason: 'Conflict' });

    handler = (_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('upstream down');
    };
    const unavailable = toKubeApiError(await get(rest).catch((e: unknown) => e), 'read Secret ns/x');
    expect(unavailable).toMatchObject({ code: 503, message: 'read Secret ns/x: HTTP 503', retryable: true });
  });

  it('returns the body as text when asked (the API server /metrics), and still throws on an HTTP error', async () => {
    const rest = client();
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end('# TYPE apiserver_request_total counter\napiserver_request_total{verb="POST"} 3\n');
    };
    await expect(rest.request<string>({ method: 'GET', path: '/metrics', text: true })).resolves.toBe('# TYPE apiserver_request_total counter\napiserver_request_total{verb="POST"} 3\n');
    handler = (_req, res) => json(res, 403, statusBody(403, 'Forbidden', 'metrics is forbidden'));
    await expect(rest.request({ method: 'GET', path: '/metrics', text: true })).rejects.toMatchObject({ code: 403 });
  });

  it('gives up a request that gets no answer (TimeoutError)', async () => {
    handler = () => {}; // never answers
    const rest = client({ token: 'abc' }, {}, { requestTimeoutMs: 200 });
    const started = Date.now();
    const error = await get(rest).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(toKubeApiError(error, 'read Secret ns/x').retryable).toBe(true);
  });

  it('sends patches with the Content-Type of their strategy, server-side apply with fieldManager and force', async () => {
    const rest = client();
    const core = new CoreApi(rest);
    const custom = new CustomObjectsApi(rest);
    await core.patchNamespacedSecret({ namespace: 'ns', name: 'x', patch: 'merge', body: { data: null } });
    await core.patchNamespacedSecret({ namespace: 'ns', name: 'x', patch: 'strategic', body: {} });
    await core.patchNamespacedSecret({ namespace: 'ns', name: 'x', patch: 'json', body: [{ op: 'remove', path: '/data/a' }] });
    await custom.patchNamespacedCustomObject({ group: 'rotor.dev', version: 'v1alpha1', plural: 'externalsecrets', namespace: 'ns', name: 'es', patch: 'apply', body: { apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret' }, fieldManager: 'rotor-migrate', force: true });
    expect(seen.map((s) => s.contentType)).toEqual([
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
      'application/json-patch+json',
      'application/apply-patch+yaml',
    ]);
    expect(seen[3]!.path).toBe('/apis/rotor.dev/v1alpha1/namespaces/ns/externalsecrets/es');
    expect(Object.fromEntries(seen[3]!.query)).toEqual({ fieldManager: 'rotor-migrate', force: 'true' });
    expect(JSON.parse(seen[2]!.body)).toEqual([{ op: 'remove', path: '/data/a' }]);
    expect(() => custom.patchNamespacedCustomObject({ group: 'g', version: 'v', plural: 'p', namespace: 'ns', name: 'n', patch: 'apply', body: {} })).toThrow(/needs a fieldManager/);
  });

  it('sends DeleteOptions (preconditions, propagation) as the body of a DELETE', async () => {
    const custom = new CustomObjectsApi(client());
    await custom.deleteNamespacedCustomObject({ group: 'rotor.dev', version: 'v1alpha1', plural: 'externalsecrets', namespace: 'ns', name: 'es', body: { preconditions: { uid: 'u-1' }, propagationPolicy: 'Background' } });
    await new CoreApi(client()).deleteNamespacedSecret({ namespace: 'ns', name: 's' });
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual(['DELETE /apis/rotor.dev/v1alpha1/namespaces/ns/externalsecrets/es', 'DELETE /api/v1/namespaces/ns/secrets/s']);
    expect(seen[0]!.contentType).toBe('application/json');
    expect(JSON.parse(seen[0]!.body)).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: 'u-1' }, propagationPolicy: 'Background' });
    expect(seen[1]!.body).toBe('');
  });

  it('lists with selectors and pagination parameters', async () => {
    const core = new CoreApi(client());
    await core.listNamespacedSecret({ namespace: 'a b', labelSelector: 'rotor.dev/managed=true', fieldSelector: 'type=Opaque', limit: 10, _continue: 'tok' });
    expect(seen[0]!.path).toBe('/api/v1/namespaces/a%20b/secrets');
    expect(Object.fromEntries(seen[0]!.query)).toEqual({ labelSelector: 'rotor.dev/managed=true', fieldSelector: 'type=Opaque', limit: '10', continue: 'tok' });
  });
});

describe('write gate (leader election)', () => {
  const patch = (rest: KubeRestClient) =>
    rest.request({ method: 'PATCH', path: '/api/v1/namespaces/ns/secrets/x', body: { metadata: { labels: { a: 'b' } } }, contentType: 'application/merge-patch+json' });

  it('refuses writes while the fence is closed without sending them; reads and Lease writes pass', async () => {
    const fence = new WriteFence();
    const rest = client(undefined, {}, { writeGate: fence });
    await expect(patch(rest)).rejects.toThrow('PATCH /api/v1/namespaces/ns/secrets/x: refused: this replica has not acquired the leader Lease; only the leader writes');
    await expect(new CoreApi(rest).deleteNamespacedSecret({ namespace: 'ns', name: 'x' })).rejects.toBeInstanceOf(LeadershipLostError);
    expect(seen).toHaveLength(0);
    await expect(get(rest)).resolves.toMatchObject({ metadata: { name: 'x' } });
    // The elector must write the Lease to become leader.
    await new CoordinationApi(rest).replaceNamespacedLease({ namespace: 'ns', name: 'l', body: { metadata: { name: 'l' } } });
    expect(seen.map((r) => r.method)).toEqual(['GET', 'PUT']);
    fence.openUntil(Date.now() + 60_000);
    await expect(patch(rest)).resolves.toBeDefined();
    fence.close('test');
  });

  it('aborts a write in flight when leadership is lost', async () => {
    const fence = new WriteFence();
    fence.openUntil(Date.now() + 60_000);
    handler = () => {}; // the API server never answers
    const rest = client(undefined, {}, { writeGate: fence });
    const pending = patch(rest).catch((e: unknown) => e);
    const deadline = Date.now() + 5_000;
    while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    fence.close('replica pod-b holds the leader Lease');
    const error = await pending;
    expect(error).toBeInstanceOf(LeadershipLostError);
    expect((error as Error).message).toBe('write aborted: replica pod-b holds the leader Lease');
  });

  it('aborts a write in flight at the fence deadline, with no other call needed', async () => {
    const fence = new WriteFence();
    fence.openUntil(Date.now() + 300);
    handler = () => {};
    const rest = client(undefined, {}, { writeGate: fence });
    const started = Date.now();
    const error = await patch(rest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeadershipLostError);
    expect(Date.now() - started).toBeLessThan(5_000); // long before the 60 s request timeout
  });
});

describe('watch stream', () => {
  type Done = { error?: unknown } | undefined;
  async function watch(rest: KubeRestClient, inactivityTimeoutMs = 5_000) {
    const events: Array<[string, unknown]> = [];
    let done: Done;
    const handle = await rest.watch('/api/v1/secrets', { resourceVersion: '5', allowWatchBookmarks: true }, (t, o) => events.push([t, o]), (error) => (done = { error }), { inactivityTimeoutMs });
    return { events, handle, done: () => done };
  }
  const until = async (check: () => boolean, what: string) => {
    const deadline = Date.now() + 5_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  it('parses events split anywhere across chunks (inside a multi-byte character too), bookmarks and ERROR events, then a clean end', async () => {
    const lines = [
      JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'é-ü', resourceVersion: '6' }, data: { k: 'dg==' } } }),
      JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '9' } } }),
      JSON.stringify({ type: 'ERROR', object: statusBody(410, 'Expired', 'too old resource version') }),
    ];
    const bytes = Buffer.from(lines.join('\n') + '\n' + JSON.stringify({ type: 'DELETED', object: { metadata: { name: 'last' } } })); // no final newline
    let respond: ((res: ServerResponse) => void) | undefined;
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      respond = async (r) => {
        const split = bytes.indexOf(Buffer.from('é')) + 1; // between the two bytes of "é"
        for (const [from, to] of [[0, 3], [3, split], [split, split + 7], [split + 7, bytes.length]] as const) {
          r.write(bytes.subarray(from, to));
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        r.end();
      };
      respond(res);
    };
    const w = await watch(client());
    await until(() => w.done() !== undefined, 'the end of the stream');
    expect(respond).toBeDefined();
    expect(w.done()).toEqual({ error: undefined });
    expect(w.events.map(([t]) => t)).toEqual(['ADDED', 'BOOKMARK', 'ERROR', 'DELETED']);
    expect(w.events[0]![1]).toMatchObject({ metadata: { name: 'é-ü' } });
    expect(w.events[2]![1]).toMatchObject({ code: 410 });
    expect(Object.fromEntries(seen[0]!.query)).toEqual({ resourceVersion: '5', allowWatchBookmarks: 'true', watch: 'true' });
  });

  it('reports an HTTP 410 as a KubeApiError with code 410 and the Status reason', async () => {
    handler = (_req, res) => json(res, 410, statusBody(410, 'Gone', 'too old'));
    const w = await watch(client());
    await until(() => w.done() !== undefined, 'onDone');
    const error = w.done()!.error as KubeApiError;
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error.code).toBe(410);
    expect(error.reason).toBe('Gone');
  });

  it('gives up a silent stream after the inactivity timeout (TimeoutError), and abort() ends it quietly', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.flushHeaders();
    };
    const silent = await watch(client(), 150);
    await until(() => silent.done() !== undefined, 'timeout');
    expect((silent.done()!.error as Error).name).toBe('TimeoutError');

    const aborted = await watch(client(), 5_000);
    aborted.handle.abort();
    await new Promise((r) => setTimeout(r, 50));
    expect(aborted.done()).toBeUndefined();
  });

  it('ends with WatchLineTooLongError when a line outgrows the cap, without buffering the rest', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    let written = 0;
    let stopped = false;
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('{"type":"ADDED","object":{}}\n{"type":"ADDED","object":{"data":"');
      // A peer that never sends a newline: 16 MiB unless the client hangs up first.
      const pump = () => {
        if (stopped || written >= 16 * 1024 * 1024 || res.destroyed) return void res.end();
        written += chunk.length;
        if (res.write(chunk)) setImmediate(pump);
        else res.once('drain', pump);
      };
      res.on('close', () => (stopped = true));
      pump();
    };
    const giant = await watch(client());
    await until(() => giant.done() !== undefined, 'onDone');
    const error = giant.done()!.error as Error;
    expect(error).toBeInstanceOf(WatchLineTooLongError);
    expect(error.message).toBe(`watch /api/v1/secrets: an event line is longer than ${MAX_WATCH_LINE_CHARS} characters (no object is that large): ended the watch; it restarts with a relist`);
    expect(giant.events).toHaveLength(1);
    await until(() => stopped, 'the server to see the hang-up');
    expect(written).toBeLessThan(12 * 1024 * 1024); // the client hung up near the cap, not at the end
  });

  it('delivers a legitimately large object (3 MiB line) split across many chunks', async () => {
    const big = 'v'.repeat(3 * 1024 * 1024);
    handler = (_req, res) => {
      res.writeHead(200);
      res.end(JSON.stringify({ type: 'ADDED', object: { data: { k: big } } }) + '\n' + JSON.stringify({ type: 'DELETED', object: {} }) + '\n');
    };
    const w = await watch(client());
    await until(() => w.done() !== undefined, 'onDone');
    expect(w.done()).toEqual({ error: undefined });
    expect(w.events.map(([t]) => t)).toEqual(['ADDED', 'DELETED']);
    expect((w.events[0]![1] as { data: { k: string } }).data.k).toHaveLength(big.length);
  });

  it('ends with an error on a line that is not JSON, and on a connection cut mid-stream', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('{"type":"ADDED","object":{}}\nnot json\n');
    };
    const bad = await watch(client());
    await until(() => bad.done() !== undefined, 'onDone');
    expect((bad.done()!.error as Error).message).toMatch(/not JSON/);
    expect(bad.events).toHaveLength(1);

    handler = (_req, res) => {
      res.writeHead(200);
      res.write('{"type":"ADDED","object":{}}\n{"type":"MOD');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const cut = await watch(client());
    await until(() => cut.done() !== undefined, 'onDone');
    expect(cut.done()!.error).toBeInstanceOf(Error);
    expect(cut.events).toHaveLength(1);
  });
});
