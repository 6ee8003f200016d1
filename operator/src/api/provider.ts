// The contract between a secrets provider and the reconcilers, in provider-neutral terms. The
// reconcilers and the pure builder see only these shapes, so unit tests inject fakes and the
// real SDK clients stay at the edge (aws/).
import type { AwsService, DataFromFind, EsReason } from './types.js';
import { LOG_SAFE_MESSAGE } from '../platform/error-for-log.js';

/** One value read from AWS. Never logged: only `name`, `versionId`, `version`, `region` may be. */
export interface RemoteSecret {
  /** The secret name or parameter name as AWS returned it. */
  name: string;
  /** SecretString as UTF-8 bytes, or the raw SecretBinary. */
  value: Buffer;
  /** True when AWS returned SecretBinary. */
  binary: boolean;
  /** Secrets Manager VersionId. */
  versionId?: string;
  /** Parameter Store version number. */
  version?: number;
  /** Region that served the read (the failover region when the primary was down). */
  region: string;
  /** The secret's or parameter's ARN as AWS returned it: tells the event index its account. */
  arn?: string;
}

export interface FetchRequest {
  key: string;
  /** Stage label / version id (Secrets Manager) or version number / label (Parameter Store). */
  version?: string;
  /** Read the remote's tags instead of its value (ESO's metadataPolicy: Fetch). */
  tags?: boolean;
}

/** Tags as the value of a metadataPolicy Fetch read: a JSON object with sorted keys (as Go's json.Marshal). */
export function tagsAsValue(tags: Array<{ Key?: string | undefined; Value?: string | undefined }> | undefined): Buffer {
  const entries = (tags ?? []).flatMap((t) => (t.Key === undefined ? [] : [[t.Key, t.Value ?? ''] as const]));
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(Object.fromEntries(entries)), 'utf8');
}

export interface FindOptions {
  signal?: AbortSignal;
}

/** A provider bound to one store identity (credentials, region, endpoint). */
export interface SecretsProvider {
  readonly service: AwsService;
  /** Reads one value. Throws ProviderError. */
  get(request: FetchRequest): Promise<RemoteSecret>;
  /**
   * Reads many values with the fewest AWS calls (BatchGetSecretValue / GetParameters).
   * Per-key failures come back in the map instead of failing the whole batch.
   */
  getMany(requests: FetchRequest[]): Promise<Map<string, RemoteSecret | ProviderError>>;
  /**
   * dataFrom.find: every value matching path / name regexp / tags. Its listing stops when
   * `options.signal` fires (the reconcile's deadline, or its ExternalSecret or store deleted).
   */
  find(query: DataFromFind, options?: FindOptions): Promise<RemoteSecret[]>;
  /** Cheap check that the identity works (used for store status). Throws ProviderError. */
  validate(): Promise<void>;
}

/** Stable identity of a request inside a provider, for dedupe and maps. */
export function fetchRequestId(request: FetchRequest): string {
  const id = request.version ? `${request.key}@${request.version}` : request.key;
  return request.tags ? `tags:${id}` : id;
}

/**
 * An AWS (or credential) failure turned into something a user can act on.
 * `message` is safe for status/events/logs: it never contains a secret value.
 */
export class ProviderError extends Error {
  constructor(
    readonly reason: EsReason,
    message: string,
    readonly options: {
      /** AWS error name, e.g. ResourceNotFoundException. */
      code?: string;
      /** Throttling, 5xx, network: retry with backoff. */
      retryable?: boolean;
      /** The remote key does not exist (lets `optional` keys be skipped). */
      notFound?: boolean;
      /** 5xx or network error: failover to the replica region is allowed. */
      unavailable?: boolean;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ProviderError';
  }
  /** Its message is written for status and events, never holds a value: fit for the log too. */
  readonly [LOG_SAFE_MESSAGE] = true;
  get code(): string | undefined {
    return this.options.code;
  }
  get retryable(): boolean {
    return this.options.retryable ?? false;
  }
  get notFound(): boolean {
    return this.options.notFound ?? false;
  }
  get unavailable(): boolean {
    return this.options.unavailable ?? false;
  }
}
