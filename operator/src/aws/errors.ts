// Turns AWS SDK / network / credential errors into ProviderErrors whose message tells a
// user what to do (which IAM action to grant, which key is missing, which endpoint is
// down) and whose flags drive the controller (retry with backoff, fail over, skip an
// optional key). Messages name keys, regions and IAM actions only: the calls we make are
// reads, so neither our inputs nor AWS's error text can carry a secret value. (PushSecret's
// writes word their own messages from these pieces and scrub the value: aws/push/errors.ts.)
//
// An endpoint that is not AWS's own (a store's `endpoint`: LocalStack, or anything the chart
// allowed) is not trusted to write into status or Events (issue #15 item 2c): from it only an
// error code of the known set below and the HTTP status are shown, never its message text. The
// error-code metric label likewise takes only known codes (anything else is `other`), so an
// endpoint cannot create series without bound.
import { ES_REASON, type AwsService } from '../api/types.js';
import { ProviderError, type FetchRequest } from '../api/provider.js';
import { isAwsServiceEndpoint } from './endpoint-policy.js';

/** SQS: the event queue (aws/events/), read with the operator's own identity. */
/** ECR and ECRPublic: the ECRAuthorizationToken generator (aws/generators/ecr.ts). */
export type AwsApiService = AwsService | 'STS' | 'SQS' | 'ECR' | 'ECRPublic';

/**
 * A whole AWS call (every SDK attempt) took longer than the operator's per-call deadline
 * (--aws-call-timeout). Named TimeoutError so it is treated as a network failure: the
 * endpoint is unavailable, retry with backoff, failover allowed.
 */
export class AwsCallDeadlineError extends Error {
  constructor(readonly deadlineMs: number) {
    super(`no answer within ${deadlineMs / 1000}s`);
    this.name = 'TimeoutError';
  }
}

/**
 * A response body grew past the operator's cap (clients.ts, bounded-body.ts): the socket was
 * destroyed after `limit` bytes.
 */
export class ResponseTooLargeError extends Error {
  constructor(
    readonly limit: number,
    readonly status?: number,
  ) {
    super(`response body larger than ${limit} bytes; stopped reading`);
    this.name = 'ResponseTooLarge';
  }
}

export interface AwsErrorContext {
  service: AwsApiService;
  /** Secret name, parameter name, or role ARN (STS) the call was about. */
  key?: string;
  /** Requested version / stage / label, when one was given. */
  version?: string;
  region: string;
  /** API operation, e.g. GetSecretValue. */
  operation: string;
  /** Custom endpoint URL, when the store set one. */
  endpoint?: string;
  /** Extra advice appended to access-denied messages (e.g. the trust policy to check). */
  hint?: string;
}

/** The context of a provider's read of `request` (or of a listing, without one) at its region and endpoint. */
export function readContext(service: AwsService, at: { region: string; endpoint?: string | undefined }, operation: string, request?: FetchRequest): AwsErrorContext {
  return {
    service,
    operation,
    region: at.region,
    ...(at.endpoint ? { endpoint: at.endpoint } : {}),
    ...(request ? { key: request.key, ...(request.version ? { version: request.version } : {}) } : {}),
  };
}

const SERVICE_LABEL: Record<AwsApiService, string> = {
  SecretsManager: 'Secrets Manager',
  ParameterStore: 'SSM Parameter Store',
  STS: 'STS',
  SQS: 'SQS',
  ECR: 'ECR',
  ECRPublic: 'ECR Public',
};

const SUBJECT_NOUN: Record<AwsApiService, string> = {
  SecretsManager: 'secret',
  ParameterStore: 'parameter',
  STS: 'role',
  SQS: 'queue',
  ECR: 'registry',
  ECRPublic: 'registry',
};

