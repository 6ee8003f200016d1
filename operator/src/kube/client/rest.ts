// A small Kubernetes REST client on node:https: JSON requests and streaming watches over ONE
// keep-alive connection pool (one Agent) shared by every request of the process.
//
// Why not @kubernetes/client-node: loading it costs ~85 MiB of RSS (its KubeConfig imports the
// whole generated client: thousands of model modules and the serializer's type map), which is
// most of the operator's memory at 1,000 ExternalSecrets (docs/benchmarks.md). Rotor makes a
// handful of calls; they are paths and JSON.
//
// Errors: an HTTP failure throws KubeApiError (ConflictError for 409) with the status code,
// the Status reason and a short, safe message (kube/client/errors.ts kubeApiErrorFor).
// Network failures are Node's own errors (ECONNREFUSED, ...); a request that takes longer than
// its timeout fails with a TimeoutError.
import http from 'node:http';
import https from 'node:https';
import { createHash } from 'node:crypto';
import { KubeAuth, type PluginLogger, type RequestCredentials } from './auth.js';
import { kubeApiErrorFor, type KubeStatus } from './errors.js';
import type { KubeConfig } from './kube-config.js';
import type { WriteGate } from './write-fence.js';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RestRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute API path, segments already encoded (see kube/client/api.ts). */
  path: string;
  query?: Query;
  /** Sent as JSON. */
  body?: unknown;
  /** Content-Type of the body; default application/json (patches name their strategy). */
  contentType?: string;
  /** Overrides the client's request timeout. */
  timeoutMs?: number;
  /** Resolve with the body as text instead of parsing it as JSON (the API server's /metrics). */
  text?: boolean;
  /**
   * Skips the write gate: only the Lease calls of leader election, which must write in order
   * to become leader.
   */
  unfenced?: boolean;
}

export const CONTENT_TYPE = {
  json: 'application/json',
  mergePatch: 'application/merge-patch+json',
  strategicMergePatch: 'application/strategic-merge-patch+json',
  jsonPatch: 'application/json-patch+json',
  /** Server-side apply; JSON is valid YAML, so the body is sent as JSON. */
  apply: 'application/apply-patch+yaml',
} as const;

/** The API server answered with an HTTP error. */
/** No response (or no watch data) within the deadline. Named like the DOMException fetch uses. */
export class KubeTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

export interface WatchHandle {
  /** Ends the request and its socket; onDone is not called after this. */
  abort(): void;
}

export interface WatchOptions {
  /** The stream is given up (TimeoutError) when no byte arrived for this long. */
  inactivityTimeoutMs: number;
  /** The stream is given up when one event line grows longer (characters). Default MAX_WATCH_LINE_CHARS. */
  maxLineChars?: number;
}

/**
 * Longest watch event line accepted: 4 Mi characters. A line is one object in JSON. etcd
 * refuses writes above ~1.5 MiB (the API server's default request limit), and the JSON of
 * the largest object a server can hold stays near 2 MiB (base64 Secret data grows by 4/3,
 * plus managedFields); 4 Mi leaves room for that and for a server configured a little
 * higher, while a stream that never sends a newline (a broken or hostile peer) can hold
 * at most this much memory per watch instead of growing until the pod is OOM-killed.
 */
export const MAX_WATCH_LINE_CHARS = 4 * 1024 * 1024;

/** A watch line exceeded WatchOptions.maxLineChars; the watch is ended (the informer relists). */
export class WatchLineTooLongError extends Error {
  constructor(path: string, limit: number) {
    super(`watch ${path}: an event line is longer than ${limit} characters (no object is that large): ended the watch; it restarts with a relist`);
    this.name = 'WatchLineTooLongError';
  }
}

export interface KubeRestClientOptions {
  /** Deadline of a non-watch request, response body included. Default 60 s. */
  requestTimeoutMs?: number;
  /** Injected in tests. */
  auth?: KubeAuth;
  /** Gets a failing exec credential plugin's stderr (kube/client/auth.ts). */
  logger?: PluginLogger;
  /**
   * With leader election: every mutating request (POST/PUT/PATCH/DELETE) is admitted by it
   * and aborted when leadership is lost (kube/client/write-fence.ts). Reads and watches are not.
   */
  writeGate?: WriteGate;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** Idle keep-alive connections kept for reuse; more are closed once idle. */
const MAX_FREE_SOCKETS = 16;

export class KubeRestClient {
  readonly auth: KubeAuth;
  private readonly base: URL;
  private readonly secure: boolean;
  private readonly requestTimeoutMs: number;
  private readonly writeGate: WriteGate | undefined;
  private pool: { key: string; agent: http.Agent } | undefined;

