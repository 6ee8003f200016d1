// An in-memory API server for non-Secret targets (ManifestTargetClient): discovery answers,
// resourceVersion-guarded replaces, precondition-checked deletes, a write counter.
import type { GenericObject } from '../../../src/kube/client/objects.js';
import type { DeletePreconditions, ManifestTargetClient, ServedKind } from '../../../src/kube/ports.js';
import { ConflictError, kubeApiErrorFor } from '../../../src/kube/client/errors.js';

export class FakeManifests implements ManifestTargetClient {
  readonly objects = new Map<string, GenericObject>();
  readonly kinds: ServedKind[] = [
    { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
    { group: 'example.com', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true },
    { group: 'example.com', version: 'v1', kind: 'ClusterWidget', plural: 'clusterwidgets', namespaced: false },
  ];
  writes = 0;
  reads = 0;
  private rv = 100;

  async resolve(group: string, version: string, kind: string) {
    return this.kinds.find((k) => k.group === group && k.version === version && k.kind === kind);
  }
  async get(kind: ServedKind, namespace: string, name: string) {
    this.reads++;
    const o = this.objects.get(key(kind, namespace, name));
    return o ? structuredClone(o) : undefined;
  }
  async create(kind: ServedKind, object: GenericObject) {
    const k = key(kind, object.metadata!.namespace!, object.metadata!.name!);
    if (this.objects.has(k)) throw kubeApiErrorFor(409, undefined, 'exists');
    return this.put(k, { ...object, metadata: { ...object.metadata, uid: `uid-${object.metadata!.name}` } });
  }
  async replace(kind: ServedKind, object: GenericObject) {
    const k = key(kind, object.metadata!.namespace!, object.metadata!.name!);
    const live = this.objects.get(k);
    if (!live) throw kubeApiErrorFor(404, undefined, 'not found');
    if (object.metadata?.resourceVersion !== live.metadata?.resourceVersion) throw kubeApiErrorFor(409, undefined, 'conflict');
    return this.put(k, object);
  }
  async delete(kind: ServedKind, namespace: string, name: string, expected: DeletePreconditions) {
    const live = this.objects.get(key(kind, namespace, name));
    if (!live) return;
    if ((expected.uid && expected.uid !== live.metadata?.uid) || (expected.resourceVersion && expected.resourceVersion !== live.metadata?.resourceVersion)) throw new ConflictError('precondition failed', 'Conflict');
    this.objects.delete(key(kind, namespace, name));
  }
  /** Someone edits the object behind the operator's back. */
  tamper(kindName: string, namespace: string, name: string, change: (o: GenericObject) => void) {
    const o = [...this.objects.entries()].find(([k]) => k === `${kindName}/${namespace}/${name}`)?.[1];
    if (!o) throw new Error('no such object');
    change(o);
    o.metadata!.resourceVersion = String(++this.rv);
  }
  configMap(namespace: string, name: string): GenericObject | undefined {
    return this.objects.get(`ConfigMap/${namespace}/${name}`);
  }
  private put(k: string, object: GenericObject) {
    this.writes++;
    const copy = structuredClone(object);
    copy.metadata = { ...copy.metadata, resourceVersion: String(++this.rv) };
    this.objects.set(k, copy);
    return structuredClone(copy);
  }
}

function key(kind: ServedKind, namespace: string, name: string): string {
  return `${kind.kind}/${namespace}/${name}`;
}