/** The IAM permission each operation needs, as a user would write it in a policy. */
const IAM_ACTION: Record<string, string> = {
  GetSecretValue: 'secretsmanager:GetSecretValue',
  BatchGetSecretValue: 'secretsmanager:BatchGetSecretValue (and secretsmanager:GetSecretValue on each secret)',
  ListSecrets: 'secretsmanager:ListSecrets',
  GetParameter: 'ssm:GetParameter',
  GetParameters: 'ssm:GetParameters',
  GetParametersByPath: 'ssm:GetParametersByPath',
  DescribeParameters: 'ssm:DescribeParameters',
  AssumeRole: 'sts:AssumeRole',
  ReceiveMessage: 'sqs:ReceiveMessage',
  DeleteMessageBatch: 'sqs:DeleteMessage',
  GetQueueAttributes: 'sqs:GetQueueAttributes',
  AssumeRoleWithWebIdentity: 'sts:AssumeRoleWithWebIdentity',
};

const IAM_PREFIX: Record<AwsApiService, string> = { SecretsManager: 'secretsmanager', ParameterStore: 'ssm', STS: 'sts', SQS: 'sqs', ECR: 'ecr', ECRPublic: 'ecr-public' };

const NOT_FOUND = new Set(['ResourceNotFoundException', 'ParameterNotFound', 'ParameterVersionNotFound']);
const THROTTLED = new Set(['ThrottlingException', 'TooManyRequestsException', 'Throttling', 'RequestLimitExceeded', 'ThrottledException']);
const ACCESS_DENIED = new Set(['AccessDeniedException', 'AccessDenied']);
/** The credentials themselves were refused: wrong keys, expired session, bad signature. */
const CREDENTIALS_REJECTED = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'InvalidIdentityToken',
  'IDPRejectedClaim',
]);
/** AWS refused the credentials themselves: cached credentials for that identity must be dropped. */
export function isCredentialRejection(error: ProviderError): boolean {
  return error.code !== undefined && CREDENTIALS_REJECTED.has(error.code);
}
const SERVER_SIDE = new Set(['InternalServiceError', 'InternalServerError', 'InternalFailure', 'ServiceUnavailable', 'ServiceUnavailableException']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'ECONNRESET',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
]);
const INVALID_INPUT = new Set([
  'ValidationException',
  'ValidationError',
  'InvalidParameterException',
  'InvalidRequestException',
  'InvalidParameters',
  'InvalidNextTokenException',
  'InvalidFilterKey',
  'InvalidFilterOption',
  'InvalidFilterValue',
  'ParameterVersionLabelLimitExceeded',
  'UnsupportedParameterType',
]);

const OTHER_KNOWN = [
  'DecryptionFailure',
  'InvalidKeyId',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'UnknownOperationException',
  'InvalidAction',
  'NotImplemented',
  'UnsupportedOperation',
  'RegionDisabledException',
  'IDPCommunicationError',
  'MalformedPolicyDocument',
  'PackedPolicyTooLarge',
  'LimitExceededException',
  'HierarchyLevelLimitExceededException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
  'CredentialsProviderError',
  'ResponseTooLarge',
  'SyntaxError',
  'Unknown',
  'UnknownError',
  // SQS (the event queue, aws/events/): the queue is gone, or its SSE-KMS key refuses us.
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'KmsAccessDenied',
  'KmsDisabled',
  'KmsNotFound',
  'KmsInvalidState',
  'KmsInvalidKeyUsage',
  'KmsThrottled',
  'KmsOptInRequired',
  'OverLimit',
  'ReceiptHandleIsInvalid',
  // PushSecret's writes (aws/push/): races, refused policies, SSM write limits.
  'ResourceExistsException',
  'ParameterAlreadyExists',
  'MalformedPolicyDocumentException',
  'PublicPolicyException',
  'EncryptionFailure',
  'ParameterLimitExceeded',
  'ParameterMaxVersionLimitExceeded',
  'ParameterPatternMismatchException',
  'PoliciesLimitExceededException',
  'IncompatiblePolicyException',
  'InvalidPolicyTypeException',
  'InvalidPolicyAttributeException',
  'TooManyTagsException',
  'TooManyUpdates',
  'InvalidResourceId',
  'InvalidResourceType',
  'HierarchyTypeMismatchException',
  'PreconditionNotMetException',
];
/** Every error code the operator knows by name; the only ones shown from a non-AWS endpoint or used as a metric label. */
const KNOWN_CODES: ReadonlySet<string> = new Set([
  ...NOT_FOUND,
  ...THROTTLED,
  ...ACCESS_DENIED,
  ...CREDENTIALS_REJECTED,
  ...SERVER_SIDE,
  ...NETWORK_CODES,
  ...INVALID_INPUT,
  ...OTHER_KNOWN,
]);

