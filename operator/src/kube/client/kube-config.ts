// Where the operator's Kubernetes connection comes from, resolved the way kubectl does:
//   --kubeconfig PATH (that file only), else $KUBECONFIG (a list of files merged: the first file
//   that sets a value wins), else ~/.kube/config, else the in-cluster ServiceAccount.
// The result names one cluster and one user; what a kubeconfig can say that Rotor does not
// implement is refused here, naming the field, instead of being silently ignored.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';

export interface ClusterConfig {
  server: string;
  /** PEM of the CA bundle; undefined means the system's CAs. */
  certificateAuthority?: Buffer;
  insecureSkipTlsVerify: boolean;
  /** SNI / certificate name to verify instead of the server's host. */
  tlsServerName?: string;
}

export interface ExecConfig {
  apiVersion: ExecApiVersion;
  command: string;
  args: string[];
  env: Array<{ name: string; value: string }>;
  installHint?: string;
  provideClusterInfo: boolean;
}

export const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const;
export type ExecApiVersion = (typeof EXEC_API_VERSIONS)[number];

export interface UserConfig {
  /** PEM client certificate and key (mutual TLS). */
  clientCertificate?: Buffer;
  clientKey?: Buffer;
  token?: string;
  /** Re-read periodically (projected ServiceAccount tokens rotate); wins over `token`. */
  tokenFile?: string;
  username?: string;
  password?: string;
  exec?: ExecConfig;
}

export interface KubeConfig {
  /** Where it came from, for messages: file paths, or "in-cluster". */
  source: string;
  context: string;
  /** The context's namespace (in-cluster: the pod's). */
  namespace?: string;
  cluster: ClusterConfig;
  user: UserConfig;
}

export interface LoadKubeConfigOptions {
  /** Path from the --kubeconfig flag; wins over $KUBECONFIG and in-cluster config. */
  kubeconfigPath?: string;
  /** Context to use instead of the file's current-context. */
  context?: string;
  /** Injected in tests; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Injected in tests; default the home directory. */
  home?: string;
  /** Injected in tests; default /var/run/secrets/kubernetes.io/serviceaccount. */
  serviceAccountDir?: string;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export const NO_CONFIG_MESSAGE =
  'no Kubernetes configuration found: pass --kubeconfig, set KUBECONFIG, or run in a pod with a ServiceAccount token';

export function loadKubeConfig(options: LoadKubeConfigOptions = {}): KubeConfig {
  const env = options.env ?? process.env;
  if (options.kubeconfigPath) return fromFiles([options.kubeconfigPath], options.context, true);
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '');
  if (listed.length > 0) {
    const present = listed.filter((p) => existsSync(p));
    // kubectl skips missing entries of the list, but a list naming no file at all is a mistake.
    if (present.length === 0) throw new Error(`KUBECONFIG names no existing file (${listed.join(delimiter)}): fix KUBECONFIG or pass --kubeconfig`);
    return fromFiles(present, options.context, false);
  }
  const home = join(options.home ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return fromFiles([home], options.context, false);
  const inCluster = inClusterConfig(env, options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
  if (inCluster) return inCluster;
  throw new Error(NO_CONFIG_MESSAGE);
}

/**
 * The pod's ServiceAccount: the API server's service address from the environment the kubelet
 * sets, the token file (re-read by the client: it is rotated) and the cluster CA.
 */
export function inClusterConfig(env: NodeJS.ProcessEnv, dir: string): KubeConfig | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const tokenFile = join(dir, 'token');
  if (!host || !port || !existsSync(tokenFile)) return undefined;
  const caFile = join(dir, 'ca.crt');
  // Fail closed: without the cluster CA the TLS client would fall back to the public roots and
  // trust any server with a public certificate for the service address, so the token could
  // be sent to an impostor. The kubelet always mounts ca.crt next to the token.
  if (!existsSync(caFile)) {
    throw new Error(
      `in-cluster config: the cluster CA ${caFile} is missing (the token is there): mount the ServiceAccount token volume with its ca.crt (automountServiceAccountToken, or a projected volume with the kube-root-ca.crt ConfigMap), or pass --kubeconfig`,
    );
  }
  const namespaceFile = join(dir, 'namespace');
  return {
    source: 'in-cluster',
    context: 'in-cluster',
    namespace: existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : undefined,
    cluster: {
      server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
      certificateAuthority: readFileSync(caFile),
      insecureSkipTlsVerify: false,
    },
    user: { tokenFile },
  };
}

// ---------------------------------------------------------------- kubeconfig files

type Raw = Record<string, unknown>;

interface Named {
  entry: Raw;
  /** Directory of the file that defined it: relative paths in it are relative to that. */
  dir: string;
}

interface Merged {
  clusters: Map<string, Named>;
  users: Map<string, Named>;
  contexts: Map<string, Named>;
  currentContext?: string;
}

function fromFiles(paths: string[], context: string | undefined, explicit: boolean): KubeConfig {
  const merged: Merged = { clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const path of paths) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new Error(`cannot read kubeconfig ${path} (${why})${explicit ? ': fix --kubeconfig' : ''}`);
    }
    mergeFile(merged, parseKubeconfigText(text, path), dirname(resolve(path)), path);
  }
  const source = paths.join(delimiter);
  const contextName = context ?? merged.currentContext;
  if (!contextName) throw new Error(`kubeconfig ${source} has no current-context: set one (kubectl config use-context) or pass --context`);
  const ctx = merged.contexts.get(contextName);
  if (!ctx) throw new Error(`kubeconfig ${source} has no context "${contextName}": fix the file or pass --context`);
  const clusterName = str(ctx.entry, 'cluster', `contexts "${contextName}".context`);
  const cluster = clusterName ? merged.clusters.get(clusterName) : undefined;
  if (!cluster) throw new Error(`kubeconfig has no cluster for context "${contextName}": fix the file or pass --context`);
  const userName = str(ctx.entry, 'user', `contexts "${contextName}".context`);
  const user = userName ? merged.users.get(userName) : undefined;
  if (userName && !user) throw new Error(`kubeconfig ${source} has no user "${userName}" (named by context "${contextName}"): fix the file`);
  return {
    source,
    context: contextName,
    namespace: str(ctx.entry, 'namespace', `contexts "${contextName}".context`),
    cluster: clusterConfig(cluster, `clusters "${clusterName}".cluster`),
    user: user ? userConfig(user, `users "${userName}".user`) : {},
  };
}

