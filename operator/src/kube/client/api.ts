// The Kubernetes calls Rotor makes, named as in @kubernetes/client-node (readNamespacedSecret,
// patchNamespacedCustomObjectStatus, ...) so the code reads the same, over kube/client/rest.ts.
// Every call Rotor makes goes through one of these methods: operator/test/chart/chart.test.ts
// maps each method used in operator/src to the RBAC permission it needs.
// Responses are the API server's JSON (kube/client/objects.ts types), lists included.
import type { ConfigMap, KubeEvent, KubeList, Lease, Namespace, Secret, ServiceAccount, TokenRequest, Workload } from './objects.js';
import { CONTENT_TYPE, type KubeRestClient, type Query } from './rest.js';

export interface ListParams {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  /** Token of the next page (metadata.continue of the previous one). */
  _continue?: string;
  resourceVersion?: string;
}

export interface WriteParams {
  fieldManager?: string;
  dryRun?: 'All';
}

/**
 * How a patch body is read. `apply` is server-side apply (needs fieldManager; `force` takes
 * fields from other managers).
 */
export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

export interface PatchParams extends WriteParams {
  patch: PatchType;
  body: unknown;
  force?: boolean;
}

const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: CONTENT_TYPE.mergePatch,
  strategic: CONTENT_TYPE.strategicMergePatch,
  json: CONTENT_TYPE.jsonPatch,
  apply: CONTENT_TYPE.apply,
};

/** Body of a DELETE: delete only that object (uid) or version, and what happens to its dependents. */
export interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
}

type Named = { namespace: string; name: string };

/** Calls on one resource type; `base` is /api/v1 or /apis/<group>/<version>. */
class Resource<T> {
  constructor(
    private readonly rest: KubeRestClient,
    private readonly base: string,
    private readonly plural: string,
    /** Writes skip the leader write gate (kube/client/write-fence.ts): only for the election's Lease. */
    private readonly unfenced = false,
  ) {}

  path(namespace: string | undefined, name?: string, subresource?: string): string {
    let path = this.base;
    if (namespace !== undefined) path += `/namespaces/${encodeURIComponent(namespace)}`;
    path += `/${this.plural}`;
    if (name !== undefined) path += `/${encodeURIComponent(name)}`;
    if (subresource) path += `/${subresource}`;
    return path;
  }

  get(namespace: string | undefined, name: string): Promise<T> {
    return this.rest.request<T>({ method: 'GET', path: this.path(namespace, name) });
  }

  list(namespace: string | undefined, params: ListParams = {}): Promise<KubeList<T>> {
    return this.rest.request<KubeList<T>>({ method: 'GET', path: this.path(namespace), query: listQuery(params) });
  }

  create<B = T, R = T>(namespace: string | undefined, body: B, params: WriteParams = {}, subresource?: { name: string; path: string }): Promise<R> {
    const path = subresource ? this.path(namespace, subresource.name, subresource.path) : this.path(namespace);
    return this.rest.request<R>({ method: 'POST', path, body, query: writeQuery(params), unfenced: this.unfenced });
  }

  replace(namespace: string | undefined, name: string, body: T, params: WriteParams = {}): Promise<T> {
    return this.rest.request<T>({ method: 'PUT', path: this.path(namespace, name), body, query: writeQuery(params), unfenced: this.unfenced });
  }

  patch(namespace: string | undefined, name: string, params: PatchParams, subresource?: string): Promise<T> {
    if (params.patch === 'apply' && !params.fieldManager) throw new Error(`server-side apply of ${this.plural}/${name} needs a fieldManager`);
    return this.rest.request<T>({
      method: 'PATCH',
      path: this.path(namespace, name, subresource),
      body: params.body,
      contentType: PATCH_CONTENT_TYPE[params.patch],
      query: { ...writeQuery(params), force: params.patch === 'apply' && params.force ? true : undefined },
      unfenced: this.unfenced,
    });
  }

  delete(namespace: string | undefined, name: string, options?: DeleteOptions): Promise<unknown> {
    const body = options ? { apiVersion: 'v1', kind: 'DeleteOptions', ...options } : undefined;
    return this.rest.request({ method: 'DELETE', path: this.path(namespace, name), body, unfenced: this.unfenced });
  }
}

function listQuery(params: ListParams): Query {
  return {
    labelSelector: params.labelSelector,
    fieldSelector: params.fieldSelector,
    limit: params.limit,
    continue: params._continue,
    resourceVersion: params.resourceVersion,
  };
}

