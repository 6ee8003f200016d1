import {
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  ListTagsForResourceCommand,
  ParameterNotFound,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ES_REASON } from '../../src/api/types.js';
import { ParameterStoreProvider, parameterSelector } from '../../src/aws/parameter-store.js';
import type { ProviderError, RemoteSecret } from '../../src/api/provider.js';
import { awsError, silentLogger } from './helpers.js';

const ssm = mockClient(SSMClient);

function provider() {
  return new ParameterStoreProvider({ client: new SSMClient({ region: 'us-east-1' }), region: 'us-east-1', logger: silentLogger });
}

/** GetParameters fake: known names (optionally with a ":selector") answer, others are invalid. */
function serveParameters(values: Record<string, string>) {
  ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => {
    const found = input.Names.filter((n) => n.split(':')[0] as string in values);
    return {
      Parameters: found.map((requested) => {
        const [name, selector] = requested.split(':') as [string, string | undefined];
        return { Name: name, Value: values[name], Version: selector && /^\d+$/.test(selector) ? Number(selector) : 4, Type: 'SecureString', ...(selector ? { Selector: `:${selector}` } : {}) };
      }),
      InvalidParameters: input.Names.filter((n) => !found.includes(n)),
    };
  });
}

beforeEach(() => ssm.reset());
afterAll(() => ssm.restore());

describe('parameterSelector', () => {
  it('appends a version number or a label', () => {
    expect(parameterSelector({ key: '/app/db' })).toBe('/app/db');
    expect(parameterSelector({ key: '/app/db', version: '3' })).toBe('/app/db:3');
    expect(parameterSelector({ key: '/app/db', version: 'blue' })).toBe('/app/db:blue');
  });
});

describe('ParameterStoreProvider.get', () => {
  it('reads with decryption and returns the parameter version', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/app/db', Value: 's3cr3t', Version: 7, Type: 'SecureString' } });
    const value = await provider().get({ key: '/app/db' });
    expect(value).toEqual({ name: '/app/db', value: Buffer.from('s3cr3t'), binary: false, version: 7, region: 'us-east-1' });
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({ Name: '/app/db', WithDecryption: true });
  });

  it('returns the ARN AWS gives (the event index learns the account from it)', async () => {
    const arn = 'arn:aws:ssm:us-east-1:111122223333:parameter/app/db';
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/app/db', ARN: arn, Value: 's3cr3t', Version: 7, Type: 'SecureString' } });
    expect((await provider().get({ key: '/app/db' })).arn).toBe(arn);
  });

  it('selects a version number or a label', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/app/db', Value: 'v', Version: 3 } });
    await provider().get({ key: '/app/db', version: '3' });
    await provider().get({ key: '/app/db', version: 'prod' });
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input.Name)).toEqual(['/app/db:3', '/app/db:prod']);
  });

  it('returns a StringList as-is', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/hosts', Value: 'a,b,c', Version: 1, Type: 'StringList' } });
    expect((await provider().get({ key: '/hosts' })).value.toString()).toBe('a,b,c');
  });

  it('maps ParameterNotFound to a notFound SecretMissing naming the parameter', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: '', $metadata: {} }));
    await expect(provider().get({ key: '/nope' })).rejects.toMatchObject({
      reason: ES_REASON.SecretMissing,
      notFound: true,
      message: expect.stringContaining('parameter /nope not found in region us-east-1'),
    });
  });
});

describe('ParameterStoreProvider tags (metadataPolicy Fetch)', () => {
  it('reads the tags with ListTagsForResource as a JSON object with sorted keys', async () => {
    ssm.on(ListTagsForResourceCommand, { ResourceType: 'Parameter', ResourceId: '/app/db' }).resolves({ TagList: [{ Key: 'z', Value: '1' }, { Key: 'a', Value: '2' }] });
    const out = await provider().getMany([{ key: '/app/db', tags: true }]);
    expect((out.get('tags:/app/db') as RemoteSecret).value.toString()).toBe('{"a":"2","z":"1"}');
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(0);
  });
});

