// Issue #15 item 2: an endpoint that answers like no AWS service would — a huge body, NextToken
// forever, error text meant to be read back — costs the operator bounded memory, a bounded
// number of requests and no disclosure. Real servers on loopback, real SDK clients.
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/api/provider.js';
import { AwsClientFactory, MAX_RESPONSE_BYTES, type AwsApiCallOutcome } from '../../src/aws/clients.js';
import { MAX_BATCH_PAGES, MAX_FIND_PAGES } from '../../src/aws/paging.js';
import { ParameterStoreProvider } from '../../src/aws/parameter-store.js';
import { SecretsManagerProvider } from '../../src/aws/secrets-manager.js';
import { objectsGone, reconcileScope } from '../../src/controller/runtime/reconcile-scope.js';
import { silentLogger } from './helpers.js';
import { LocalEndpoint, json } from './local-endpoint.js';

let servers: LocalEndpoint[] = [];
let factories: AwsClientFactory[] = [];
afterEach(async () => {
  for (const f of factories) f.destroy();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  factories = [];
});

async function serve(answer: Parameters<typeof LocalEndpoint.start>[0]): Promise<LocalEndpoint> {
  const server = await LocalEndpoint.start(answer);
  servers.push(server);
  return server;
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' };

function secretsManager(endpoint: string, options: ConstructorParameters<typeof AwsClientFactory>[0] = {}) {
  const clients = new AwsClientFactory({ maxAttempts: 1, callTimeoutMs: 30_000, requestTimeoutMs: 30_000, ...options });
  factories.push(clients);
  const client = clients.secretsManager({ region: 'eu-west-1', endpoint, credentials, identityKey: 'test' });
  return new SecretsManagerProvider({ client, region: 'eu-west-1', endpoint, logger: silentLogger });
}

function parameterStore(endpoint: string) {
  const clients = new AwsClientFactory({ maxAttempts: 1, callTimeoutMs: 30_000 });
  factories.push(clients);
  const client = clients.ssm({ region: 'eu-west-1', endpoint, credentials, identityKey: 'test' });
  return new ParameterStoreProvider({ client, region: 'eu-west-1', endpoint, logger: silentLogger });
}

const HUGE = 150 * 1024 * 1024;

/** Streams up to `total` bytes of JSON-ish filler, respecting backpressure; records how much the socket took. */
function streamHuge(res: ServerResponse, total: number, sent: { bytes: number; closed: boolean }, withLength: boolean): void {
  res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'r', ...(withLength ? { 'content-length': String(total) } : {}) });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  res.on('close', () => (sent.closed = true));
  const pump = (): void => {
    while (!sent.closed && sent.bytes < total) {
      sent.bytes += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!sent.closed) res.end();
  };
  pump();
}

