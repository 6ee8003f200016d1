// The SDK-backed queue against a loopback endpoint speaking SQS's JSON protocol, at a queue URL
// of the form LocalStack returns (http://127.0.0.1:<port>/000000000000/<name>): calls go to the
// URL's origin, are counted by the shared client factory, and a long poll outlives the usual
// per-call deadline while a silent endpoint still hits one.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsClientFactory, type AwsApiCall } from '../../../src/aws/clients.js';
import { SqsEventQueue } from '../../../src/aws/events/sqs-queue.js';
import { parseEventQueue } from '../../../src/aws/events/queue-spec.js';
import { LocalEndpoint } from '../local-endpoint.js';

let endpoint: LocalEndpoint | undefined;
beforeEach(() => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  vi.stubEnv('AWS_ENDPOINT_URL', '');
  vi.stubEnv('AWS_ENDPOINT_URL_SQS', '');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await endpoint?.close();
  endpoint = undefined;
});

const BODY = '{"source":"aws.ssm"}';

const sqsJson = (res: import('node:http').ServerResponse, body: unknown) => {
  res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'req-1' });
  res.end(JSON.stringify(body));
};

describe('SqsEventQueue', () => {
  it('checks, receives (20 s wait, batch of 10, a 5 s visibility timeout, the receive count) and deletes at a LocalStack-style queue URL; every call is counted as SQS', async () => {
    endpoint = await LocalEndpoint.start((req, res) => {
      const target = req.headers['x-amz-target'];
      if (target === 'AmazonSQS.GetQueueAttributes') return sqsJson(res, { Attributes: { QueueArn: 'arn:aws:sqs:us-east-1:000000000000:rotor-events' } });
      if (target === 'AmazonSQS.ReceiveMessage') {
        const md5 = createHash('md5').update(BODY).digest('hex');
        return sqsJson(res, {
          Messages: [
            { MessageId: 'm', ReceiptHandle: 'rh-1', Body: BODY, MD5OfBody: md5 },
            { MessageId: 'n', ReceiptHandle: 'rh-2', Body: BODY, MD5OfBody: md5, Attributes: { ApproximateReceiveCount: '3' } },
          ],
        });
      }
      if (target === 'AmazonSQS.DeleteMessage') return sqsJson(res, {});
      res.writeHead(400).end();
    });
    const calls: AwsApiCall[] = [];
    const factory = new AwsClientFactory({ onApiCall: (c) => calls.push(c) });
    const queue = new SqsEventQueue(parseEventQueue(`${endpoint.url}/000000000000/rotor-events,region=us-east-1`), factory, {});
    const signal = new AbortController().signal;
    await queue.check(signal);
    expect(await queue.receive(10, signal)).toEqual([
      { body: BODY, receiptHandle: 'rh-1', receiveCount: 1 },
      { body: BODY, receiptHandle: 'rh-2', receiveCount: 3 },
    ]);
    await queue.delete('rh-1');
    // The consumer's first poll after a (re)start: a short one.
    await queue.receive(10, signal, 0);
    const bodies = endpoint.requests.map((r) => [r.target, JSON.parse(r.body)]);
    expect(bodies[0]).toEqual(['AmazonSQS.GetQueueAttributes', { QueueUrl: `${endpoint.url}/000000000000/rotor-events`, AttributeNames: ['QueueArn'] }]);
    expect(bodies[1]![1]).toMatchObject({
      QueueUrl: `${endpoint.url}/000000000000/rotor-events`,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 20,
      VisibilityTimeout: 5,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    });
    expect(bodies[2]).toEqual(['AmazonSQS.DeleteMessage', { QueueUrl: `${endpoint.url}/000000000000/rotor-events`, ReceiptHandle: 'rh-1' }]);
    expect(bodies[3]![1]).toMatchObject({ MaxNumberOfMessages: 10, WaitTimeSeconds: 0 });
    expect(calls.map((c) => `${c.service}/${c.operation}/${c.region}`)).toEqual(['SQS/GetQueueAttributes/us-east-1', 'SQS/ReceiveMessage/us-east-1', 'SQS/DeleteMessage/us-east-1', 'SQS/ReceiveMessage/us-east-1']);
    factory.destroy();
  });

  it('the SQS client deadline is the long poll plus the usual one', async () => {
    endpoint = await LocalEndpoint.start((_req, res, _body, index) => {
      // The first answer comes after 300 ms (inside 100 ms + 500 ms), the second never.
      if (index === 0) setTimeout(() => sqsJson(res, { Attributes: {} }), 300);
    });
    const factory = new AwsClientFactory({ callTimeoutMs: 100, maxAttempts: 1 });
    const client = factory.sqs({ region: 'us-east-1', endpoint: endpoint.url, identityKey: 'operator-events' }, 500);
    const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
    const input = { QueueUrl: `${endpoint.url}/000000000000/q`, AttributeNames: ['QueueArn' as const] };
    await expect(client.send(new GetQueueAttributesCommand(input))).resolves.toBeDefined();
    const started = Date.now();
    await expect(client.send(new GetQueueAttributesCommand(input))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(2_000);
    factory.destroy();
  });
});
