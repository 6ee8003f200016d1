// The event queue's I/O: one SQS queue read with the operator's own identity, through the
// shared client factory (aws/clients.ts: body cap, deadlines, every call counted in
// rotor_aws_api_calls_total{service="SQS"}). The consumer (consumer.ts) sees only the
// EventQueue port, so its loop is unit-tested with an in-memory queue.
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { AwsClientFactory } from '../clients.js';
import type { EventQueueSpec } from './queue-spec.js';
import { sqsEndpoint } from './queue-spec.js';

export interface QueueMessage {
  body: string;
  receiptHandle: string;
  /** How many times SQS has handed this message out (ApproximateReceiveCount); 1 the first time. */
  receiveCount: number;
}

/** What the consumer needs of a queue. */
export interface EventQueue {
  /** Checks the queue exists and may be read (GetQueueAttributes). Throws the SDK error. */
  check(signal: AbortSignal): Promise<void>;
  /**
   * One poll for at most `max` messages: waits up to `waitSeconds` (default the long-poll time);
   * 0 answers at once.
   */
  receive(max: number, signal: AbortSignal, waitSeconds?: number): Promise<QueueMessage[]>;
  delete(receiptHandle: string): Promise<void>;
}

/** SQS's longest long poll: the fewest calls on an idle queue (3 per minute). */
export const LONG_POLL_SECONDS = 20;

/**
 * The visibility timeout asked for on every receive, whatever the queue's own setting. SQS may
 * hand a message to a long poll whose consumer has just died (a crashed or replaced leader: the
 * server does not notice the closed connection); the message then stays hidden for this long
 * before the next leader gets it. Handling a message takes milliseconds (parse, route, queue,
 * delete), so a short timeout costs at most a duplicate, which the router drops by event id.
 */
export const RECEIVE_VISIBILITY_SECONDS = 5;

export class SqsEventQueue implements EventQueue {
  private readonly client;

  constructor(
    private readonly spec: EventQueueSpec,
    clients: AwsClientFactory,
    env: Record<string, string | undefined> = process.env,
  ) {
    // No credentials given: the SDK's default chain, i.e. the operator's own identity (IRSA,
    // Pod Identity, instance role). The identity key keeps it apart from every store's clients.
    this.client = clients.sqs({ region: spec.region, endpoint: sqsEndpoint(spec, env), identityKey: 'operator-events' }, LONG_POLL_SECONDS * 1000);
  }

  async check(signal: AbortSignal): Promise<void> {
    await this.client.send(new GetQueueAttributesCommand({ QueueUrl: this.spec.url, AttributeNames: ['QueueArn'] }), { abortSignal: signal });
  }

  async receive(max: number, signal: AbortSignal, waitSeconds = LONG_POLL_SECONDS): Promise<QueueMessage[]> {
    const out = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.spec.url,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        VisibilityTimeout: RECEIVE_VISIBILITY_SECONDS,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
      { abortSignal: signal },
    );
    return (out.Messages ?? []).flatMap((m) =>
      m.ReceiptHandle !== undefined ? [{ body: m.Body ?? '', receiptHandle: m.ReceiptHandle, receiveCount: receiveCountOf(m.Attributes) }] : [],
    );
  }

  async delete(receiptHandle: string): Promise<void> {
    // One DeleteMessage per message (not the batch call): its IAM action is the one docs/iam grants.
    await this.client.send(new DeleteMessageCommand({ QueueUrl: this.spec.url, ReceiptHandle: receiptHandle }));
  }
}

/** ApproximateReceiveCount as a number; 1 when SQS did not say (the first delivery). */
function receiveCountOf(attributes: Partial<Record<string, string>> | undefined): number {
  const count = Number(attributes?.['ApproximateReceiveCount']);
  return Number.isInteger(count) && count >= 1 ? count : 1;
}
