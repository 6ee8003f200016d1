// What the reconcilers and the AWS credential layer need from Kubernetes, as
// narrow interfaces. kube/ implements them over kube/client/api.ts; unit tests implement them with
// in-memory fakes.
import type { Secret, GenericObject } from './client/objects.js';
import type { ClusterExternalSecretStatus, ExternalSecret, ExternalSecretStatus, SecretStoreStatus, StoreKind } from '../api/types.js';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
}

export interface SecretClient {
  /** undefined when the Secret does not exist. */
  get(namespace: string, name: string): Promise<Secret | undefined>;
  create(secret: Secret): Promise<Secret>;
  /** Full replace guarded by metadata.resourceVersion (optimistic concurrency). */
  replace(secret: Secret): Promise<Secret>;
  /**
   * Deletes the Secret only if it is still the object the caller decided on: same uid and
   * resourceVersion (409 ConflictError otherwise, so the caller re-reads and decides again).
   */
  delete(namespace: string, name: string, expected: DeletePreconditions): Promise<void>;
}

/** The version of an object a delete was decided on (from its metadata). */
export interface DeletePreconditions {
  uid?: string;
  resourceVersion?: string;
}

export interface StatusWriter {
  externalSecret(namespace: string, name: string, status: ExternalSecretStatus): Promise<void>;
  store(kind: StoreKind, namespace: string | undefined, name: string, status: SecretStoreStatus): Promise<void>;
}

export interface ClusterExternalSecretStatusWriter {
  clusterExternalSecret(name: string, status: ClusterExternalSecretStatus): Promise<void>;
}

/** Writes of the ExternalSecrets a ClusterExternalSecret stamps into namespaces. */
export interface ExternalSecretWriter {
  /** Throws ConflictError (reason AlreadyExists) when one of that name exists. */
  create(externalSecret: ExternalSecret): Promise<ExternalSecret>;
  /** Full replace guarded by metadata.resourceVersion (409 ConflictError when it moved). */
  replace(externalSecret: ExternalSecret): Promise<ExternalSecret>;
  /**
   * Deletes it only if it is still the object with this uid (and, when given, this
   * resourceVersion: unchanged since the decision); gone already is success.
   */
  delete(namespace: string, name: string, uid: string, resourceVersion?: string): Promise<void>;
}

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  /** Message must never contain a secret value. */
  record(object: ObjectRef, type: EventType, reason: string, message: string): Promise<void>;
}

export interface ServiceAccountToken {
  token: string;
  expiresAt: Date;
}

/** What per-store credentials need: static keys, IRSA ServiceAccounts, TokenRequest. */
export interface CredentialSourceClient {
  /**
   * Value of one key of a Secret; throws a ProviderError naming the Secret and key when missing,
   * and when empty unless `allowEmpty` (an empty sessionToken means "no session token", as in ESO).
   */
  readSecretKey(namespace: string, name: string, key: string, options?: { allowEmpty?: boolean }): Promise<string>;
  /** Annotations of a ServiceAccount; undefined when it does not exist. */
  serviceAccountAnnotations(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** TokenRequest API for the ServiceAccount. */
  requestToken(namespace: string, name: string, audiences: string[], expirationSeconds: number): Promise<ServiceAccountToken>;
}

export interface NamespaceClient {
  labels(name: string): Promise<Record<string, string> | undefined>;
  /** Whether the namespace is being deleted (or already gone). */
  terminating?(name: string): Promise<boolean>;
}

/** ConfigMaps and Secrets that hold templates (target.template.templateFrom). */
export interface TemplateSourceClient {
  /** undefined when the ConfigMap does not exist. */
  configMapData(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** undefined when the Secret does not exist. */
  secretData(namespace: string, name: string): Promise<Record<string, Buffer> | undefined>;
}

/** A kind as the API serves it (discovery): its resource name and scope. */
export interface ServedKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

/** Writes of non-Secret targets (spec.target.manifest): ConfigMaps and the kinds the admin allows. */
export interface ManifestTargetClient {
  /** How the API server serves the kind; undefined when it does not. */
  resolve(group: string, version: string, kind: string): Promise<ServedKind | undefined>;
  /** undefined when the object does not exist. */
  get(kind: ServedKind, namespace: string, name: string): Promise<GenericObject | undefined>;
  /** Throws ConflictError (reason AlreadyExists) when one of that name exists. */
  create(kind: ServedKind, object: GenericObject): Promise<GenericObject>;
  /** Full replace guarded by metadata.resourceVersion. */
  replace(kind: ServedKind, object: GenericObject): Promise<GenericObject>;
  /** Deletes it only if uid and resourceVersion still match; gone already is success. */
  delete(kind: ServedKind, namespace: string, name: string, expected: DeletePreconditions): Promise<void>;
}
