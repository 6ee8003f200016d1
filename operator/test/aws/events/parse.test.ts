// The event parser against event documents written from the shapes AWS documents (EventBridge
// envelope; Secrets Manager native and CloudTrail events; Parameter Store Change).
import { describe, expect, it } from 'vitest';
import { accountOfArn, canonicalArn, parameterNameFromArn, parseEvent, secretNameFromArn } from '../../../src/aws/events/parse.js';

import { ARN, cloudTrailCall, labelUpdated, parameterChange, serviceEvent } from './fixtures.js';

const parse = (event: unknown) => parseEvent(JSON.stringify(event));

describe('parseEvent: Secrets Manager', () => {
  it('Secret Label Updated: name, ARN, label, version, account, region and time', () => {
    expect(parse(labelUpdated())).toEqual({
      kind: 'change',
      change: {
        service: 'SecretsManager',
        id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
        account: '111122223333',
        region: 'eu-west-1',
        time: new Date('2026-12-06T12:00:05Z'),
        type: 'SecretLabelUpdated',
        source: 'aws.secretsmanager',
        name: 'prod/db',
        arn: ARN,
        label: 'AWSCURRENT',
        versionId: 'e2a6c1a5-0000-4a8c-9d6e-3b8f1c2d4e5f',
      },
    });
  });

  it('PutSecretValue by name: the ARN comes from responseElements', () => {
    const parsed = parse(cloudTrailCall('PutSecretValue', { secretId: 'prod/db', clientRequestToken: 'x' }, { arn: ARN, versionId: 'v2', versionStages: ['AWSCURRENT'] }));
    expect(parsed).toMatchObject({ kind: 'change', change: { type: 'PutSecretValue', name: 'prod/db', arn: ARN, versionId: 'v2', operation: 'PutSecretValue' } });
  });

  it('UpdateSecretVersionStage with the older "aRN" casing in responseElements', () => {
    const parsed = parse(cloudTrailCall('UpdateSecretVersionStage', { secretId: 'prod/db', versionStage: 'blue', moveToVersionId: 'v3' }, { aRN: ARN, name: 'prod/db' }));
    expect(parsed).toMatchObject({ kind: 'change', change: { name: 'prod/db', arn: ARN } });
  });

  it('DeleteSecret by ARN: the name is the ARN without its random suffix, and it is a delete', () => {
    const parsed = parse(cloudTrailCall('DeleteSecret', { secretId: ARN, recoveryWindowInDays: 7 }, { arn: ARN, deletionDate: 'Dec 13, 2026 12:01:00 PM' }));
    expect(parsed).toMatchObject({ kind: 'change', change: { name: 'prod/db', arn: ARN, deleted: true } });
  });

  it('RestoreSecret, UpdateSecret and RotateSecret are changes', () => {
    for (const call of ['RestoreSecret', 'UpdateSecret', 'RotateSecret']) {
      expect(parse(cloudTrailCall(call, { secretId: 'prod/db' }, { arn: ARN })).kind, call).toBe('change');
    }
  });

  it('calls that change no value (GetSecretValue, TagResource) and failed calls are ignored', () => {
    expect(parse(cloudTrailCall('GetSecretValue', { secretId: 'prod/db' }))).toMatchObject({ kind: 'ignored', source: 'aws.secretsmanager' });
    expect(parse(cloudTrailCall('TagResource', { secretId: 'prod/db' }))).toMatchObject({ kind: 'ignored' });
    expect(parse(cloudTrailCall('PutSecretValue', { secretId: 'prod/db' }, null, { errorCode: 'AccessDenied', errorMessage: 'no' }))).toMatchObject({ kind: 'ignored' });
  });

  it('RotationFailed and RotationSucceeded carry the outcome; the secret comes from additionalEventData.SecretId', () => {
    expect(parse(serviceEvent('RotationFailed', { SecretId: ARN }))).toMatchObject({ kind: 'change', change: { type: 'RotationFailed', rotation: 'Failed', name: 'prod/db', arn: ARN } });
    expect(parse(serviceEvent('RotationSucceeded', { SecretId: ARN }))).toMatchObject({ kind: 'change', change: { rotation: 'Succeeded', arn: ARN } });
  });

  it('a rotation event without additionalEventData falls back to resources; without either it is malformed', () => {
    expect(parse(serviceEvent('RotationFailed', undefined, [ARN]))).toMatchObject({ kind: 'change', change: { arn: ARN } });
    expect(parse(serviceEvent('RotationFailed', undefined))).toEqual({ kind: 'malformed', source: 'aws.secretsmanager', reason: 'bad-field' });
  });

  it('RotationStarted and other service events are ignored', () => {
    expect(parse(serviceEvent('RotationStarted', { SecretId: ARN }))).toMatchObject({ kind: 'ignored' });
    expect(parse(serviceEvent('RotationAbandoned', { SecretId: ARN }))).toMatchObject({ kind: 'ignored' });
  });
});

