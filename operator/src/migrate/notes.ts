// Things `rotor migrate` converts unchanged that still need the user's attention in Rotor: what
// an ESO user would otherwise find out from an AccessDenied or a refresh that did not happen.
// Pure: one ESO object (and the stores of the whole input) in, notes out.
import { ESO_ANNOTATION_FORCE_SYNC } from '../api/eso.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface Note {
  message: string;
  action?: string;
  field?: string;
}

/** A ServiceAccount a store's auth.jwt names; namespace undefined = each ExternalSecret's (referent authentication). */
export interface JwtServiceAccount {
  namespace: string | undefined;
  name: string;
}

/** The ServiceAccount an ESO store's spec.provider.aws.auth.jwt.serviceAccountRef names, if any. */
export function jwtServiceAccountOf(store: Obj): JwtServiceAccount | undefined {
  const spec = isObj(store.spec) ? store.spec : {};
  const aws = isObj(spec.provider) && isObj(spec.provider.aws) ? spec.provider.aws : {};
  const ref = isObj(aws.auth) && isObj(aws.auth.jwt) && isObj(aws.auth.jwt.serviceAccountRef) ? aws.auth.jwt.serviceAccountRef : undefined;
  if (!ref || typeof ref.name !== 'string') return undefined;
  const meta = isObj(store.metadata) ? store.metadata : {};
  const namespace = typeof ref.namespace === 'string' ? ref.namespace : store.kind === 'SecretStore' && typeof meta.namespace === 'string' ? meta.namespace : undefined;
  return { namespace, name: ref.name };
}

/**
 * The chart values that let the operator request tokens of these ServiceAccounts: the exact
 * `--set` flags for `helm upgrade --reuse-values`. A referent ServiceAccount (no namespace) is
 * listed with NAMESPACE for the user to repeat per namespace that uses the store.
 */
export function perStoreIrsaFlags(accounts: JwtServiceAccount[]): string {
  const seen = new Set<string>();
  const list = accounts
    .map((a) => ({ namespace: a.namespace ?? 'NAMESPACE', name: a.name }))
    .filter((a) => !seen.has(`${a.namespace}/${a.name}`) && seen.add(`${a.namespace}/${a.name}`));
  return `--set rbac.perStoreIRSA.mode=scoped --set-json 'rbac.perStoreIRSA.serviceAccounts=${JSON.stringify(list)}'`;
}

/** Notes for one ESO object; `jwtAccounts` are those of every store in the input, so each note's flags are complete. */
export function migrationNotes(o: Obj, jwtAccounts: JwtServiceAccount[]): Note[] {
  const notes: Note[] = [];
  if (o.kind === 'SecretStore' || o.kind === 'ClusterSecretStore') {
    const account = jwtServiceAccountOf(o);
    if (account) {
      const who = account.namespace ? `ServiceAccount ${account.namespace}/${account.name}` : `the ServiceAccount ${account.name} of each ExternalSecret's namespace (referent authentication)`;
      notes.push({
        field: 'spec.provider.aws.auth.jwt',
        message: `per-store IRSA through ${who}: the chart's default rbac.perStoreIRSA.mode=disabled gives the operator no token permission, so this store's ExternalSecrets would be AccessDenied`,
        action: `helm upgrade rotor <chart> -n rotor-system --reuse-values ${perStoreIrsaFlags(jwtAccounts)}${account.namespace ? '' : ' (one entry per namespace that uses the store)'}`,
      });
    }
  }
  const annotationSets: Array<[string, unknown]> = [['metadata.annotations', isObj(o.metadata) ? o.metadata.annotations : undefined]];
  if (o.kind === 'ClusterExternalSecret' && isObj(o.spec) && isObj(o.spec.externalSecretMetadata)) {
    annotationSets.push(['spec.externalSecretMetadata.annotations', o.spec.externalSecretMetadata.annotations]);
  }
  for (const [field, annotations] of annotationSets) {
    if (isObj(annotations) && annotations[ESO_ANNOTATION_FORCE_SYNC] !== undefined) {
      notes.push({
        field: `${field}["${ESO_ANNOTATION_FORCE_SYNC}"]`,
        message: `kept: Rotor honours ${ESO_ANNOTATION_FORCE_SYNC} like its own rotor.dev/force-sync (a new value refreshes at once), so scripts that set it keep working`,
      });
    }
  }
  notes.push(...manifestTargetNotes(o));
  return notes;
}

/**
 * spec.target.manifest of a kind other than ConfigMap: converted, but the chart allows only
 * ConfigMaps by default (targets.allowedKinds, issue #17 item 10), so say which value to add
 * before the ExternalSecret comes up TargetKindNotAllowed.
 */
function manifestTargetNotes(o: Obj): Note[] {
  const spec = isObj(o.spec) ? o.spec : {};
  const [field, esSpec] = o.kind === 'ClusterExternalSecret' ? ['spec.externalSecretSpec.target.manifest', spec.externalSecretSpec] : ['spec.target.manifest', spec];
  if (o.kind !== 'ExternalSecret' && o.kind !== 'ClusterExternalSecret') return [];
  const target = isObj(esSpec) && isObj(esSpec.target) ? esSpec.target : {};
  const manifest = isObj(target.manifest) ? target.manifest : undefined;
  if (!manifest || typeof manifest.kind !== 'string' || typeof manifest.apiVersion !== 'string') return [];
  const group = manifest.apiVersion.includes('/') ? manifest.apiVersion.split('/')[0]! : '';
  if (group === '' && manifest.kind === 'ConfigMap') return [];
  const listName = group ? `${manifest.kind}.${group}` : manifest.kind;
  return [
    {
      field,
      message: `a ${listName} target: Rotor writes ConfigMaps by default and other kinds only when the cluster admin allows them (ESO: --unsafe-allow-generic-targets); until then this ExternalSecret is Ready=False, TargetKindNotAllowed`,
      action: `add ${listName} to the chart value targets.allowedKinds (it also grants the operator RBAC for it); Secrets, RBAC and cluster-scoped kinds are never allowed`,
    },
  ];
}
