// The credentials of each API request, from a kubeconfig user (or the in-cluster ServiceAccount):
//   - a token file is re-read at most once a minute (projected ServiceAccount tokens are
//     rotated by the kubelet) and at once after a 401; the last good value is kept if a read fails;
//   - an exec credential plugin (client.authentication.k8s.io v1/v1beta1, e.g. `aws eks get-token`)
//     runs once per credential, which is cached until its expirationTimestamp and dropped on a 401;
//   - a static token, basic auth, or a client certificate from the kubeconfig.
// Credentials are never logged. A plugin failure is reported by command and exit code only:
// the error message travels to status conditions and Events of every object whose reconcile
// hit it, and a plugin's stderr is free text we do not control (it can echo a profile, a
// role, an SSO URL, ...). The stderr goes to the operator log (warn, truncated) instead.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { ClusterConfig, ExecConfig, UserConfig } from './kube-config.js';
import { systemClock, type Clock } from '../../platform/clock.js';

export interface RequestCredentials {
  /** Value of the Authorization header. */
  authorization?: string;
  /** Client certificate and key (PEM) for mutual TLS. */
  cert?: Buffer;
  key?: Buffer;
}

export interface KubeAuthOptions {
  /** Time source (platform/clock.ts); default the system clock, tests move it. */
  clock?: Clock;
  /** How long a token file read is used before reading it again. Default 60 s (as client-go). */
  tokenFileTtlMs?: number;
  /** An exec plugin that runs longer is killed. Default 60 s. */
  execTimeoutMs?: number;
  /** A credential is renewed this long before its expirationTimestamp. Default 10 s. */
  expiryMarginMs?: number;
  /** Where a failing exec plugin's stderr goes (it never goes into an error message). */
  logger?: PluginLogger;
}

export type PluginLogger = Pick<Logger, 'warn'>;

/** At most this much of a failing plugin's stderr is logged. */
export const PLUGIN_STDERR_LOG_LIMIT = 2_048;

interface Cached {
  credentials: RequestCredentials;
  /** Epoch ms after which it is fetched again; Infinity = until a 401. */
  until: number;
}

export class KubeAuth {
  private cached: Cached | undefined;
  private pending: Promise<RequestCredentials> | undefined;
  private readonly clock: Clock;
  private readonly tokenFileTtlMs: number;
  private readonly execTimeoutMs: number;
  private readonly expiryMarginMs: number;
  private readonly logger: PluginLogger | undefined;

  constructor(
    private readonly user: UserConfig,
    private readonly cluster: ClusterConfig,
    options: KubeAuthOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.tokenFileTtlMs = options.tokenFileTtlMs ?? 60_000;
    this.execTimeoutMs = options.execTimeoutMs ?? 60_000;
    this.expiryMarginMs = options.expiryMarginMs ?? 10_000;
    this.logger = options.logger;
    if (user.username !== undefined && (user.token !== undefined || user.tokenFile !== undefined)) {
      throw new Error('kubeconfig user: username/password and token/tokenFile are exclusive: keep one');
    }
  }

  /** True when credentials can change at run time (a 401 is worth one retry with fresh ones). */
  get refreshable(): boolean {
    return this.user.exec !== undefined || this.user.tokenFile !== undefined;
  }

  /** Credentials for the next request (single flight while fetching). */
  credentials(): Promise<RequestCredentials> {
    const cached = this.cached;
    if (cached && this.clock.now() < cached.until) return Promise.resolve(cached.credentials);
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** The API server answered 401: the next request fetches new credentials. */
  invalidate(): void {
    if (this.refreshable) this.cached = undefined;
  }

  private async fetch(): Promise<RequestCredentials> {
    const staticTls = this.user.clientCertificate ? { cert: this.user.clientCertificate, key: this.user.clientKey } : {};
    if (this.user.exec) {
      const { credentials, expiresAt } = await runExecPlugin(this.user.exec, this.cluster, this.execTimeoutMs, this.logger);
      const until = expiresAt === undefined ? Infinity : expiresAt - this.expiryMarginMs;
      this.cached = { credentials: { ...staticTls, ...credentials }, until };
      return this.cached.credentials;
    }
    if (this.user.tokenFile) {
      const token = await this.readTokenFile(this.user.tokenFile);
      this.cached = { credentials: { ...staticTls, authorization: `Bearer ${token}` }, until: this.clock.now() + this.tokenFileTtlMs };
      return this.cached.credentials;
    }
    const credentials: RequestCredentials = { ...staticTls };
    if (this.user.token) credentials.authorization = `Bearer ${this.user.token}`;
    else if (this.user.username !== undefined) {
      credentials.authorization = `Basic ${Buffer.from(`${this.user.username}:${this.user.password ?? ''}`).toString('base64')}`;
    }
    this.cached = { credentials, until: Infinity };
    return credentials;
  }

  /** The file's token; if it cannot be read, the last good one (or the kubeconfig's `token`). */
  private async readTokenFile(path: string): Promise<string> {
    try {
      const token = (await readFile(path, 'utf8')).trim();
      if (token) return token;
      throw new Error('the file is empty');
    } catch (error) {
      const previous = this.cached?.credentials.authorization?.replace(/^Bearer /, '') ?? this.user.token;
      if (previous) return previous;
      const why = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
      throw new Error(`cannot read the token file ${path} (${why})`);
    }
  }
}

// ---------------------------------------------------------------- exec credential plugins

interface ExecResult {
  credentials: RequestCredentials;
  expiresAt?: number;
}

/** Runs the plugin non-interactively and reads its ExecCredential from stdout. */
export async function runExecPlugin(exec: ExecConfig, cluster: ClusterConfig, timeoutMs: number, logger?: PluginLogger): Promise<ExecResult> {
  const execInfo = {
    apiVersion: exec.apiVersion,
    kind: 'ExecCredential',
    spec: { interactive: false, ...(exec.provideClusterInfo ? { cluster: clusterInfo(cluster) } : {}) },
  };
  const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: JSON.stringify(execInfo) };
  for (const { name, value } of exec.env) env[name] = value;
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile(exec.command, exec.args, { env, timeout: timeoutMs, maxBuffer: 1 << 20, encoding: 'utf8' }, (error, out, stderr) => {
      if (!error) return resolve(out);
      const detail = stderr.trim();
      if (detail) {
        const exitCode = typeof error.code === 'number' ? error.code : undefined;
        logger?.warn({ command: exec.command, exitCode, stderr: truncate(detail, PLUGIN_STDERR_LOG_LIMIT) }, 'exec credential plugin failed; its stderr follows');
      }
      reject(new Error(pluginFailure(exec, error, timeoutMs)));
    });
    child.stdin?.end(); // non-interactive: nothing to read
  });
  return parseExecCredential(stdout, exec);
}

