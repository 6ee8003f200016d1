import { afterEach, describe, expect, it } from 'vitest';
import { PUSH_REASON, PushError } from '../../../src/api/push.js';
import type { AwsProvider } from '../../../src/api/types.js';
import { AwsClientFactory, type AwsApiCall } from '../../../src/aws/clients.js';
import { CredentialResolver } from '../../../src/aws/credentials.js';
import { EndpointPolicy } from '../../../src/aws/endpoint-policy.js';
import { PusherFactory } from '../../../src/aws/push/factory.js';
import { ParameterStorePusher } from '../../../src/aws/push/parameter-store-pusher.js';
import { SecretsManagerPusher } from '../../../src/aws/push/secrets-manager-pusher.js';
import type { TenancyPolicy } from '../../../src/aws/tenancy.js';
import { FakeCredentialSources, makeStore, silentLogger } from '../helpers.js';
import { LocalEndpoint, json } from '../local-endpoint.js';

let servers: LocalEndpoint[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

const staticAuth: Partial<AwsProvider> = {
  auth: { secretRef: { accessKeyIDSecretRef: { name: 'creds', key: 'id' }, secretAccessKeySecretRef: { name: 'creds', key: 'secret' } } },
};

function setup(patterns: string[]) {
  const tenancy: TenancyPolicy = { endpoints: new EndpointPolicy({ env: {}, patterns }), operatorIdentity: 'AllStores', tokenAudiences: ['sts.amazonaws.com'] };
  const sources = new FakeCredentialSources().setSecret('team-a', 'creds', 'id', 'AKIDA').setSecret('team-a', 'creds', 'secret', 'SA');
  sources.setSecret('team-b', 'creds', 'id', 'AKIDB').setSecret('team-b', 'creds', 'secret', 'SB');
  const calls: AwsApiCall[] = [];
  const clients = new AwsClientFactory({ maxAttempts: 1, onApiCall: (call) => calls.push(call) });
  const credentials = new CredentialResolver({ sources, clients, logger: silentLogger, defaultChain: async () => ({ accessKeyId: 'OPERATOR', secretAccessKey: 'S' }) });
  return { factory: new PusherFactory({ credentials, clients, tenancy }), sources, calls, clients };
}

/** A Secrets Manager stand-in: the secret does not exist, CreateSecret succeeds. */
async function secretsManagerEndpoint(): Promise<LocalEndpoint> {
  const server = await LocalEndpoint.start((_req, res, _body, index) => {
    const target = server.requests[index]?.target ?? '';
    if (target.endsWith('DescribeSecret')) json(res, 400, { __type: 'ResourceNotFoundException', message: 'not found' });
    else json(res, 200, { ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:app-x', Name: 'app', VersionId: '00000000-0000-0000-0000-000000000001' });
  });
  servers.push(server);
  return server;
}

describe('PusherFactory.forStore', () => {
  it('a store whose endpoint the chart refuses gets an InvalidStore PushError, no credentials read and no request', async () => {
    const server = await secretsManagerEndpoint();
    const { factory, sources } = setup([]);
    const err = await factory.forStore(makeStore({ ...staticAuth, endpoint: server.url })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PushError);
    expect((err as PushError).reason).toBe(PUSH_REASON.InvalidStore);
    expect((err as PushError).message).toContain('spec.provider.aws.endpoint');
    expect(sources.secretReads).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it('builds the service\'s pusher on the shared clients: writes are signed with the store\'s keys, counted by operation, and go to the store\'s prefix', async () => {
    const server = await secretsManagerEndpoint();
    const { factory, calls, clients } = setup(['http://127.0.0.1:*']);
    const pusher = await factory.forStore(makeStore({ ...staticAuth, endpoint: server.url, prefix: 'team-a/' }));
    expect(pusher).toBeInstanceOf(SecretsManagerPusher);
    expect(await pusher.push({ remoteKey: 'app', value: Buffer.from('v'), updatePolicy: 'Replace' })).toEqual({ outcome: 'created', version: '00000000-0000-0000-0000-000000000001' });
    expect(server.requests.map((r) => r.target)).toEqual(['secretsmanager.DescribeSecret', 'secretsmanager.CreateSecret']);
    expect(JSON.parse(server.requests[1]!.body)).toMatchObject({ Name: 'team-a/app' });
    expect(server.requests[1]!.authorization).toContain('Credential=AKIDA/');
    expect(calls.map((c) => `${c.service}:${c.operation}`)).toEqual(['SecretsManager:DescribeSecret', 'SecretsManager:CreateSecret']);
    clients.destroy();
  });

  it('caches per identity: the same store gives the same pusher; another prefix or referent namespace another', async () => {
    const { factory, clients } = setup(['http://127.0.0.1:*']);
    const store = makeStore({ ...staticAuth, service: 'ParameterStore' });
    const first = await factory.forStore(store);
    expect(first).toBeInstanceOf(ParameterStorePusher);
    expect(await factory.forStore(store)).toBe(first);
    expect(await factory.forStore(makeStore({ ...staticAuth, service: 'ParameterStore', prefix: '/other' }))).not.toBe(first);

    const cluster = makeStore(staticAuth, { kind: 'ClusterSecretStore', name: 'shared' });
    const a = await factory.forStore(cluster, 'team-a');
    expect(await factory.forStore(cluster, 'team-b')).not.toBe(a);
    factory.forgetStore(cluster);
    expect(await factory.forStore(cluster, 'team-a')).not.toBe(a);
    clients.destroy();
  });

  it('a pusher keeps working after its clients were evicted (it asks the factory for its client on each call)', async () => {
    const server = await secretsManagerEndpoint();
    const { factory, clients } = setup(['http://127.0.0.1:*']);
    const pusher = await factory.forStore(makeStore({ ...staticAuth, endpoint: server.url }));
    clients.destroy();
    expect((await pusher.push({ remoteKey: 'app', value: Buffer.from('v'), updatePolicy: 'Replace' })).outcome).toBe('created');
    clients.destroy();
  });

  it('from a non-AWS endpoint no server text reaches the PushError, only the known code and the IAM action', async () => {
    const server = await LocalEndpoint.start((_req, res) => json(res, 400, { __type: 'AccessDeniedException', message: 'SERVER-CHOSEN TEXT http://evil' }));
    servers.push(server);
    const { factory, clients } = setup(['http://127.0.0.1:*']);
    const pusher = await factory.forStore(makeStore({ ...staticAuth, endpoint: server.url }));
    const err = (await pusher.push({ remoteKey: 'app', value: Buffer.from('v'), updatePolicy: 'Replace' }).catch((e: unknown) => e)) as PushError;
    expect(err.reason).toBe(PUSH_REASON.AccessDenied);
    expect(err.message).toContain('needs secretsmanager:DescribeSecret on secret app');
    expect(err.message).not.toContain('SERVER-CHOSEN');
    clients.destroy();
  });
});
