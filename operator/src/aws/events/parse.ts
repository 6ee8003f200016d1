// Turns the body of one SQS message, as an EventBridge rule delivers it, into a change of one
// remote secret — or says precisely why it is not one (issue #16). Pure, so every shape AWS
// documents is unit-tested as JSON. Strict: a body that is not an EventBridge event of a kind
// Rotor understands is "malformed" (the wrong shape) or "ignored" (a valid event Rotor has no
// use for); the consumer counts both and deletes the message, it never throws.
//
// Shapes (EventBridge envelope: version, id, detail-type, source, account, time, region,
// resources[], detail):
// - aws.secretsmanager "Secret Label Updated" (native): detail {name, labelUpdated, versionId},
//   the secret ARN in resources[0];
// - aws.secretsmanager "AWS API Call via CloudTrail": detail.eventName one of CHANGING_CALLS,
//   the secret in detail.requestParameters.secretId (name or ARN), the ARN also in
//   detail.responseElements.arn — or "aRN", the casing some calls used before February 2024;
// - aws.secretsmanager "AWS Service Event via CloudTrail": RotationSucceeded / RotationFailed
//   (RotationStarted and the rest are ignored), the secret in
//   detail.additionalEventData.SecretId, else resources[];
// - aws.ssm "Parameter Store Change": detail {name, operation, type}, operation one of
//   Create | Update | Delete | LabelParameterVersion.
import type { AwsService } from '../../api/types.js';

export type RotationOutcome = 'Succeeded' | 'Failed';

/** One remote secret changed (or its rotation ended). Names and ARNs only, never a value. */
export interface SecretChange {
  service: AwsService;
  /** EventBridge event id: the same event delivered twice has the same id. */
  id: string;
  account: string;
  region: string;
  /** When AWS says the change happened (`time`, second resolution). */
  time: Date;
  /** The metric/status label: `<source>/<detail-type>` shortened, e.g. `SecretLabelUpdated`. */
  type: string;
  /** `aws.secretsmanager` or `aws.ssm`. */
  source: string;
  /** Secret or parameter name, when the event names it (a CloudTrail secretId may be an ARN only). */
  name?: string;
  /** Secret or parameter ARN, when the event carries one. */
  arn?: string;
  /** Secrets Manager: the version the label moved to. */
  versionId?: string;
  /** Secrets Manager: the staging label that moved (Secret Label Updated). */
  label?: string;
  /** Parameter Store operation, or the CloudTrail eventName. */
  operation?: string;
  /** Rotation results (AWS Service Event via CloudTrail). */
  rotation?: RotationOutcome;
  /** The secret or parameter was deleted. */
  deleted?: boolean;
}

export type ParsedEvent =
  | { kind: 'change'; change: SecretChange }
  /** A well-formed event Rotor does not act on (another detail-type, RotationStarted, ...). */
  | { kind: 'ignored'; source: string; reason: string }
  /** Not an EventBridge event of a supported source, or a field of the wrong type. */
  | { kind: 'malformed'; source: string; reason: MalformedReason };

export type MalformedReason = 'not-json' | 'not-an-event' | 'unknown-source' | 'bad-field';

/** Secrets Manager API calls that change what a GetSecretValue returns (or whether it exists). */
const CHANGING_CALLS: ReadonlySet<string> = new Set(['PutSecretValue', 'UpdateSecret', 'UpdateSecretVersionStage', 'DeleteSecret', 'RestoreSecret', 'RotateSecret']);
const PARAMETER_OPERATIONS: ReadonlySet<string> = new Set(['Create', 'Update', 'Delete', 'LabelParameterVersion']);
/** Larger bodies are not events Rotor subscribes to (EventBridge's own limit is 256 KiB). */
const MAX_BODY_CHARS = 256 * 1024;

class Malformed extends Error {
  constructor(readonly reason: MalformedReason, detail: string) {
    super(detail);
  }
}

