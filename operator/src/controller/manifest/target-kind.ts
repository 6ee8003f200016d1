// Which kinds spec.target.manifest may make the operator write (DESIGN.md §5, tenancy). The
// operator's ServiceAccount can write what a tenant cannot: without a gate, a tenant allowed to
// create ExternalSecrets could make it write a RoleBinding (privilege escalation) or any
// cluster-scoped object. So the cluster admin decides (chart value targets.allowedKinds, flag
// --target-allowed-kinds; ConfigMap by default), and some kinds are refused whatever the list
// says: Secrets (the default target already writes them, under the Secret rules) and
// cluster-scoped kinds (a namespaced ExternalSecret must not write outside its namespace).
// ESO's equivalent is one switch for every kind (--unsafe-allow-generic-targets). Pure.
import { ES_REASON, type EsReason, type ManifestReference } from '../../api/types.js';

/** The chart value an admin edits to allow a kind (named in every refusal). */
export const ALLOWED_KINDS_VALUE = 'targets.allowedKinds';

export const DEFAULT_ALLOWED_KINDS: readonly string[] = ['ConfigMap'];

export interface TargetKind {
  /** "" for the core group. */
  group: string;
  version: string;
  kind: string;
  apiVersion: string;
  /** How the allow-list names it: "ConfigMap" (core) or "<Kind>.<group>". */
  listName: string;
}

export type TargetKindCheck = { ok: true; target: TargetKind } | { ok: false; reason: EsReason; message: string };

/**
 * Kinds that are cluster-scoped or grant access, refused even when listed: a typo in the
 * allow-list must not hand tenants cluster-wide objects. Kinds not listed here that turn out to
 * be cluster-scoped are refused when the writer resolves them (API discovery).
 */
const NEVER_ALLOWED: ReadonlySet<string> = new Set([
  'Secret',
  'Namespace',
  'Node',
  'PersistentVolume',
  'ServiceAccount',
  'Role.rbac.authorization.k8s.io',
  'RoleBinding.rbac.authorization.k8s.io',
  'ClusterRole.rbac.authorization.k8s.io',
  'ClusterRoleBinding.rbac.authorization.k8s.io',
  'CustomResourceDefinition.apiextensions.k8s.io',
  'ValidatingWebhookConfiguration.admissionregistration.k8s.io',
  'MutatingWebhookConfiguration.admissionregistration.k8s.io',
  'ValidatingAdmissionPolicy.admissionregistration.k8s.io',
  'ValidatingAdmissionPolicyBinding.admissionregistration.k8s.io',
  'APIService.apiregistration.k8s.io',
  'StorageClass.storage.k8s.io',
  'PriorityClass.scheduling.k8s.io',
  'ClusterSecretStore.rotor.dev',
  'ClusterExternalSecret.rotor.dev',
  'ExternalSecret.rotor.dev',
  'SecretStore.rotor.dev',
]);

/** The allow-list name of a kind: "ConfigMap" for the core group, "<Kind>.<group>" otherwise. */
export function kindListName(group: string, kind: string): string {
  return group ? `${kind}.${group}` : kind;
}

/** Problems of an allow-list entry (the flag's parser reports them at start). */
export function allowedKindProblem(entry: string): string | undefined {
  const dot = entry.indexOf('.');
  const kind = dot < 0 ? entry : entry.slice(0, dot);
  const group = dot < 0 ? '' : entry.slice(dot + 1);
  if (!/^[A-Z][A-Za-z0-9]*$/.test(kind)) return `"${entry}": the kind must start with a capital letter and hold only letters and digits (e.g. ConfigMap, Application.argoproj.io)`;
  if (dot >= 0 && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/.test(group)) return `"${entry}": the group after the kind must be a DNS name such as argoproj.io`;
  if (!group && kind !== 'ConfigMap') return `"${entry}": of the core kinds only ConfigMap can be a target; name other kinds with their group (Kind.group)`;
  if (NEVER_ALLOWED.has(entry)) return `"${entry}": this kind can never be a target (Secrets are the default target; the others grant access or are cluster-scoped)`;
  return undefined;
}

/** Checks spec.target.manifest against the admin's allow-list. */
export function checkTargetKind(manifest: ManifestReference, allowed: readonly string[]): TargetKindCheck {
  const field = 'spec.target.manifest';
  const apiVersion = manifest.apiVersion ?? '';
  const parts = apiVersion.split('/');
  if (!manifest.kind || !apiVersion || parts.length > 2 || parts.some((p) => p === '')) {
    return { ok: false, reason: ES_REASON.InvalidSpec, message: `${field}: apiVersion ("v1" or "<group>/<version>") and kind are required` };
  }
  const [group, version] = parts.length === 2 ? [parts[0]!, parts[1]!] : ['', parts[0]!];
  const listName = kindListName(group, manifest.kind);
  if (!group && manifest.kind === 'Secret') {
    return { ok: false, reason: ES_REASON.InvalidSpec, message: `${field}: kind Secret is the default target; remove spec.target.manifest to write a Secret` };
  }
  if (NEVER_ALLOWED.has(listName)) {
    return { ok: false, reason: ES_REASON.TargetKindNotAllowed, message: `${field}: ${listName} can never be an ExternalSecret's target (it grants access or is cluster-scoped); write a ConfigMap or a Secret instead` };
  }
  if (!allowed.includes(listName)) {
    const now = allowed.length ? allowed.join(', ') : 'none';
    return {
      ok: false,
      reason: ES_REASON.TargetKindNotAllowed,
      message: `${field}: kind ${listName} is not an allowed target (allowed: ${now}); the cluster admin allows kinds with the chart value ${ALLOWED_KINDS_VALUE}, which also grants the operator RBAC for them`,
    };
  }
  return { ok: true, target: { group, version, kind: manifest.kind, apiVersion, listName } };
}

/** The refusal for a listed kind that API discovery reports as cluster-scoped or unknown. */
export function unusableKindMessage(target: TargetKind, why: 'cluster-scoped' | 'unknown'): string {
  return why === 'cluster-scoped'
    ? `spec.target.manifest: ${target.listName} is cluster-scoped; an ExternalSecret writes only objects of its own namespace. Remove it from ${ALLOWED_KINDS_VALUE}`
    : `spec.target.manifest: the API server does not serve kind ${target.kind} in ${target.apiVersion}; install its CRD or fix apiVersion and kind`;
}
