import {
  BatchGetSecretValueCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ES_REASON } from '../../src/api/types.js';
import { SecretsManagerProvider, versionSelector } from '../../src/aws/secrets-manager.js';
import { ProviderError, type RemoteSecret } from '../../src/api/provider.js';
import { awsError, networkError, recordingLogger, silentLogger } from './helpers.js';

const sm = mockClient(SecretsManagerClient);
const arnOf = (name: string) => `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${name}-AbCdEf`;

function provider(logger = silentLogger) {
  return new SecretsManagerProvider({ client: new SecretsManagerClient({ region: 'eu-west-1' }), region: 'eu-west-1', logger });
}

/** BatchGetSecretValue fake: answers each requested id from `values`, errors for unknown ones. */
function serveBatch(values: Record<string, string>) {
  sm.on(BatchGetSecretValueCommand).callsFake((input: { SecretIdList: string[] }) => ({
    SecretValues: input.SecretIdList.filter((id) => id in values).map((id) => ({ Name: id, ARN: arnOf(id), VersionId: `v-${id}`, SecretString: values[id] })),
    Errors: input.SecretIdList.filter((id) => !(id in values)).map((id) => ({ SecretId: id, ErrorCode: 'ResourceNotFoundException', Message: 'not found' })),
  }));
}

beforeEach(() => sm.reset());
afterAll(() => sm.restore());

describe('versionSelector', () => {
  it.each([
    ['AWSCURRENT', { VersionStage: 'AWSCURRENT' }],
    ['AWSPREVIOUS', { VersionStage: 'AWSPREVIOUS' }],
    ['AWSPENDING', { VersionStage: 'AWSPENDING' }],
    ['blue', { VersionStage: 'blue' }],
    ['release-2024-05', { VersionStage: 'release-2024-05' }],
    ['3f2b8c1e-8d4a-4b7e-9c1a-0e5f6a7b8c9d', { VersionId: '3f2b8c1e-8d4a-4b7e-9c1a-0e5f6a7b8c9d' }],
    ['a'.repeat(32), { VersionId: 'a'.repeat(32) }],
    ['EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE', { VersionStage: 'EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE' }],
    ['abc123', { VersionStage: 'abc123' }],
    // ESO's form: uuid/<VersionId>, whatever the id looks like.
    ['uuid/3f2b8c1e-8d4a-4b7e-9c1a-0e5f6a7b8c9d', { VersionId: '3f2b8c1e-8d4a-4b7e-9c1a-0e5f6a7b8c9d' }],
    ['uuid/EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE', { VersionId: 'EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE' }],
  ])('%s', (version, expected) => {
    expect(versionSelector(version)).toEqual(expected);
  });

  it('no version selects nothing (AWSCURRENT)', () => {
    expect(versionSelector(undefined)).toEqual({});
  });
});

describe('SecretsManagerProvider.get', () => {
  it('returns SecretString as UTF-8 bytes with the VersionId, region and ARN', async () => {
    sm.on(GetSecretValueCommand).resolves({ Name: 'prod/db', ARN: arnOf('prod/db'), VersionId: 'v1', SecretString: '{"password":"häß"}' });
    const value = await provider().get({ key: 'prod/db' });
    expect(value).toEqual({ name: 'prod/db', value: Buffer.from('{"password":"häß"}', 'utf8'), binary: false, versionId: 'v1', region: 'eu-west-1', arn: arnOf('prod/db') });
    expect(sm.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: 'prod/db' });
  });

  it('returns SecretBinary as raw bytes flagged binary', async () => {
    const bytes = new Uint8Array([0, 255, 1, 128]);
    sm.on(GetSecretValueCommand).resolves({ Name: 'cert', VersionId: 'v2', SecretBinary: bytes });
    const value = await provider().get({ key: 'cert' });
    expect(value.binary).toBe(true);
    expect([...value.value]).toEqual([0, 255, 1, 128]);
  });

  it('sends a stage label as VersionStage and a version id as VersionId', async () => {
    sm.on(GetSecretValueCommand).resolves({ Name: 'k', VersionId: 'x', SecretString: 's' });
    await provider().get({ key: 'k', version: 'AWSPREVIOUS' });
    await provider().get({ key: 'k', version: '3f2b8c1e-8d4a-4b7e-9c1a-0e5f6a7b8c9d' });
    const inputs = sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      { SecretId: 'k', VersionStage: 'AWSPREVIOUS' },
      { SecretId: 'k', VersionId: '3f2b8c1e-8d4a-4b7e-9c1a-0e5f6a7b8c9d' },
    ]);
  });

  it('maps errors with the key and version', async () => {
    sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'nope', $metadata: {} }));
    const error = await provider().get({ key: 'gone', version: 'AWSPREVIOUS' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).notFound).toBe(true);
    expect((error as ProviderError).message).toContain('secret gone (version AWSPREVIOUS) not found in region eu-west-1');
  });
});