export function parseEvent(body: string): ParsedEvent {
  if (body.length > MAX_BODY_CHARS) return { kind: 'malformed', source: 'unknown', reason: 'not-an-event' };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: 'malformed', source: 'unknown', reason: 'not-json' };
  }
  if (!isObject(json) || typeof json['source'] !== 'string' || typeof json['detail-type'] !== 'string') {
    return { kind: 'malformed', source: 'unknown', reason: 'not-an-event' };
  }
  const source = json['source'];
  // The source becomes a metric label: only the two Rotor knows, never what a sender wrote.
  if (source !== 'aws.secretsmanager' && source !== 'aws.ssm') return { kind: 'malformed', source: 'other', reason: 'unknown-source' };
  try {
    return parseKnown(json, source);
  } catch (error) {
    if (error instanceof Malformed) return { kind: 'malformed', source, reason: error.reason };
    throw error;
  }
}

function parseKnown(event: Record<string, unknown>, source: 'aws.secretsmanager' | 'aws.ssm'): ParsedEvent {
  const detailType = event['detail-type'] as string;
  const envelope = {
    id: text(event, 'id'),
    account: accountOf(text(event, 'account')),
    region: regionOf(text(event, 'region')),
    time: timeOf(text(event, 'time')),
    source,
  };
  const resources = stringList(event, 'resources');
  const detail = object(event, 'detail');

  if (source === 'aws.ssm') {
    if (detailType !== 'Parameter Store Change') return { kind: 'ignored', source, reason: `detail-type ${detailType}` };
    const operation = text(detail, 'operation');
    if (!PARAMETER_OPERATIONS.has(operation)) return { kind: 'ignored', source, reason: `operation ${operation}` };
    const name = text(detail, 'name');
    const arn = resources.find((r) => r.startsWith('arn:') && r.includes(':parameter/'));
    return {
      kind: 'change',
      change: { ...envelope, service: 'ParameterStore', type: 'ParameterStoreChange', name, ...(arn ? { arn } : {}), operation, ...(operation === 'Delete' ? { deleted: true } : {}) },
    };
  }

  if (detailType === 'Secret Label Updated') {
    const name = text(detail, 'name');
    const arn = resources.find(isSecretArn);
    const label = optionalText(detail, 'labelUpdated');
    const versionId = optionalText(detail, 'versionId');
    return {
      kind: 'change',
      change: { ...envelope, service: 'SecretsManager', type: 'SecretLabelUpdated', name, ...(arn ? { arn } : {}), ...(label ? { label } : {}), ...(versionId ? { versionId } : {}) },
    };
  }
  if (detailType === 'AWS API Call via CloudTrail') {
    const eventName = text(detail, 'eventName');
    if (!CHANGING_CALLS.has(eventName)) return { kind: 'ignored', source, reason: `eventName ${eventName}` };
    // A call AWS refused changed nothing.
    if (detail['errorCode'] !== undefined && detail['errorCode'] !== null) return { kind: 'ignored', source, reason: `${eventName} failed` };
    const request = object(detail, 'requestParameters');
    const secretId = text(request, 'secretId');
    const response = isObject(detail['responseElements']) ? detail['responseElements'] : {};
    const responseArn = optionalText(response, 'arn') ?? optionalText(response, 'aRN');
    const versionId = optionalText(response, 'versionId');
    return {
      kind: 'change',
      change: {
        ...envelope,
        service: 'SecretsManager',
        type: eventName,
        ...secretRef(secretId, responseArn ?? resources.find(isSecretArn)),
        operation: eventName,
        ...(versionId ? { versionId } : {}),
        ...(eventName === 'DeleteSecret' ? { deleted: true } : {}),
      },
    };
  }
  if (detailType === 'AWS Service Event via CloudTrail') {
    const eventName = text(detail, 'eventName');
    if (eventName !== 'RotationSucceeded' && eventName !== 'RotationFailed') return { kind: 'ignored', source, reason: `eventName ${eventName}` };
    const additional = isObject(detail['additionalEventData']) ? detail['additionalEventData'] : {};
    const secretId = optionalText(additional, 'SecretId') ?? optionalText(additional, 'secretId') ?? resources.find(isSecretArn);
    if (secretId === undefined) throw new Malformed('bad-field', 'detail.additionalEventData.SecretId');
    return {
      kind: 'change',
      change: {
        ...envelope,
        service: 'SecretsManager',
        type: eventName,
        ...secretRef(secretId, resources.find(isSecretArn)),
        operation: eventName,
        rotation: eventName === 'RotationSucceeded' ? 'Succeeded' : 'Failed',
      },
    };
  }
  return { kind: 'ignored', source, reason: `detail-type ${detailType}` };
}

