// Kubernetes client setup: where the kubeconfig comes from and the typed API objects
// the rest of kube/ uses. Created once in main.ts and passed down (never a singleton).
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
  return kc;
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