describe('parseEvent: Parameter Store', () => {
  it('Parameter Store Change: name, ARN and operation', () => {
    expect(parse(parameterChange('Update'))).toMatchObject({
      kind: 'change',
      change: { service: 'ParameterStore', type: 'ParameterStoreChange', name: '/prod/api/key', arn: 'arn:aws:ssm:us-east-1:111122223333:parameter/prod/api/key', operation: 'Update', region: 'us-east-1' },
    });
  });

  it('Delete is a delete; LabelParameterVersion and Create are changes; other operations are ignored', () => {
    expect(parse(parameterChange('Delete'))).toMatchObject({ kind: 'change', change: { deleted: true } });
    expect(parse(parameterChange('LabelParameterVersion')).kind).toBe('change');
    expect(parse(parameterChange('Create')).kind).toBe('change');
    expect(parse(parameterChange('Rename'))).toMatchObject({ kind: 'ignored', source: 'aws.ssm' });
    expect(parse({ ...parameterChange('Update'), 'detail-type': 'Parameter Store Policy Action' })).toMatchObject({ kind: 'ignored' });
  });
});

describe('parseEvent: strict', () => {
  it('not JSON, not an object, no source or detail-type', () => {
    expect(parseEvent('{')).toEqual({ kind: 'malformed', source: 'unknown', reason: 'not-json' });
    expect(parseEvent('[1]')).toEqual({ kind: 'malformed', source: 'unknown', reason: 'not-an-event' });
    expect(parse({ detail: {} })).toEqual({ kind: 'malformed', source: 'unknown', reason: 'not-an-event' });
  });

  it('a foreign source is malformed and its name never becomes a label', () => {
    expect(parse({ ...labelUpdated(), source: 'com.example.tenant' })).toEqual({ kind: 'malformed', source: 'other', reason: 'unknown-source' });
  });

  it.each([
    ['account', { account: 'x' }],
    ['region', { region: 'Not A Region' }],
    ['time', { time: 'yesterday' }],
    ['id', { id: 7 }],
    ['resources', { resources: 'arn' }],
    ['detail', { detail: 'x' }],
    ['detail.name', { detail: { labelUpdated: 'AWSCURRENT' } }],
  ])('a wrong %s is malformed, not a crash', (_field, over) => {
    expect(parse(labelUpdated(over))).toEqual({ kind: 'malformed', source: 'aws.secretsmanager', reason: 'bad-field' });
  });

  it('a secretId that is an ARN of something else is malformed', () => {
    expect(parse(cloudTrailCall('PutSecretValue', { secretId: 'arn:aws:iam::111122223333:role/x' }))).toMatchObject({ kind: 'malformed', reason: 'bad-field' });
  });

  it('an oversized body is refused before parsing', () => {
    expect(parseEvent(' '.repeat(300 * 1024))).toMatchObject({ kind: 'malformed', reason: 'not-an-event' });
  });
});

describe('ARN helpers', () => {
  it('secret names from full and partial ARNs', () => {
    expect(secretNameFromArn(ARN)).toBe('prod/db');
    expect(secretNameFromArn('arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db')).toBe('prod/db');
    expect(secretNameFromArn('arn:aws:ssm:eu-west-1:111122223333:parameter/x')).toBeUndefined();
  });

  it('parameter names: a leading slash is kept for paths, not for plain names', () => {
    expect(parameterNameFromArn('arn:aws:ssm:us-east-1:111122223333:parameter/prod/api/key')).toBe('/prod/api/key');
    expect(parameterNameFromArn('arn:aws:ssm:us-east-1:111122223333:parameter/plain')).toBe('plain');
  });

  it('canonical ARNs ignore the case of partition, service and region, not of the name', () => {
    expect(canonicalArn('ARN:AWS:SecretsManager:EU-WEST-1:111122223333:secret:Prod/DB-AbC123')).toBe('arn:aws:secretsmanager:eu-west-1:111122223333:secret:Prod/DB-AbC123');
    expect(accountOfArn(ARN)).toBe('111122223333');
  });
});