/** A CloudTrail secretId is a name or an ARN (full, or partial without the random suffix). */
function secretRef(secretId: string, arn: string | undefined): { name?: string; arn?: string } {
  if (secretId.startsWith('arn:')) {
    if (!isSecretArn(secretId)) throw new Malformed('bad-field', 'secretId');
    const full = arn && isSecretArn(arn) ? arn : secretId;
    return { arn: full, name: secretNameFromArn(full) };
  }
  return { name: secretId, ...(arn && isSecretArn(arn) ? { arn } : {}) };
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:(.+)$/i;
const PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter(\/.+)$/i;

function isSecretArn(value: string): boolean {
  return SECRET_ARN.test(value);
}

/**
 * The secret name inside an ARN. A full ARN ends in `-` and six random characters, which are
 * not part of the name; a partial ARN (no suffix) cannot be told apart from a name that ends
 * that way, so both forms are indexed by ARN too (see the event index).
 */
export function secretNameFromArn(arn: string): string | undefined {
  const m = SECRET_ARN.exec(arn);
  if (!m) return undefined;
  return m[1]!.replace(/-[A-Za-z0-9]{6}$/, '');
}

/** `/a/b` for `arn:...:parameter/a/b`, `a` for `arn:...:parameter/a` (AWS drops the name's leading slash). */
export function parameterNameFromArn(arn: string): string | undefined {
  const m = PARAMETER_ARN.exec(arn);
  if (!m) return undefined;
  const path = m[1]!;
  return path.indexOf('/', 1) > 0 ? path : path.slice(1);
}

/**
 * The parts of an ARN AWS compares without regard to case (partition, service, region are
 * lower case in practice; the account is digits), so an ARN written in another casing of
 * those parts still matches; the resource part keeps its case (secret names are case-sensitive).
 */
export function canonicalArn(arn: string): string {
  const parts = arn.split(':');
  if (parts.length < 6) return arn;
  const head = parts.slice(0, 5).map((p) => p.toLowerCase());
  return [...head, ...parts.slice(5)].join(':');
}

/** The account inside an ARN, or undefined. */
export function accountOfArn(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(from: Record<string, unknown>, field: string): string {
  const value = from[field];
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) throw new Malformed('bad-field', field);
  return value;
}

function optionalText(from: Record<string, unknown>, field: string): string | undefined {
  if (from[field] === undefined || from[field] === null) return undefined;
  return text(from, field);
}

function object(from: Record<string, unknown>, field: string): Record<string, unknown> {
  const value = from[field];
  if (!isObject(value)) throw new Malformed('bad-field', field);
  return value;
}

function stringList(from: Record<string, unknown>, field: string): string[] {
  const value = from[field];
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new Malformed('bad-field', field);
  return value as string[];
}

function accountOf(value: string): string {
  if (!/^\d{12}$/.test(value)) throw new Malformed('bad-field', 'account');
  return value;
}

function regionOf(value: string): string {
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(value)) throw new Malformed('bad-field', 'region');
  return value;
}

function timeOf(value: string): Date {
  const time = Date.parse(value);
  if (!Number.isFinite(time) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) throw new Malformed('bad-field', 'time');
  return new Date(time);
}
