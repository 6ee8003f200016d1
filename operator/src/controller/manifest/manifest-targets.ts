// The I/O shell of non-Secret targets (spec.target.manifest) for the ExternalSecret reconciler:
// the tenancy gate (target-kind.ts), API discovery of the kind, reading the target (the
// data-less ConfigMap cache first), drift, and the write or deletion the pure plan
// (manifest-plan.ts) decides. The reconciler keeps the pass itself (refresh decision, fetch,
// status), so a manifest target refreshes, backs off and reports exactly like a Secret target.
import { ES_REASON, type ExternalSecret } from '../../api/types.js';
import type { DefaultedExternalSecret } from '../../api/defaults.js';
import type { GenericObject } from '../../kube/client/objects.js';
import type { ManifestTargetClient, ServedKind } from '../../kube/ports.js';
import { httpStatusOf } from '../../kube/client/errors.js';
import { isContentStripped } from '../../sync/manifest-content.js';
import { SyncError } from '../../sync/errors.js';
import type { DesiredData } from '../externalsecret/fetch-desired.js';
import { checkTargetKind, unusableKindMessage, type TargetKind } from './target-kind.js';
import { copiedMetadata, isManifestOwnedBy, manifestMAC, planManifestWrite, type ManifestObject, type ManifestOwner } from './manifest-plan.js';
import { ANNOTATION_OWNER, LABEL_MANAGED } from '../../api/types.js';

export interface ManifestTargetsDeps {
  client: ManifestTargetClient;
  /** The admin's allow-list (targets.allowedKinds). */
  allowedKinds: readonly string[];
  /** The managed-ConfigMap informer cache (data replaced by a digest); absent: always read. */
  cachedConfigMap?: (namespace: string, name: string) => GenericObject | undefined;
  /** Cached managed ConfigMaps of a namespace whose rotor.dev/owner is `owner` (namespace/name). */
  managedConfigMapsOf?: (namespace: string, owner: string) => GenericObject[];
  macKey: Buffer;
}

/** A resolved target: the kind as checked and as the API serves it. */
export interface ResolvedTarget {
  target: TargetKind;
  served: ServedKind;
}

export type ManifestWrite = { action: 'created' | 'updated' | 'unchanged' | 'skipped'; mac: string | undefined };

export class ManifestTargets {
  constructor(private readonly deps: ManifestTargetsDeps) {}

  /** The checked, served kind; throws a SyncError naming the chart value when it is refused. */
  async resolve(es: DefaultedExternalSecret): Promise<ResolvedTarget> {
    const check = checkTargetKind(es.spec.target.manifest!, this.deps.allowedKinds);
    if (!check.ok) throw new SyncError(check.reason, check.message, { field: 'spec.target.manifest' });
    const target = check.target;
    const served = await this.deps.client.resolve(target.group, target.version, target.kind);
    if (!served) throw new SyncError(ES_REASON.InvalidSpec, unusableKindMessage(target, 'unknown'), { field: 'spec.target.manifest' });
    if (!served.namespaced) throw new SyncError(ES_REASON.TargetKindNotAllowed, unusableKindMessage(target, 'cluster-scoped'), { field: 'spec.target.manifest' });
    return { target, served };
  }

  /** The target: the cache's content-less copy when it has one, else the API's. */
  async read(es: DefaultedExternalSecret, resolved: ResolvedTarget): Promise<GenericObject | undefined> {
    const namespace = es.metadata.namespace!;
    const name = es.spec.target.name;
    if (this.deps.cachedConfigMap && resolved.served.group === '' && resolved.served.kind === 'ConfigMap') {
      const cached = this.deps.cachedConfigMap(namespace, name);
      if (cached) return cached;
    }
    return forbiddenAsAccessDenied(this.deps.client.get(resolved.served, namespace, name), 'get', resolved);
  }

  /**
   * Someone changed or relabelled the object since Rotor wrote it: its content MAC (over the
   * cached digest; no values needed) is no longer status.dataMAC, or the managed label or the
   * owner annotation is gone.
   */
  drifted(es: ExternalSecret, resolved: ResolvedTarget, live: GenericObject | undefined): boolean {
    const expected = es.status?.dataMAC;
    if (!live || !expected) return false;
    const owner = ownerOf(es);
    if (live.metadata?.labels?.[LABEL_MANAGED] !== 'true') return true;
    if (live.metadata?.annotations?.[ANNOTATION_OWNER] !== `${owner.namespace}/${owner.name}`) return true;
    return manifestMAC(this.deps.macKey, owner.uid, resolved.target, live as ManifestObject) !== expected;
  }