/** YAML (or JSON, which is YAML) as kubectl writes it. The parser is loaded only when a file is read. */
function parseKubeconfigText(text: string, path: string): Raw {
  // `yaml` costs ~13 MiB of memory once loaded; the in-cluster path never needs it.
  const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new Error(`kubeconfig ${path} is not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`kubeconfig ${path} is not a kubeconfig (expected a mapping with clusters, users, contexts)`);
  return doc as Raw;
}

function mergeFile(merged: Merged, doc: Raw, dir: string, path: string): void {
  for (const [list, field, target] of [
    ['clusters', 'cluster', merged.clusters],
    ['users', 'user', merged.users],
    ['contexts', 'context', merged.contexts],
  ] as const) {
    const entries = doc[list];
    if (entries === undefined || entries === null) continue;
    if (!Array.isArray(entries)) throw new Error(`kubeconfig ${path}: ${list} must be a list`);
    for (const item of entries as unknown[]) {
      const named = item as Raw | null;
      const name = typeof named?.name === 'string' ? named.name : undefined;
      if (!name) throw new Error(`kubeconfig ${path}: an entry of ${list} has no name`);
      // The first file that defines a name wins, as in kubectl.
      if (!target.has(name)) target.set(name, { entry: (named?.[field] ?? {}) as Raw, dir });
    }
  }
  const current = doc['current-context'];
  if (merged.currentContext === undefined && typeof current === 'string' && current !== '') merged.currentContext = current;
}

function clusterConfig({ entry, dir }: Named, where: string): ClusterConfig {
  refuse(entry, where, {
    'proxy-url': 'is not supported: reach the API server directly (no proxy) or run the operator in the cluster',
  });
  const server = str(entry, 'server', where);
  if (!server) throw new Error(`kubeconfig ${where}.server is missing: set the API server URL`);
  if (!/^https?:\/\//.test(server)) throw new Error(`kubeconfig ${where}.server "${server}" is not an http(s) URL`);
  return {
    server: server.replace(/\/+$/, ''),
    certificateAuthority: fileOrData(entry, 'certificate-authority', dir, where),
    insecureSkipTlsVerify: entry['insecure-skip-tls-verify'] === true,
    tlsServerName: str(entry, 'tls-server-name', where),
  };
}

function userConfig({ entry, dir }: Named, where: string): UserConfig {
  refuse(entry, where, {
    'auth-provider': `(${authProviderName(entry)}) is not supported: use an exec credential plugin (client.authentication.k8s.io), e.g. kubelogin for OIDC or gke-gcloud-auth-plugin for GKE`,
    as: '(impersonation) is not supported: give the operator its own credentials',
    'as-uid': '(impersonation) is not supported: give the operator its own credentials',
    'as-groups': '(impersonation) is not supported: give the operator its own credentials',
    'as-user-extra': '(impersonation) is not supported: give the operator its own credentials',
  });
  const tokenFile = str(entry, 'tokenFile', where);
  const user: UserConfig = {
    clientCertificate: fileOrData(entry, 'client-certificate', dir, where),
    clientKey: fileOrData(entry, 'client-key', dir, where),
    token: str(entry, 'token', where),
    tokenFile: tokenFile ? absolute(tokenFile, dir) : undefined,
    username: str(entry, 'username', where),
    password: str(entry, 'password', where),
  };
  if (!user.clientCertificate !== !user.clientKey) {
    throw new Error(`kubeconfig ${where}: client-certificate and client-key go together: set both or neither`);
  }
  if (entry.exec !== undefined && entry.exec !== null) user.exec = execConfig(entry.exec as Raw, dir, `${where}.exec`);
  return user;
}

function execConfig(exec: Raw, dir: string, where: string): ExecConfig {
  const apiVersion = str(exec, 'apiVersion', where);
  if (!EXEC_API_VERSIONS.includes(apiVersion as ExecApiVersion)) {
    throw new Error(`kubeconfig ${where}.apiVersion "${apiVersion ?? ''}" is not supported: use ${EXEC_API_VERSIONS.join(' or ')}`);
  }
  const command = str(exec, 'command', where);
  if (!command) throw new Error(`kubeconfig ${where}.command is missing`);
  const args = exec.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw new Error(`kubeconfig ${where}.args must be a list of strings`);
  const env = exec.env ?? [];
  if (!Array.isArray(env)) throw new Error(`kubeconfig ${where}.env must be a list of {name, value}`);
  return {
    apiVersion: apiVersion as ExecApiVersion,
    // A command with a path separator is relative to the kubeconfig's directory; a bare name is looked up in PATH.
    command: command.includes(sep) || command.includes('/') ? absolute(command, dir) : command,
    args: args as string[],
    env: (env as unknown[]).map((e, i) => {
      const pair = e as Raw | null;
      if (typeof pair?.name !== 'string' || typeof pair.value !== 'string') throw new Error(`kubeconfig ${where}.env[${i}] must have a string name and value`);
      return { name: pair.name, value: pair.value };
    }),
    installHint: str(exec, 'installHint', where),
    provideClusterInfo: exec.provideClusterInfo === true,
  };
}

/** `<field>-data` (base64) wins over `<field>` (a file path), as in kubectl. */
function fileOrData(entry: Raw, field: string, dir: string, where: string): Buffer | undefined {
  const data = str(entry, `${field}-data`, where);
  if (data) return Buffer.from(data, 'base64');
  const file = str(entry, field, where);
  if (!file) return undefined;
  const path = absolute(file, dir);
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`kubeconfig ${where}.${field}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

function refuse(entry: Raw, where: string, unsupported: Record<string, string>): void {
  for (const [field, why] of Object.entries(unsupported)) {
    if (entry[field] !== undefined && entry[field] !== null && entry[field] !== '') throw new Error(`kubeconfig ${where}.${field} ${why}`);
  }
}

function authProviderName(entry: Raw): string {
  const name = (entry['auth-provider'] as Raw | null)?.name;
  return typeof name === 'string' ? name : 'legacy';
}

function str(entry: Raw, field: string, where: string): string | undefined {
  const value = entry[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`kubeconfig ${where}.${field} must be a string`);
  return value;
}

function absolute(path: string, dir: string): string {
  const expanded = path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
  return isAbsolute(expanded) ? expanded : resolve(dir, expanded);
}
