import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ES_REASON, type AwsProvider } from '../../src/api/types.js';
import { AwsClientFactory } from '../../src/aws/clients.js';
import { CredentialResolver } from '../../src/aws/credentials.js';
import { EndpointPolicy } from '../../src/aws/endpoint-policy.js';
import { FailoverProvider } from '../../src/aws/failover.js';
import { ParameterStoreProvider } from '../../src/aws/parameter-store.js';
import { ProviderFactory } from '../../src/aws/provider-factory.js';
import { SecretsManagerProvider } from '../../src/aws/secrets-manager.js';
import { FakeCredentialSources, ManualClock, makeStore, silentLogger } from './helpers.js';

const sm = mockClient(SecretsManagerClient);
const sts = mockClient(STSClient);

function setup(tenancy = { endpoints: new EndpointPolicy({ env: {}, patterns: ['http://127.0.0.1:*'] }), operatorIdentity: 'AllStores' as const, tokenAudiences: ['sts.amazonaws.com'] }) {
  const clock = new ManualClock();
  const sources = new FakeCredentialSources().setSecret('team-a', 'creds', 'id', 'AKIDSTATIC').setSecret('team-a', 'creds', 'secret', 'SECRETSTATIC');
  const clients = new AwsClientFactory();
  const credentials = new CredentialResolver({
    sources,
    clients,
    logger: silentLogger,
    clock,
    defaultChain: async () => ({ accessKeyId: 'DEFAULT', secretAccessKey: 'DEFAULT' }),
  });
  const factory = new ProviderFactory({ credentials, clients, logger: silentLogger, clock, tenancy });
  return { factory, clients, sources };
}

const staticAuth: Partial<AwsProvider> = {
  auth: { secretRef: { accessKeyIDSecretRef: { name: 'creds', key: 'id' }, secretAccessKeySecretRef: { name: 'creds', key: 'secret' } } },
};

beforeEach(() => {
  sm.reset();
  sts.reset();
  sts.on(AssumeRoleCommand).resolves({
    Credentials: { AccessKeyId: 'ROLE', SecretAccessKey: 'ROLESECRET', SessionToken: 'T', Expiration: new Date(Date.UTC(2030, 0, 1, 1)) },
  });
});
afterAll(() => {
  sm.restore();
  sts.restore();
});

describe('ProviderFactory', () => {
  it('a referent ClusterSecretStore gets one provider per ExternalSecret namespace, with that namespace\'s keys; forgetStore drops them all', async () => {
    const { factory, sources } = setup();
    sources.setSecret('team-b', 'creds', 'id', 'AKIDB').setSecret('team-b', 'creds', 'secret', 'SECRETB');
    const store = makeStore(staticAuth, { kind: 'ClusterSecretStore', name: 'shared' });
    const a = await factory.forStore(store, 'team-a');
    const b = await factory.forStore(store, 'team-b');
    expect(a.identityKey).not.toBe(b.identityKey);
    expect(a.provider).not.toBe(b.provider);
    expect((await factory.forStore(store, 'team-a')).provider).toBe(a.provider);
    factory.forgetStore(store);
    expect((await factory.forStore(store, 'team-a')).provider).not.toBe(a.provider);
    // A SecretStore ignores the namespace argument: one provider.
    const own = makeStore(staticAuth, { name: 'own' });
    expect((await factory.forStore(own, 'x')).provider).toBe((await factory.forStore(own, 'y')).provider);
  });

  it('builds the provider for the store service', async () => {
    const { factory } = setup();
    expect((await factory.forStore(makeStore({ service: 'SecretsManager' }, { name: 'a' }))).provider).toBeInstanceOf(SecretsManagerProvider);
    expect((await factory.forStore(makeStore({ service: 'ParameterStore' }, { name: 'b' }))).provider).toBeInstanceOf(ParameterStoreProvider);
    expect((await factory.forStore(makeStore({ failoverRegion: 'eu-central-1' }, { name: 'c' }))).provider).toBeInstanceOf(FailoverProvider);
  });

  it('wires region, endpoint and the store credentials into the client', async () => {
    const { factory } = setup();
    sm.on(GetSecretValueCommand).callsFake(async (_input, getClient) => {
      const config = getClient().config as unknown as {
        region: () => Promise<string>;
        endpoint: () => Promise<{ hostname: string; port?: number }>;
        credentials: () => Promise<{ accessKeyId: string }>;
      };
      return {
        Name: 'db',
        SecretString: JSON.stringify({
          region: await config.region(),
          host: `${(await config.endpoint()).hostname}:${(await config.endpoint()).port}`,
          akid: (await config.credentials()).accessKeyId,
        }),
      };
    });
    const { provider } = await factory.forStore(makeStore({ ...staticAuth, region: 'us-west-2', endpoint: 'http://127.0.0.1:4566' }));
    const value = await provider.get({ key: 'db' });
    expect(JSON.parse(value.value.toString())).toEqual({ region: 'us-west-2', host: '127.0.0.1:4566', akid: 'AKIDSTATIC' });
    expect(value.region).toBe('us-west-2');
  });

  it('reuses the provider (and its memory) while the store is unchanged', async () => {
    const { factory, sources } = setup();
    const first = await factory.forStore(makeStore({ ...staticAuth, role: 'arn:aws:iam::1:role/r' }));
    for (let i = 0; i < 20; i++) {
      const again = await factory.forStore(makeStore({ ...staticAuth, role: 'arn:aws:iam::1:role/r' }));
      expect(again.provider).toBe(first.provider);
      expect(again.identityKey).toBe(first.identityKey);
    }
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    expect(sources.secretReads).toHaveLength(2);
  });

  it('replaces the provider and closes the old clients when the store changes', async () => {
    const { factory, clients } = setup();
    const first = await factory.forStore(makeStore({}, { generation: 1 }));
    expect(clients.size).toBe(1);
    const second = await factory.forStore(makeStore({}, { generation: 2 }));
    expect(second.provider).not.toBe(first.provider);
    expect(second.identityKey).not.toBe(first.identityKey);
    expect(clients.size).toBe(1);
  });

  it('gives different stores different identities even with the same spec', async () => {
    const { factory } = setup();
    const a = await factory.forStore(makeStore({}, { namespace: 'team-a' }));
    const b = await factory.forStore(makeStore({}, { namespace: 'team-b' }));
    expect(a.identityKey).not.toBe(b.identityKey);
  });

  it('invalidate rebuilds the provider and re-resolves credentials', async () => {
    const { factory } = setup();
    const store = makeStore({ role: 'arn:aws:iam::1:role/r' });
    const first = await factory.forStore(store);
    factory.invalidate(first.identityKey);
    const second = await factory.forStore(store);
    expect(second.provider).not.toBe(first.provider);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('forgetStore closes the clients of a deleted store and forgets its credentials', async () => {
    const { factory, clients } = setup();
    const store = makeStore({ role: 'arn:aws:iam::1:role/r' });
    await factory.forStore(store);
    expect(clients.size).toBe(1);
    factory.forgetStore(store);
    expect(clients.size).toBe(0);
    await factory.forStore(store);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('rejects a store without an AWS provider or with an unknown service', async () => {
    const { factory } = setup();
    const bad = makeStore({ service: 'Vault' as unknown as AwsProvider['service'] });
    await expect(factory.forStore(bad)).rejects.toMatchObject({ reason: ES_REASON.InvalidSpec, message: expect.stringContaining('spec.provider.aws.service') });
  });
});
