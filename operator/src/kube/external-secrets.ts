// ExternalSecretWriter on CustomObjectsApi: the ExternalSecrets a ClusterExternalSecret creates,
// updates and deletes. Writes are guarded (resourceVersion on replace, a uid precondition on
// delete) so an ExternalSecret someone re-created meanwhile is never clobbered.
import type { CustomObjectsApi } from './client/api.js';
import { API_GROUP, API_VERSION, PLURAL, type ExternalSecret } from '../api/types.js';
import { isNotFound, toKubeApiError } from './client/errors.js';
import type { ExternalSecretWriter } from './ports.js';
import { FIELD_MANAGER } from './secrets.js';

type Api = Pick<CustomObjectsApi, 'createNamespacedCustomObject' | 'replaceNamespacedCustomObject' | 'deleteNamespacedCustomObject'>;

export class KubeExternalSecretWriter implements ExternalSecretWriter {
  constructor(private readonly customObjects: Api) {}

  async create(externalSecret: ExternalSecret): Promise<ExternalSecret> {
    const { namespace, name } = identify(externalSecret, 'create');
    try {
      return (await this.customObjects.createNamespacedCustomObject({
        group: API_GROUP,
        version: API_VERSION,
        namespace,
        plural: PLURAL.ExternalSecret,
        body: externalSecret,
        fieldManager: FIELD_MANAGER,
      })) as ExternalSecret;
    } catch (error) {
      throw toKubeApiError(error, `create ExternalSecret ${namespace}/${name}`);
    }
  }

  async replace(externalSecret: ExternalSecret): Promise<ExternalSecret> {
    const { namespace, name } = identify(externalSecret, 'replace');
    if (!externalSecret.metadata.resourceVersion) throw new Error(`replace ExternalSecret ${namespace}/${name}: metadata.resourceVersion is required`);
    try {
      return (await this.customObjects.replaceNamespacedCustomObject({
        group: API_GROUP,
        version: API_VERSION,
        namespace,
        plural: PLURAL.ExternalSecret,
        name,
        body: externalSecret,
        fieldManager: FIELD_MANAGER,
      })) as ExternalSecret;
    } catch (error) {
      throw toKubeApiError(error, `replace ExternalSecret ${namespace}/${name}`);
    }
  }

  async delete(namespace: string, name: string, uid: string, resourceVersion?: string): Promise<void> {
    try {
      await this.customObjects.deleteNamespacedCustomObject({
        group: API_GROUP,
        version: API_VERSION,
        namespace,
        plural: PLURAL.ExternalSecret,
        name,
        // Background: its Secret (owned by it) is collected by the garbage collector.
        body: { preconditions: { uid, ...(resourceVersion ? { resourceVersion } : {}) }, propagationPolicy: 'Background' },
      });
    } catch (error) {
      if (isNotFound(error)) return;
      throw toKubeApiError(error, `delete ExternalSecret ${namespace}/${name}`);
    }
  }
}

function identify(externalSecret: ExternalSecret, verb: string): { namespace: string; name: string } {
  const { namespace, name } = externalSecret.metadata;
  if (!namespace || !name) throw new Error(`${verb} ExternalSecret: metadata.namespace and metadata.name are required`);
  return { namespace, name };
}