function writeQuery(params: WriteParams): Query {
  return { fieldManager: params.fieldManager, dryRun: params.dryRun };
}

// ---------------------------------------------------------------- core/v1

export class CoreApi {
  private readonly secrets: Resource<Secret>;
  private readonly namespaces: Resource<Namespace>;
  private readonly configMaps: Resource<ConfigMap>;
  private readonly serviceAccounts: Resource<ServiceAccount>;
  private readonly events: Resource<KubeEvent>;

  constructor(rest: KubeRestClient) {
    this.secrets = new Resource(rest, '/api/v1', 'secrets');
    this.namespaces = new Resource(rest, '/api/v1', 'namespaces');
    this.configMaps = new Resource(rest, '/api/v1', 'configmaps');
    this.serviceAccounts = new Resource(rest, '/api/v1', 'serviceaccounts');
    this.events = new Resource(rest, '/api/v1', 'events');
  }

  readNamespace(p: { name: string }): Promise<Namespace> {
    return this.namespaces.get(undefined, p.name);
  }
  listNamespace(p: ListParams = {}): Promise<KubeList<Namespace>> {
    return this.namespaces.list(undefined, p);
  }
  patchNamespace(p: PatchParams & { name: string }): Promise<Namespace> {
    return this.namespaces.patch(undefined, p.name, p);
  }

  readNamespacedSecret(p: Named): Promise<Secret> {
    return this.secrets.get(p.namespace, p.name);
  }
  listNamespacedSecret(p: ListParams & { namespace: string }): Promise<KubeList<Secret>> {
    return this.secrets.list(p.namespace, p);
  }
  listSecretForAllNamespaces(p: ListParams = {}): Promise<KubeList<Secret>> {
    return this.secrets.list(undefined, p);
  }
  createNamespacedSecret(p: WriteParams & { namespace: string; body: Secret }): Promise<Secret> {
    return this.secrets.create(p.namespace, p.body, p);
  }
  replaceNamespacedSecret(p: WriteParams & Named & { body: Secret }): Promise<Secret> {
    return this.secrets.replace(p.namespace, p.name, p.body, p);
  }
  patchNamespacedSecret(p: PatchParams & Named): Promise<Secret> {
    return this.secrets.patch(p.namespace, p.name, p);
  }
  deleteNamespacedSecret(p: Named & { body?: DeleteOptions }): Promise<unknown> {
    return this.secrets.delete(p.namespace, p.name, p.body);
  }

  readNamespacedConfigMap(p: Named): Promise<ConfigMap> {
    return this.configMaps.get(p.namespace, p.name);
  }

  readNamespacedServiceAccount(p: Named): Promise<ServiceAccount> {
    return this.serviceAccounts.get(p.namespace, p.name);
  }
  /** TokenRequest (POST serviceaccounts/<name>/token). */
  createNamespacedServiceAccountToken(p: Named & { body: TokenRequest }): Promise<TokenRequest> {
    return this.serviceAccounts.create<TokenRequest, TokenRequest>(p.namespace, p.body, {}, { name: p.name, path: 'token' });
  }

  createNamespacedEvent(p: { namespace: string; body: KubeEvent }): Promise<KubeEvent> {
    return this.events.create(p.namespace, p.body);
  }
  patchNamespacedEvent(p: PatchParams & Named): Promise<KubeEvent> {
    return this.events.patch(p.namespace, p.name, p);
  }
}

// ---------------------------------------------------------------- apps/v1

export class AppsApi {
  private readonly deployments: Resource<Workload>;
  private readonly statefulSets: Resource<Workload>;
  private readonly daemonSets: Resource<Workload>;

  constructor(rest: KubeRestClient) {
    this.deployments = new Resource(rest, '/apis/apps/v1', 'deployments');
    this.statefulSets = new Resource(rest, '/apis/apps/v1', 'statefulsets');
    this.daemonSets = new Resource(rest, '/apis/apps/v1', 'daemonsets');
  }

  listNamespacedDeployment(p: ListParams & { namespace: string }): Promise<KubeList<Workload>> {
    return this.deployments.list(p.namespace, p);
  }
  listNamespacedStatefulSet(p: ListParams & { namespace: string }): Promise<KubeList<Workload>> {
    return this.statefulSets.list(p.namespace, p);
  }
  listNamespacedDaemonSet(p: ListParams & { namespace: string }): Promise<KubeList<Workload>> {
    return this.daemonSets.list(p.namespace, p);
  }
  patchNamespacedDeployment(p: PatchParams & Named): Promise<Workload> {
    return this.deployments.patch(p.namespace, p.name, p);
  }
  patchNamespacedStatefulSet(p: PatchParams & Named): Promise<Workload> {
    return this.statefulSets.patch(p.namespace, p.name, p);
  }
  patchNamespacedDaemonSet(p: PatchParams & Named): Promise<Workload> {
    return this.daemonSets.patch(p.namespace, p.name, p);
  }
}

