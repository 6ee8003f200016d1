// The Kubernetes side of PushSecret and ClusterPushSecret: their status (merge patches of the
// status subresource, as kube/status.ts does for the read kinds), the PushSecret finalizer
// (a merge patch guarded by resourceVersion), the PushSecrets a ClusterPushSecret stamps into
// namespaces, and the source Secrets a PushSecret reads (live, with their data: values are
// never cached by the informers).
import type { CoreApi, CustomObjectsApi } from './client/api.js';
import type { Secret } from './client/objects.js';
import { API_GROUP, API_VERSION, type LabelSelector } from '../api/types.js';
import { PUSH_PLURAL, type ClusterPushSecretStatus, type PushSecret, type PushSecretStatus } from '../api/push-types.js';
import { matchesLabelSelector } from '../api/label-selector.js';
import { isNotFound, toKubeApiError } from './client/errors.js';
import { statusMergePatch } from './status.js';
import { FIELD_MANAGER } from './secrets.js';

export interface PushSecretStatusWriter {
  pushSecret(namespace: string, name: string, status: PushSecretStatus): Promise<void>;
}

export interface ClusterPushSecretStatusWriter {
  clusterPushSecret(name: string, status: ClusterPushSecretStatus): Promise<void>;
}

export interface PushSecretFinalizerWriter {
  /** Sets metadata.finalizers; 409 when the object moved past `resourceVersion`. 404 is success (gone). */
  setFinalizers(namespace: string, name: string, finalizers: string[], resourceVersion: string | undefined): Promise<void>;
}

/** Writes of the PushSecrets a ClusterPushSecret stamps into namespaces. */
export interface PushSecretWriter {
  create(pushSecret: PushSecret): Promise<PushSecret>;
  /** Guarded by metadata.resourceVersion. */
  replace(pushSecret: PushSecret): Promise<PushSecret>;
  /** Only the object with this uid (and resourceVersion, when given); gone already is success. */
  delete(namespace: string, name: string, uid: string, resourceVersion?: string): Promise<void>;
}

/** The Secrets a PushSecret pushes, read from the API server with their data. */
export interface PushSourceClient {
  /** undefined when it does not exist. */
  get(namespace: string, name: string): Promise<Secret | undefined>;
  /** Every Secret of the namespace whose labels match. */
  list(namespace: string, selector: LabelSelector): Promise<Secret[]>;
}

const CLUSTER_PUSH_SECRET_STATUS_FIELDS: Record<keyof Required<ClusterPushSecretStatus>, true> = {
  pushSecretName: true,
  provisionedNamespaces: true,
  failedNamespaces: true,
  conditions: true,
  observedGeneration: true,
};

type CustomApi = Pick<
  CustomObjectsApi,
  | 'patchNamespacedCustomObjectStatus'
  | 'patchClusterCustomObjectStatus'
  | 'patchNamespacedCustomObject'
  | 'createNamespacedCustomObject'
  | 'replaceNamespacedCustomObject'
  | 'deleteNamespacedCustomObject'
>;

const ref = (plural: string) => ({ group: API_GROUP, version: API_VERSION, plural });

export class KubePushSecretClient implements PushSecretStatusWriter, ClusterPushSecretStatusWriter, PushSecretFinalizerWriter, PushSecretWriter {
  constructor(private readonly customObjects: CustomApi) {}

  async pushSecret(namespace: string, name: string, status: PushSecretStatus): Promise<void> {
    try {
      // A JSON patch that sets the whole status: a merge patch would merge syncedPushSecrets'
      // nested maps key by key and keep entries (and metadata fields) that are gone.
      const body = [{ op: 'add', path: '/status', value: status }];
      await this.customObjects.patchNamespacedCustomObjectStatus({ ...ref(PUSH_PLURAL.PushSecret), namespace, name, patch: 'json', body, fieldManager: FIELD_MANAGER });
    } catch (error) {
      if (isNotFound(error)) return;
      throw toKubeApiError(error, `update status of PushSecret ${namespace}/${name}`);
    }
  }

