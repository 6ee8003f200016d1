// A tiny HTTP stand-in for kube-apiserver on 127.0.0.1, so the real implementations on
// kube/client/rest.ts are exercised end to end over HTTP: paths, query parameters, content
// types and how errors/streams come back. Routes are functions the test supplies.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '../../src/kube/client/kube-config.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export type Reply =
  | { status: number; body?: unknown }
  /** Keep the response open and let the test write watch events. */
  | { stream: (writer: WatchWriter) => void };

export interface WatchWriter {
  event(type: string, object: unknown): void;
  end(): void;
  /** Destroy the socket mid-stream (a network failure). */
  destroy(): void;
  readonly closed: boolean;
}

export type Route = (request: RecordedRequest) => Reply | undefined;

export class FakeApiServer {
  readonly requests: RecordedRequest[] = [];
  readonly streams: WatchWriter[] = [];
  private routes: Route[] = [];
  private readonly server = http.createServer((req, res) => void this.handle(req, res));

  static async start(): Promise<FakeApiServer> {
    const s = new FakeApiServer();
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  kubeConfig(): KubeConfig {
    return { source: 'test', context: 'fake', cluster: { server: this.url, insecureSkipTlsVerify: true }, user: { token: 'test-token' } };
  }

  /** Routes are tried newest first; the first that returns a reply answers. */
  on(route: Route): this {
    this.routes.unshift(route);
    return this;
  }

  /** Shorthand: answer METHOD path (exact, without query) with a fixed reply. */
  reply(method: string, path: string, reply: Reply | ((r: RecordedRequest) => Reply)): this {
    return this.on((r) => (r.method === method && r.path === path ? (typeof reply === 'function' ? reply(r) : reply) : undefined));
  }

  requestsTo(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }

  async close(): Promise<void> {
    for (const s of this.streams) if (!s.closed) s.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: raw ? safeJson(raw) : undefined,
    };
    this.requests.push(recorded);
    let reply: Reply | undefined;
    for (const route of this.routes) {
      reply = route(recorded);
      if (reply) break;
    }
    reply ??= { status: 404, body: status(404, 'NotFound', `no route for ${recorded.method} ${recorded.path}`) };
    if ('stream' in reply) {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      // Like kube-apiserver: headers go out at once, events follow as they happen.
      res.flushHeaders();
      let closed = false;
      res.on('close', () => (closed = true));
      const writer: WatchWriter = {
        event: (type, object) => void res.write(JSON.stringify({ type, object }) + '\n'),
        end: () => {
          closed = true;
          res.end();
        },
        destroy: () => {
          closed = true;
          res.destroy();
        },
        get closed() {
          return closed;
        },
      };
      this.streams.push(writer);
      reply.stream(writer);
      return;
    }
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
  }
}

/** A metav1.Status body as the API server sends it on errors. */
export function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