/** The code as a bounded label: itself when known, else `other`. */
export function knownErrorCode(code: string): string {
  return KNOWN_CODES.has(code) ? code : 'other';
}

/** What we can learn about an error without assuming its shape. */
interface ErrorFacts {
  name: string;
  message: string;
  status?: number;
  serverFault: boolean;
  networkCode?: string;
  /** Every AWS answer carries a request id (x-amzn-RequestId); something else answering does not. */
  requestId?: string;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function networkCodeOf(err: unknown, depth = 0): string | undefined {
  if (depth > 3) return undefined;
  const record = asRecord(err);
  if (typeof record.code === 'string' && NETWORK_CODES.has(record.code)) return record.code;
  // Node's happy-eyeballs connect reports AggregateError with one error per address.
  if (Array.isArray(record.errors)) {
    for (const inner of record.errors) {
      const code = networkCodeOf(inner, depth + 1);
      if (code) return code;
    }
  }
  return record.cause === undefined ? undefined : networkCodeOf(record.cause, depth + 1);
}

/** AWS error name (e.g. AccessDeniedException) and HTTP status of a raw SDK error. */
export function awsErrorIdentity(err: unknown): { name: string; status?: number } {
  const facts = errorFacts(err);
  return { name: facts.name, status: facts.status };
}

function errorFacts(err: unknown): ErrorFacts {
  const record = asRecord(err);
  const metadata = asRecord(record.$metadata);
  const response = asRecord(record.$response);
  const rawName = typeof record.name === 'string' ? record.name : '';
  // Unmodelled AWS errors sometimes only carry `Code`; plain Errors carry name "Error".
  const fallbackName = typeof record.Code === 'string' ? record.Code : typeof record.code === 'string' ? record.code : '';
  const name = rawName && rawName !== 'Error' ? rawName : fallbackName || rawName || 'UnknownError';
  const message = typeof record.message === 'string' ? record.message : typeof err === 'string' ? err : '';
  const status =
    typeof metadata.httpStatusCode === 'number'
      ? metadata.httpStatusCode
      : typeof response.statusCode === 'number'
        ? response.statusCode
        : undefined;
  const requestId = typeof metadata.requestId === 'string' && metadata.requestId !== '' ? metadata.requestId : undefined;
  return { name, message, status, serverFault: record.$fault === 'server', networkCode: networkCodeOf(err), requestId };
}

/** AWS's own wording, one line and bounded, so status messages stay readable. */
function awsDetail(facts: ErrorFacts): string {
  const text = facts.message.replace(/\s+/g, ' ').trim();
  if (!text) return facts.status !== undefined ? `${facts.name}, HTTP ${facts.status}` : facts.name;
  const bounded = text.length > 300 ? `${text.slice(0, 297)}...` : text;
  return `${facts.name}: ${bounded}`;
}

function where(ctx: AwsErrorContext): string {
  return ctx.endpoint ? `in region ${ctx.region} (endpoint ${ctx.endpoint})` : `in region ${ctx.region}`;
}

function subject(ctx: AwsErrorContext): string {
  if (ctx.key === undefined) return '';
  const version = ctx.version ? ` (version ${ctx.version})` : '';
  return `${SUBJECT_NOUN[ctx.service]} ${ctx.key}${version}`;
}

export function iamActionFor(ctx: Pick<AwsErrorContext, 'service' | 'operation'>): string {
  return IAM_ACTION[ctx.operation] ?? `${IAM_PREFIX[ctx.service]}:${ctx.operation}`;
}

function isKmsRelated(facts: ErrorFacts): boolean {
  return facts.name === 'DecryptionFailure' || facts.name.startsWith('KMS') || facts.name === 'InvalidKeyId' || /\bkms\b|kms:/i.test(facts.message);
}

function isNetworkFailure(facts: ErrorFacts): boolean {
  return facts.networkCode !== undefined || facts.name === 'TimeoutError' || /socket hang up/i.test(facts.message);
}

function isServerFailure(facts: ErrorFacts): boolean {
  return (facts.status !== undefined && facts.status >= 500) || facts.serverFault || SERVER_SIDE.has(facts.name);
}

/**
 * The answer came from something that is not AWS (a wrong endpoint: a web server, a proxy's
 * error page): no request id, and a body the SDK could not read as an AWS error — it then
 * names the error after a JSON parse failure or "Unknown" / the bare HTTP status.
 */
function isNotAwsAnswer(facts: ErrorFacts): boolean {
  if (facts.requestId !== undefined || facts.status === undefined) return false;
  return facts.name === 'SyntaxError' || /Deserialization error/.test(facts.message) || facts.name === 'Unknown' || facts.name === 'UnknownError' || /^\d{3}$/.test(facts.name);
}

function isThrottle(facts: ErrorFacts): boolean {
  return THROTTLED.has(facts.name) || /throttl/i.test(facts.name) || facts.status === 429;
}

export type AwsErrorClass = 'throttled' | 'server' | 'network' | 'auth' | 'client';

/**
 * The AWS error code (or network error code) of a failed call and its class, for the error
 * metric: `throttled` and `server` (5xx) are AWS-side pressure, `network` is unreachable,
 * `auth` is access denied / rejected credentials, `client` is everything else (not found, bad input).
 */
export function classifyAwsError(err: unknown): { code: string; class: AwsErrorClass } {
  const { code, class: kind } = classifyFacts(errorFacts(err));
  return { code: knownErrorCode(code), class: kind };
}

function classifyFacts(facts: ErrorFacts): { code: string; class: AwsErrorClass } {
  if (isThrottle(facts)) return { code: facts.name, class: 'throttled' };
  if (isNetworkFailure(facts)) return { code: facts.networkCode ?? facts.name, class: 'network' };
  if (isServerFailure(facts)) return { code: facts.name, class: 'server' };
  if (ACCESS_DENIED.has(facts.name) || CREDENTIALS_REJECTED.has(facts.name) || isKmsRelated(facts)) return { code: facts.name, class: 'auth' };
  return { code: facts.name, class: 'client' };
}

/**
 * True for AccessDenied proper: AWS authenticated the caller but the policy does not allow
 * the action. (Rejected credentials have other codes.) Used where a denial is an answer,
 * e.g. a role allowed GetSecretValue but not BatchGetSecretValue.
 */
export function isAuthorizationDenial(error: ProviderError): boolean {
  return error.code !== undefined && ACCESS_DENIED.has(error.code);
}

/**
 * Maps any error thrown while talking to AWS (SDK service exception, network error,
 * timeout, credential provider failure) to a ProviderError. A ProviderError passes through.
 */
export function toProviderError(err: unknown, ctx: AwsErrorContext): ProviderError {
  if (err instanceof ProviderError) return err;
  const raw = errorFacts(err);
  const facts = serverTextTrusted(ctx) ? raw : withoutServerText(raw);
  const service = SERVICE_LABEL[ctx.service];
  const about = subject(ctx);
  const aboutClause = about ? ` for ${about}` : '';
  const base = { code: facts.name, cause: err };

  if (err instanceof ResponseTooLargeError || facts.name === 'ResponseTooLarge') {
    const endpoint = ctx.endpoint ? `endpoint ${ctx.endpoint}` : `the endpoint for region ${ctx.region}`;
    const limit = err instanceof ResponseTooLargeError ? err.limit : undefined;
    return new ProviderError(
      ES_REASON.ProviderUnavailable,
      `${endpoint} answered ${ctx.operation}${aboutClause} with a body larger than ${limit !== undefined ? `${limit / (1024 * 1024)} MiB` : 'the limit'}, far more than ${service} ever sends; ` +
        `the operator stopped reading — check spec.provider.aws.endpoint; retrying with backoff`,
      { ...base, code: 'ResponseTooLarge', retryable: true },
    );
  }

  if (isThrottle(facts)) {
    return new ProviderError(
      ES_REASON.Throttled,
      `${service} throttled ${ctx.operation}${aboutClause} ${where(ctx)} (${facts.name}); retrying with backoff — if this persists, lower the refresh rate or raise the account's API quota`,
      { ...base, retryable: true },
    );
  }

  if (isNetworkFailure(facts)) {
    const endpoint = ctx.endpoint ? `endpoint ${ctx.endpoint}` : `the regional endpoint`;
    const why = err instanceof AwsCallDeadlineError ? err.message : (facts.networkCode ?? (facts.name === 'TimeoutError' ? 'timed out' : facts.name));
    return new ProviderError(
      ES_REASON.ProviderUnavailable,
      `${service} ${endpoint} in region ${ctx.region} is unreachable (${why}) during ${ctx.operation}${aboutClause}; check the endpoint, DNS and network policy — retrying with backoff`,
      { ...base, code: facts.networkCode ?? facts.name, retryable: true, unavailable: true },
    );
  }

  if (isServerFailure(facts)) {
    const status = facts.status !== undefined ? `HTTP ${facts.status} ` : '';
    return new ProviderError(
      ES_REASON.ProviderUnavailable,
      `${service} ${where(ctx)} is unavailable: ${ctx.operation}${aboutClause} answered ${status}(${facts.name}); retrying with backoff`,
      { ...base, retryable: true, unavailable: true },
    );
  }

  if (NOT_FOUND.has(facts.name)) {
    const what = about || `${SUBJECT_NOUN[ctx.service]}`;
    return new ProviderError(
      ES_REASON.SecretMissing,
      `${what} not found ${where(ctx)}; check remoteRef.key${ctx.version ? ' and remoteRef.version' : ''}, the store's region, or create it`,
      { ...base, notFound: true },
    );
  }

  if (facts.name === 'InvalidRequestException' && /(marked|scheduled) for deletion/i.test(facts.message)) {
    return new ProviderError(
      ES_REASON.SecretMissing,
      `${about || 'secret'} ${where(ctx)} is scheduled for deletion; restore it (aws secretsmanager restore-secret --secret-id ${ctx.key ?? '<name>'}) or remove the reference`,
      { ...base, notFound: true },
    );
  }

  if (isKmsRelated(facts)) {
    return new ProviderError(
      ES_REASON.AccessDenied,
      `cannot decrypt ${about || `the ${SUBJECT_NOUN[ctx.service]}`} ${where(ctx)}: the role needs kms:Decrypt on the secret's KMS key (and the key must be enabled) (${awsDetail(facts)})`,
      base,
    );
  }

  if (isNotAwsAnswer(facts)) {
    const endpoint = ctx.endpoint ? `endpoint ${ctx.endpoint}` : `the endpoint for region ${ctx.region}`;
    const fix = ctx.endpoint ? 'check spec.provider.aws.endpoint' : "check the operator's AWS_ENDPOINT_URL settings or spec.provider.aws.region";
    return new ProviderError(
      ES_REASON.ProviderUnavailable,
      `${endpoint} did not answer like ${service}: ${ctx.operation}${aboutClause} got HTTP ${facts.status} without an AWS request id or error code; ${fix} — retrying with backoff`,
      { ...base, retryable: true },
    );
  }

  if (ACCESS_DENIED.has(facts.name) || facts.status === 403) {
    const hint = ctx.hint ? ` ${ctx.hint}` : '';
    return new ProviderError(
      ES_REASON.AccessDenied,
      `access denied: the store's IAM identity needs ${iamActionFor(ctx)}${about ? ` on ${about}` : ''} ${where(ctx)}.${hint} (${awsDetail(facts)})`,
      base,
    );
  }

  if (CREDENTIALS_REJECTED.has(facts.name)) {
    const hint = ctx.hint ? ` ${ctx.hint}` : '';
    return new ProviderError(
      ES_REASON.AccessDenied,
      `AWS rejected the store's credentials calling ${iamActionFor(ctx)} ${where(ctx)} (${facts.name}): check spec.provider.aws.auth — the keys may be wrong or the session expired.${hint}`,
      base,
    );
  }

  if (facts.name === 'CredentialsProviderError') {
    return new ProviderError(
      ES_REASON.AccessDenied,
      `no AWS credentials available ${where(ctx)}: give the operator an identity (EKS Pod Identity or IRSA) or set spec.provider.aws.auth (${awsDetail(facts)})`,
      { ...base, retryable: true },
    );
  }

  if (INVALID_INPUT.has(facts.name) || (facts.status !== undefined && facts.status >= 400 && facts.status < 500)) {
    return new ProviderError(
      ES_REASON.InvalidSpec,
      `${service} rejected ${ctx.operation}${aboutClause}: check the key name${ctx.version ? ' and version' : ''} in the spec (${awsDetail(facts)})`,
      base,
    );
  }

  // Unknown: most likely transient (or a bug); the work queue backs off.
  return new ProviderError(
    ES_REASON.SecretSyncedError,
    `${service} ${ctx.operation}${aboutClause} ${where(ctx)} failed (${awsDetail(facts)})`,
    { ...base, retryable: true },
  );
}

/**
 * Error text is shown only from AWS's own endpoints (and the SDK's default one, which the
 * admin configured): a store's other endpoint may be a tenant's server reflecting whatever it
 * fetched (blind SSRF with read-back).
 */
function serverTextTrusted(ctx: AwsErrorContext): boolean {
  return ctx.endpoint === undefined || isAwsServiceEndpoint(ctx.endpoint);
}

/**
 * An error's code and one-line detail as they may be shown in status and Events: AWS's own
 * words from AWS's endpoints, only a known code (else UnrecognizedError) and the HTTP status from
 * any other endpoint; `kms`: the failure is about the KMS key. For callers that word their own
 * message (aws/push/errors.ts).
 */
export function shownAwsDetail(err: unknown, ctx: AwsErrorContext): { code: string; detail: string; kms: boolean } {
  const raw = errorFacts(err);
  const facts = serverTextTrusted(ctx) ? raw : withoutServerText(raw);
  return { code: facts.name, detail: awsDetail(facts), kms: isKmsRelated(facts) };
}

/** The facts with the server's words removed: a known code (else UnrecognizedError) and no message. */
function withoutServerText(raw: ErrorFacts): ErrorFacts {
  // Network and timeout errors are made locally by Node / the SDK: nothing from the server.
  if (isNetworkFailure(raw)) return raw;
  const name = isNotAwsAnswer(raw) ? 'UnknownError' : KNOWN_CODES.has(raw.name) ? raw.name : 'UnrecognizedError';
  return { ...raw, name, message: '' };
}

/**
 * Runs a cheap call that proves credentials, region and endpoint (store validation).
 * An authorization denial still means AWS authenticated the identity — a least-privilege
 * role may lack the listing permission — so it counts as valid; rejected credentials,
 * network and 5xx errors throw.
 */
export async function probeIdentity(call: () => Promise<unknown>, ctx: AwsErrorContext, onDenied: () => void): Promise<void> {
  try {
    await call();
  } catch (err) {
    const mapped = toProviderError(err, ctx);
    if (isAuthorizationDenial(mapped)) {
      onDenied();
      return;
    }
    throw mapped;
  }
}