  constructor(
    readonly config: KubeConfig,
    options: KubeRestClientOptions = {},
  ) {
    this.base = new URL(config.cluster.server);
    this.secure = this.base.protocol === 'https:';
    this.auth = options.auth ?? new KubeAuth(config.user, config.cluster, { logger: options.logger });
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.writeGate = options.writeGate;
  }

  /** One JSON request; resolves with the parsed response (undefined for an empty body). */
  async request<T = unknown>(request: RestRequest): Promise<T> {
    const body = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
    const gated = this.writeGate !== undefined && request.method !== 'GET' && !request.unfenced;
    for (let attempt = 0; ; attempt++) {
      const credentials = await this.auth.credentials();
      // Admitted after the credentials (an exec plugin may take a while), right before sending.
      const signal = gated ? this.writeGate!.admit(`${request.method} ${request.path}`) : undefined;
      const response = await this.send(request, body, credentials, signal);
      // Rotated token or expired exec credential: fetch new ones and try once more.
      if (response.status === 401 && attempt === 0 && this.auth.refreshable) {
        this.auth.invalidate();
        continue;
      }
      if (response.status >= 400) throw kubeApiErrorFor(response.status, parseStatus(response.text), `${request.method} ${request.path}`);
      if (request.text) return response.text as T;
      if (response.text === '') return undefined as T;
      return JSON.parse(response.text) as T;
    }
  }

  /**
   * GET `path` with watch=true and `query`; every complete line of the response is one watch
   * event, parsed and handed to onEvent. onDone is called once: without an argument when the
   * server ended the stream, with the error otherwise (KubeApiError for an HTTP status such as
   * 410, TimeoutError after inactivityTimeoutMs without data). Resolves once the server
   * accepted the watch, or after onDone when it did not.
   */
  async watch(
    path: string,
    query: Query,
    onEvent: (type: string, object: unknown) => void,
    onDone: (error?: unknown) => void,
    options: WatchOptions,
  ): Promise<WatchHandle> {
    let finished = false;
    let request: http.ClientRequest | undefined;
    let idleTimer: NodeJS.Timeout | undefined;
    const done = (error?: unknown) => {
      if (finished) return;
      finished = true;
      clearTimeout(idleTimer);
      onDone(error);
    };
    /** Reports `error` first, so the socket's own close events cannot pre-empt it. */
    const fail = (error: Error) => {
      done(error);
      request?.destroy();
    };
    const handle: WatchHandle = {
      abort: () => {
        finished = true;
        clearTimeout(idleTimer);
        request?.destroy();
      },
    };
    const armIdle = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(
        () => fail(new KubeTimeoutError(`watch ${path}: no data for ${Math.round(options.inactivityTimeoutMs / 1000)}s`)),
        options.inactivityTimeoutMs,
      );
    };

    let credentials: RequestCredentials;
    try {
      credentials = await this.auth.credentials();
    } catch (error) {
      done(error);
      return handle;
    }
    if (finished) return handle;
    return new Promise<WatchHandle>((resolve) => {
      request = this.open('GET', path, { ...query, watch: true }, credentials, undefined, undefined);
      armIdle();
      request.on('error', (error) => {
        done(error);
        resolve(handle);
      });
      request.on('response', (response) => {
        if (response.statusCode !== 200) {
          readAll(response).then(
            (text) => {
              if (response.statusCode === 401) this.auth.invalidate();
              done(kubeApiErrorFor(response.statusCode ?? 0, parseStatus(text), `watch ${path}`));
              resolve(handle);
            },
            (error: unknown) => {
              done(error);
              resolve(handle);
            },
          );
          return;
        }
        resolve(handle);
        response.setEncoding('utf8');
        let buffered = '';
        const deliver = (line: string): boolean => {
          if (line.trim() === '') return true;
          let event: { type?: unknown; object?: unknown };
          try {
            event = JSON.parse(line) as typeof event;
          } catch {
            fail(new Error(`watch ${path}: the server sent a line that is not JSON`));
            return false;
          }
          if (!finished && typeof event.type === 'string') onEvent(event.type, event.object);
          return !finished;
        };
        const maxLine = options.maxLineChars ?? MAX_WATCH_LINE_CHARS;
        const tooLong = () => {
          buffered = ''; // free it now, not when the socket is collected
          fail(new WatchLineTooLongError(path, maxLine));
        };
        response.on('data', (chunk: string) => {
          if (finished) return;
          armIdle();
          // Only the new chunk is searched for newlines, so a long line costs linear time.
          let start = 0;
          let newline: number;
          while ((newline = chunk.indexOf('\n', start)) >= 0) {
            if (buffered.length + (newline - start) > maxLine) return tooLong();
            const line = buffered + chunk.slice(start, newline);
            buffered = '';
            start = newline + 1;
            if (!deliver(line)) return;
          }
          if (buffered.length + (chunk.length - start) > maxLine) return tooLong();
          buffered += chunk.slice(start);
        });
        response.on('end', () => {
          if (buffered !== '' && !deliver(buffered)) return;
          done();
        });
        // A connection that breaks mid-stream ends the response without 'end'.
        response.on('close', () => {
          if (!response.complete) done(new Error(`watch ${path}: the connection closed mid-stream`));
        });
        response.on('error', (error) => done(error));
      });
      request.end();
    });
  }

