// StatusWriter on the status subresource of the rotor.dev CRs.
//
// The write is a JSON merge patch (application/merge-patch+json) of {status}: it touches only
// status (spec edits racing with us are never overwritten) and needs no resourceVersion.
//
// The status passed is the whole new status: a merge patch would keep a top-level field we
// leave out (e.g. a stale servedRegion), so every known field that is absent is sent as null,
// which a merge patch turns into "remove".
import type { CustomObjectsApi } from './client/api.js';
import { API_GROUP, API_VERSION, PLURAL, type ClusterExternalSecretStatus, type ExternalSecretStatus, type SecretStoreStatus, type StoreKind } from '../api/types.js';
import { isNotFound, toKubeApiError } from './client/errors.js';
import type { ClusterExternalSecretStatusWriter, StatusWriter } from './ports.js';
import { FIELD_MANAGER } from './secrets.js';

// Record<keyof ..., true> makes the compiler insist that every status field is listed here.
const EXTERNAL_SECRET_STATUS_FIELDS: Record<keyof Required<ExternalSecretStatus>, true> = {
  conditions: true,
  refreshTime: true,
  observedGeneration: true,
  syncedResourceVersion: true,
  syncedStore: true,
  syncedVersions: true,
  dataMAC: true,
  servedRegion: true,
  version: true,
  lastRollout: true,
  lastEvent: true,
};

const STORE_STATUS_FIELDS: Record<keyof Required<SecretStoreStatus>, true> = {
  conditions: true,
  observedGeneration: true,
};

const CLUSTER_EXTERNAL_SECRET_STATUS_FIELDS: Record<keyof Required<ClusterExternalSecretStatus>, true> = {
  externalSecretName: true,
  provisionedNamespaces: true,
  failedNamespaces: true,
  conditions: true,
  observedGeneration: true,
};

/** The merge patch body that makes the stored status equal `status`. */
export function statusMergePatch<S extends object>(status: S, knownFields: Record<string, true>): { status: Record<string, unknown> } {
  const patch: Record<string, unknown> = {};
  for (const field of Object.keys(knownFields)) patch[field] = null;
  for (const [field, value] of Object.entries(status)) patch[field] = value === undefined ? null : value;
  return { status: patch };
}

/** Which object's status a patch writes, and how errors name it. */
interface StatusTarget {
  plural: string;
  /** undefined for cluster-scoped kinds. */
  namespace?: string;
  name: string;
  /** e.g. "ExternalSecret team-a/db", for error messages. */
  what: string;
}

export class KubeStatusWriter implements StatusWriter, ClusterExternalSecretStatusWriter {
  constructor(private readonly customObjects: Pick<CustomObjectsApi, 'patchNamespacedCustomObjectStatus' | 'patchClusterCustomObjectStatus'>) {}

  /** A 404 (the ExternalSecret was deleted meanwhile) is not an error: there is nothing to report on. */
  async externalSecret(namespace: string, name: string, status: ExternalSecretStatus): Promise<void> {
    await this.patchStatus({ plural: PLURAL.ExternalSecret, namespace, name, what: `ExternalSecret ${namespace}/${name}` }, statusMergePatch(status, EXTERNAL_SECRET_STATUS_FIELDS));
  }

  async store(kind: StoreKind, namespace: string | undefined, name: string, status: SecretStoreStatus): Promise<void> {
    if (kind === 'SecretStore' && !namespace) throw new Error(`update status of SecretStore ${name}: a namespace is required`);
    const target =
      kind === 'ClusterSecretStore'
        ? { plural: PLURAL.ClusterSecretStore, name, what: `ClusterSecretStore ${name}` }
        : { plural: PLURAL.SecretStore, namespace: namespace!, name, what: `SecretStore ${namespace}/${name}` };
    await this.patchStatus(target, statusMergePatch(status, STORE_STATUS_FIELDS));
  }

  async clusterExternalSecret(name: string, status: ClusterExternalSecretStatus): Promise<void> {
    await this.patchStatus({ plural: PLURAL.ClusterExternalSecret, name, what: `ClusterExternalSecret ${name}` }, statusMergePatch(status, CLUSTER_EXTERNAL_SECRET_STATUS_FIELDS));
  }

  /** The object was deleted meanwhile (404): nothing to report on, not an error. */
  private async patchStatus(target: StatusTarget, body: { status: Record<string, unknown> }): Promise<void> {
    const common = { group: API_GROUP, version: API_VERSION, plural: target.plural, name: target.name, patch: 'merge' as const, body, fieldManager: FIELD_MANAGER };
    try {
      if (target.namespace === undefined) await this.customObjects.patchClusterCustomObjectStatus(common);
      else await this.customObjects.patchNamespacedCustomObjectStatus({ ...common, namespace: target.namespace });
    } catch (error) {
      if (isNotFound(error)) return;
      throw toKubeApiError(error, `update status of ${target.what}`);
    }
  }
}
