// The Kubernetes calls of `rotor status` and `rotor refresh`, behind the narrow ToolsCluster
// port so the commands are unit-tested with a fake. Runs with the user's kubeconfig (like
// kubectl), never the operator's ServiceAccount.
import { ANNOTATION_FORCE_SYNC, API_GROUP, API_VERSION, PLURAL, type ExternalSecret } from '../api/types.js';
import { isNotFound, toKubeApiError } from '../kube/client/errors.js';
import { loadKubeConfig, makeKubeClients, type KubeClients, type LoadKubeConfigOptions } from '../kube/client/clients.js';
import type { KubeEvent, KubeList } from '../kube/client/objects.js';

/**
 * The kinds `rotor refresh` can annotate: an ExternalSecret re-reads AWS, a ClusterExternalSecret
 * passes it on to its ExternalSecrets, a store is re-validated.
 */
export type RefreshKind = 'ExternalSecret' | 'ClusterExternalSecret' | 'SecretStore' | 'ClusterSecretStore';

export interface ToolsCluster {
  /** The kubeconfig context's namespace, the default of -n. */
  readonly defaultNamespace: string;
  getExternalSecret(namespace: string, name: string): Promise<ExternalSecret | undefined>;
  /** Events about the object, any order. */
  events(namespace: string, kind: string, name: string): Promise<KubeEvent[]>;
  /** Merge-patches metadata.annotations; false when the object does not exist. */
  annotate(kind: RefreshKind, namespace: string | undefined, name: string, annotations: Record<string, string>): Promise<boolean>;
}

export function connectToolsCluster(options: LoadKubeConfigOptions): ToolsCluster {
  return new KubeToolsCluster(makeKubeClients(loadKubeConfig(options)));
}

class KubeToolsCluster implements ToolsCluster {
  readonly defaultNamespace: string;

  constructor(private readonly clients: KubeClients) {
    this.defaultNamespace = clients.kubeConfig.namespace ?? 'default';
  }

  async getExternalSecret(namespace: string, name: string): Promise<ExternalSecret | undefined> {
    try {
      return await this.clients.customObjects.getNamespacedCustomObject<ExternalSecret>({ group: API_GROUP, version: API_VERSION, plural: PLURAL.ExternalSecret, namespace, name });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toKubeApiError(error, `get ${PLURAL.ExternalSecret}.${API_GROUP} ${namespace}/${name}`);
    }
  }

  async events(namespace: string, kind: string, name: string): Promise<KubeEvent[]> {
    try {
      const list = await this.clients.rest.request<KubeList<KubeEvent>>({
        method: 'GET',
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
        query: { fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}` },
      });
      return list.items ?? [];
    } catch (error) {
      throw toKubeApiError(error, `list events of ${kind} ${namespace}/${name}`);
    }
  }

  async annotate(kind: RefreshKind, namespace: string | undefined, name: string, annotations: Record<string, string>): Promise<boolean> {
    const args = { group: API_GROUP, version: API_VERSION, plural: PLURAL[kind], name, patch: 'merge' as const, body: { metadata: { annotations } } };
    try {
      if (namespace === undefined) await this.clients.customObjects.patchClusterCustomObject(args);
      else await this.clients.customObjects.patchNamespacedCustomObject({ ...args, namespace });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw toKubeApiError(error, `annotate ${PLURAL[kind]}.${API_GROUP} ${name} with ${ANNOTATION_FORCE_SYNC}`);
    }
  }
}
