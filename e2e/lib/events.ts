// The event path of event-driven refresh on the test bed (docs/events.md, issue #16): the bed's
// SQS queue and EventBridge rule (e2e/testbed/events-queue.sh), events of the exact shapes AWS
// sends, put on LocalStack's default bus, and messages put straight on the queue.
//
// LocalStack 4.14 emits Parameter Store Change itself but no Secrets Manager event at all
// (docs/events.md "LocalStack and the test bed"), so Secrets Manager events are put on the bus by the tests, in
// the shapes AWS documents; the bus accepts `aws.*` sources (real AWS refuses them), so they
// travel the real rule → queue path.
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { bedEnv, run } from './cli.js';
import { samples } from './metrics.js';

export const ACCOUNT = '000000000000';
export const REGION = 'us-east-1';
const eventsQueueScript = resolve(import.meta.dirname, '../testbed/events-queue.sh');

function endpoint(): string {
  const url = bedEnv().AWS_ENDPOINT_URL;
  if (!url) throw new Error('no AWS_ENDPOINT_URL in the test bed environment');
  return url;
}

function sqsClient(): SQSClient {
  const env = bedEnv();
  return new SQSClient({
    endpoint: endpoint(),
    region: REGION,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'test' },
  });
}

/** The bed's queue URL, or undefined when this bed has none (kind, or ROTOR_E2E_EVENTS=0). */
export async function bedQueueUrl(): Promise<string | undefined> {
  const r = await run('bash', [eventsQueueScript, 'url'], { allowFail: true });
  return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

/** Deletes or re-creates the bed's queue and rule (the queue-deleted test). */
export async function bedQueue(action: 'delete' | 'ensure'): Promise<void> {
  await run('bash', [eventsQueueScript, action]);
}

/** One EventBridge entry as PutEvents takes it. */
export interface BusEntry {
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  resources?: string[];
  time?: Date;
}

/**
 * PutEvents on the default bus, over HTTP with the JSON protocol (no EventBridge client is a
 * dependency; LocalStack checks no signature, the credential scope only names region and
 * service). Returns when the bus accepted the entries.
 */
export async function putEvents(entries: BusEntry[]): Promise<void> {
  const now = new Date();
  const date = now.toISOString().slice(0, 10).replace(/-/g, '');
  const res = await fetch(endpoint(), {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': 'AWSEvents.PutEvents',
      Authorization: `AWS4-HMAC-SHA256 Credential=test/${date}/${REGION}/events/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify({
      Entries: entries.map((e) => ({
        Source: e.source,
        DetailType: e.detailType,
        Detail: JSON.stringify(e.detail),
        Resources: e.resources ?? [],
        ...(e.time ? { Time: e.time.getTime() / 1000 } : {}),
      })),
    }),
  });
  const body = (await res.json()) as { FailedEntryCount?: number; Entries?: unknown[] };
  if (!res.ok || body.FailedEntryCount) throw new Error(`PutEvents failed (${res.status}): ${JSON.stringify(body)}`);
}

/** `Secret Label Updated`, as Secrets Manager sends it when a staging label moves (AWSCURRENT on put-secret-value). */
export function secretLabelUpdated(name: string, arn: string, versionId: string, label = 'AWSCURRENT'): BusEntry {
  return { source: 'aws.secretsmanager', detailType: 'Secret Label Updated', resources: [arn], detail: { name, labelUpdated: label, versionId } };
}

/** `AWS API Call via CloudTrail` for a Secrets Manager call (DeleteSecret, PutSecretValue, ...). */
export function cloudTrailCall(eventName: string, secretId: string, arn: string): BusEntry {
  return {
    source: 'aws.secretsmanager',
    detailType: 'AWS API Call via CloudTrail',
    detail: {
      eventVersion: '1.09',
      userIdentity: { type: 'AssumedRole', accountId: ACCOUNT },
      eventTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      eventSource: 'secretsmanager.amazonaws.com',
      eventName,
      awsRegion: REGION,
      requestParameters: { secretId },
      responseElements: eventName === 'DeleteSecret' ? { arn, name: secretId, deletionDate: new Date().toISOString() } : { arn },
      requestID: randomUUID(),
      eventID: randomUUID(),
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
    },
  };
}

/** `AWS Service Event via CloudTrail` for a rotation result (RotationSucceeded / RotationFailed). */
export function rotationResult(eventName: 'RotationSucceeded' | 'RotationFailed', arn: string): BusEntry {
  return {
    source: 'aws.secretsmanager',
    detailType: 'AWS Service Event via CloudTrail',
    resources: [],
    detail: {
      eventVersion: '1.08',
      userIdentity: { accountId: ACCOUNT, invokedBy: 'secretsmanager.amazonaws.com' },
      eventTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      eventSource: 'secretsmanager.amazonaws.com',
      eventName,
      awsRegion: REGION,
      requestParameters: null,
      responseElements: null,
      additionalEventData: { SecretId: arn },
      requestID: randomUUID(),
      eventID: randomUUID(),
      readOnly: false,
      eventType: 'AwsServiceEvent',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
    },
  };
}

/** The body EventBridge puts on the queue for an entry (the envelope it adds), for direct sends. */
export function deliveredBody(entry: BusEntry, id = randomUUID()): string {
  return JSON.stringify({
    version: '0',
    id,
    'detail-type': entry.detailType,
    source: entry.source,
    account: ACCOUNT,
    time: (entry.time ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z'),
    region: REGION,
    resources: entry.resources ?? [],
    detail: entry.detail,
  });
}

/** Puts a raw message on the queue (what EventBridge would deliver, or anything else). */
export async function sendToQueue(queueUrl: string, body: string): Promise<void> {
  const client = sqsClient();
  try {
    await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  } finally {
    client.destroy();
  }
}

/** Messages waiting plus messages received and not yet deleted (in flight). */
export async function queueDepth(queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const client = sqsClient();
  try {
    const out = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return { visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0), inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) };
  } finally {
    client.destroy();
  }
}

/** Sum of a metric's samples whose labels match. */
export async function counter(name: string, match: (labels: Record<string, string>) => boolean = () => true): Promise<number> {
  return (await samples(name)).filter((s) => match(s.labels)).reduce((sum, s) => sum + s.value, 0);
}
