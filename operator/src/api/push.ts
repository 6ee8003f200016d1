// The contract between the PushSecret reconcilers (controller/) and the AWS writers (aws/push/),
// in provider-neutral terms, so each side is built and unit-tested against the other's shape
// with fakes. It mirrors ESO's provider push interface (PushSecret / DeleteSecret /
// SecretExists) because ESO's semantics are the spec for PushSecret (DESIGN.md §9).
import type { AwsService } from './types.js';

/** How an existing remote value is treated (ESO's spec.updatePolicy). */
export type PushUpdatePolicy = 'Replace' | 'IfNotExists';

/** Where one value goes. `property` makes the remote a JSON object and sets one field of it. */
export interface PushRemoteRef {
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
