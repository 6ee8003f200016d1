// TypeScript shapes of the Rotor CRDs (group rotor.dev, version v1alpha1).
// The CRD YAML in crds/ is the source of truth; test/api/crd-drift.test.ts checks
// that every field named here exists in the schema and vice versa, so they cannot drift.
// Field names follow the External Secrets Operator where the concept is the same.

export const API_GROUP = 'rotor.dev';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

export const PLURAL = {
  ExternalSecret: 'externalsecrets',
  SecretStore: 'secretstores',
  ClusterSecretStore: 'clustersecretstores',
  ClusterExternalSecret: 'clusterexternalsecrets',
} as const;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

// ---------------------------------------------------------------- stores

export type AwsService = 'SecretsManager' | 'ParameterStore';

export interface SecretKeySelector {
  /** Name of a Secret in the store's namespace (any namespace for a ClusterSecretStore). */
  name: string;
  key: string;
  /** Only honoured for ClusterSecretStore; a namespaced store always reads its own namespace. */
  namespace?: string;
}

export interface ServiceAccountSelector {
  name: string;
  /** Only honoured for ClusterSecretStore. */
  namespace?: string;
  /** Token audiences; default ["sts.amazonaws.com"]. */
  audiences?: string[];
}

export interface AwsAuth {
  jwt?: { serviceAccountRef: ServiceAccountSelector };
  secretRef?: {
    accessKeyIDSecretRef: SecretKeySelector;
    secretAccessKeySecretRef: SecretKeySelector;
    sessionTokenSecretRef?: SecretKeySelector;
  };
}

export interface SessionTag {
  key: string;
  value: string;
}

export interface AwsProvider {
  service: AwsService;
  region: string;
  /** (+) Custom endpoint: a VPC endpoint or a LocalStack URL. */
  endpoint?: string;
  /** IAM role to assume on top of the base identity (e.g. cross-account). */
  role?: string;
  externalID?: string;
  sessionTags?: SessionTag[];
  transitiveTagKeys?: string[];
  /** Roles assumed in order before `role` (a role chain). */
  additionalRoles?: string[];
  auth?: AwsAuth;
  /** (+) Replica region read when the primary answers 5xx or a network error. */
  failoverRegion?: string;
  /** (+) Endpoint for the failover region (LocalStack / VPC endpoint). */
  failoverEndpoint?: string;
  /** Prepended to every remote key read through this store (ESO). */
  prefix?: string;
  /** ESO's PushSecret deletion settings: accepted and ignored (Rotor only reads). */
  secretsManager?: { forceDeleteWithoutRecovery?: boolean; recoveryWindowInDays?: number };
}

