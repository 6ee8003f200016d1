// Kubernetes client setup: where the connection comes from (kube/client/kube-config.ts) and the API
// objects the rest of kube/ uses. Created once in main.ts and passed down (never a singleton).
// All of them share one KubeRestClient, i.e. one keep-alive connection pool.
import { AppsApi, CoordinationApi, CoreApi, CustomObjectsApi } from './api.js';
import { loadKubeConfig, type KubeConfig, type LoadKubeConfigOptions } from './kube-config.js';
import { KubeRestClient, type KubeRestClientOptions } from './rest.js';

export { loadKubeConfig, type KubeConfig, type LoadKubeConfigOptions };

/** The API objects for everything Rotor talks to, over one connection pool. */
export interface KubeClients {
  kubeConfig: KubeConfig;
  /** Raw requests and watches (list-watch.ts); API calls go through the objects below. */
  rest: KubeRestClient;
  core: CoreApi;
  apps: AppsApi;
  customObjects: CustomObjectsApi;
  coordination: CoordinationApi;
}

export function makeKubeClients(kc: KubeConfig, options: KubeRestClientOptions = {}): KubeClients {
  const rest = new KubeRestClient(kc, options);
  return {
    kubeConfig: kc,
    rest,
    core: new CoreApi(rest),
    apps: new AppsApi(rest),
    customObjects: new CustomObjectsApi(rest),
    coordination: new CoordinationApi(rest),
  };
}
