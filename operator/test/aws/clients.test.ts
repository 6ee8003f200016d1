import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AwsClientFactory, type AwsApiCall, type AwsApiCallOutcome } from '../../src/aws/clients.js';
import { AwsCallDeadlineError } from '../../src/aws/errors.js';
import { SecretsManagerProvider } from '../../src/aws/secrets-manager.js';
import { silentLogger } from './helpers.js';

interface SeenRequest {
  hostname: string;
  port?: number;
  target?: string;
}

/** An HTTP handler standing in for the network: records requests, answers with canned JSON. */
function fakeHttp(statuses: number[] = []) {
  const seen: SeenRequest[] = [];
  const handler = {
    async handle(request: { hostname: string; port?: number; headers: Record<string, string> }) {
      seen.push({ hostname: request.hostname, port: request.port, target: request.headers['x-amz-target'] });
      const statusCode = statuses.shift() ?? 200;
      const body =
        statusCode === 200
          ? request.headers['x-amz-target']?.startsWith('AmazonSSM')
            ? { Parameter: { Name: '/p', Value: 'v', Version: 1 } }
            : { Name: 'db', VersionId: 'v1', SecretString: 'x' }
          : { __type: 'InternalServiceError', message: 'boom' };
      return {
        response: {
          statusCode,
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: Readable.from([Buffer.from(JSON.stringify(body))]),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
  };
  return { seen, handler };
}

const credentials = { accessKeyId: 'AKID', secretAccessKey: 'SECRET' };
const savedEnv = { ...process.env };
afterEach(() => {
  process.env = { ...savedEnv };
});

describe('AwsClientFactory', () => {
  it('counts every API call by service and operation through SDK middleware', async () => {
    const calls: AwsApiCall[] = [];
    const { handler } = fakeHttp();
    const factory = new AwsClientFactory({ onApiCall: (call) => calls.push(call), requestHandler: handler });
    await factory.secretsManager({ region: 'eu-west-1', credentials, identityKey: 'k' }).send(new GetSecretValueCommand({ SecretId: 'db' }));
    await factory.ssm({ region: 'eu-west-1', credentials, identityKey: 'k' }).send(new GetParameterCommand({ Name: '/p' }));
    expect(calls).toEqual([
      { service: 'SecretsManager', operation: 'GetSecretValue', region: 'eu-west-1' },
      { service: 'ParameterStore', operation: 'GetParameter', region: 'eu-west-1' },
    ]);
  });

  it('counts each retry attempt and stops after maxAttempts', async () => {
    const calls: AwsApiCall[] = [];
    const { handler, seen } = fakeHttp([500, 500, 500]);
    const factory = new AwsClientFactory({ onApiCall: (call) => calls.push(call), requestHandler: handler, maxAttempts: 2 });
    const client = factory.secretsManager({ region: 'eu-west-1', credentials, identityKey: 'k' });
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'db' }))).rejects.toMatchObject({ name: 'InternalServiceError' });
    expect(seen).toHaveLength(2);
    expect(calls).toHaveLength(2);
  });

  it('reports each attempt\'s duration, and the AWS error code and class of a failed one', async () => {
    const done: Array<[string, AwsApiCallOutcome]> = [];
    let t = 0;
    const { handler } = fakeHttp([200, 500, 500]);
    const factory = new AwsClientFactory({
      onApiCallDone: (call, outcome) => done.push([call.operation, outcome]),
      requestHandler: handler,
      maxAttempts: 2,
      clock: () => (t += 250),
    });
    const client = factory.secretsManager({ region: 'eu-west-1', credentials, identityKey: 'k' });
    await client.send(new GetSecretValueCommand({ SecretId: 'db' }));
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'db' }))).rejects.toMatchObject({ name: 'InternalServiceError' });
    expect(done).toEqual([
      ['GetSecretValue', { seconds: 0.25 }],
      ['GetSecretValue', { seconds: 0.25, error: { code: 'InternalServiceError', class: 'server' } }],
      ['GetSecretValue', { seconds: 0.25, error: { code: 'InternalServiceError', class: 'server' } }],
    ]);
  });

  it('sends to the store endpoint when set', async () => {
    const { handler, seen } = fakeHttp();
    const factory = new AwsClientFactory({ requestHandler: handler });
    await factory
      .secretsManager({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:4566', credentials, identityKey: 'k' })
      .send(new GetSecretValueCommand({ SecretId: 'db' }));
    expect(seen[0]).toMatchObject({ hostname: '127.0.0.1', port: 4566 });
  });

  it('leaves AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL to the SDK when the store has no endpoint', async () => {
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = 'http://127.0.0.1:4001';
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4002';
    const { handler, seen } = fakeHttp();
    const factory = new AwsClientFactory({ requestHandler: handler });
    await factory.secretsManager({ region: 'eu-west-1', credentials, identityKey: 'k' }).send(new GetSecretValueCommand({ SecretId: 'db' }));
    await factory.ssm({ region: 'eu-west-1', credentials, identityKey: 'k' }).send(new GetParameterCommand({ Name: '/p' }));
    expect(seen.map((s) => s.port)).toEqual([4001, 4002]);
  });

  it('uses the regional AWS endpoint by default', async () => {
    delete process.env.AWS_ENDPOINT_URL;
    delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
    const { handler, seen } = fakeHttp();
    const factory = new AwsClientFactory({ requestHandler: handler });
    await factory.secretsManager({ region: 'ap-southeast-2', credentials, identityKey: 'k' }).send(new GetSecretValueCommand({ SecretId: 'db' }));
    expect(seen[0]?.hostname).toBe('secretsmanager.ap-southeast-2.amazonaws.com');
  });

  it('caches clients per service, region, endpoint and identity, and evicts by identity', () => {
    const factory = new AwsClientFactory();
    const target = { region: 'eu-west-1', credentials, identityKey: 'store-a' };
    const a = factory.secretsManager(target);
    expect(factory.secretsManager({ ...target })).toBe(a);
    expect(factory.secretsManager({ ...target, identityKey: 'store-b' })).not.toBe(a);
    expect(factory.secretsManager({ ...target, region: 'us-east-1' })).not.toBe(a);
    expect(factory.secretsManager({ ...target, endpoint: 'http://127.0.0.1:4566' })).not.toBe(a);
    factory.ssm(target);
    expect(factory.size).toBe(5);
    factory.evict('store-a');
    expect(factory.size).toBe(1);
    expect(factory.secretsManager(target)).not.toBe(a);
    factory.destroy();
    expect(factory.size).toBe(0);
  });

  it('configures few attempts and short timeouts by default', async () => {
    const factory = new AwsClientFactory();
    const client = factory.secretsManager({ region: 'eu-west-1', credentials, identityKey: 'k' });
    expect(await client.config.maxAttempts()).toBe(2);
    const handlerConfig = (await (client.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> }).configProvider) ?? {};
    // One attempt never outlives the 5 s deadline of the whole call.
    expect(handlerConfig).toMatchObject({ connectionTimeout: 3_000, requestTimeout: 5_000, throwOnRequestTimeout: true });
    factory.destroy();
  });
});