describe('SecretsManagerProvider.getMany', () => {
  it('chunks 45 current-version keys into 3 BatchGetSecretValue calls of at most 20', async () => {
    const values = Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`s${i}`, `value-${i}`]));
    serveBatch(values);
    const results = await provider().getMany(Object.keys(values).map((key) => ({ key })));
    const calls = sm.commandCalls(BatchGetSecretValueCommand);
    expect(calls.map((c) => c.args[0].input.SecretIdList?.length)).toEqual([20, 20, 5]);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(results.size).toBe(45);
    expect((results.get('s44') as RemoteSecret).value.toString()).toBe('value-44');
    expect((results.get('s44') as RemoteSecret).versionId).toBe('v-s44');
  });

  it('batches AWSCURRENT requests and reads other stages individually', async () => {
    serveBatch({ a: 'A', b: 'B' });
    sm.on(GetSecretValueCommand).resolves({ Name: 'a', VersionId: 'old', SecretString: 'A-old' });
    const results = await provider().getMany([{ key: 'a' }, { key: 'b', version: 'AWSCURRENT' }, { key: 'a', version: 'AWSPREVIOUS' }]);
    expect(sm.commandCalls(BatchGetSecretValueCommand)).toHaveLength(1);
    expect(sm.commandCalls(BatchGetSecretValueCommand)[0]?.args[0].input.SecretIdList).toEqual(['a', 'b']);
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: 'a', VersionStage: 'AWSPREVIOUS' }]);
    expect((results.get('b@AWSCURRENT') as RemoteSecret).value.toString()).toBe('B');
    expect((results.get('a@AWSPREVIOUS') as RemoteSecret).value.toString()).toBe('A-old');
  });

  it('returns per-key batch errors as ProviderErrors without failing the others', async () => {
    sm.on(BatchGetSecretValueCommand).resolves({
      SecretValues: [{ Name: 'ok', ARN: arnOf('ok'), VersionId: 'v', SecretString: 'fine' }],
      Errors: [
        { SecretId: 'missing', ErrorCode: 'ResourceNotFoundException', Message: 'not found' },
        { SecretId: 'locked', ErrorCode: 'DecryptionFailure', Message: 'KMS says no' },
      ],
    });
    const results = await provider().getMany([{ key: 'ok' }, { key: 'missing' }, { key: 'locked' }]);
    expect((results.get('ok') as RemoteSecret).value.toString()).toBe('fine');
    const missing = results.get('missing') as ProviderError;
    expect(missing.notFound).toBe(true);
    expect(missing.message).toContain('secret missing not found');
    const locked = results.get('locked') as ProviderError;
    expect(locked.reason).toBe(ES_REASON.AccessDenied);
    expect(locked.message).toContain('kms:Decrypt');
  });

  it('matches batch answers requested by ARN or partial ARN', async () => {
    const full = arnOf('app/one');
    const partial = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/two';
    sm.on(BatchGetSecretValueCommand).resolves({
      SecretValues: [
        { Name: 'app/one', ARN: full, VersionId: '1', SecretString: 'one' },
        { Name: 'app/two', ARN: `${partial}-XyZ123`, VersionId: '2', SecretString: 'two' },
      ],
    });
    const results = await provider().getMany([{ key: full }, { key: partial }]);
    expect((results.get(full) as RemoteSecret).value.toString()).toBe('one');
    expect((results.get(partial) as RemoteSecret).value.toString()).toBe('two');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('follows NextToken within one batch', async () => {
    sm.on(BatchGetSecretValueCommand)
      .resolvesOnce({ SecretValues: [{ Name: 'a', SecretString: 'A' }], NextToken: 't1' })
      .resolvesOnce({ SecretValues: [{ Name: 'b', SecretString: 'B' }] });
    const results = await provider().getMany([{ key: 'a' }, { key: 'b' }]);
    const calls = sm.commandCalls(BatchGetSecretValueCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([{ SecretIdList: ['a', 'b'] }, { SecretIdList: ['a', 'b'], NextToken: 't1' }]);
    expect((results.get('b') as RemoteSecret).value.toString()).toBe('B');
  });

  it('falls back to GetSecretValue when BatchGetSecretValue is denied, and remembers it', async () => {
    sm.on(BatchGetSecretValueCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: secretsmanager:BatchGetSecretValue'));
    sm.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => ({ Name: input.SecretId, VersionId: 'v', SecretString: `value-of-${input.SecretId}` }));
    const { logger, lines } = recordingLogger();
    const p = provider(logger);

    const first = await p.getMany([{ key: 'a' }, { key: 'b' }, { key: 'c' }]);
    expect([...first.values()].map((v) => (v as RemoteSecret).value.toString())).toEqual(['value-of-a', 'value-of-b', 'value-of-c']);
    expect(sm.commandCalls(BatchGetSecretValueCommand)).toHaveLength(1);
    expect(p.batchGetDisabled).toBe(true);

    await p.getMany([{ key: 'd' }, { key: 'e' }]);
    expect(sm.commandCalls(BatchGetSecretValueCommand)).toHaveLength(1); // not paid again
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(5);
    expect(lines.join('')).toContain('BatchGetSecretValue not allowed');
    expect(lines.join('')).not.toContain('value-of-');
  });

  it('does not disable batching on a throttle; every key of the chunk gets the error', async () => {
    sm.on(BatchGetSecretValueCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
    const p = provider();
    const results = await p.getMany([{ key: 'a' }, { key: 'b' }]);
    expect((results.get('a') as ProviderError).reason).toBe(ES_REASON.Throttled);
    expect((results.get('b') as ProviderError).retryable).toBe(true);
    expect((results.get('b') as ProviderError).message).toContain('secret b');
    expect(p.batchGetDisabled).toBe(false);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('reads keys the batch did not answer individually', async () => {
    sm.on(BatchGetSecretValueCommand).resolves({ SecretValues: [{ Name: 'a', SecretString: 'A' }] });
    sm.on(GetSecretValueCommand).resolves({ Name: 'weird', SecretString: 'W' });
    const results = await provider().getMany([{ key: 'a' }, { key: 'weird' }]);
    expect((results.get('weird') as RemoteSecret).value.toString()).toBe('W');
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId)).toEqual(['weird']);
  });
});

describe('SecretsManagerProvider tags (metadataPolicy Fetch)', () => {
  it('reads the tags with DescribeSecret, as a JSON object with sorted keys, never through the batch', async () => {
    serveBatch({ 'prod/db': '{"password":"x"}' });
    sm.on(DescribeSecretCommand, { SecretId: 'prod/db' }).resolves({ Name: 'prod/db', Tags: [{ Key: 'team', Value: 'payments' }, { Key: 'env', Value: 'prod' }] });
    const out = await provider().getMany([{ key: 'prod/db', tags: true }, { key: 'prod/db' }]);
    expect(out.get('tags:prod/db')).toMatchObject({ name: 'prod/db', value: Buffer.from('{"env":"prod","team":"payments"}') });
    expect((out.get('prod/db') as RemoteSecret).value.toString()).toBe('{"password":"x"}');
    expect(sm.commandCalls(DescribeSecretCommand)).toHaveLength(1);
  });
  it('a missing secret is not-found, as for a value', async () => {
    sm.on(DescribeSecretCommand).rejects(awsError('ResourceNotFoundException', 'not found'));
    await expect(provider().get({ key: 'gone', tags: true })).rejects.toMatchObject({ notFound: true });
  });
});

describe('SecretsManagerProvider.find', () => {
  const listing = [
    { Name: 'app/db', ARN: arnOf('app/db'), Tags: [{ Key: 'team', Value: 'a' }] },
    { Name: 'app/api-key', ARN: arnOf('app/api-key'), Tags: [{ Key: 'team', Value: 'a' }, { Key: 'env', Value: 'prod' }] },
    { Name: 'app/old', ARN: arnOf('app/old'), Tags: [{ Key: 'team', Value: 'a' }], DeletedDate: new Date() },
    { Name: 'other/app/x', ARN: arnOf('other/app/x'), Tags: [{ Key: 'team', Value: 'ab' }] },
  ];

  function serveListing() {
    sm.on(ListSecretsCommand)
      .resolvesOnce({ SecretList: listing.slice(0, 2), NextToken: 'page2' })
      .resolvesOnce({ SecretList: listing.slice(2) });
    sm.on(BatchGetSecretValueCommand).callsFake((input: { SecretIdList: string[] }) => ({
      SecretValues: input.SecretIdList.map((arn) => {
        const entry = listing.find((l) => l.ARN === arn);
        return { Name: entry?.Name, ARN: arn, VersionId: 'v', SecretString: `value:${entry?.Name}` };
      }),
    }));
  }

  it('lists with filters across pages, applies path prefix, regexp and exact tags client-side, reads by ARN', async () => {
    serveListing();
    const found = await provider().find({ path: 'app/', name: { regexp: 'db|api' }, tags: { team: 'a' } });
    expect(found.map((f) => f.name)).toEqual(['app/db', 'app/api-key']);
    expect(found[0]?.value.toString()).toBe('value:app/db');
    const listInputs = sm.commandCalls(ListSecretsCommand).map((c) => c.args[0].input);
    expect(listInputs[0]).toEqual({
      MaxResults: 100,
      Filters: [
        { Key: 'name', Values: ['app/'] },
        { Key: 'tag-key', Values: ['team'] },
        { Key: 'tag-value', Values: ['a'] },
      ],
    });
    expect(listInputs[1]?.NextToken).toBe('page2');
    expect(sm.commandCalls(BatchGetSecretValueCommand)[0]?.args[0].input.SecretIdList).toEqual([arnOf('app/db'), arnOf('app/api-key')]);
  });

  it('drops secrets whose tag only prefix-matches (AWS tag-value filters are prefix matches)', async () => {
    serveListing();
    const found = await provider().find({ tags: { team: 'a' } });
    expect(found.map((f) => f.name)).toEqual(['app/db', 'app/api-key']);
  });

  it('chunks the value reads by 20', async () => {
    const many = Array.from({ length: 25 }, (_, i) => ({ Name: `bulk/${i}`, ARN: arnOf(`bulk/${i}`) }));
    sm.on(ListSecretsCommand).resolves({ SecretList: many });
    sm.on(BatchGetSecretValueCommand).callsFake((input: { SecretIdList: string[] }) => ({
      SecretValues: input.SecretIdList.map((arn) => ({ ARN: arn, Name: many.find((m) => m.ARN === arn)?.Name, SecretString: 'v' })),
    }));
    const found = await provider().find({ path: 'bulk/' });
    expect(found).toHaveLength(25);
    expect(sm.commandCalls(BatchGetSecretValueCommand).map((c) => c.args[0].input.SecretIdList?.length)).toEqual([20, 5]);
  });

  it('rejects an invalid regexp and an empty query as InvalidSpec', async () => {
    await expect(provider().find({ name: { regexp: '(' } })).rejects.toMatchObject({ reason: ES_REASON.InvalidSpec, message: expect.stringContaining('dataFrom.find.name.regexp') });
    await expect(provider().find({})).rejects.toMatchObject({ reason: ES_REASON.InvalidSpec });
    expect(sm.calls()).toHaveLength(0);
  });

  it('skips a secret deleted between listing and reading', async () => {
    sm.on(ListSecretsCommand).resolves({ SecretList: [{ Name: 'a', ARN: arnOf('a') }, { Name: 'b', ARN: arnOf('b') }] });
    sm.on(BatchGetSecretValueCommand).resolves({
      SecretValues: [{ Name: 'a', ARN: arnOf('a'), SecretString: 'A' }],
      Errors: [{ SecretId: arnOf('b'), ErrorCode: 'ResourceNotFoundException' }],
    });
    expect((await provider().find({ name: { regexp: '^[ab]$' } })).map((f) => f.name)).toEqual(['a']);
  });
});

describe('SecretsManagerProvider.validate', () => {
  it('is one ListSecrets call with MaxResults 1', async () => {
    sm.on(ListSecretsCommand).resolves({ SecretList: [] });
    await provider().validate();
    expect(sm.commandCalls(ListSecretsCommand).map((c) => c.args[0].input)).toEqual([{ MaxResults: 1 }]);
  });

  it('accepts AccessDenied (authenticated, just not allowed to list)', async () => {
    sm.on(ListSecretsCommand).rejects(awsError('AccessDeniedException'));
    await expect(provider().validate()).resolves.toBeUndefined();
  });

  it('fails on rejected credentials and on an unreachable endpoint', async () => {
    sm.on(ListSecretsCommand).rejectsOnce(awsError('UnrecognizedClientException')).rejectsOnce(networkError('ECONNREFUSED'));
    await expect(provider().validate()).rejects.toMatchObject({ reason: ES_REASON.AccessDenied });
    await expect(provider().validate()).rejects.toMatchObject({ reason: ES_REASON.ProviderUnavailable, unavailable: true });
  });
});
