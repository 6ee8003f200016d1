import { BatchGetSecretValueCommand, GetSecretValueCommand, ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ES_REASON } from '../../src/api/types.js';
import { FailoverProvider } from '../../src/aws/failover.js';
import { SecretsManagerProvider } from '../../src/aws/secrets-manager.js';
import type { ProviderError, RemoteSecret } from '../../src/api/provider.js';
import { ManualClock, awsError, networkError, silentLogger } from './helpers.js';

const sm = mockClient(SecretsManagerClient);
const PRIMARY = 'eu-west-1';
const REPLICA = 'eu-central-1';

/** Per-region behaviour of the fake Secrets Manager. */
let behaviour: Record<string, () => unknown>;
const callsPerRegion: Record<string, number> = {};

async function regionOf(getClient: () => { config: unknown }): Promise<string> {
  return (getClient().config as { region: () => Promise<string> }).region();
}

function answer(region: string, input: { SecretId?: string; SecretIdList?: string[] }) {
  callsPerRegion[region] = (callsPerRegion[region] ?? 0) + 1;
  const outcome = behaviour[region]?.();
  if (outcome instanceof Error) throw outcome;
  if (input.SecretIdList) {
    return { SecretValues: input.SecretIdList.map((id) => ({ Name: id, VersionId: 'v1', SecretString: `${id}@${region}` })) };
  }
  return { Name: input.SecretId, VersionId: 'v1', SecretString: `${input.SecretId}@${region}` };
}

function build(clock = new ManualClock()) {
  const provider = (region: string) =>
    new SecretsManagerProvider({ client: new SecretsManagerClient({ region }), region, logger: silentLogger });
  return {
    clock,
    failover: new FailoverProvider(provider(PRIMARY), provider(REPLICA), { primaryRegion: PRIMARY, replicaRegion: REPLICA, logger: silentLogger, clock }),
  };
}

beforeEach(() => {
  sm.reset();
  for (const key of Object.keys(callsPerRegion)) delete callsPerRegion[key];
  behaviour = {};
  const fake = async (input: { SecretId?: string; SecretIdList?: string[] }, getClient: () => { config: unknown }) => answer(await regionOf(getClient), input);
  sm.on(GetSecretValueCommand).callsFake(fake);
  sm.on(BatchGetSecretValueCommand).callsFake(fake);
  sm.on(ListSecretsCommand).callsFake(fake);
});
afterAll(() => sm.restore());

describe('FailoverProvider', () => {
  it('reads the primary while it is healthy', async () => {
    const { failover } = build();
    const value = await failover.get({ key: 'db' });
    expect(value.region).toBe(PRIMARY);
    expect(value.value.toString()).toBe(`db@${PRIMARY}`);
    expect(callsPerRegion[REPLICA]).toBeUndefined();
  });

  it('reads the replica when the primary answers 5xx, and says so in RemoteSecret.region', async () => {
    behaviour[PRIMARY] = () => awsError('InternalServiceError', 'boom', 500);
    const { failover } = build();
    const value = await failover.get({ key: 'db' });
    expect(value.region).toBe(REPLICA);
    expect(value.value.toString()).toBe(`db@${REPLICA}`);
  });

  it('reads the replica on a network error', async () => {
    behaviour[PRIMARY] = () => networkError('ECONNREFUSED');
    const { failover } = build();
    expect((await failover.get({ key: 'db' })).region).toBe(REPLICA);
  });

  it('never fails over on a 403: permission problems are reported, not masked', async () => {
    behaviour[PRIMARY] = () => awsError('AccessDeniedException', 'not authorized', 403);
    const { failover } = build();
    await expect(failover.get({ key: 'db' })).rejects.toMatchObject({ reason: ES_REASON.AccessDenied, message: expect.stringContaining(PRIMARY) });
    expect(callsPerRegion[REPLICA]).toBeUndefined();
  });

  it('during an outage, not-found in the replica is not final: retried, never treated as deleted', async () => {
    behaviour[PRIMARY] = () => networkError('ECONNREFUSED');
    behaviour[REPLICA] = () => awsError('ResourceNotFoundException', '', 400);
    const { failover } = build();
    await expect(failover.get({ key: 'db' })).rejects.toMatchObject({ notFound: false, retryable: true, message: expect.stringContaining(PRIMARY) });
    const many = await failover.getMany([{ key: 'db' }]);
    expect(many.get('db')).toMatchObject({ notFound: false, retryable: true });
  });

  it('never fails over on not-found', async () => {
    behaviour[PRIMARY] = () => awsError('ResourceNotFoundException', '', 400);
    const { failover } = build();
    await expect(failover.get({ key: 'db' })).rejects.toMatchObject({ notFound: true });
    expect(callsPerRegion[REPLICA]).toBeUndefined();
  });

  it('remembers a dead primary for 30 s, then probes it again', async () => {
    behaviour[PRIMARY] = () => networkError('ETIMEDOUT');
    const { failover, clock } = build();
    await failover.get({ key: 'a' });
    await failover.get({ key: 'b' });
    await failover.get({ key: 'c' });
    expect(callsPerRegion[PRIMARY]).toBe(1);
    expect(callsPerRegion[REPLICA]).toBe(3);

    behaviour[PRIMARY] = () => undefined; // primary recovered
    clock.advance(30_001);
    expect((await failover.get({ key: 'd' })).region).toBe(PRIMARY);
    expect(callsPerRegion[PRIMARY]).toBe(2);
  });

  it('reports both regions when the replica fails too', async () => {
    behaviour[PRIMARY] = () => awsError('ServiceUnavailable', '', 503);
    behaviour[REPLICA] = () => networkError('ENOTFOUND');
    const { failover } = build();
    const error = (await failover.get({ key: 'db' }).catch((e: unknown) => e)) as ProviderError;
    expect(error.unavailable).toBe(true);
    expect(error.message).toContain(`primary region ${PRIMARY} is unavailable`);
    expect(error.message).toContain(`failover region ${REPLICA}`);
  });

  it('getMany re-reads only the keys the primary could not serve', async () => {
    behaviour[PRIMARY] = () => awsError('InternalServiceError', '', 500);
    const { failover } = build();
    const results = await failover.getMany([{ key: 'a' }, { key: 'b' }]);
    expect((results.get('a') as RemoteSecret).region).toBe(REPLICA);
    expect((results.get('b') as RemoteSecret).value.toString()).toBe(`b@${REPLICA}`);
  });

  it('validate succeeds through the replica when the primary is down', async () => {
    behaviour[PRIMARY] = () => networkError('ECONNREFUSED');
    const { failover } = build();
    await expect(failover.validate()).resolves.toBeUndefined();
    expect(callsPerRegion[REPLICA]).toBe(1);
  });
});
