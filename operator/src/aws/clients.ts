// Builds the AWS SDK v3 clients the operator uses, with settings that fit a controller:
// - few SDK retries (maxAttempts 2): the work queue already backs off with jitter, and
//   stacking SDK retries on top would hold a worker for tens of seconds; a store's
//   spec.retrySettings (ESO's field) replaces that for its own clients (retry-settings.ts);
// - short timeouts (connect 3s, request 10s, throwOnRequestTimeout) so a dead endpoint
//   fails fast and failover / backoff can act; and a deadline on the whole call (all
//   attempts, default 5s, --aws-call-timeout) enforced with an AbortSignal, so an endpoint
//   that accepts connections and never answers holds a worker for 5s, not 2 x 10s;
// - one client per (service, region, endpoint, identity) so keep-alive sockets are reused;
// - a middleware that reports every HTTP attempt, for the "AWS calls per secret" metric;
// - a cap on every response body (4 MiB: the largest legitimate answer, BatchGetSecretValue
//   of 20 secrets of at most 64 KiB, is far below it), counted
//   while the body streams in: past the cap the socket is destroyed, so an endpoint answering
//   150 MiB costs 4 MiB of memory, not 150 (issue #15 item 2a).
//
// Endpoint resolution: an explicit store endpoint wins. Otherwise the SDK itself honours
// AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL_STS and the
// global AWS_ENDPOINT_URL (its serviceConfiguredEndpoint lookup), so we do not duplicate it.
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECRPUBLICClient } from '@aws-sdk/client-ecr-public';
import { SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { ConfiguredRetryStrategy, StandardRetryStrategy } from '@smithy/core/retry';
import { AwsCallDeadlineError, classifyAwsError, type AwsApiService, type AwsErrorClass } from './errors.js';
import { capResponseBody } from './bounded-body.js';

/** Largest response body accepted from any endpoint (see the top of this file). */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
import type { AwsRetryPolicy } from './retry-settings.js';

export interface AwsClientTarget {
  region: string;
  /** Custom endpoint (VPC endpoint, LocalStack). Undefined: SDK default / AWS_ENDPOINT_URL*. */
  endpoint?: string;
  /** Undefined only for unsigned calls (STS AssumeRoleWithWebIdentity). */
  credentials?: AwsCredentialIdentityProvider | AwsCredentialIdentity;
  /**
   * Whose credentials these are. Cached clients are shared only between callers with the
   * same key, so one store can never sign with another store's identity.
   */
  identityKey: string;
  /** The store's retrySettings; undefined: the factory's maxAttempts and the SDK's backoff. */
  retry?: AwsRetryPolicy;
}

export interface AwsApiCall {
  service: AwsApiService;
  /** e.g. GetSecretValue, BatchGetSecretValue, AssumeRole. */
  operation: string;
  region: string;
}

export interface AwsApiCallOutcome {
  seconds: number;
  error?: { code: string; class: AwsErrorClass };
}

export interface AwsClientFactoryOptions {
  /** SDK attempts per call, including the first. Default 2. */
  maxAttempts?: number;
  /** TCP/TLS connect timeout. Default 3000 ms. */
  connectionTimeoutMs?: number;
  /** Timeout of one HTTP attempt. Default 10000 ms, never more than callTimeoutMs. */
  requestTimeoutMs?: number;
  /** Deadline of one call, every attempt and retry delay included. Default 5000 ms. */
  callTimeoutMs?: number;
  /** Called once per HTTP attempt (retries included): the metric hook. */
  onApiCall?: (call: AwsApiCall) => void;
  /** Called when an attempt ends: its duration, and the error code and class when it failed. */
  onApiCallDone?: (call: AwsApiCall, outcome: AwsApiCallOutcome) => void;
  /** Monotonic clock in ms for the duration (tests). Default performance.now. */
  clock?: () => number;
  /** Largest response body read from an endpoint. Default MAX_RESPONSE_BYTES. */
  maxResponseBytes?: number;
  /** Replaces the HTTP layer (tests). Production uses the SDK's Node handler with the timeouts above. */
  requestHandler?: SecretsManagerClientConfig['requestHandler'];
}

type AnyAwsClient = SecretsManagerClient | SSMClient | STSClient | SQSClient | ECRClient | ECRPUBLICClient;

interface CachedClient {
  client: AnyAwsClient;
  identityKey: string;
}

export class AwsClientFactory {
  private readonly cache = new Map<string, CachedClient>();

  constructor(private readonly options: AwsClientFactoryOptions = {}) {}

  secretsManager(target: AwsClientTarget): SecretsManagerClient {
    return this.cached('SecretsManager', target, () => new SecretsManagerClient(this.config(target)));
  }

  ssm(target: AwsClientTarget): SSMClient {
    return this.cached('ParameterStore', target, () => new SSMClient(this.config(target)));
  }

  sts(target: AwsClientTarget): STSClient {
    return this.cached('STS', target, () => new STSClient(this.config(target)));
  }

  /** The ECRAuthorizationToken generator's clients (private registries, and ECR Public). */
  ecr(target: AwsClientTarget): ECRClient {
    return this.cached('ECR', target, () => new ECRClient(this.config(target)));
  }

  ecrPublic(target: AwsClientTarget): ECRPUBLICClient {
    return this.cached('ECRPublic', target, () => new ECRPUBLICClient(this.config(target)));
  }

  /**
   * The event queue's client (aws/events/). A ReceiveMessage long poll holds the request for
   * `longPollMs` (20 s) before answering with nothing: its attempt timeout and whole-call
   * deadline are that plus the usual deadline, so only an endpoint that stays silent past the
   * poll is cut off. Counted, capped and timed like every other client.
   */
  sqs(target: AwsClientTarget, longPollMs: number): SQSClient {
    const extraMs = longPollMs;
    return this.cached('SQS', target, () => new SQSClient(this.config(target, extraMs)), extraMs);
  }

  /**
   * An STS client that is not cached: for one hop of a role chain, whose credentials are
   * fresh each time the chain is re-assumed (about hourly). The caller destroys it.
   */
  ephemeralSts(target: Omit<AwsClientTarget, 'identityKey'>): STSClient {
    const client = new STSClient(this.config({ ...target, identityKey: 'ephemeral' }));
    this.capBodies(client);
    this.instrument(client, 'STS', target.region);
    this.enforceDeadline(client);
    return client;
  }

  /** Drops (and closes) every client signed with this identity, e.g. after an auth error. */
  evict(identityKey: string): void {
    for (const [key, entry] of this.cache) {
      if (entry.identityKey !== identityKey) continue;
      entry.client.destroy();
      this.cache.delete(key);
    }
  }

  /** Closes every client (shutdown). */
  destroy(): void {
    for (const entry of this.cache.values()) entry.client.destroy();
    this.cache.clear();
  }

  /** Number of live cached clients (for tests and a debug gauge). */
  get size(): number {
    return this.cache.size;
  }

  private cached<C extends AnyAwsClient>(service: AwsApiService, target: AwsClientTarget, build: () => C, extraMs = 0): C {
    const key = JSON.stringify([service, target.region, target.endpoint ?? '', target.identityKey, target.retry ?? null, extraMs]);
    const hit = this.cache.get(key);
    if (hit) return hit.client as C;
    const client = build();
    this.capBodies(client);
    this.instrument(client, service, target.region);
    this.enforceDeadline(client, extraMs);
    this.cache.set(key, { client, identityKey: target.identityKey });
    return client;
  }

  private config(target: AwsClientTarget, extraMs = 0) {
    return {
      region: target.region,
      ...(target.endpoint ? { endpoint: target.endpoint } : {}),
      ...(target.credentials ? { credentials: target.credentials } : {}),
      ...this.retryConfig(target.retry),
      requestHandler: this.options.requestHandler ?? {
        connectionTimeout: this.options.connectionTimeoutMs ?? 3_000,
        requestTimeout: Math.min(this.options.requestTimeoutMs ?? 10_000, this.callTimeoutMs) + extraMs,
        // Without this the SDK only logs a warning when requestTimeout passes.
        throwOnRequestTimeout: true,
      },
    };
  }

  /**
   * ESO's retrySettings: maxRetries retries after the first attempt, a fixed retryInterval
   * between them (ConfiguredRetryStrategy) or else the SDK's standard backoff. The standard
   * strategy's rules stay: only throttling, 5xx and network errors are retried.
   */
  private retryConfig(retry: AwsRetryPolicy | undefined) {
    if (!retry) return { maxAttempts: this.options.maxAttempts ?? 2, retryMode: 'standard' };
    const maxAttempts = retry.maxRetries + 1;
    const retryStrategy = retry.retryIntervalMs !== undefined ? new ConfiguredRetryStrategy(maxAttempts, retry.retryIntervalMs) : new StandardRetryStrategy(maxAttempts);
    return { maxAttempts, retryStrategy };
  }

  private get callTimeoutMs(): number {
    return this.options.callTimeoutMs ?? 5_000;
  }

  /**
   * Every send() gets an AbortSignal that fires at the deadline: the SDK then destroys the
   * socket and stops retrying. The race makes the caller's promise settle at the deadline
   * even if a layer below ignored the signal.
   */
  private enforceDeadline(client: AnyAwsClient, extraMs = 0): void {
    const timeoutMs = this.callTimeoutMs + extraMs;
    type Send = (command: unknown, options?: { abortSignal?: AbortSignal }) => Promise<unknown>;
    const send = client.send.bind(client) as Send;
    const bounded: Send = (command, options) => {
      const controller = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new AwsCallDeadlineError(timeoutMs);
          controller.abort(error);
          reject(error);
        }, timeoutMs);
      });
      const signal = options?.abortSignal ? AbortSignal.any([options.abortSignal, controller.signal]) : controller.signal;
      return Promise.race([send(command, { ...options, abortSignal: signal }), deadline]).finally(() => clearTimeout(timer));
    };
    // The three clients' send() overloads differ only in their command types.
    (client as unknown as { send: Send }).send = bounded;
  }

  /**
   * Between the SDK's deserializer and the HTTP handler: every attempt's body is read through
   * a counter that destroys the socket past the cap (bounded-body.ts), so the deserializer
   * fails with ResponseTooLargeError instead of buffering the whole answer.
   */
  private capBodies(client: AnyAwsClient): void {
    const limit = this.options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
    const stack = client.middlewareStack as unknown as {
      add(middleware: unknown, options: { step: 'deserialize'; name: string; priority: 'low' }): void;
    };
    stack.add(
      (next: (args: unknown) => Promise<{ response: unknown }>) => async (args: unknown) => {
        const result = await next(args);
        capResponseBody(result.response, limit);
        return result;
      },
      // 'low': inside the deserializer (which has normal priority), right after the handler.
      { step: 'deserialize', name: 'rotorResponseBodyCap', priority: 'low' },
    );
  }

  private instrument(client: AnyAwsClient, service: AwsApiService, region: string): void {
    const { onApiCall, onApiCallDone } = this.options;
    if (!onApiCall && !onApiCallDone) return;
    const clock = this.options.clock ?? (() => performance.now());
    // The deserialize step runs inside the retry loop, so each HTTP attempt is counted and timed.
    // The stacks of the three clients have different generic types; the middleware only
    // reads the context, so one untyped function serves all of them.
    const stack = client.middlewareStack as unknown as {
      add(middleware: unknown, options: { step: 'deserialize'; name: string; priority: 'high' }): void;
    };
    stack.add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
        const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        const call = { service, operation, region };
        onApiCall?.(call);
        const startedAt = clock();
        try {
          const output = await next(args);
          onApiCallDone?.(call, { seconds: (clock() - startedAt) / 1000 });
          return output;
        } catch (error) {
          onApiCallDone?.(call, { seconds: (clock() - startedAt) / 1000, error: classifyAwsError(error) });
          throw error;
        }
      },
      // 'high': outside the SDK's deserializer, so a failed attempt is seen as the parsed AWS error.
      { step: 'deserialize', name: 'rotorApiCallCounter', priority: 'high' },
    );
  }
}