export interface RetrySettings {
  /** Retries after the first attempt of an AWS call. */
  maxRetries?: number;
  /** Fixed wait between retries (Go duration); unset: the SDK's backoff. */
  retryInterval?: string;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface ClusterSecretStoreCondition {
  namespaceSelector?: LabelSelector;
  namespaces?: string[];
  /** RE2 patterns searched anywhere in the namespace name (ESO); anchors restrict them. */
  namespaceRegexes?: string[];
}

export interface SecretStoreSpec {
  provider: { aws: AwsProvider };
  /** Only on ClusterSecretStore: who may use it. Empty = every namespace. */
  conditions?: ClusterSecretStoreCondition[];
  /** Seconds between store re-checks (ESO); 0/unset: the operator's default. */
  refreshInterval?: number;
  retrySettings?: RetrySettings;
}

export interface SecretStoreStatus {
  conditions?: Condition[];
  observedGeneration?: number;
}

export type StoreKind = 'SecretStore' | 'ClusterSecretStore';

export interface SecretStore {
  apiVersion: typeof API_GROUP_VERSION;
  kind: StoreKind;
  metadata: ObjectMeta;
  spec: SecretStoreSpec;
  status?: SecretStoreStatus;
}

// ---------------------------------------------------------------- external secrets

export type CreationPolicy = 'Owner' | 'Orphan' | 'Merge' | 'None';
export type DeletionPolicy = 'Retain' | 'Delete' | 'Merge';
export type RefreshPolicy = 'Periodic' | 'OnChange' | 'CreatedOnce';
export type DecodingStrategy = 'None' | 'Base64' | 'Base64URL' | 'Auto';
export type ConversionStrategy = 'Default' | 'Unicode';
export type MetadataPolicy = 'None' | 'Fetch';

export interface RemoteRef {
  key: string;
  /** Stage label (AWSCURRENT, AWSPREVIOUS, custom), a version id, or an SSM version/label. */
  version?: string;
  /** ESO semantics: a literal top-level key first, else a dotted path. */
  property?: string;
  /** (+) Full JMESPath expression evaluated on the JSON value. */
  jmesPath?: string;
  /** (+) JSONPath expression evaluated on the JSON value. */
  jsonPath?: string;
  /** Accepted for ESO compatibility; a data[] key is named by secretKey, so it changes nothing. */
  conversionStrategy?: ConversionStrategy;
  /** Fetch: read the remote secret's tags (a JSON object) instead of its value. */
  metadataPolicy?: MetadataPolicy;
  decodingStrategy?: DecodingStrategy;
}

export interface ExternalSecretData {
  secretKey: string;
  remoteRef: RemoteRef;
  /** (+) A missing remote key leaves this secretKey out instead of failing. */
  optional?: boolean;
  /** ESO's per-entry store / generator; refused by the CRD. */
  sourceRef?: RefusedField;
}

export interface FindName {
  regexp: string;
}

export interface DataFromExtract {
  key: string;
  version?: string;
  property?: string;
  jmesPath?: string;
  conversionStrategy?: ConversionStrategy;
  metadataPolicy?: MetadataPolicy;
  decodingStrategy?: DecodingStrategy;
}

export interface DataFromFind {
  /** Name prefix (Secrets Manager) or parameter path (Parameter Store). */
  path?: string;
  name?: FindName;
  tags?: Record<string, string>;
  conversionStrategy?: ConversionStrategy;
  decodingStrategy?: DecodingStrategy;
}

export interface RewriteRegexp {
  source: string;
  target: string;
}

export interface RewriteTransform {
  /** Go template; the key is `.value`. */
  template: string;
}

export interface Rewrite {
  regexp?: RewriteRegexp;
  transform?: RewriteTransform;
  /** ESO's merge rewrite; refused by the CRD. */
  merge?: RefusedField;
}

export interface ExternalSecretDataFrom {
  extract?: DataFromExtract;
  find?: DataFromFind;
  rewrite?: Rewrite[];
  /** ESO's generators / per-entry stores; refused by the CRD. */
  sourceRef?: RefusedField;
}

export interface TemplateMetadata {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** ESO's field: added to the Secret while it is not being deleted, never removed by Rotor. */
  finalizers?: string[];
}

export type TemplateMergePolicy = 'Replace' | 'Merge';
/** An ESO field Rotor refuses at admission (CEL); its content is never read. */
export type RefusedField = Record<never, never>;
/** v2: Go text/template + sprig (ESO). Liquid: LiquidJS (+). v1: refused by the CRD. */
export type TemplateEngineVersion = 'v1' | 'v2' | 'Liquid';
export type TemplateTarget = 'Data' | 'Annotations' | 'Labels';
export type TemplateScope = 'Values' | 'KeysAndValues';

export interface TemplateRefItem {
  key: string;
  templateAs?: TemplateScope;
}

export interface TemplateRef {
  name: string;
  items: TemplateRefItem[];
}

export interface TemplateFrom {
  target?: TemplateTarget;
  literal?: string;
  configMap?: TemplateRef;
  secret?: TemplateRef;
}

export interface ExternalSecretTemplate {
  type?: string;
  /** Unset: v2 when every template parses as Go and none uses Liquid tags, else Liquid. */
  engineVersion?: TemplateEngineVersion;
  metadata?: TemplateMetadata;
  /** Secret key -> template text; rendered with the fetched values in scope. */
  data?: Record<string, string>;
  /** Templates from ConfigMaps, Secrets or literals, applied in order before `data`. */
  templateFrom?: TemplateFrom[];
  /** Replace (default): only template keys; Merge: template keys on top of fetched keys. */
  mergePolicy?: TemplateMergePolicy;
}

export interface ExternalSecretTarget {
  name?: string;
  creationPolicy?: CreationPolicy;
  deletionPolicy?: DeletionPolicy;
  immutable?: boolean;
  template?: ExternalSecretTemplate;
}

export type RolloutKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Rollout';

export interface RolloutTarget {
  kind: RolloutKind;
  name: string;
}

export interface RolloutSpec {
  targets?: RolloutTarget[];
  selector?: LabelSelector;
  /** Off switch without deleting the block. Default true. */
  enabled?: boolean;
}

export interface SecretStoreRef {
  name: string;
  kind?: StoreKind;
}

export interface ExternalSecretSpec {
  secretStoreRef: SecretStoreRef;
  /** Duration such as 1h, 15m, 30s, 1h30m; "0" syncs once. Default 1h. */
  refreshInterval?: string;
  refreshPolicy?: RefreshPolicy;
  target?: ExternalSecretTarget;
  data?: ExternalSecretData[];
  dataFrom?: ExternalSecretDataFrom[];
  rollout?: RolloutSpec;
}

export interface SyncedVersion {
  /** Secret key(s) this version fed, or the remote key for dataFrom. */
  key: string;
  remoteKey: string;
  /** Secrets Manager VersionId. */
  versionId?: string;
  /** Parameter Store version number. */
  version?: number;
}

export interface LastRollout {
  time: string;
  /** Kind/name of each workload patched. */
  targets: string[];
  /** Version identifiers that triggered it (never values). */
  versions: string;
}

export interface ExternalSecretStatus {
  conditions?: Condition[];
  refreshTime?: string;
  observedGeneration?: number;
  syncedResourceVersion?: string;
  /**
   * The store spec the last successful sync read through, as "<store uid>/<generation>". A store
   * whose uid or generation differs since has a new spec (or was re-created): the ExternalSecret
   * re-syncs under every refresh policy, also when the operator restarted in between.
   */
  syncedStore?: string;
  syncedVersions?: SyncedVersion[];
  /** Keyed HMAC of the written data; change detection without reading values into logs. */
  dataMAC?: string;
  /** Region that served the last successful read (differs from the store region on failover). */
  servedRegion?: string;
  /** Short summary of the version(s) synced, for the printer column. */
  version?: string;
  lastRollout?: LastRollout;
  /** (+) The last AWS change event that triggered a refresh (issue #16); polled refreshes leave it. */
  lastEvent?: LastEvent;
}

/** An AWS change event, as recorded in status: names and times only. */
export interface LastEvent {
  /** When AWS says the change happened. */
  time: string;
  /** e.g. SecretLabelUpdated, PutSecretValue, RotationFailed, ParameterStoreChange. */
  type: string;
  /** aws.secretsmanager or aws.ssm. */
  source: string;
}

export interface ExternalSecret {
  apiVersion: typeof API_GROUP_VERSION;
  kind: 'ExternalSecret';
  metadata: ObjectMeta;
  spec: ExternalSecretSpec;
  status?: ExternalSecretStatus;
}

// ---------------------------------------------------------------- cluster external secrets

/** Labels and annotations set on every ExternalSecret a ClusterExternalSecret creates. */
export interface ExternalSecretMetadata {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** ESO's ClusterExternalSecret: one ExternalSecret stamped into every selected namespace. */
export interface ClusterExternalSecretSpec {
  externalSecretSpec: ExternalSecretSpec;
  /** Name of the ExternalSecrets; default the ClusterExternalSecret's name. */
  externalSecretName?: string;
  externalSecretMetadata?: ExternalSecretMetadata;
  /** Deprecated in ESO (use namespaceSelectors); ORed with the others. */
  namespaceSelector?: LabelSelector;
  /** Namespaces whose labels match any of these selectors. */
  namespaceSelectors?: LabelSelector[];
  /** Deprecated in ESO (use namespaceSelectors); namespaces by name, ORed with the selectors. */
  namespaces?: string[];
  /** How often the namespaces are re-checked (Go duration); default 1h. */
  refreshTime?: string;
}

export interface ClusterExternalSecretNamespaceFailure {
  namespace: string;
  reason?: string;
}

export interface ClusterExternalSecretStatus {
  externalSecretName?: string;
  provisionedNamespaces?: string[];
  failedNamespaces?: ClusterExternalSecretNamespaceFailure[];
  conditions?: Condition[];
  observedGeneration?: number;
}

export interface ClusterExternalSecret {
  apiVersion: typeof API_GROUP_VERSION;
  kind: 'ClusterExternalSecret';
  metadata: ObjectMeta;
  spec: ClusterExternalSecretSpec;
  status?: ClusterExternalSecretStatus;
}

// ---------------------------------------------------------------- condition reasons

export const ES_REASON = {
  SecretSynced: 'SecretSynced',
  SecretSyncedError: 'SecretSyncedError',
  SecretMissing: 'SecretMissing',
  SecretDeleted: 'SecretDeleted',
  StoreNotReady: 'StoreNotReady',
  StoreNotFound: 'StoreNotFound',
  StoreNotAllowed: 'StoreNotAllowed',
  AccessDenied: 'AccessDenied',
  InvalidSpec: 'InvalidSpec',
  TargetNotOwned: 'TargetNotOwned',
  Throttled: 'Throttled',
  ProviderUnavailable: 'ProviderUnavailable',
} as const;
export type EsReason = (typeof ES_REASON)[keyof typeof ES_REASON];

export const STORE_REASON = {
  Valid: 'Valid',
  InvalidProviderConfig: 'InvalidProviderConfig',
  AuthFailed: 'AuthFailed',
  /** The endpoint did not answer (network error or 5xx); retried with backoff. */
  ProviderUnavailable: 'ProviderUnavailable',
} as const;
export type StoreReason = (typeof STORE_REASON)[keyof typeof STORE_REASON];

export const CES_REASON = {
  /** Every selected namespace has the ExternalSecret (or none is selected). */
  Provisioned: 'Provisioned',
  /** At least one selected namespace could not get it: status.failedNamespaces says why. */
  NamespacesFailed: 'NamespacesFailed',
  InvalidSpec: 'InvalidSpec',
} as const;
export type CesReason = (typeof CES_REASON)[keyof typeof CES_REASON];

// ---------------------------------------------------------------- labels & annotations

/** Label and annotation keys under this prefix are Rotor's bookkeeping: a template may not render them. */
export const RESERVED_PREFIX = `${API_GROUP}/`;
export const LABEL_MANAGED = 'rotor.dev/managed';
/** On an ExternalSecret created by a ClusterExternalSecret: its name (when it fits a label value). */
export const LABEL_CLUSTER_EXTERNAL_SECRET = 'rotor.dev/cluster-external-secret';
export const ANNOTATION_OWNER = 'rotor.dev/owner';
/**
 * On a target Secret: the uid of the ExternalSecret named by rotor.dev/owner. Merge and Orphan
 * targets carry no owner reference, so this is what ties an event on the Secret to that very
 * ExternalSecret (not a namesake re-created since, nor one a forged annotation names).
 */
export const ANNOTATION_OWNER_UID = 'rotor.dev/owner-uid';
export const ANNOTATION_DATA_MAC = 'rotor.dev/data-mac';
export const ANNOTATION_FORCE_SYNC = 'rotor.dev/force-sync';
export const ANNOTATION_RELOAD = 'rotor.dev/reload';
export const ANNOTATION_RESTARTED_FOR = 'rotor.dev/restarted-for';
export const ANNOTATION_VERSIONS = 'rotor.dev/versions';
/**
 * On a creationPolicy Merge target: which ExternalSecret (of the Secret's namespace) writes
 * which keys, as JSON `{"<name>": ["key", …]}` — key names only, never values. The first
 * ExternalSecret to write a key owns it; another one writing the same key is refused.
 */
export const ANNOTATION_MERGE_OWNERS = 'rotor.dev/merge-owners';
/**
 * On a target Secret: the version fingerprint (AWS version identifiers only) whose rollout is
 * still to be done. Written in the same write as the rotated data, removed once every target
 * workload is restarted for it, so a crash in between cannot lose the rollout.
 */
export const ANNOTATION_ROLLOUT_PENDING = 'rotor.dev/rollout-pending';
