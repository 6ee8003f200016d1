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
} as const;

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
  /** Regular expressions matched against the whole namespace name. */
  namespaceRegexes?: string[];
}

export interface SecretStoreSpec {
  provider: { aws: AwsProvider };
  /** Only on ClusterSecretStore: who may use it. Empty = every namespace. */
  conditions?: ClusterSecretStoreCondition[];
  /** Default refresh interval hint is not supported; kept out on purpose. */
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
  decodingStrategy?: DecodingStrategy;
}

export interface ExternalSecretData {
  secretKey: string;
  remoteRef: RemoteRef;
  /** (+) A missing remote key leaves this secretKey out instead of failing the Secret. */
  optional?: boolean;
}

export interface FindName {
  regexp: string;
}

export interface DataFromExtract {
  key: string;
  version?: string;
  property?: string;
  jmesPath?: string;
  decodingStrategy?: DecodingStrategy;
}

export interface DataFromFind {
  /** Name prefix (Secrets Manager) or parameter path (Parameter Store). */
  path?: string;
  name?: FindName;
  tags?: Record<string, string>;
  decodingStrategy?: DecodingStrategy;
}

export interface RewriteRegexp {
  source: string;
  target: string;
}

export interface Rewrite {
  regexp: RewriteRegexp;
}

export interface ExternalSecretDataFrom {
  extract?: DataFromExtract;
  find?: DataFromFind;
  rewrite?: Rewrite[];
}

export interface TemplateMetadata {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export type TemplateMergePolicy = 'Replace' | 'Merge';

export interface ExternalSecretTemplate {
  type?: string;
  metadata?: TemplateMetadata;
  /** Secret key -> template text; rendered with the fetched values in scope. */
  data?: Record<string, string>;
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
  syncedVersions?: SyncedVersion[];
  /** Keyed HMAC of the written data; change detection without reading values into logs. */
  dataMAC?: string;
  /** Region that served the last successful read (differs from the store region on failover). */
  servedRegion?: string;
  /** Short summary of the version(s) synced, for the printer column. */
  version?: string;
  lastRollout?: LastRollout;
}

export interface ExternalSecret {
  apiVersion: typeof API_GROUP_VERSION;
  kind: 'ExternalSecret';
  metadata: ObjectMeta;
  spec: ExternalSecretSpec;
  status?: ExternalSecretStatus;
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

// ---------------------------------------------------------------- labels & annotations

export const LABEL_MANAGED = 'rotor.dev/managed';
export const ANNOTATION_OWNER = 'rotor.dev/owner';
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
