// One name for a store, used wherever stores are keyed: the store work queue, the fairness
// group of an ExternalSecret (no store may hold every worker), its refresh-wave seed, and the
// informer index that finds the ExternalSecrets of a store. Written once so the four can never
// disagree about which store an ExternalSecret uses.
import type { ExternalSecret, SecretStore, StoreKind } from '../../api/types.js';

/** `ClusterSecretStore/<name>` or `SecretStore/<namespace>/<name>` (Kubernetes names hold no "/"). */
export function storeKeyOf(kind: StoreKind, namespace: string | undefined, name: string): string {
  return kind === 'ClusterSecretStore' ? `ClusterSecretStore/${name}` : `SecretStore/${namespace ?? ''}/${name}`;
}

/** The key of a store object of the given kind. */
export function keyOfStore(store: SecretStore, kind: StoreKind): string {
  return storeKeyOf(kind, store.metadata.namespace, store.metadata.name);
}

/** The store an ExternalSecret names (kind defaults to SecretStore, in its own namespace); undefined when it names none. */
export function storeKeyOfRef(es: Pick<ExternalSecret, 'metadata' | 'spec'>): string | undefined {
  const ref = es.spec?.secretStoreRef;
  if (!ref?.name) return undefined;
  return storeKeyOf(ref.kind ?? 'SecretStore', es.metadata.namespace, ref.name);
}

/** The inverse of storeKeyOf; undefined for anything else. */
export function parseStoreKey(key: string): { kind: StoreKind; namespace: string | undefined; name: string } | undefined {
  const parts = key.split('/');
  if (parts[0] === 'ClusterSecretStore' && parts.length === 2 && parts[1]) return { kind: 'ClusterSecretStore', namespace: undefined, name: parts[1] };
  if (parts[0] === 'SecretStore' && parts.length === 3 && parts[2]) return { kind: 'SecretStore', namespace: parts[1] || undefined, name: parts[2] };
  return undefined;
}