/** A fixed text per kind of failure: command, exit code and what to do; never the plugin's output. */
function pluginFailure(exec: ExecConfig, error: { code?: unknown; killed?: boolean }, timeoutMs: number): string {
  const what = `exec credential plugin "${exec.command}"`;
  if (error.code === 'ENOENT') return `${what} not found${exec.installHint ? `: ${exec.installHint.trim()}` : ': install it or fix users[].user.exec.command'}`;
  if (error.killed) return `${what} did not finish within ${Math.round(timeoutMs / 1000)}s`;
  const code = typeof error.code === 'number' ? ` (exit ${error.code})` : '';
  return `${what} failed${code}: fix its configuration or credentials; its stderr is in the operator log (never in status or Events), or run it by hand with the same environment to see why`;
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length - limit} more characters)`;
}

const EXEC_API_VERSIONS = new Set(['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1', 'client.authentication.k8s.io/v1alpha1']);

export function parseExecCredential(stdout: string, exec: Pick<ExecConfig, 'command' | 'apiVersion'>): ExecResult {
  const what = `exec credential plugin "${exec.command}"`;
  let doc: { apiVersion?: unknown; kind?: unknown; status?: Record<string, unknown> };
  try {
    doc = JSON.parse(stdout) as typeof doc;
  } catch {
    throw new Error(`${what} did not print an ExecCredential (JSON) on stdout`);
  }
  // The plugin's stdout carries the credential: only known words of it are quoted back.
  if (doc?.kind !== 'ExecCredential') throw new Error(`${what} printed a JSON document that is not an ExecCredential (kind)`);
  if (doc.apiVersion !== exec.apiVersion) {
    const answered = typeof doc.apiVersion === 'string' && EXEC_API_VERSIONS.has(doc.apiVersion) ? `"${doc.apiVersion}"` : 'another version';
    throw new Error(`${what} answered apiVersion ${answered} but the kubeconfig asks for ${exec.apiVersion}`);
  }
  const status = doc.status ?? {};
  const text = (field: string) => (typeof status[field] === 'string' && status[field] !== '' ? (status[field] as string) : undefined);
  const token = text('token');
  const cert = text('clientCertificateData');
  const key = text('clientKeyData');
  if (!token && !(cert && key)) throw new Error(`${what} returned neither status.token nor status.clientCertificateData + clientKeyData`);
  const credentials: RequestCredentials = {};
  if (token) credentials.authorization = `Bearer ${token}`;
  if (cert && key) {
    credentials.cert = Buffer.from(cert);
    credentials.key = Buffer.from(key);
  }
  const expiry = text('expirationTimestamp');
  let expiresAt: number | undefined;
  if (expiry) {
    expiresAt = Date.parse(expiry);
    if (Number.isNaN(expiresAt)) throw new Error(`${what} returned an invalid status.expirationTimestamp "${expiry}"`);
  }
  return { credentials, expiresAt };
}

function clusterInfo(cluster: ClusterConfig): Record<string, unknown> {
  return {
    server: cluster.server,
    ...(cluster.tlsServerName ? { 'tls-server-name': cluster.tlsServerName } : {}),
    ...(cluster.insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
    ...(cluster.certificateAuthority ? { 'certificate-authority-data': cluster.certificateAuthority.toString('base64') } : {}),
  };
}
