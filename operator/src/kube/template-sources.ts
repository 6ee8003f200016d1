// TemplateSourceClient on CoreApi: the ConfigMaps and Secrets that templateFrom names, read
// when an ExternalSecret is synced (ESO reads them the same way, on each reconcile).
import type { CoreApi } from './client/api.js';
import { isNotFound, toKubeApiError } from './client/errors.js';
import type { TemplateSourceClient } from './ports.js';

export class KubeTemplateSourceClient implements TemplateSourceClient {
  constructor(private readonly core: Pick<CoreApi, 'readNamespacedConfigMap' | 'readNamespacedSecret'>) {}

  async configMapData(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    try {
      const cm = await this.core.readNamespacedConfigMap({ namespace, name });
      return cm.data ?? {};
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toKubeApiError(error, `read ConfigMap ${namespace}/${name}`);
    }
  }

  async secretData(namespace: string, name: string): Promise<Record<string, Buffer> | undefined> {
    try {
      const secret = await this.core.readNamespacedSecret({ namespace, name });
      return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toKubeApiError(error, `read Secret ${namespace}/${name}`);
    }
  }
}
