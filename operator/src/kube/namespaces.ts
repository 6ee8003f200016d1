// NamespaceClient on CoreApi: the labels ClusterSecretStore conditions select on.
// A plain GET per call: it happens once per reconcile of an ExternalSecret using a
// ClusterSecretStore, which is cheap next to the AWS read it guards.
import type { CoreApi } from './client/api.js';
import { isNotFound, toKubeApiError } from './client/errors.js';
import type { NamespaceClient } from './ports.js';

export class KubeNamespaceClient implements NamespaceClient {
  constructor(private readonly core: Pick<CoreApi, 'readNamespace'>) {}

  /** Labels of the namespace ({} when it has none); undefined when it does not exist. */
  async labels(name: string): Promise<Record<string, string> | undefined> {
    try {
      const ns = await this.core.readNamespace({ name });
      return ns.metadata?.labels ?? {};
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toKubeApiError(error, `read Namespace ${name}`);
    }
  }

  async terminating(name: string): Promise<boolean> {
    try {
      const ns = await this.core.readNamespace({ name });
      return !!ns.metadata?.deletionTimestamp;
    } catch (error) {
      if (isNotFound(error)) return true;
      throw toKubeApiError(error, `read Namespace ${name}`);
    }
  }
}
