import { describe, expect, it } from 'vitest';
import { distinctQueues, parseEventQueue, sqsEndpoint } from '../../../src/aws/events/queue-spec.js';

describe('parseEventQueue', () => {
  it('reads the region from an AWS queue URL', () => {
    expect(parseEventQueue('https://sqs.eu-west-1.amazonaws.com/111122223333/rotor-events')).toEqual({ url: 'https://sqs.eu-west-1.amazonaws.com/111122223333/rotor-events', region: 'eu-west-1' });
    expect(parseEventQueue('https://us-east-2.queue.amazonaws.com/111122223333/q').region).toBe('us-east-2');
  });

  it('takes a LocalStack URL with an explicit region', () => {
    expect(parseEventQueue('http://127.0.0.1:4566/000000000000/rotor-events,region=us-east-1')).toEqual({ url: 'http://127.0.0.1:4566/000000000000/rotor-events', region: 'us-east-1' });
    expect(parseEventQueue('http://sqs.us-east-1.localhost.localstack.cloud:4566/000000000000/rotor-events, region=us-east-1').region).toBe('us-east-1');
  });

  it.each([
    ['not-a-url', /not a URL/],
    ['ftp://h/111122223333/q,region=us-east-1', /http\(s\)/],
    ['http://127.0.0.1:4566/000000000000/q', /add ,region=<region>/],
    ['http://127.0.0.1:4566/q,region=us-east-1', /\/<12-digit account>\/<queue name>/],
    ['http://127.0.0.1:4566/000000000000/q,zone=a', /unknown option "zone=a"/],
    ['http://127.0.0.1:4566/000000000000/q,region=Mars', /not a region name/],
    ['https://sqs.eu-west-1.amazonaws.com/111122223333/q,region=us-east-1', /differs from the queue URL's region eu-west-1/],
    ['https://user:pw@sqs.eu-west-1.amazonaws.com/111122223333/q', /credentials/],
  ])('refuses %s, naming the flag', (value, message) => {
    expect(() => parseEventQueue(value)).toThrow(message);
    expect(() => parseEventQueue(value)).toThrow(/--events-queue/);
  });

  it('one loop per distinct URL; the same URL with two regions is an error', () => {
    const a = parseEventQueue('http://127.0.0.1:4566/000000000000/a,region=us-east-1');
    expect(distinctQueues([a, a])).toEqual([a]);
    expect(() => distinctQueues([a, { ...a, region: 'eu-west-1' }])).toThrow(/twice with different regions/);
  });

  it('the endpoint: AWS_ENDPOINT_URL_SQS, else AWS_ENDPOINT_URL, else the queue URL origin', () => {
    const spec = parseEventQueue('http://127.0.0.1:4566/000000000000/a,region=us-east-1');
    expect(sqsEndpoint(spec, {})).toBe('http://127.0.0.1:4566');
    expect(sqsEndpoint(spec, { AWS_ENDPOINT_URL: 'http://ls:4566' })).toBe('http://ls:4566');
    expect(sqsEndpoint(spec, { AWS_ENDPOINT_URL: 'http://ls:4566', AWS_ENDPOINT_URL_SQS: 'http://sqs:1' })).toBe('http://sqs:1');
  });
});
