// EventBridge event documents written from the shapes AWS documents (envelope; Secrets Manager
// native and CloudTrail events; Parameter Store Change), shared by the event tests.
export const ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbC123';

export const labelUpdated = (over: Record<string, unknown> = {}) => ({
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'Secret Label Updated',
  source: 'aws.secretsmanager',
  account: '111122223333',
  time: '2026-12-06T12:00:05Z',
  region: 'eu-west-1',
  resources: [ARN],
  detail: { name: 'prod/db', labelUpdated: 'AWSCURRENT', versionId: 'e2a6c1a5-0000-4a8c-9d6e-3b8f1c2d4e5f' },
  ...over,
});

export const cloudTrailCall = (eventName: string, requestParameters: Record<string, unknown>, responseElements: unknown = null, extra: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'b2a5c2e1-1111-2222-3333-444455556666',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.secretsmanager',
  account: '111122223333',
  time: '2026-12-06T12:01:00Z',
  region: 'eu-west-1',
  resources: [],
  detail: {
    eventVersion: '1.08',
    userIdentity: { type: 'AssumedRole', principalId: 'AROAEXAMPLE:ci', arn: 'arn:aws:sts::111122223333:assumed-role/ci/ci', accountId: '111122223333' },
    eventTime: '2026-12-06T12:01:00Z',
    eventSource: 'secretsmanager.amazonaws.com',
    eventName,
    awsRegion: 'eu-west-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0',
    requestParameters,
    responseElements,
    requestID: '0d4b1f38-aaaa-bbbb-cccc-7e2f9a0c1d2e',
    eventID: '5c0e9d2a-dddd-eeee-ffff-0a1b2c3d4e5f',
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '111122223333',
    eventCategory: 'Management',
    ...extra,
  },
});

export const serviceEvent = (eventName: string, additionalEventData: Record<string, unknown> | undefined, resources: string[] = []) => ({
  version: '0',
  id: 'c3d4e5f6-7777-8888-9999-000011112222',
  'detail-type': 'AWS Service Event via CloudTrail',
  source: 'aws.secretsmanager',
  account: '111122223333',
  time: '2026-12-06T12:02:00Z',
  region: 'eu-west-1',
  resources,
  detail: {
    eventVersion: '1.08',
    userIdentity: { accountId: '111122223333', invokedBy: 'secretsmanager.amazonaws.com' },
    eventTime: '2026-12-06T12:02:00Z',
    eventSource: 'secretsmanager.amazonaws.com',
    eventName,
    awsRegion: 'eu-west-1',
    sourceIPAddress: 'secretsmanager.amazonaws.com',
    userAgent: 'secretsmanager.amazonaws.com',
    requestParameters: null,
    responseElements: null,
    ...(additionalEventData ? { additionalEventData } : {}),
    requestID: 'f0e1d2c3-0000-1111-2222-333344445555',
    eventID: 'a9b8c7d6-0000-1111-2222-333344445555',
    readOnly: false,
    eventType: 'AwsServiceEvent',
    managementEvent: true,
    recipientAccountId: '111122223333',
    serviceEventDetails: null,
    eventCategory: 'Management',
  },
});

export const parameterChange = (operation: string, name = '/prod/api/key', over: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'd4e5f6a7-3333-4444-5555-666677778888',
  'detail-type': 'Parameter Store Change',
  source: 'aws.ssm',
  account: '111122223333',
  time: '2026-12-06T12:03:00Z',
  region: 'us-east-1',
  resources: [`arn:aws:ssm:us-east-1:111122223333:parameter${name.startsWith('/') ? name : `/${name}`}`],
  detail: { operation, name, type: 'SecureString', description: 'api key' },
  ...over,
});