  async clusterPushSecret(name: string, status: ClusterPushSecretStatus): Promise<void> {
    try {
      const body = statusMergePatch(status, CLUSTER_PUSH_SECRET_STATUS_FIELDS);
      await this.customObjects.patchClusterCustomObjectStatus({ ...ref(PUSH_PLURAL.ClusterPushSecret), name, patch: 'merge', body, fieldManager: FIELD_MANAGER });
    } catch (error) {
      if (isNotFound(error)) return;
      throw toKubeApiError(error, `update status of ClusterPushSecret ${name}`);
    }
  }

  async setFinalizers(namespace: string, name: string, finalizers: string[], resourceVersion: string | undefined): Promise<void> {
    try {
      await this.customObjects.patchNamespacedCustomObject({
        ...ref(PUSH_PLURAL.PushSecret),
        namespace,
        name,
        patch: 'merge',
        body: { metadata: { finalizers, ...(resourceVersion ? { resourceVersion } : {}) } },
        fieldManager: FIELD_MANAGER,
      });
    } catch (error) {
      if (isNotFound(error)) return;
      throw toKubeApiError(error, `update finalizers of PushSecret ${namespace}/${name}`);
    }
  }

  async create(pushSecret: PushSecret): Promise<PushSecret> {
    const { namespace, name } = identify(pushSecret);
    try {
      return (await this.customObjects.createNamespacedCustomObject({ ...ref(PUSH_PLURAL.PushSecret), namespace, body: pushSecret, fieldManager: FIELD_MANAGER })) as PushSecret;
    } catch (error) {
      throw toKubeApiError(error, `create PushSecret ${namespace}/${name}`);
    }
  }

  async replace(pushSecret: PushSecret): Promise<PushSecret> {
    const { namespace, name } = identify(pushSecret);
    if (!pushSecret.metadata.resourceVersion) throw new Error(`replace PushSecret ${namespace}/${name}: metadata.resourceVersion is required`);
    try {
      return (await this.customObjects.replaceNamespacedCustomObject({ ...ref(PUSH_PLURAL.PushSecret), namespace, name, body: pushSecret, fieldManager: FIELD_MANAGER })) as PushSecret;
    } catch (error) {
      throw toKubeApiError(error, `replace PushSecret ${namespace}/${name}`);
    }
  }

  async delete(namespace: string, name: string, uid: string, resourceVersion?: string): Promise<void> {
    try {
      await this.customObjects.deleteNamespacedCustomObject({
        ...ref(PUSH_PLURAL.PushSecret),
        namespace,
        name,
        body: { preconditions: { uid, ...(resourceVersion ? { resourceVersion } : {}) }, propagationPolicy: 'Background' },
      });
    } catch (error) {
      if (isNotFound(error)) return;
      throw toKubeApiError(error, `delete PushSecret ${namespace}/${name}`);
    }
  }
}

function identify(ps: PushSecret): { namespace: string; name: string } {
  const { namespace, name } = ps.metadata;
  if (!namespace || !name) throw new Error('PushSecret: metadata.namespace and metadata.name are required');
  return { namespace, name };
}

/** The label selector in the API's query syntax (the server filters; we check again). */
export function labelSelectorQuery(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/** At most this many source Secrets per label selector: one PushSecret cannot make the operator read a namespace without bound. */
export const MAX_SELECTED_SECRETS = 500;

export class KubePushSourceClient implements PushSourceClient {
  constructor(private readonly core: Pick<CoreApi, 'readNamespacedSecret' | 'listNamespacedSecret'>) {}

  async get(namespace: string, name: string): Promise<Secret | undefined> {
    try {
      return await this.core.readNamespacedSecret({ namespace, name });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toKubeApiError(error, `read Secret ${namespace}/${name}`);
    }
  }

  async list(namespace: string, selector: LabelSelector): Promise<Secret[]> {
    try {
      const list = await this.core.listNamespacedSecret({ namespace, labelSelector: labelSelectorQuery(selector), limit: MAX_SELECTED_SECRETS });
      return (list.items ?? []).filter((s) => matchesLabelSelector(selector, s.metadata?.labels));
    } catch (error) {
      throw toKubeApiError(error, `list Secrets of namespace ${namespace}`);
    }
  }
}