  /** Plans from the object with its content and performs the write. */
  async write(es: DefaultedExternalSecret, resolved: ResolvedTarget, live: GenericObject | undefined, built: Pick<DesiredData, 'data' | 'labels' | 'annotations'>): Promise<ManifestWrite> {
    const full = live && isContentStripped(live) ? await this.deps.client.get(resolved.served, es.metadata.namespace!, es.spec.target.name) : live;
    const templated = es.spec.target.template !== undefined;
    const owner = ownerOf(es);
    const plan = planManifestWrite(
      full as ManifestObject | undefined,
      {
        target: resolved.target,
        name: es.spec.target.name,
        owner,
        data: built.data,
        // ESO: the template's metadata, else the ExternalSecret's own labels and annotations.
        labels: templated ? built.labels : copiedMetadata(es.metadata.labels),
        annotations: templated ? built.annotations : copiedMetadata(es.metadata.annotations),
        templated,
      },
      es.spec.target.creationPolicy,
      this.deps.macKey,
    );
    switch (plan.action) {
      case 'refuse':
        throw new SyncError(plan.reason, plan.message, { field: 'spec.target' });
      case 'none':
        return { action: plan.reason === 'policy-none' ? 'skipped' : 'unchanged', mac: full ? manifestMAC(this.deps.macKey, owner.uid, resolved.target, full as ManifestObject) : undefined };
      case 'create': {
        await forbiddenAsAccessDenied(this.deps.client.create(resolved.served, plan.object as GenericObject), 'create', resolved);
        return { action: 'created', mac: manifestMAC(this.deps.macKey, owner.uid, resolved.target, plan.object) };
      }
      case 'update': {
        await forbiddenAsAccessDenied(this.deps.client.replace(resolved.served, plan.object as GenericObject), 'update', resolved);
        return { action: 'updated', mac: manifestMAC(this.deps.macKey, owner.uid, resolved.target, plan.object) };
      }
    }
  }

  /** See deleteRenamedConfigMaps. */
  deleteRenamed(es: DefaultedExternalSecret, resolved: ResolvedTarget): Promise<string[]> {
    return deleteRenamedConfigMaps(this.deps, es, resolved);
  }

  /**
   * deletionPolicy Delete once every remote secret is gone (ESO: only an Owner target is
   * deleted). Only an object this ExternalSecret wrote, and only the version it decided on.
   */
  async deleteIfOwned(es: DefaultedExternalSecret, resolved: ResolvedTarget, live: GenericObject | undefined): Promise<boolean> {
    if (!live || !isManifestOwnedBy(live as ManifestObject, ownerOf(es))) return false;
    try {
      await this.deps.client.delete(resolved.served, es.metadata.namespace!, es.spec.target.name, live.metadata ?? {});
    } catch (error) {
      if (httpStatusOf(error) === 404) return true;
      throw error;
    }
    return true;
  }
}

/**
 * spec.target.name changed: the ConfigMaps this ExternalSecret controls under another name are
 * deleted (as Secrets are), with preconditions, after the new one is written. Returns their names.
 */
export async function deleteRenamedConfigMaps(deps: Pick<ManifestTargetsDeps, 'client' | 'managedConfigMapsOf'>, es: DefaultedExternalSecret, resolved: ResolvedTarget): Promise<string[]> {
  const uid = es.metadata.uid;
  if (!deps.managedConfigMapsOf || !uid || es.spec.target.creationPolicy !== 'Owner' || resolved.served.group !== '' || resolved.served.kind !== 'ConfigMap') return [];
  const deleted: string[] = [];
  for (const old of deps.managedConfigMapsOf(es.metadata.namespace!, `${es.metadata.namespace}/${es.metadata.name}`)) {
    const name = old.metadata?.name;
    if (!name || name === es.spec.target.name) continue;
    if (!(old.metadata?.ownerReferences ?? []).some((ref) => ref.uid === uid && ref.controller === true)) continue;
    await deps.client.delete(resolved.served, es.metadata.namespace!, name, old.metadata ?? {});
    deleted.push(name);
  }
  return deleted;
}

/**
 * A 403 on a target: the kind is allowed but the operator lacks its RBAC (an irregular plural the
 * chart could not name, or RBAC managed outside the chart). Said with the kind and what to do.
 */
async function forbiddenAsAccessDenied<T>(call: Promise<T>, verb: string, resolved: ResolvedTarget): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (httpStatusOf(error) !== 403) throw error;
    const resource = resolved.served.group ? `${resolved.served.plural}.${resolved.served.group}` : resolved.served.plural;
    throw new SyncError(
      ES_REASON.AccessDenied,
      `spec.target.manifest: the operator's ServiceAccount may not ${verb} ${resource}; the chart grants get, create, update and delete on each kind in targets.allowedKinds (add the rule yourself when the resource name is not the kind's regular plural)`,
      { field: 'spec.target.manifest' },
    );
  }
}

function ownerOf(es: ExternalSecret): ManifestOwner {
  return { namespace: es.metadata.namespace!, name: es.metadata.name, uid: es.metadata.uid ?? '' };
}
