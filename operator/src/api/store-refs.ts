// Every store an ExternalSecret reads through: spec.secretStoreRef and ESO's per-entry
// sourceRef.storeRef of data[] and dataFrom[]. The manager uses it to requeue the ExternalSecrets
// of a store that changed, whichever field names it.
import type { ExternalSecret, SecretStoreRef } from './types.js';

export function storeRefsOf(es: ExternalSecret): SecretStoreRef[] {
  const spec = es.spec;
  const refs: SecretStoreRef[] = [];
  if (spec?.secretStoreRef) refs.push(spec.secretStoreRef);
  for (const d of spec?.data ?? []) if (d.sourceRef?.storeRef) refs.push(d.sourceRef.storeRef);
  for (const d of spec?.dataFrom ?? []) if (d.sourceRef?.storeRef) refs.push(d.sourceRef.storeRef);
  return refs;
}
