// Health and metrics HTTP server for the kubelet probes and Prometheus:
//   GET /healthz  200 while the process works (liveness),
//   GET /readyz   200 {"status":"ok"} or 503 {"status":"unready","reasons":[...]} (readiness:
//                 e.g. a watch is unhealthy or caches are not synced yet),
//   GET /metrics  the Prometheus text format of the given registry; `?name[]=a&name[]=b` (or
//                 `name=`) only those metric families. With 30,000 ExternalSecrets the per-object
//                 gauges make a full exposition ~90,000 series: a tool that polls one counter
//                 (a benchmark, a readiness script) should not pay for formatting all of them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface Readiness {
  ok: boolean;
  /** Human-readable, e.g. "watch externalsecrets is not healthy (last event 312s ago)". */
  reasons: string[];
}

export interface HealthServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  /** Default 0.0.0.0 so the kubelet and Prometheus can reach it; tests pass 127.0.0.1. */
  host?: string;
  isLive: () => boolean;
  isReady: () => Readiness;
  registry: Registry;
}

export interface HealthServer {
  /** The bound port (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    void respond(options, req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { status: 'error', error: error instanceof Error ? error.message : String(error) });
      else res.destroy();
    });
  });
  // Probes are short; do not let an idle keep-alive connection hold close() up.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function respond(options: HealthServerOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    sendJson(res, 405, { status: 'method not allowed' });
    return;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  switch (url.pathname) {
    case '/healthz': {
      const live = options.isLive();
      sendJson(res, live ? 200 : 503, { status: live ? 'ok' : 'unhealthy' });
      return;
    }
    case '/readyz': {
      const ready = options.isReady();
      sendJson(res, ready.ok ? 200 : 503, ready.ok ? { status: 'ok' } : { status: 'unready', reasons: ready.reasons });
      return;
    }
    case '/metrics': {
      const names = [...url.searchParams.getAll('name[]'), ...url.searchParams.getAll('name')];
      const body = names.length > 0 ? await selectedMetrics(options.registry, names) : await options.registry.metrics();
      res.writeHead(200, { 'content-type': options.registry.contentType });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    default:
      sendJson(res, 404, { status: 'not found' });
  }
}

/** The exposition of the named metric families that exist, in the order asked (unknown names: nothing). */
async function selectedMetrics(registry: Registry, names: string[]): Promise<string> {
  const parts: string[] = [];
  for (const name of new Set(names)) {
    if (registry.getSingleMetric(name)) parts.push(await registry.getSingleMetricAsString(name));
  }
  return parts.map((p) => `${p}\n`).join('');
}

function sendJson(res: http.ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
