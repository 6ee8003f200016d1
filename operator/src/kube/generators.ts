// Reads generator objects (generators.rotor.dev) when an ExternalSecret or PushSecret runs one.
// A GET per run, as ESO reads them per reconcile: a generator runs once per refresh interval,
// so a cache would save little and cost a watch per kind.
import type { CustomObjectsApi } from './client/api.js';
import { isNotFound, toKubeApiError } from './client/errors.js';
import { GENERATOR_GROUP, GENERATOR_PLURAL, GENERATOR_VERSION, type ClusterGenerator, type GeneratorKind, type GeneratorObject } from '../api/generator-types.js';

/** Where the runner reads generator objects from; undefined: it does not exist. */
export interface GeneratorObjectClient {
  namespaced(kind: GeneratorKind, namespace: string, name: string): Promise<GeneratorObject | undefined>;
  cluster(name: string): Promise<ClusterGenerator | undefined>;
}

export class KubeGeneratorClient implements GeneratorObjectClient {
  constructor(private readonly api: Pick<CustomObjectsApi, 'getNamespacedCustomObject' | 'getClusterCustomObject'>) {}

  async namespaced(kind: GeneratorKind, namespace: string, name: string): Promise<GeneratorObject | undefined> {
    try {
      return await this.api.getNamespacedCustomObject<GeneratorObject>({ group: GENERATOR_GROUP, version: GENERATOR_VERSION, plural: GENERATOR_PLURAL[kind], namespace, name });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toKubeApiError(error, `read ${kind} ${namespace}/${name}`);
    }
  }

  async cluster(name: string): Promise<ClusterGenerator | undefined> {
    try {
      return await this.api.getClusterCustomObject<ClusterGenerator>({ group: GENERATOR_GROUP, version: GENERATOR_VERSION, plural: GENERATOR_PLURAL.ClusterGenerator, name });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toKubeApiError(error, `read ClusterGenerator ${name}`);
    }
  }
}