describe('ParameterStoreProvider.getMany', () => {
  it('chunks 25 names into 3 GetParameters calls of at most 10, with decryption', async () => {
    const values = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`/p/${i}`, `v${i}`]));
    serveParameters(values);
    const results = await provider().getMany(Object.keys(values).map((key) => ({ key })));
    const calls = ssm.commandCalls(GetParametersCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.Names?.length)).toEqual([10, 10, 5]);
    expect(calls.every((c) => c.WithDecryption === true)).toBe(true);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
    expect((results.get('/p/24') as RemoteSecret).value.toString()).toBe('v24');
  });

  it('maps InvalidParameters to notFound entries and matches selectors back to requests', async () => {
    serveParameters({ '/a': 'A' });
    const results = await provider().getMany([{ key: '/a', version: '2' }, { key: '/a' }, { key: '/missing' }, { key: '/missing', version: '5' }]);
    // One selector per name per call (see the next test).
    expect(ssm.commandCalls(GetParametersCommand).map((c) => c.args[0].input.Names)).toEqual([
      ['/a:2', '/missing'],
      ['/a', '/missing:5'],
    ]);
    expect((results.get('/a@2') as RemoteSecret).version).toBe(2);
    expect((results.get('/a') as RemoteSecret).version).toBe(4);
    const missing = results.get('/missing') as ProviderError;
    expect(missing.notFound).toBe(true);
    expect(missing.message).toContain('parameter /missing not found');
    expect((results.get('/missing@5') as ProviderError).message).toContain('parameter /missing (version 5) not found');
  });

  it('never asks for one name twice in a call, so answers without a Selector (LocalStack) still match', async () => {
    // LocalStack 4.14 answers `name:1` with the plain Name and no Selector, in request order.
    const versions: Record<string, { Value: string; Version: number }> = { '': { Value: 'current', Version: 3 }, ':1': { Value: 'first', Version: 1 }, ':2': { Value: 'second', Version: 2 } };
    ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
      Parameters: input.Names.map((n) => ({ Name: n.split(':')[0], Type: 'String', ...versions[n.slice(2)]! })),
      InvalidParameters: [],
    }));
    const results = await provider().getMany([{ key: '/a', version: '1' }, { key: '/a' }, { key: '/a', version: '2' }, { key: '/b' }]);
    expect((results.get('/a') as RemoteSecret).value.toString()).toBe('current');
    expect((results.get('/a@1') as RemoteSecret).value.toString()).toBe('first');
    expect((results.get('/a@2') as RemoteSecret).value.toString()).toBe('second');
    const calls = ssm.commandCalls(GetParametersCommand).map((c) => c.args[0].input.Names);
    expect(calls).toEqual([['/a:1', '/b'], ['/a'], ['/a:2']]);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it('ignores an answer whose Selector does not match the request', async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: '/a', Value: 'x', Version: 2, Selector: ':2' }], InvalidParameters: [] });
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/a', Value: 'current', Version: 3 } });
    const results = await provider().getMany([{ key: '/a' }, { key: '/b' }]);
    expect((results.get('/a') as RemoteSecret).value.toString()).toBe('current');
  });

  it('routes /aws/reference/secretsmanager/ names through GetParameter (GetParameters does not support them)', async () => {
    serveParameters({ '/plain': 'P' });
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/aws/reference/secretsmanager/prod/db', Value: '{"u":"x"}', Version: 0 } });
    const results = await provider().getMany([{ key: '/plain' }, { key: '/aws/reference/secretsmanager/prod/db' }]);
    expect(ssm.commandCalls(GetParametersCommand)[0]?.args[0].input.Names).toEqual(['/plain']);
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([
      { Name: '/aws/reference/secretsmanager/prod/db', WithDecryption: true },
    ]);
    expect((results.get('/aws/reference/secretsmanager/prod/db') as RemoteSecret).value.toString()).toBe('{"u":"x"}');
  });

  it('gives every key of a failed call the mapped error', async () => {
    ssm.on(GetParametersCommand).rejects(awsError('AccessDeniedException', 'no'));
    const results = await provider().getMany([{ key: '/a' }, { key: '/b' }]);
    expect((results.get('/b') as ProviderError).reason).toBe(ES_REASON.AccessDenied);
    expect((results.get('/b') as ProviderError).message).toContain('ssm:GetParameters on parameter /b');
  });
});