/** A Secrets Manager provider in eu-west-1 at a local endpoint, through the factory under test. */
function providerAt(factory: AwsClientFactory, endpoint: string): SecretsManagerProvider {
  return new SecretsManagerProvider({
    client: factory.secretsManager({ region: 'eu-west-1', endpoint, credentials, identityKey: 'k' }),
    region: 'eu-west-1',
    endpoint,
    logger: silentLogger,
  });
}

describe('AwsClientFactory over real sockets (127.0.0.1)', () => {
  async function listen(server: Server): Promise<number> {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  it('a hanging endpoint fails fast as ProviderUnavailable instead of holding the worker', async () => {
    const server = createServer(() => {
      /* never answers */
    });
    const port = await listen(server);
    try {
      const factory = new AwsClientFactory({ requestTimeoutMs: 200, maxAttempts: 1 });
      const endpoint = `http://127.0.0.1:${port}`;
      const provider = providerAt(factory, endpoint);
      const started = Date.now();
      await expect(provider.get({ key: 'db' })).rejects.toMatchObject({ reason: 'ProviderUnavailable', unavailable: true, retryable: true });
      expect(Date.now() - started).toBeLessThan(3_000);
      factory.destroy();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('the per-call deadline bounds every attempt together and frees the socket', async () => {
    const sockets: Socket[] = [];
    const server = createServer(() => {
      /* accepts, never answers */
    });
    server.on('connection', (socket) => sockets.push(socket));
    const port = await listen(server);
    try {
      // Defaults a hang used to cost: 2 attempts x 10 s. The deadline cuts the whole call.
      const factory = new AwsClientFactory({ callTimeoutMs: 400 });
      const endpoint = `http://127.0.0.1:${port}`;
      const provider = providerAt(factory, endpoint);
      const started = Date.now();
      await expect(provider.get({ key: 'db' })).rejects.toMatchObject({
        reason: 'ProviderUnavailable',
        retryable: true,
        unavailable: true,
        message: expect.stringContaining(`endpoint ${endpoint} in region eu-west-1 is unreachable (no answer within 0.4s)`),
      });
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(390);
      expect(elapsed).toBeLessThan(1_500);
      // The aborted request's socket is closed, not left hanging on the server.
      await vi.waitFor(() => expect(sockets.every((s) => s.destroyed || s.readableEnded)).toBe(true));
      factory.destroy();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("a store's retrySettings of 2 retries make 3 requests to an endpoint answering 500", async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: 'InternalServiceError', message: 'boom' }));
    });
    const port = await listen(server);
    try {
      const factory = new AwsClientFactory();
      const endpoint = `http://127.0.0.1:${port}`;
      const client = factory.secretsManager({ region: 'eu-west-1', endpoint, credentials, identityKey: 'k', retry: { maxRetries: 2, retryIntervalMs: 50 } });
      const provider = new SecretsManagerProvider({ client, region: 'eu-west-1', endpoint, logger: silentLogger });
      await expect(provider.get({ key: 'db' })).rejects.toMatchObject({ retryable: true });
      expect(requests).toBe(3);
      factory.destroy();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a closed port is reported as unreachable, naming the endpoint', async () => {
    const server = createServer();
    const port = await listen(server);
    await new Promise((resolve) => server.close(resolve)); // nothing listens there now
    const factory = new AwsClientFactory({ maxAttempts: 1 });
    const endpoint = `http://127.0.0.1:${port}`;
    const provider = providerAt(factory, endpoint);
    await expect(provider.get({ key: 'db' })).rejects.toMatchObject({
      reason: 'ProviderUnavailable',
      message: expect.stringContaining(`endpoint ${endpoint} in region eu-west-1 is unreachable (ECONNREFUSED)`),
    });
    factory.destroy();
  });
});

describe('AwsClientFactory with a store\'s retrySettings (ESO semantics)', () => {
  it('2 retries make 3 attempts against a failing endpoint, each counted', async () => {
    const calls: AwsApiCall[] = [];
    const { handler, seen } = fakeHttp([500, 500, 500, 500, 500]);
    const factory = new AwsClientFactory({ onApiCall: (call) => calls.push(call), requestHandler: handler });
    const client = factory.secretsManager({ region: 'eu-west-1', credentials, identityKey: 'k', retry: { maxRetries: 2, retryIntervalMs: 10 } });
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'db' }))).rejects.toMatchObject({ name: 'InternalServiceError' });
    expect(seen).toHaveLength(3);
    expect(calls).toHaveLength(3);
    expect(await client.config.maxAttempts()).toBe(3);
  });

  it('0 retries make one attempt; a success after retries is returned', async () => {
    const none = fakeHttp([500, 500]);
    const once = new AwsClientFactory({ requestHandler: none.handler }).secretsManager({ region: 'eu-west-1', credentials, identityKey: 'k', retry: { maxRetries: 0 } });
    await expect(once.send(new GetSecretValueCommand({ SecretId: 'db' }))).rejects.toMatchObject({ name: 'InternalServiceError' });
    expect(none.seen).toHaveLength(1);
    const recovering = fakeHttp([500, 500, 200]);
    const client = new AwsClientFactory({ requestHandler: recovering.handler }).secretsManager({ region: 'eu-west-1', credentials, identityKey: 'k', retry: { maxRetries: 3, retryIntervalMs: 5 } });
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'db' }))).resolves.toMatchObject({ SecretString: 'x' });
    expect(recovering.seen).toHaveLength(3);
  });

  it('waits retryInterval between attempts (a fixed delay, not the SDK backoff)', async () => {
    const at: number[] = [];
    const { handler } = fakeHttp([500, 500, 500]);
    const timed = { ...handler, handle: (request: Parameters<typeof handler.handle>[0]) => (at.push(performance.now()), handler.handle(request)) };
    const client = new AwsClientFactory({ requestHandler: timed }).secretsManager({ region: 'eu-west-1', credentials, identityKey: 'k', retry: { maxRetries: 2, retryIntervalMs: 300 } });
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'db' }))).rejects.toBeDefined();
    expect(at).toHaveLength(3);
    for (const gap of [at[1]! - at[0]!, at[2]! - at[1]!]) {
      expect(gap).toBeGreaterThanOrEqual(290);
      expect(gap).toBeLessThan(1_000);
    }
  });

  it('never retries a 4xx such as AccessDenied', async () => {
    const seen: number[] = [];
    const { handler } = fakeHttp();
    const denying = {
      ...handler,
      async handle() {
        seen.push(1);
        const body = { __type: 'AccessDeniedException', message: 'no' };
        return { response: { statusCode: 400, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: Readable.from([Buffer.from(JSON.stringify(body))]) } };
      },
    };
    const client = new AwsClientFactory({ requestHandler: denying }).secretsManager({ region: 'eu-west-1', credentials, identityKey: 'k', retry: { maxRetries: 5, retryIntervalMs: 1 } });
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'db' }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(seen).toHaveLength(1);
  });

  it('the per-call deadline still bounds all attempts and waits together', async () => {
    const { handler, seen } = fakeHttp([500, 500, 500, 500, 500]);
    const client = new AwsClientFactory({ requestHandler: handler, callTimeoutMs: 250 }).secretsManager({
      region: 'eu-west-1',
      credentials,
      identityKey: 'k',
      retry: { maxRetries: 4, retryIntervalMs: 200 },
    });
    const started = performance.now();
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'db' }))).rejects.toBeInstanceOf(AwsCallDeadlineError);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(seen).toHaveLength(2);
  });

  it('stores with different retrySettings get different clients', () => {
    const factory = new AwsClientFactory();
    const target = { region: 'eu-west-1', credentials, identityKey: 'store-a' };
    const plain = factory.secretsManager(target);
    const retrying = factory.secretsManager({ ...target, retry: { maxRetries: 2 } });
    expect(retrying).not.toBe(plain);
    expect(factory.secretsManager({ ...target, retry: { maxRetries: 2 } })).toBe(retrying);
    expect(factory.secretsManager({ ...target, retry: { maxRetries: 2, retryIntervalMs: 100 } })).not.toBe(retrying);
    factory.destroy();
  });
});
