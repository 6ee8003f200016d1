// A small Kubernetes REST client for the benchmark, authenticated with the test bed's admin
// client certificate. kubectl would cost a process per call and `kubectl apply` of thousands of
// objects is itself slower than the operator under test, so objects are created over keep-alive
// connections with bounded concurrency, and readiness is followed with one watch.
import { Agent, request } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KubeResponse {
  status: number;
  body: string;
}

export class KubeApi {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(apiserverUrl: string, testbedDir: string) {
    const pki = join(testbedDir, 'pki');
    this.url = new URL(apiserverUrl);
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: 64,
      ca: readFileSync(join(pki, 'ca.crt')),
      cert: readFileSync(join(pki, 'admin.crt')),
      key: readFileSync(join(pki, 'admin.key')),
    });
  }

  call(method: string, path: string, body?: unknown, accept = 'application/json', contentType = 'application/json'): Promise<KubeResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          hostname: this.url.hostname,
          port: this.url.port,
          method,
          path,
          headers: { accept, ...(payload ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  async ok(method: string, path: string, body?: unknown): Promise<string> {
    const res = await this.call(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
    return res.body;
  }

  /** POSTs every object to `path`, at most `concurrency` at once; 409 (exists) counts as done. */
  async createAll(path: string, objects: readonly unknown[], concurrency = 16): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < objects.length) {
        const object = objects[next++];
        const res = await this.call('POST', path, object);
        if (res.status >= 300 && res.status !== 409) throw new Error(`POST ${path}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  /**
   * Watches a collection from `resourceVersion` and calls onEvent per event until stop() is
   * called; a stream the server closes is reopened from the last resourceVersion seen.
   */
  watch(path: string, resourceVersion: string, onEvent: (type: string, object: any) => void): { stop(): void } {
    let stopped = false;
    let current: ReturnType<typeof request> | undefined;
    let rv = resourceVersion;
    const open = (): void => {
      if (stopped) return;
      const sep = path.includes('?') ? '&' : '?';
      current = request(
        { agent: this.agent, hostname: this.url.hostname, port: this.url.port, method: 'GET', path: `${path}${sep}watch=1&allowWatchBookmarks=true&resourceVersion=${rv}` },
        (res) => {
          let buffered = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffered += chunk;
            let nl: number;
            while ((nl = buffered.indexOf('\n')) >= 0) {
              const line = buffered.slice(0, nl);
              buffered = buffered.slice(nl + 1);
              if (!line) continue;
              const event = JSON.parse(line) as { type: string; object: any };
              if (event.object?.metadata?.resourceVersion) rv = event.object.metadata.resourceVersion;
              if (event.type !== 'BOOKMARK') onEvent(event.type, event.object);
            }
          });
          res.on('end', () => setTimeout(open, 100));
          res.on('error', () => setTimeout(open, 1000));
        },
      );
      current.on('error', () => setTimeout(open, 1000));
      current.end();
    };
    open();
    return {
      stop: () => {
        stopped = true;
        current?.destroy();
      },
    };
  }

  destroy(): void {
    this.agent.destroy();
  }
}
