// SecretClient on CoreApi: reads return undefined for a missing Secret, writes are guarded
// by resourceVersion, and 409s surface as ConflictError so the reconciler re-reads and retries.
import type { CoreApi } from './api.js';
import type { Secret } from './objects.js';
import { isNotFound, toKubeApiError } from './errors.js';
import type { SecretClient } from './ports.js';

/** Shown in managedFields, so `kubectl get secret -o yaml` says who wrote what. */
export const FIELD_MANAGER = 'rotor';

export class KubeSecretClient implements SecretClient {
  constructor(private readonly core: Pick<CoreApi, 'readNamespacedSecret' | 'createNamespacedSecret' | 'replaceNamespacedSecret' | 'deleteNamespacedSecret'>) {}

  async get(namespace: string, name: string): Promise<Secret | undefined> {
    try {
      return await this.core.readNamespacedSecret({ namespace, name });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toKubeApiError(error, `read Secret ${namespace}/${name}`);
    }
  }

  /** Throws ConflictError (reason AlreadyExists) when a Secret of that name exists. */
  async create(secret: Secret): Promise<Secret> {
    const { namespace, name } = identify(secret, 'create');
    try {
      return await this.core.createNamespacedSecret({ namespace, body: secret, fieldManager: FIELD_MANAGER });
    } catch (error) {
      throw toKubeApiError(error, `create Secret ${namespace}/${name}`);
    }
  }

  /**
   * Replaces the whole Secret. metadata.resourceVersion must be the one that was read: the API
   * server rejects the write with 409 (ConflictError) if the Secret changed since.
   */
  async replace(secret: Secret): Promise<Secret> {
    const { namespace, name } = identify(secret, 'replace');
    if (!secret.metadata?.resourceVersion) {
      // Without it the write would silently clobber someone else's change.
      throw new Error(`replace Secret ${namespace}/${name}: metadata.resourceVersion is required (read the Secret first)`);
    }
    try {
      return await this.core.replaceNamespacedSecret({ namespace, name, body: secret, fieldManager: FIELD_MANAGER });
    } catch (error) {
      throw toKubeApiError(error, `replace Secret ${namespace}/${name}`);
    }
  }

  /** Deleting a Secret that is already gone succeeds. */
  async delete(namespace: string, name: string): Promise<void> {
    try {
      await this.core.deleteNamespacedSecret({ namespace, name });
    } catch (error) {
      if (isNotFound(error)) return;
      throw toKubeApiError(error, `delete Secret ${namespace}/${name}`);
    }
  }
}

function identify(secret: Secret, verb: string): { namespace: string; name: string } {
  const namespace = secret.metadata?.namespace;
  const name = secret.metadata?.name;
  if (!namespace || !name) throw new Error(`${verb} Secret: metadata.namespace and metadata.name are required`);
  return { namespace, name };
}
