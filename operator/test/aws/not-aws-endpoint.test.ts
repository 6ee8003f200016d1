// A store whose endpoint points at something that is not AWS (a web server, a proxy's error
// page) must say so, not "check the key name" or "access denied". The errors here are the real
// SDK's, from a real HTTP server on loopback.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ES_REASON } from '../../src/api/types.js';
import { toProviderError } from '../../src/aws/errors.js';

let server: Server;
let endpoint: string;
let answer: { status: number; type: string; body: string } = { status: 404, type: 'text/html', body: '<html>not here</html>' };

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(answer.status, { 'content-type': answer.type });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const options = () => ({ region: 'eu-west-1', endpoint, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' }, maxAttempts: 1 });

async function secretsManagerError(): Promise<unknown> {
  return new SecretsManagerClient(options()).send(new GetSecretValueCommand({ SecretId: 'prod/db' })).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('an endpoint that does not answer like AWS', () => {
  it.each([
    [404, 'text/html', '<html>not here</html>'],
    [400, 'application/json', '{"error":"bad request"}'],
    [403, 'text/plain', 'Forbidden'],
    [405, 'text/html', ''],
    [200, 'text/html', '<html>welcome</html>'],
  ])('HTTP %i %s says so and names the endpoint', async (status, type, body) => {
    answer = { status, type, body };
    const mapped = toProviderError(await secretsManagerError(), { service: 'SecretsManager', key: 'prod/db', region: 'eu-west-1', operation: 'GetSecretValue', endpoint });
    expect(mapped.reason).toBe(ES_REASON.ProviderUnavailable);
    expect(mapped.message).toBe(
      `endpoint ${endpoint} did not answer like Secrets Manager: GetSecretValue for secret prod/db got HTTP ${status} without an AWS request id or error code; check spec.provider.aws.endpoint — retrying with backoff`,
    );
    expect(mapped.message).not.toContain('key name');
    expect(mapped.retryable).toBe(true);
    expect(mapped.unavailable).toBe(false);
  });

  it('the same for Parameter Store', async () => {
    answer = { status: 404, type: 'text/html', body: '<html>not here</html>' };
    const error = await new SSMClient(options()).send(new GetParameterCommand({ Name: '/prod/db' })).then(
      () => undefined,
      (e: unknown) => e,
    );
    const mapped = toProviderError(error, { service: 'ParameterStore', key: '/prod/db', region: 'eu-west-1', operation: 'GetParameter', endpoint });
    expect(mapped.message).toContain('did not answer like SSM Parameter Store');
  });

  it('an AWS answer (it carries a request id) keeps its own meaning', async () => {
    answer = { status: 400, type: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: 'ValidationException', message: 'bad name' }) };
    server.removeAllListeners('request');
    server.on('request', (_req, res) => {
      res.writeHead(answer.status, { 'content-type': answer.type, 'x-amzn-requestid': 'req-1' });
      res.end(answer.body);
    });
    const mapped = toProviderError(await secretsManagerError(), { service: 'SecretsManager', key: 'prod/db', region: 'eu-west-1', operation: 'GetSecretValue', endpoint });
    expect(mapped.reason).toBe(ES_REASON.InvalidSpec);
    expect(mapped.message).toContain('check the key name');
  });
});