describe('response body cap', () => {
  it.each([
    ['chunked (no Content-Length)', false],
    ['with a Content-Length', true],
  ])('a 150 MiB answer, %s: the read stops near the 4 MiB cap, the socket is closed, the error says why', async (_what, withLength) => {
    const sent = { bytes: 0, closed: false };
    const server = await serve((_req, res) => streamHuge(res, HUGE, sent, withLength));
    const before = process.memoryUsage().arrayBuffers;
    const error = await secretsManager(server.url).validate().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toContain(`endpoint ${server.url} answered ListSecrets with a body larger than 4 MiB`);
    expect((error as ProviderError).code).toBe('ResponseTooLarge');
    await expect.poll(() => sent.closed).toBe(true);
    // What the server could push before the socket closed: the cap plus socket buffers, not 150 MiB.
    expect(sent.bytes).toBeLessThan(MAX_RESPONSE_BYTES + 16 * 1024 * 1024);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('an answer under the cap is read as usual', async () => {
    const server = await serve((_req, res) => json(res, 200, { SecretList: [{ Name: 'a', ARN: 'arn:a', Description: 'x'.repeat(1024 * 1024) }] }));
    await expect(secretsManager(server.url).validate()).resolves.toBeUndefined();
  });
});

describe('paging loops are bounded', () => {
  it('ListSecrets with a new NextToken forever: an error at the page cap, naming what to narrow', async () => {
    const server = await serve((_req, res, _body, i) => json(res, 200, { SecretList: [], NextToken: `t${i}` }));
    await expect(secretsManager(server.url).find({ name: { regexp: '.*' } })).rejects.toThrow(
      `dataFrom.find matched more than ${MAX_FIND_PAGES} pages of ListSecrets; narrow find.path, find.name or find.tags`,
    );
    expect(server.requests).toHaveLength(MAX_FIND_PAGES);
  });

  it('GetParametersByPath and DescribeParameters likewise', async () => {
    const server = await serve((_req, res, _body, i) => json(res, 200, { Parameters: [], NextToken: `t${i}` }));
    const ssm = parameterStore(server.url);
    await expect(ssm.find({ path: '/app' })).rejects.toThrow(`more than ${MAX_FIND_PAGES} pages of GetParametersByPath`);
    await expect(ssm.find({ tags: { team: 'a' } })).rejects.toThrow(`more than ${MAX_FIND_PAGES} pages of DescribeParameters`);
    expect(server.requests).toHaveLength(2 * MAX_FIND_PAGES);
  });

  it('BatchGetSecretValue with NextToken forever: every key fails after the batch page cap', async () => {
    const server = await serve((_req, res, _body, i) => json(res, 200, { SecretValues: [], Errors: [], NextToken: `t${i}` }));
    const results = await secretsManager(server.url).getMany([{ key: 'a' }, { key: 'b' }]);
    for (const outcome of results.values()) expect((outcome as ProviderError).message).toContain(`BatchGetSecretValue answered more than ${MAX_BATCH_PAGES} pages`);
    expect(server.requests).toHaveLength(MAX_BATCH_PAGES);
  });

  it('the loop stops when its ExternalSecret is deleted: no request after the abort', async () => {
    const server = await serve((_req, res, _body, i) => void setTimeout(() => json(res, 200, { SecretList: [], NextToken: `t${i}` }), 5));
    let deleted = false;
    const scope = reconcileScope({ pollMs: 10, stillWanted: () => (deleted ? 'the ExternalSecret was deleted' : undefined) });
    const listing = secretsManager(server.url).find({ name: { regexp: '.*' } }, { signal: scope.signal });
    await expect.poll(() => server.requests.length).toBeGreaterThanOrEqual(3);
    deleted = true;
    await expect(listing).rejects.toThrow('ListSecrets stopped: the ExternalSecret was deleted');
    // The request aborted on our side may already be on the wire and reach the server just
    // after; let it land, then no further page may follow.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const afterAbort = server.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(server.requests.length).toBe(afterAbort);
    expect(afterAbort).toBeLessThan(MAX_FIND_PAGES);
  });

  it('the loop stops at the pass deadline', async () => {
    const server = await serve((_req, res, _body, i) => void setTimeout(() => json(res, 200, { SecretList: [], NextToken: `t${i}` }), 20));
    const scope = reconcileScope({ deadlineMs: 150, stillWanted: () => undefined });
    await expect(secretsManager(server.url).find({ name: { regexp: '.*' } }, { signal: scope.signal })).rejects.toThrow(
      /ListSecrets stopped: the pass took longer than its 0\.15s deadline/,
    );
    expect(server.requests.length).toBeLessThan(MAX_FIND_PAGES);
  });

  it('objectsGone: deleted, being deleted or re-created ExternalSecret or store', () => {
    const es = { metadata: { uid: 'e1' } };
    const store = { kind: 'SecretStore', metadata: { uid: 's1' } };
    expect(objectsGone(es, store, es, store)).toBeUndefined();
    expect(objectsGone(es, store, undefined, store)).toBe('the ExternalSecret was deleted');
    expect(objectsGone(es, store, { metadata: { uid: 'e2' } }, store)).toBe('the ExternalSecret was deleted');
    expect(objectsGone(es, store, { metadata: { uid: 'e1', deletionTimestamp: 'now' } }, store)).toBe('the ExternalSecret was deleted');
    expect(objectsGone(es, store, es, undefined)).toBe('its SecretStore was deleted');
  });
});

describe('error text from an endpoint that is not AWS', () => {
  it("never reaches the message: only a known code and the HTTP status; the metric label is bounded", async () => {
    const outcomes: AwsApiCallOutcome[] = [];
    const server = await serve((_req, res, _body, i) =>
      json(res, 403, i === 0 ? { __type: 'AccessDeniedException', message: 'root:x:0:0:root:/root:/bin/bash' } : { __type: 'Leak-root:x:0:0', message: 'secret text' }),
    );
    const provider = secretsManager(server.url, { onApiCallDone: (_call, outcome) => outcomes.push(outcome) });
    const failed = (p: Promise<unknown>) => p.then(() => new ProviderError('SecretSyncedError', 'no error'), (e: unknown) => e as ProviderError);
    const denied = await failed(provider.get({ key: 'db' }));
    expect(denied.message).toContain('access denied');
    expect(denied.message).toContain('(AccessDeniedException, HTTP 403)');
    expect(denied.message).not.toContain('root:x');
    const unknown = await failed(provider.get({ key: 'db' }));
    expect(unknown.message).not.toContain('Leak');
    expect(unknown.message).not.toContain('secret text');
    expect(unknown.code).toBe('UnrecognizedError');
    expect(outcomes.map((o) => o.error?.code)).toEqual(['AccessDeniedException', 'other']);
  });
});