describe('ParameterStoreProvider.find', () => {
  it('walks GetParametersByPath recursively with decryption across pages and filters by regexp', async () => {
    ssm
      .on(GetParametersByPathCommand)
      .resolvesOnce({ Parameters: [{ Name: '/app/db/user', Value: 'u', Version: 1 }], NextToken: 'n1' })
      .resolvesOnce({ Parameters: [{ Name: '/app/db/password', Value: 'p', Version: 2 }, { Name: '/app/cache/url', Value: 'c', Version: 1 }] });
    const found = await provider().find({ path: '/app', name: { regexp: '/db/' } });
    expect(found.map((f) => [f.name, f.value.toString(), f.version])).toEqual([
      ['/app/db/user', 'u', 1],
      ['/app/db/password', 'p', 2],
    ]);
    const inputs = ssm.commandCalls(GetParametersByPathCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toEqual({ Path: '/app', Recursive: true, WithDecryption: true, MaxResults: 10 });
    expect(inputs[1]?.NextToken).toBe('n1');
  });

  it('uses DescribeParameters with path and tag filters when tags are given, then GetParameters', async () => {
    ssm
      .on(DescribeParametersCommand)
      .resolvesOnce({ Parameters: [{ Name: '/app/a' }], NextToken: 'd1' })
      .resolvesOnce({ Parameters: [{ Name: '/app/b' }, { Name: '/app/skip-me' }] });
    serveParameters({ '/app/a': 'A', '/app/b': 'B', '/app/skip-me': 'S' });
    const found = await provider().find({ path: '/app', name: { regexp: '/[ab]$' }, tags: { team: 'payments' } });
    expect(found.map((f) => f.name)).toEqual(['/app/a', '/app/b']);
    expect(ssm.commandCalls(DescribeParametersCommand)[0]?.args[0].input).toEqual({
      MaxResults: 50,
      ParameterFilters: [
        { Key: 'Path', Option: 'Recursive', Values: ['/app'] },
        { Key: 'tag:team', Values: ['payments'] },
      ],
    });
    expect(ssm.commandCalls(GetParametersCommand)[0]?.args[0].input.Names).toEqual(['/app/a', '/app/b']);
    expect(ssm.commandCalls(GetParametersByPathCommand)).toHaveLength(0);
  });

  it('uses DescribeParameters when only a name regexp is given', async () => {
    ssm.on(DescribeParametersCommand).resolves({ Parameters: [{ Name: '/x/token' }, { Name: '/y/other' }] });
    serveParameters({ '/x/token': 'T' });
    const found = await provider().find({ name: { regexp: 'token$' } });
    expect(found.map((f) => f.name)).toEqual(['/x/token']);
    expect(ssm.commandCalls(DescribeParametersCommand)[0]?.args[0].input).toEqual({ MaxResults: 50 });
  });
});

describe('ParameterStoreProvider.validate', () => {
  it('is one DescribeParameters call with MaxResults 1; AccessDenied still validates', async () => {
    ssm.on(DescribeParametersCommand).resolvesOnce({ Parameters: [] }).rejectsOnce(awsError('AccessDeniedException'));
    await provider().validate();
    await provider().validate();
    expect(ssm.commandCalls(DescribeParametersCommand).map((c) => c.args[0].input)).toEqual([{ MaxResults: 1 }, { MaxResults: 1 }]);
  });

  it('fails on rejected credentials', async () => {
    ssm.on(DescribeParametersCommand).rejects(awsError('UnrecognizedClientException'));
    await expect(provider().validate()).rejects.toMatchObject({ reason: ES_REASON.AccessDenied });
  });
});