  /** Closes the pooled connections (watches included). */
  close(): void {
    this.pool?.agent.destroy();
    this.pool = undefined;
  }

  // ------------------------------------------------------------ transport

  /** `signal` (the write gate's) aborts the request and rejects with its reason. */
  private send(request: RestRequest, body: Buffer | undefined, credentials: RequestCredentials, signal?: AbortSignal): Promise<{ status: number; text: string }> {
    const timeoutMs = request.timeoutMs ?? this.requestTimeoutMs;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const req = this.open(request.method, request.path, request.query, credentials, body, request.contentType ?? CONTENT_TYPE.json);
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        settle();
        reject(signal!.reason);
        req.destroy();
      };
      const timer = setTimeout(() => {
        settle();
        reject(new KubeTimeoutError(`${request.method} ${request.path}: no answer within ${Math.round(timeoutMs / 1000)}s`));
        req.destroy();
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error) => {
        settle();
        reject(error);
      });
      req.on('response', (response) => {
        readAll(response).then(
          (text) => {
            settle();
            resolve({ status: response.statusCode ?? 0, text });
          },
          (error: unknown) => {
            settle();
            reject(error);
          },
        );
      });
      req.end(body);
    });
  }

  private open(
    method: string,
    path: string,
    query: Query | undefined,
    credentials: RequestCredentials,
    body: Buffer | undefined,
    contentType: string | undefined,
  ): http.ClientRequest {
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json', 'user-agent': 'rotor' };
    if (credentials.authorization) headers.authorization = credentials.authorization;
    if (body) {
      headers['content-type'] = contentType;
      headers['content-length'] = body.length;
    }
    const options: https.RequestOptions = {
      method,
      protocol: this.base.protocol,
      hostname: this.base.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: this.base.port || (this.secure ? 443 : 80),
      path: `${this.base.pathname.replace(/\/+$/, '')}${path}${queryString(query)}`,
      headers,
      agent: this.agent(credentials),
    };
    return (this.secure ? https : http).request(options);
  }

  /**
   * The shared pool. TLS settings live on the Agent so every connection is made the same way;
   * a client certificate that changes (an exec plugin's new credential) gets a new pool, and
   * the old one closes its connections as they become idle.
   */
  private agent(credentials: RequestCredentials): http.Agent {
    const key = credentials.cert ? createHash('sha256').update(credentials.cert).update(credentials.key ?? '').digest('hex') : '';
    if (this.pool?.key === key) return this.pool.agent;
    const previous = this.pool?.agent;
    const common = { keepAlive: true, maxFreeSockets: MAX_FREE_SOCKETS };
    const { cluster } = this.config;
    const agent = this.secure
      ? new https.Agent({
          ...common,
          ca: cluster.certificateAuthority,
          rejectUnauthorized: !cluster.insecureSkipTlsVerify,
          servername: cluster.tlsServerName,
          cert: credentials.cert,
          key: credentials.key,
        })
      : new http.Agent(common);
    this.pool = { key, agent };
    if (previous) {
      previous.on('free', (socket: { destroy(): void }) => socket.destroy());
      for (const sockets of Object.values(previous.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    }
    return agent;
  }
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

function readAll(response: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
    response.on('close', () => {
      if (!response.complete) reject(new Error('the connection closed before the response was complete'));
    });
  });
}

/** The API server's metav1.Status from an error body, if it is one. */
function parseStatus(text: string): KubeStatus | undefined {
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as KubeStatus) : undefined;
  } catch {
    return undefined;
  }
}