// ---------------------------------------------------------------- coordination.k8s.io/v1

export class CoordinationApi {
  private readonly leases: Resource<Lease>;

  constructor(rest: KubeRestClient) {
    // The elector writes the Lease to become leader, so these writes cannot wait for leadership.
    this.leases = new Resource(rest, '/apis/coordination.k8s.io/v1', 'leases', true);
  }

  readNamespacedLease(p: Named): Promise<Lease> {
    return this.leases.get(p.namespace, p.name);
  }
  createNamespacedLease(p: { namespace: string; body: Lease }): Promise<Lease> {
    return this.leases.create(p.namespace, p.body);
  }
  replaceNamespacedLease(p: Named & { body: Lease }): Promise<Lease> {
    return this.leases.replace(p.namespace, p.name, p.body);
  }
}

// ---------------------------------------------------------------- custom resources

export interface CustomResourceRef {
  group: string;
  version: string;
  plural: string;
}

/** Custom resources by group/version/plural; objects are untyped JSON (`T` says what the caller expects). */
export class CustomObjectsApi {
  constructor(private readonly rest: KubeRestClient) {}

  private resource<T>(ref: CustomResourceRef): Resource<T> {
    return new Resource<T>(this.rest, `/apis/${ref.group}/${ref.version}`, ref.plural);
  }

  getNamespacedCustomObject<T = unknown>(p: CustomResourceRef & Named): Promise<T> {
    return this.resource<T>(p).get(p.namespace, p.name);
  }
  getClusterCustomObject<T = unknown>(p: CustomResourceRef & { name: string }): Promise<T> {
    return this.resource<T>(p).get(undefined, p.name);
  }
  listNamespacedCustomObject<T = unknown>(p: CustomResourceRef & ListParams & { namespace: string }): Promise<KubeList<T>> {
    return this.resource<T>(p).list(p.namespace, p);
  }
  /** A cluster-scoped kind, or a namespaced kind in all namespaces. */
  listClusterCustomObject<T = unknown>(p: CustomResourceRef & ListParams): Promise<KubeList<T>> {
    return this.resource<T>(p).list(undefined, p);
  }
  createNamespacedCustomObject<T = unknown>(p: CustomResourceRef & WriteParams & { namespace: string; body: T }): Promise<T> {
    return this.resource<T>(p).create(p.namespace, p.body, p);
  }
  createClusterCustomObject<T = unknown>(p: CustomResourceRef & WriteParams & { body: T }): Promise<T> {
    return this.resource<T>(p).create(undefined, p.body, p);
  }
  replaceNamespacedCustomObject<T = unknown>(p: CustomResourceRef & WriteParams & Named & { body: T }): Promise<T> {
    return this.resource<T>(p).replace(p.namespace, p.name, p.body, p);
  }
  patchNamespacedCustomObject<T = unknown>(p: CustomResourceRef & PatchParams & Named): Promise<T> {
    return this.resource<T>(p).patch(p.namespace, p.name, p);
  }
  patchClusterCustomObject<T = unknown>(p: CustomResourceRef & PatchParams & { name: string }): Promise<T> {
    return this.resource<T>(p).patch(undefined, p.name, p);
  }
  patchNamespacedCustomObjectStatus<T = unknown>(p: CustomResourceRef & PatchParams & Named): Promise<T> {
    return this.resource<T>(p).patch(p.namespace, p.name, p, 'status');
  }
  patchClusterCustomObjectStatus<T = unknown>(p: CustomResourceRef & PatchParams & { name: string }): Promise<T> {
    return this.resource<T>(p).patch(undefined, p.name, p, 'status');
  }
  deleteNamespacedCustomObject(p: CustomResourceRef & Named & { body?: DeleteOptions }): Promise<unknown> {
    return this.resource(p).delete(p.namespace, p.name, p.body);
  }
  deleteClusterCustomObject(p: CustomResourceRef & { name: string; body?: DeleteOptions }): Promise<unknown> {
    return this.resource(p).delete(undefined, p.name, p.body);
  }
}
