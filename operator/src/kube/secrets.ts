// SecretClient on CoreApi: reads return undefined for a missing Secret, writes and deletes are
// guarded by resourceVersion (deletes by uid too), and 409s surface as ConflictError so the
// reconciler re-reads and retries.
import type { CoreApi } from './client/api.js';
import type { Secret } from './client/objects.js';
import { ConflictError, isConflict, isNotFound, toKubeApiError } from './client/errors.js';
import type { DeletePreconditions, SecretClient } from './ports.js';

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

  /**
   * Deletes the Secret only if it is still the one the caller saw: the API server checks the
   * preconditions (uid, resourceVersion) atomically with the delete. The decision to delete is
   * made from a cached or earlier read; without them a Secret that a tenant (or anyone) replaced
   * or edited since would be deleted on stale grounds. A failed precondition is a 409
   * ConflictError: the reconciler re-reads and decides again. Already gone is success.
   */
  async delete(namespace: string, name: string, expected: DeletePreconditions): Promise<void> {
    if (!expected.resourceVersion) {
      throw new Error(`delete Secret ${namespace}/${name}: the resourceVersion it was decided on is required (read the Secret first)`);
    }
    const preconditions = { resourceVersion: expected.resourceVersion, ...(expected.uid ? { uid: expected.uid } : {}) };
    try {
      await this.core.deleteNamespacedSecret({ namespace, name, body: { preconditions } });
    } catch (error) {
      if (isNotFound(error)) return;
      if (isConflict(error)) {
        throw new ConflictError(`delete Secret ${namespace}/${name}: it changed or was replaced since it was read; not deleted (it is read again and the decision made again)`, 'Conflict', { cause: error });
      }
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
