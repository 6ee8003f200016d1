// The Kubernetes calls of `rotor migrate --live`, all in this one adapter behind the narrow
// MigrateCluster port (handover.ts uses only the port; unit tests pass a fake). Runs with
// the user's kubeconfig, not the operator's ServiceAccount.
import { ESO_GROUP } from '../api/eso.js';
// ESO's kinds have the plurals of Rotor's kinds of the same name.
import { PLURAL } from '../api/types.js';
import { KubeApiError, isNotFound, toKubeApiError } from '../kube/client/errors.js';
import { backoffDelayMs, type BackoffPolicy } from '../platform/backoff.js';
import { loadKubeConfig, makeKubeClients, type KubeClients, type LoadKubeConfigOptions } from '../kube/client/clients.js';
import type { Secret } from '../kube/client/objects.js';
import type { ConvertibleKind } from './convert.js';
import type { RotorKind } from './crd-schemas.js';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    finalizers?: string[];
    ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }>;
  };
  spec?: Record<string, unknown>;
  status?: { conditions?: Array<{ type: string; status: string; reason?: string; message?: string; observedGeneration?: number }>; observedGeneration?: number };
}

/** What the live handover needs from the cluster. */
export interface MigrateCluster {
  /** ESO's objects of a kind (all namespaces when namespace is undefined); [] when ESO's CRD is absent. */
  listEso(kind: ConvertibleKind, namespace?: string): Promise<KubeObject[]>;
  /** Removes the given finalizers (ESO's) from an ESO object, keeping the others. */
  removeEsoFinalizers(kind: ConvertibleKind, namespace: string | undefined, name: string, finalizers: string[]): Promise<void>;
  /** Deletes an ESO object; gone already is fine. */
  deleteEso(kind: ConvertibleKind, namespace: string | undefined, name: string): Promise<void>;
  /** Is Rotor's CRD for this kind installed? */
  rotorServed(kind: RotorKind): Promise<boolean>;
  getRotor(kind: RotorKind, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  createRotor(kind: RotorKind, object: KubeObject): Promise<KubeObject>;
  /** Merge-patches metadata.annotations of a Rotor object. */
  annotateRotor(kind: RotorKind, namespace: string | undefined, name: string, annotations: Record<string, string>): Promise<void>;
  getSecret(namespace: string, name: string): Promise<Secret | undefined>;
  /**
   * ESO's controller Deployments that run (label app.kubernetes.io/name=external-secrets, as
   * ESO's Helm chart sets it), as "namespace/name"; [] when they cannot be listed.
   */
  runningEsoControllers(): Promise<string[]>;
  /** Removes the namespace's finalizers (metadata.finalizers) that match; gone is fine. */
  removeNamespaceFinalizers(namespace: string, match: (finalizer: string) => boolean): Promise<string[]>;
}

const CLUSTER_SCOPED: ReadonlySet<ConvertibleKind> = new Set(['ClusterSecretStore', 'ClusterExternalSecret']);
/** ESO serves v1 since 0.17 and v1beta1 before. */
const ESO_VERSIONS = ['v1', 'v1beta1'];

/** 200 ms doubling: 5 attempts over about 3 s. */
const RETRY: BackoffPolicy = { baseMs: 200, maxMs: 1_600, jitter: 0 };
const RETRY_ATTEMPTS = 5;

/**
 * Retries what the API server says to retry (KubeApiError.retryable: 429, 5xx such as a CRD's
 * storage still initializing, no answer) and errors that never reached it; anything else fails at once.
 */
export async function retryTransient<T>(call: () => Promise<T>, sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const transient = !(error instanceof KubeApiError) || error.retryable;
      if (!transient || attempt >= RETRY_ATTEMPTS) throw error;
      await sleep(backoffDelayMs(attempt, RETRY));
    }
  }
}

export function connectCluster(options: LoadKubeConfigOptions): MigrateCluster {
  return new KubeMigrateCluster(makeKubeClients(loadKubeConfig(options)));
}

class KubeMigrateCluster implements MigrateCluster {
  /** The ESO version the API server serves, per kind (found by the first list). */
  private readonly esoVersion = new Map<ConvertibleKind, string>();

  constructor(private readonly clients: KubeClients) {}

  async listEso(kind: ConvertibleKind, namespace?: string): Promise<KubeObject[]> {
    const plural = PLURAL[kind];
    for (const version of ESO_VERSIONS) {
      try {
        const list = (await retryTransient(() =>
          namespace !== undefined && !CLUSTER_SCOPED.has(kind)
            ? this.clients.customObjects.listNamespacedCustomObject({ group: ESO_GROUP, version, namespace, plural })
            : this.clients.customObjects.listClusterCustomObject({ group: ESO_GROUP, version, plural }),
        )) as { items?: KubeObject[] };
        this.esoVersion.set(kind, version);
        return list.items ?? [];
      } catch (error) {
        if (isNotFound(error)) continue; // this version (or ESO's CRD) is not served
        throw toKubeApiError(error, `list ${plural}.${ESO_GROUP}`);
      }
    }
    return [];
  }

  async removeEsoFinalizers(kind: ConvertibleKind, namespace: string | undefined, name: string, finalizers: string[]): Promise<void> {
    const current = (await this.getEso(kind, namespace, name))?.metadata.finalizers ?? [];
    const keep = current.filter((f) => !finalizers.includes(f));
    if (keep.length === current.length) return;
    const body = { metadata: { finalizers: keep.length > 0 ? keep : null } };
    const args = { group: ESO_GROUP, version: this.version(kind), plural: PLURAL[kind], name, patch: 'merge' as const, body };
    try {
      if (CLUSTER_SCOPED.has(kind)) await this.clients.customObjects.patchClusterCustomObject(args);
      else await this.clients.customObjects.patchNamespacedCustomObject({ ...args, namespace: namespace! });
    } catch (error) {
      if (isNotFound(error)) return;
      throw toKubeApiError(error, `remove ESO's finalizer from ${kind} ${name}`);
    }
  }

