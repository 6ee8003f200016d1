// ManifestTargetClient over CoreApi (ConfigMaps) and CustomObjectsApi (the kinds the admin
// allows, spec.target.manifest): the same guarantees as KubeSecretClient — reads return
// undefined for a missing object, replaces are guarded by resourceVersion, deletes by uid and
// resourceVersion, 409s surface as ConflictError. Which resource serves a kind, and whether it
// is namespaced, comes from API discovery, remembered per group version (a failed lookup is
// not remembered: a CRD installed later is found on the next pass).
import type { CoreApi, CustomObjectsApi } from './client/api.js';
import type { ConfigMap, GenericObject } from './client/objects.js';
import { ConflictError, isConflict, isNotFound, toKubeApiError } from './client/errors.js';
import { FIELD_MANAGER } from './secrets.js';
import type { DeletePreconditions, ManifestTargetClient, ServedKind } from './ports.js';

type CoreCalls = Pick<CoreApi, 'readNamespacedConfigMap' | 'createNamespacedConfigMap' | 'replaceNamespacedConfigMap' | 'deleteNamespacedConfigMap'>;
type CustomCalls = Pick<CustomObjectsApi, 'getAPIResources' | 'getNamespacedCustomObject' | 'createNamespacedCustomObject' | 'replaceNamespacedCustomObject' | 'deleteNamespacedCustomObject'>;

const CONFIG_MAP: ServedKind = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };

export class KubeManifestTargetClient implements ManifestTargetClient {
  private readonly discovered = new Map<string, ServedKind[]>();

  constructor(
    private readonly core: CoreCalls,
    private readonly custom: CustomCalls,
  ) {}

  async resolve(group: string, version: string, kind: string): Promise<ServedKind | undefined> {
    // Of the core group only ConfigMap is a target (controller/manifest/target-kind.ts).
    if (group === '') return kind === 'ConfigMap' && version === 'v1' ? CONFIG_MAP : undefined;
    const key = `${group}/${version}`;
    let kinds = this.discovered.get(key);
    if (!kinds) {
      try {
        const list = await this.custom.getAPIResources({ group, version });
        // Subresources (applications/status) are listed too: they are not kinds to write.
        kinds = list.resources.filter((r) => !r.name.includes('/')).map((r) => ({ group, version, kind: r.kind, plural: r.name, namespaced: r.namespaced }));
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw toKubeApiError(error, `discover ${key}`);
      }
      this.discovered.set(key, kinds);
    }
    return kinds.find((k) => k.kind === kind);
  }

  async get(kind: ServedKind, namespace: string, name: string): Promise<GenericObject | undefined> {
    try {
      const object = isConfigMap(kind) ? await this.core.readNamespacedConfigMap({ namespace, name }) : await this.custom.getNamespacedCustomObject<GenericObject>({ ...ref(kind), namespace, name });
      return object as GenericObject;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toKubeApiError(error, `read ${kind.kind} ${namespace}/${name}`);
    }
  }

  async create(kind: ServedKind, object: GenericObject): Promise<GenericObject> {
    const { namespace, name } = identify(kind, object, 'create');
    try {
      if (isConfigMap(kind)) return (await this.core.createNamespacedConfigMap({ namespace, body: object as ConfigMap, fieldManager: FIELD_MANAGER })) as GenericObject;
      return await this.custom.createNamespacedCustomObject<GenericObject>({ ...ref(kind), namespace, body: object, fieldManager: FIELD_MANAGER });
    } catch (error) {
      throw toKubeApiError(error, `create ${kind.kind} ${namespace}/${name}`);
    }
  }

  async replace(kind: ServedKind, object: GenericObject): Promise<GenericObject> {
    const { namespace, name } = identify(kind, object, 'replace');
    if (!object.metadata?.resourceVersion) throw new Error(`replace ${kind.kind} ${namespace}/${name}: metadata.resourceVersion is required (read it first)`);
    try {
      if (isConfigMap(kind)) return (await this.core.replaceNamespacedConfigMap({ namespace, name, body: object as ConfigMap, fieldManager: FIELD_MANAGER })) as GenericObject;
      return await this.custom.replaceNamespacedCustomObject<GenericObject>({ ...ref(kind), namespace, name, body: object, fieldManager: FIELD_MANAGER });
    } catch (error) {
      throw toKubeApiError(error, `replace ${kind.kind} ${namespace}/${name}`);
    }
  }

  async delete(kind: ServedKind, namespace: string, name: string, expected: DeletePreconditions): Promise<void> {
    if (!expected.resourceVersion) throw new Error(`delete ${kind.kind} ${namespace}/${name}: the resourceVersion it was decided on is required`);
    const body = { preconditions: { resourceVersion: expected.resourceVersion, ...(expected.uid ? { uid: expected.uid } : {}) } };
    try {
      if (isConfigMap(kind)) await this.core.deleteNamespacedConfigMap({ namespace, name, body });
      else await this.custom.deleteNamespacedCustomObject({ ...ref(kind), namespace, name, body });
    } catch (error) {
      if (isNotFound(error)) return;
      if (isConflict(error)) throw new ConflictError(`delete ${kind.kind} ${namespace}/${name}: it changed since it was read; not deleted (read again and decided again)`, 'Conflict', { cause: error });
      throw toKubeApiError(error, `delete ${kind.kind} ${namespace}/${name}`);
    }
  }
}

function isConfigMap(kind: ServedKind): boolean {
  return kind.group === '' && kind.kind === 'ConfigMap';
}

function ref(kind: ServedKind): { group: string; version: string; plural: string } {
  return { group: kind.group, version: kind.version, plural: kind.plural };
}

function identify(kind: ServedKind, object: GenericObject, verb: string): { namespace: string; name: string } {
  const namespace = object.metadata?.namespace;
  const name = object.metadata?.name;
  if (!namespace || !name) throw new Error(`${verb} ${kind.kind}: metadata.namespace and metadata.name are required`);
  return { namespace, name };
}
