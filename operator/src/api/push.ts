// The contract between the PushSecret reconcilers (controller/) and the AWS writers (aws/push/),
// in provider-neutral terms, so each side is built and unit-tested against the other's shape
// with fakes. It mirrors ESO's provider push interface (PushSecret / DeleteSecret /
// SecretExists) because ESO's semantics are the spec for PushSecret (DESIGN.md §9).
import type { AwsService } from './types.js';

/** How an existing remote value is treated (ESO's spec.updatePolicy). */
export type PushUpdatePolicy = 'Replace' | 'IfNotExists';

/** Where one value goes. `property` makes the remote a JSON object and sets one field of it. */
export interface PushRemoteRef {
  /** As the PushSecret names it: the writer prepends the store's spec.provider.aws.prefix (ESO). */
  remoteKey: string;
  property?: string;
}

export interface PushRequest extends PushRemoteRef {
  /** The bytes to write. Never logged, never in status or events. */
  value: Buffer;
  /**
   * `data[].metadata` exactly as the user wrote it (ESO's PushSecretMetadata for the AWS
   * provider: tags, description, kmsKeyID, secretPushFormat, resourcePolicy, SSM tier/type…).
   * The writer validates it and throws a PushError naming the field when it is wrong.
   */
  metadata?: unknown;
  updatePolicy: PushUpdatePolicy;
  /**
   * Set when `data[].match.secretKey` is empty (the whole Secret is pushed): the Secret's data.
   * `value` then holds ESO's default encoding (a JSON object of the values as strings); a writer
   * whose encoding depends on metadata (Parameter Store's encodeAsDecoded: false gives base64
   * values, as ESO) builds its value from this instead.
   */
  secretData?: Readonly<Record<string, Buffer>>;
  /**
   * Take over a remote secret that exists without the managed-by tag: the writer tags it as
   * Rotor's and writes. Unset: such a secret is refused (PushError NotManaged), as in ESO.
   */
  adoptUnmanaged?: boolean;
  /**
   * Reads the ConfigMap or Secret key a Secrets Manager `metadata.spec.resourcePolicy.policySourceRef`
   * names, in the PushSecret's namespace (ESO reads it there); undefined when it is missing.
   * Supplied by the reconciler (the writer does no Kubernetes I/O); without it, a resourcePolicy
   * is refused with InvalidMetadata.
   */
  readPolicySource?: (ref: PolicySourceRef) => Promise<string | undefined>;
}

/** Where a Secrets Manager resource policy's JSON is kept (ESO's PolicySourceRef). */
export interface PolicySourceRef {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  key: string;
}

/**
 * What a push did. `exists`: IfNotExists found a remote value and left it. `unchanged`: the
 * remote already held these bytes (no new version written).
 */
export type PushOutcome = 'created' | 'updated' | 'unchanged' | 'exists';

export interface PushResult {
  outcome: PushOutcome;
  /** Secrets Manager VersionId or Parameter Store version of the value now current. */
  version?: string;
}

/** `absent`: nothing to delete. `notManaged`: the remote exists but Rotor did not create it, so it was left. */
export type DeleteOutcome = 'deleted' | 'absent' | 'notManaged';

export interface PushDeleteRequest extends PushRemoteRef {
  /** The same `data[].metadata` the value was pushed with (e.g. deletion options). */
  metadata?: unknown;
}

/** A writer bound to one store identity (credentials, region, endpoint, store settings). */
export interface SecretPusher {
  readonly service: AwsService;
  /**
   * Writes one value. Refuses (PushError reason `NotManaged`) to change a remote secret that
   * Rotor did not create (ESO's managed-by tag), unless `adoptUnmanaged` was set on the store
   * side of the call. Throws PushError.
   */
  push(request: PushRequest, signal?: AbortSignal): Promise<PushResult>;
  /**
   * deletionPolicy Delete: removes the value (with `property`, only that field; the secret goes
   * when its last field does). Never deletes what Rotor did not create.
   */
  delete(request: PushDeleteRequest, signal?: AbortSignal): Promise<DeleteOutcome>;
  /** Whether the remote key exists at all (ESO's SecretExists). */
  exists(ref: PushRemoteRef, signal?: AbortSignal): Promise<boolean>;
}

/** Reason codes of push failures: stable, shown in PushSecret status and events. */
export const PUSH_REASON = {
  InvalidMetadata: 'InvalidMetadata',
  /** The store cannot be used for pushing (spec refused by the operator's policy, bad deletion settings). */
  InvalidStore: 'InvalidStore',
  NotManaged: 'NotManaged',
  AccessDenied: 'AccessDenied',
  NotFound: 'NotFound',
  Conflict: 'Conflict',
  ProviderError: 'ProviderError',
} as const;
export type PushReason = (typeof PUSH_REASON)[keyof typeof PUSH_REASON];

/** A push failure a user can act on. `message` never contains a secret value. */
export class PushError extends Error {
  constructor(
    readonly reason: PushReason,
    message: string,
    readonly options: { code?: string; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'PushError';
  }
  get retryable(): boolean {
    return this.options.retryable ?? false;
  }
}