  async deleteEso(kind: ConvertibleKind, namespace: string | undefined, name: string): Promise<void> {
    const args = { group: ESO_GROUP, version: this.version(kind), plural: PLURAL[kind], name };
    try {
      if (CLUSTER_SCOPED.has(kind)) await this.clients.customObjects.deleteClusterCustomObject(args);
      else await this.clients.customObjects.deleteNamespacedCustomObject({ ...args, namespace: namespace! });
    } catch (error) {
      if (isNotFound(error)) return;
      throw toKubeApiError(error, `delete ${PLURAL[kind]}.${ESO_GROUP} ${name}`);
    }
  }

  async rotorServed(kind: RotorKind): Promise<boolean> {
    try {
      await retryTransient(() => this.clients.customObjects.listClusterCustomObject({ group: kind.group, version: kind.version, plural: kind.plural, limit: 1 }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw toKubeApiError(error, `list ${kind.plural}.${kind.group}`);
    }
  }

  async getRotor(kind: RotorKind, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const args = { group: kind.group, version: kind.version, plural: kind.plural, name };
    try {
      return (await retryTransient(() =>
        kind.namespaced ? this.clients.customObjects.getNamespacedCustomObject({ ...args, namespace: namespace! }) : this.clients.customObjects.getClusterCustomObject(args),
      )) as KubeObject;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toKubeApiError(error, `get ${kind.plural}.${kind.group} ${name}`);
    }
  }

  async createRotor(kind: RotorKind, object: KubeObject): Promise<KubeObject> {
    const args = { group: kind.group, version: kind.version, plural: kind.plural, body: object, fieldManager: 'rotor-migrate' };
    try {
      return (kind.namespaced
        ? await this.clients.customObjects.createNamespacedCustomObject({ ...args, namespace: object.metadata.namespace! })
        : await this.clients.customObjects.createClusterCustomObject(args)) as KubeObject;
    } catch (error) {
      throw toKubeApiError(error, `create ${kind.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`);
    }
  }

  async annotateRotor(kind: RotorKind, namespace: string | undefined, name: string, annotations: Record<string, string>): Promise<void> {
    const args = { group: kind.group, version: kind.version, plural: kind.plural, name, patch: 'merge' as const, body: { metadata: { annotations } }, fieldManager: 'rotor-migrate' };
    try {
      if (kind.namespaced) await this.clients.customObjects.patchNamespacedCustomObject({ ...args, namespace: namespace! });
      else await this.clients.customObjects.patchClusterCustomObject(args);
    } catch (error) {
      throw toKubeApiError(error, `annotate ${kind.kind} ${name}`);
    }
  }

  async getSecret(namespace: string, name: string): Promise<Secret | undefined> {
    try {
      return await retryTransient(() => this.clients.core.readNamespacedSecret({ namespace, name }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toKubeApiError(error, `get Secret ${namespace}/${name}`);
    }
  }

  async removeNamespaceFinalizers(namespace: string, match: (finalizer: string) => boolean): Promise<string[]> {
    try {
      const ns = await retryTransient(() => this.clients.core.readNamespace({ name: namespace }));
      const current = ns.metadata?.finalizers ?? [];
      const removed = current.filter(match);
      if (removed.length === 0) return [];
      // resourceVersion makes the merge patch fail (409) if someone changed the list meanwhile.
      const body = { metadata: { resourceVersion: ns.metadata?.resourceVersion, finalizers: current.filter((f) => !match(f)) } };
      await this.clients.core.patchNamespace({ name: namespace, patch: 'merge', body });
      return removed;
    } catch (error) {
      if (isNotFound(error)) return [];
      throw toKubeApiError(error, `remove ESO's finalizer from namespace ${namespace}`);
    }
  }

  async runningEsoControllers(): Promise<string[]> {
    try {
      // Deployments through the generic group/version/plural path: the only apps call here.
      const list = await this.clients.customObjects.listClusterCustomObject<{ metadata: { name: string; namespace?: string }; spec?: { replicas?: number }; status?: { replicas?: number } }>({
        group: 'apps',
        version: 'v1',
        plural: 'deployments',
        labelSelector: 'app.kubernetes.io/name=external-secrets',
      });
      return (list.items ?? []).filter((d) => (d.spec?.replicas ?? 1) > 0 || (d.status?.replicas ?? 0) > 0).map((d) => `${d.metadata.namespace}/${d.metadata.name}`);
    } catch {
      return []; // only a warning depends on it; no permission to list Deployments is fine
    }
  }

  private async getEso(kind: ConvertibleKind, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const args = { group: ESO_GROUP, version: this.version(kind), plural: PLURAL[kind], name };
    try {
      return (CLUSTER_SCOPED.has(kind)
        ? await this.clients.customObjects.getClusterCustomObject(args)
        : await this.clients.customObjects.getNamespacedCustomObject({ ...args, namespace: namespace! })) as KubeObject;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toKubeApiError(error, `get ${PLURAL[kind]}.${ESO_GROUP} ${name}`);
    }
  }

  private version(kind: ConvertibleKind): string {
    return this.esoVersion.get(kind) ?? ESO_VERSIONS[0]!;
  }
}
