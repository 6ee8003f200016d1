// Kubernetes client setup: where the kubeconfig comes from and the typed API objects
// the rest of kube/ uses. Created once in main.ts and passed down (never a singleton).
import { createHash } from 'node:crypto';
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  Watch,
} from '@kubernetes/client-node';

export interface LoadKubeConfigOptions {
  /** Path from the --kubeconfig flag; wins over $KUBECONFIG and in-cluster config. */
  kubeconfigPath?: string;
  /** Context to use instead of the file's current-context. */
  context?: string;
}

/**
 * Loads the kubeconfig the way kubectl users expect: an explicit path (--kubeconfig), else
 * `loadFromDefault`, which tries $KUBECONFIG, then ~/.kube/config, then the in-cluster
 * ServiceAccount (token + CA under /var/run/secrets/kubernetes.io/serviceaccount).
 *
 * loadFromDefault silently falls back to http://localhost:8080 when none of those exist;
 * that would make the operator retry against nothing forever, so we fail fast instead.
 */
export function loadKubeConfig(options: LoadKubeConfigOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  if (options.kubeconfigPath) {
    kc.loadFromFile(options.kubeconfigPath);
  } else {
    kc.loadFromDefault();
    if (isLocalhostFallback(kc)) {
      throw new Error(
        'no Kubernetes configuration found: pass --kubeconfig, set KUBECONFIG, or run in a pod with a ServiceAccount token',
      );
    }
  }
  if (options.context) kc.setCurrentContext(options.context);
  if (!kc.getCurrentCluster()) {
    throw new Error(`kubeconfig has no cluster for context "${kc.getCurrentContext()}": fix the file or pass --context`);
  }
  shareConnections(kc);
  return kc;
}

/** The part of client-node 2.x's KubeConfig that builds the HTTP dispatcher of each request. */
interface DispatcherFactory {
  createDispatcher?: (cluster: unknown, agentOptions: unknown) => Closable | undefined;
  createDispatcherOptions(cluster: unknown, agentOptions: unknown): unknown;
}
interface Closable {
  close(): Promise<void>;
}

/**
 * Makes every API request of this KubeConfig share one connection pool.
 *
 * client-node 2.0 builds a new undici Agent in applySecurityAuthentication, i.e. for every
 * request when the cluster has a CA or client certificate (always, in a pod): each call opened
 * a new TLS connection (handshake, certificate parsing) and left it idle until its keep-alive
 * ran out. At 1,000 ExternalSecrets that was thousands of handshakes and open sockets (see
 * docs/benchmarks.md). Here the dispatcher is reused while its TLS options stay the same; a
 * rotated certificate gets a new pool and the old one is closed once its requests finish.
 * Headers (bearer tokens, re-read from the token file) are still applied per request.
 */
export function shareConnections(kc: KubeConfig): void {
  const factory = kc as unknown as DispatcherFactory;
  // A later client-node may cache on its own or rename this; then there is nothing to patch.
  if (typeof factory.createDispatcher !== 'function') return;
  const create = factory.createDispatcher.bind(kc);
  let current: { key: string; dispatcher: Closable | undefined } | undefined;
  factory.createDispatcher = (cluster, agentOptions) => {
    const key = createHash('sha256').update(JSON.stringify(factory.createDispatcherOptions(cluster, agentOptions)) ?? '').digest('hex');
    if (current?.key === key) return current.dispatcher;
    const previous = current?.dispatcher;
    current = { key, dispatcher: create(cluster, agentOptions) };
    previous?.close().catch(() => undefined);
    return current.dispatcher;
  };
}

/** The cluster/user loadFromDefault invents when it finds no configuration at all. */
function isLocalhostFallback(kc: KubeConfig): boolean {
  return kc.getCurrentContext() === 'loaded-context' && kc.getCurrentCluster()?.server === 'http://localhost:8080';
}

/** Typed API objects for everything Rotor talks to. */
export interface KubeClients {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  customObjects: CustomObjectsApi;
  coordination: CoordinationV1Api;
  watch: Watch;
}

export function makeKubeClients(kc: KubeConfig): KubeClients {
  return {
    kubeConfig: kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    customObjects: kc.makeApiClient(CustomObjectsApi),
    coordination: kc.makeApiClient(CoordinationV1Api),
    watch: new Watch(kc),
  };
}
