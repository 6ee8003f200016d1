import { DecryptionFailure, InternalServiceError, InvalidRequestException, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { ParameterNotFound, ParameterVersionNotFound } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { ES_REASON } from '../../src/api/types.js';
import { classifyAwsError, isAuthorizationDenial, readContext, toProviderError, type AwsErrorContext } from '../../src/aws/errors.js';
import { ProviderError } from '../../src/api/provider.js';
import { awsError, networkError } from './helpers.js';

const sm: AwsErrorContext = { service: 'SecretsManager', key: 'prod/db', region: 'eu-west-1', operation: 'GetSecretValue' };
const ssm: AwsErrorContext = { service: 'ParameterStore', key: '/prod/db/password', region: 'us-east-1', operation: 'GetParameter' };
const meta = { $metadata: { httpStatusCode: 400 } };

interface Row {
  name: string;
  error: unknown;
  ctx: AwsErrorContext;
  reason: string;
  retryable?: boolean;
  unavailable?: boolean;
  notFound?: boolean;
  includes: string[];
}

const rows: Row[] = [
  // not found
  {
    name: 'ResourceNotFoundException',
    error: new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", ...meta }),
    ctx: sm,
    reason: ES_REASON.SecretMissing,
    notFound: true,
    includes: ['secret prod/db not found in region eu-west-1'],
  },
  {
    name: 'ResourceNotFoundException with version',
    error: new ResourceNotFoundException({ message: 'no such version', ...meta }),
    ctx: { ...sm, version: 'AWSPREVIOUS' },
    reason: ES_REASON.SecretMissing,
    notFound: true,
    includes: ['secret prod/db (version AWSPREVIOUS) not found in region eu-west-1', 'remoteRef.version'],
  },
  {
    name: 'ParameterNotFound',
    error: new ParameterNotFound({ message: '', ...meta }),
    ctx: ssm,
    reason: ES_REASON.SecretMissing,
    notFound: true,
    includes: ['parameter /prod/db/password not found in region us-east-1'],
  },
  {
    name: 'ParameterVersionNotFound',
    error: new ParameterVersionNotFound({ message: '', ...meta }),
    ctx: { ...ssm, version: '7' },
    reason: ES_REASON.SecretMissing,
    notFound: true,
    includes: ['parameter /prod/db/password (version 7) not found'],
  },
  // access denied, naming the IAM action
  {
    name: 'AccessDeniedException on GetSecretValue',
    error: awsError('AccessDeniedException', 'User: arn:aws:sts::1:assumed-role/app/s is not authorized to perform: secretsmanager:GetSecretValue'),
    ctx: sm,
    reason: ES_REASON.AccessDenied,
    includes: ['needs secretsmanager:GetSecretValue on secret prod/db in region eu-west-1', 'assumed-role/app'],
  },
  {
    name: 'AccessDenied on GetParameters',
    error: awsError('AccessDeniedException', 'not authorized'),
    ctx: { ...ssm, operation: 'GetParameters' },
    reason: ES_REASON.AccessDenied,
    includes: ['ssm:GetParameters'],
  },
  {
    name: 'AccessDenied on GetParametersByPath',
    error: awsError('AccessDeniedException'),
    ctx: { ...ssm, operation: 'GetParametersByPath' },
    reason: ES_REASON.AccessDenied,
    includes: ['ssm:GetParametersByPath'],
  },
  {
    name: 'AccessDenied on BatchGetSecretValue',
    error: awsError('AccessDeniedException'),
    ctx: { service: 'SecretsManager', region: 'eu-west-1', operation: 'BatchGetSecretValue' },
    reason: ES_REASON.AccessDenied,
    includes: ['secretsmanager:BatchGetSecretValue', 'secretsmanager:GetSecretValue on each secret'],
  },
  {
    name: 'AccessDenied on ListSecrets',
    error: awsError('AccessDeniedException'),
    ctx: { service: 'SecretsManager', region: 'eu-west-1', operation: 'ListSecrets' },
    reason: ES_REASON.AccessDenied,
    includes: ['secretsmanager:ListSecrets'],
  },
  {
    name: 'STS AccessDenied on AssumeRole with hint',
    error: awsError('AccessDenied', 'not authorized to perform sts:AssumeRole', 403),
    ctx: { service: 'STS', key: 'arn:aws:iam::1:role/x', region: 'eu-west-1', operation: 'AssumeRole', hint: 'Check the trust policy.' },
    reason: ES_REASON.AccessDenied,
    includes: ['sts:AssumeRole on role arn:aws:iam::1:role/x', 'Check the trust policy.'],
  },
  {
    name: 'STS AssumeRoleWithWebIdentity denied',
    error: awsError('AccessDenied', '', 403),
    ctx: { service: 'STS', key: 'arn:aws:iam::1:role/x', region: 'eu-west-1', operation: 'AssumeRoleWithWebIdentity' },
    reason: ES_REASON.AccessDenied,
    includes: ['sts:AssumeRoleWithWebIdentity'],
  },
  {
    name: 'UnrecognizedClientException',
    error: awsError('UnrecognizedClientException', 'The security token included in the request is invalid.'),
    ctx: sm,
    reason: ES_REASON.AccessDenied,
    includes: ['rejected the store\'s credentials', 'secretsmanager:GetSecretValue', 'spec.provider.aws.auth'],
  },
  { name: 'ExpiredToken', error: awsError('ExpiredToken'), ctx: sm, reason: ES_REASON.AccessDenied, includes: ['ExpiredToken'] },
  { name: 'InvalidClientTokenId', error: awsError('InvalidClientTokenId', '', 403), ctx: { ...sm, service: 'STS', operation: 'AssumeRole' }, reason: ES_REASON.AccessDenied, includes: ['sts:AssumeRole'] },
  // KMS
  {
    name: 'AccessDenied mentioning kms:Decrypt',
    error: awsError('AccessDeniedException', 'Access to KMS is not allowed: not authorized to perform kms:Decrypt'),
    ctx: sm,
    reason: ES_REASON.AccessDenied,
    includes: ["the role needs kms:Decrypt on the secret's KMS key", 'prod/db'],
  },
  {
    name: 'DecryptionFailure',
    error: new DecryptionFailure({ message: 'Secrets Manager can’t decrypt the protected secret text using the provided KMS key.', ...meta }),
    ctx: sm,
    reason: ES_REASON.AccessDenied,
    includes: ["the role needs kms:Decrypt on the secret's KMS key"],
  },
  {
    name: 'KMS* error from SSM',
    error: awsError('KMSAccessDeniedException', 'no access'),
    ctx: ssm,
    reason: ES_REASON.AccessDenied,
    includes: ['kms:Decrypt'],
  },
  // throttling
  ...['ThrottlingException', 'TooManyRequestsException', 'Throttling', 'RequestLimitExceeded'].map(
    (name): Row => ({ name, error: awsError(name, 'Rate exceeded'), ctx: sm, reason: ES_REASON.Throttled, retryable: true, includes: ['throttled', 'prod/db'] }),
  ),
  // server side
  {
    name: 'InternalServiceError',
    error: new InternalServiceError({ message: 'oops', $metadata: { httpStatusCode: 500 } }),
    ctx: sm,
    reason: ES_REASON.ProviderUnavailable,
    retryable: true,
    unavailable: true,
    includes: ['eu-west-1 is unavailable', 'HTTP 500'],
  },
  {
    name: 'HTTP 503 ServiceUnavailable',
    error: awsError('ServiceUnavailable', '', 503),
    ctx: sm,
    reason: ES_REASON.ProviderUnavailable,
    retryable: true,
    unavailable: true,
    includes: ['HTTP 503'],
  },
  {
    name: 'unmodelled 502',
    error: awsError('Unknown', 'bad gateway', 502),
    ctx: ssm,
    reason: ES_REASON.ProviderUnavailable,
    retryable: true,
    unavailable: true,
    includes: ['SSM Parameter Store in region us-east-1 is unavailable'],
  },
  // network
  ...['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET'].map(
    (code): Row => ({
      name: code,
      error: networkError(code),
      ctx: { ...sm, endpoint: 'http://localhost:4566' },
      reason: ES_REASON.ProviderUnavailable,
      retryable: true,
      unavailable: true,
      includes: ['endpoint http://localhost:4566 in region eu-west-1 is unreachable', code],
    }),
  ),
  {
    name: 'AggregateError ECONNREFUSED (happy eyeballs)',
    error: new AggregateError([networkError('ECONNREFUSED'), networkError('ECONNREFUSED')], ''),
    ctx: sm,
    reason: ES_REASON.ProviderUnavailable,
    retryable: true,
    unavailable: true,
    includes: ['the regional endpoint in region eu-west-1 is unreachable (ECONNREFUSED)'],
  },
  {
    name: 'TimeoutError',
    error: Object.assign(new Error('request timed out'), { name: 'TimeoutError' }),
    ctx: sm,
    reason: ES_REASON.ProviderUnavailable,
    retryable: true,
    unavailable: true,
    includes: ['unreachable (timed out)'],
  },
  {
    name: 'socket hang up',
    error: new Error('socket hang up'),
    ctx: sm,
    reason: ES_REASON.ProviderUnavailable,
    retryable: true,
    unavailable: true,
    includes: ['unreachable'],
  },
  // invalid input
  {
    name: 'secret marked for deletion',
    error: new InvalidRequestException({
      message: "You can't perform this operation on the secret because it was marked for deletion.",
      ...meta,
    }),
    ctx: sm,
    reason: ES_REASON.SecretMissing,
    notFound: true,
    includes: ['prod/db', 'scheduled for deletion', 'restore-secret --secret-id prod/db'],
  },
  {
    name: 'ValidationException',
    error: awsError('ValidationException', 'Parameter name: can\'t be prefixed with "aws"'),
    ctx: ssm,
    reason: ES_REASON.InvalidSpec,
    includes: ['rejected GetParameter for parameter /prod/db/password', 'check the key name'],
  },
  {
    name: 'credential chain empty',
    error: Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
    ctx: { service: 'STS', region: 'eu-west-1', operation: 'ResolveCredentials' },
    reason: ES_REASON.AccessDenied,
    retryable: true,
    includes: ['no AWS credentials available', 'Pod Identity'],
  },
];

describe('toProviderError', () => {
  it.each(rows)('$name', (row) => {
    const mapped = toProviderError(row.error, row.ctx);
    expect(mapped).toBeInstanceOf(ProviderError);
    expect(mapped.reason).toBe(row.reason);
    expect(mapped.retryable).toBe(row.retryable ?? false);
    expect(mapped.unavailable).toBe(row.unavailable ?? false);
    expect(mapped.notFound).toBe(row.notFound ?? false);
    for (const text of row.includes) expect(mapped.message).toContain(text);
    expect(mapped.cause).toBe(row.error);
  });

  it('passes a ProviderError through unchanged', () => {
    const original = new ProviderError(ES_REASON.InvalidSpec, 'bad');
    expect(toProviderError(original, sm)).toBe(original);
  });

  it('keeps the AWS code for callers to branch on', () => {
    expect(toProviderError(awsError('AccessDeniedException'), sm).code).toBe('AccessDeniedException');
    expect(toProviderError(networkError('ECONNREFUSED'), sm).code).toBe('ECONNREFUSED');
  });

  it('tells authorization denials apart from rejected credentials', () => {
    expect(isAuthorizationDenial(toProviderError(awsError('AccessDeniedException'), sm))).toBe(true);
    expect(isAuthorizationDenial(toProviderError(awsError('UnrecognizedClientException'), sm))).toBe(false);
    expect(isAuthorizationDenial(toProviderError(networkError('ECONNREFUSED'), sm))).toBe(false);
  });

  it('bounds long AWS messages', () => {
    const mapped = toProviderError(awsError('AccessDeniedException', 'x'.repeat(5000)), sm);
    expect(mapped.message.length).toBeLessThan(600);
  });

  it('maps unknown client errors to InvalidSpec and unknown failures to a retryable error', () => {
    expect(toProviderError(awsError('SomethingNew', 'odd', 409), sm).reason).toBe(ES_REASON.InvalidSpec);
    const unknown = toProviderError(new TypeError('boom'), sm);
    expect(unknown.reason).toBe(ES_REASON.SecretSyncedError);
    expect(unknown.retryable).toBe(true);
  });
});

describe('classifyAwsError (the error metric labels)', () => {
  it.each([
    [awsError('ThrottlingException', 'Rate exceeded'), { code: 'ThrottlingException', class: 'throttled' }],
    // An endpoint chooses its error codes: unknown ones become `other`, so the label set stays bounded.
    [awsError('SomethingElse', '', 429), { code: 'other', class: 'throttled' }],
    [awsError('x'.repeat(200), '', 400), { code: 'other', class: 'client' }],
    [awsError('InternalServiceError', '', 500), { code: 'InternalServiceError', class: 'server' }],
    [awsError('ServiceUnavailable', '', 503), { code: 'ServiceUnavailable', class: 'server' }],
    [networkError('ECONNREFUSED'), { code: 'ECONNREFUSED', class: 'network' }],
    [awsError('AccessDeniedException', 'not authorized'), { code: 'AccessDeniedException', class: 'auth' }],
    [awsError('ExpiredTokenException'), { code: 'ExpiredTokenException', class: 'auth' }],
    [awsError('ResourceNotFoundException'), { code: 'ResourceNotFoundException', class: 'client' }],
  ])('%s -> %o', (error, expected) => {
    expect(classifyAwsError(error)).toEqual(expected);
  });
});

describe('readContext', () => {
  it('names the service, operation and region; the endpoint, key and version only when there is one', () => {
    expect(readContext('SecretsManager', { region: 'eu-west-1' }, 'ListSecrets')).toEqual({ service: 'SecretsManager', operation: 'ListSecrets', region: 'eu-west-1' });
    expect(readContext('ParameterStore', { region: 'us-east-1', endpoint: 'http://127.0.0.1:4566' }, 'GetParameter', { key: '/app/db', version: '3' })).toEqual({
      service: 'ParameterStore',
      operation: 'GetParameter',
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:4566',
      key: '/app/db',
      version: '3',
    });
    expect(readContext('SecretsManager', { region: 'r', endpoint: undefined }, 'GetSecretValue', { key: 'db' })).toEqual({ service: 'SecretsManager', operation: 'GetSecretValue', region: 'r', key: 'db' });
  });
});
