import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  GetParameterCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { PUSH_REASON, type PushRequest } from '../../../src/api/push.js';
import { ParameterStorePusher } from '../../../src/aws/push/parameter-store-pusher.js';
import { awsError } from '../helpers.js';
import { metadata as meta, pushFailure } from './helpers.js';

const ssm = mockClient(SSMClient);
const client = new SSMClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const pusher = (prefix?: string) => new ParameterStorePusher({ client: () => client, region: 'eu-west-1', ...(prefix ? { prefix } : {}) });
const request = (value: string, extra: Partial<PushRequest> = {}): PushRequest => ({ remoteKey: '/app/db', value: Buffer.from(value), updatePolicy: 'Replace', ...extra });

function existing(value: string, tags: Record<string, string> = { 'managed-by': 'rotor' }, type = 'String') {
  ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/app/db', Value: value, Version: 3, Type: type as 'String' } });
  ssm.on(ListTagsForResourceCommand).resolves({ TagList: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) });
}
const calls = () => ssm.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''));


beforeEach(() => ssm.reset());
afterAll(() => ssm.restore());

describe('ParameterStorePusher.push', () => {
  it("creates a missing parameter as ESO does: Overwrite false, tags with managed-by, String, ESO's description", async () => {
    ssm.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    expect(await pusher('/team-a').push(request('v1', { metadata: meta({ tags: { team: 'a' } }) }))).toEqual({ outcome: 'created', version: '1' });
    expect(ssm.commandCalls(GetParameterCommand)[0]!.args[0].input).toEqual({ Name: '/team-a/app/db', WithDecryption: true });
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input).toEqual({
      Name: '/team-a/app/db',
      Value: 'v1',
      Type: 'String',
      Description: "secret 'managed-by:rotor'",
      Overwrite: false,
      Tags: [
        { Key: 'managed-by', Value: 'rotor' },
        { Key: 'team', Value: 'a' },
      ],
    });
  });

  it('SecureString sends the KMS key; Advanced and Intelligent-Tiering send the tier and its policies; Standard sends neither', async () => {
    ssm.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const policies = [{ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: '2030-01-01T00:00:00Z' } }];
    await pusher().push(request('v', { metadata: meta({ secretType: 'SecureString', kmsKeyID: 'alias/team', tier: { type: 'Advanced', policies } }) }));
    await pusher().push(request('v', { metadata: meta({ secretType: 'StringList', kmsKeyID: 'alias/unused', tier: { type: 'Intelligent-Tiering' } }) }));
    await pusher().push(request('v', { metadata: meta({ tier: { type: 'Standard', policies } }) }));
    const inputs = ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toMatchObject({ Type: 'SecureString', KeyId: 'alias/team', Tier: 'Advanced', Policies: JSON.stringify(policies) });
    expect(inputs[1]).toMatchObject({ Type: 'StringList', Tier: 'Intelligent-Tiering' });
    expect(inputs[1]!.KeyId).toBeUndefined();
    expect(inputs[2]!.Tier).toBeUndefined();
    expect(inputs[2]!.Policies).toBeUndefined();
  });

  it('updates a managed parameter with Overwrite and no Tags (AWS refuses both), then reconciles tags', async () => {
    existing('old', { 'managed-by': 'rotor', stale: 'x' });
    ssm.on(PutParameterCommand).resolves({ Version: 4 });
    expect(await pusher().push(request('new', { metadata: meta({ tags: { team: 'a' } }) }))).toEqual({ outcome: 'updated', version: '4' });
    const put = ssm.commandCalls(PutParameterCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ Name: '/app/db', Value: 'new', Overwrite: true });
    expect(put.Tags).toBeUndefined();
    expect(ssm.commandCalls(RemoveTagsFromResourceCommand)[0]!.args[0].input).toEqual({ ResourceType: 'Parameter', ResourceId: '/app/db', TagKeys: ['stale'] });
    expect(ssm.commandCalls(AddTagsToResourceCommand)[0]!.args[0].input.Tags).toEqual([
      { Key: 'managed-by', Value: 'rotor' },
      { Key: 'team', Value: 'a' },
    ]);
  });

  it('an unchanged value writes no version', async () => {
    existing('same');
    expect(await pusher().push(request('same'))).toEqual({ outcome: 'unchanged', version: '3' });
    expect(calls()).toEqual(['GetParameter', 'ListTagsForResource']);
  });

  it('refuses an unmanaged parameter; accepts ESO\'s tag; adoptUnmanaged takes it over', async () => {
    existing('old', {});
    expect((await pushFailure(pusher().push(request('new')))).reason).toBe(PUSH_REASON.NotManaged);
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);

    existing('old', { 'managed-by': 'external-secrets' });
    ssm.on(PutParameterCommand).resolves({ Version: 4 });
    expect((await pusher().push(request('new'))).outcome).toBe('updated');
    expect(ssm.commandCalls(AddTagsToResourceCommand)).toHaveLength(0);

    ssm.reset();
    existing('old', {});
    ssm.on(PutParameterCommand).resolves({ Version: 4 });
    await pusher().push(request('new', { adoptUnmanaged: true }));
    expect(ssm.commandCalls(AddTagsToResourceCommand)[0]!.args[0].input.Tags).toEqual([{ Key: 'managed-by', Value: 'rotor' }]);
  });

  it('IfNotExists leaves an existing parameter alone', async () => {
    existing('old', {});
    expect(await pusher().push(request('new', { updatePolicy: 'IfNotExists' }))).toEqual({ outcome: 'exists', version: '3' });
    expect(calls()).toEqual(['GetParameter']);
  });

  it('a whole Secret is JSON with base64 values by default, plain with encodeAsDecoded (ESO)', async () => {
    ssm.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const secretData = { user: Buffer.from('app'), pass: Buffer.from('pw') };
    await pusher().push(request('{"pass":"pw","user":"app"}', { secretData }));
    await pusher().push(request('{"pass":"pw","user":"app"}', { secretData, metadata: meta({ encodeAsDecoded: true }) }));
    expect(ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input.Value)).toEqual(['{"pass":"cHc=","user":"YXBw"}', '{"pass":"pw","user":"app"}']);
  });

  it('property merges into the JSON value', async () => {
    existing('{"user":"app"}');
    ssm.on(PutParameterCommand).resolves({ Version: 4 });
    await pusher().push(request('pw', { property: 'password' }));
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input.Value).toBe('{"user":"app","password":"pw"}');
  });

  it('AccessDenied on PutParameter names ssm:PutParameter and the parameter; values never appear', async () => {
    existing('old');
    ssm.on(PutParameterCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform ssm:PutParameter with value HUSH-HUSH-1', 400));
    const err = await pushFailure(pusher().push(request('HUSH-HUSH-1')));
    expect(err.reason).toBe(PUSH_REASON.AccessDenied);
    expect(err.message).toContain('needs ssm:PutParameter on parameter /app/db');
    expect(err.message).not.toContain('HUSH-HUSH-1');
  });
});

describe('ParameterStorePusher.delete and exists', () => {
  it('deletes a managed parameter, never an unmanaged one; a missing one is absent', async () => {
    existing('v');
    ssm.on(DeleteParameterCommand).resolves({});
    expect(await pusher().delete({ remoteKey: '/app/db' })).toBe('deleted');
    expect(ssm.commandCalls(DeleteParameterCommand)[0]!.args[0].input).toEqual({ Name: '/app/db' });
    expect(ssm.commandCalls(GetParameterCommand)[0]!.args[0].input).toEqual({ Name: '/app/db' });

    existing('v', { owner: 'x' });
    expect(await pusher().delete({ remoteKey: '/app/db' })).toBe('notManaged');
    ssm.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));
    expect(await pusher().delete({ remoteKey: '/app/db' })).toBe('absent');
    expect(ssm.commandCalls(DeleteParameterCommand)).toHaveLength(1);
  });

  it('with property: rewrites the rest with the parameter\'s own type, deletes with the last field', async () => {
    existing('{"a":"1","b":"2"}', { 'managed-by': 'rotor' }, 'SecureString');
    ssm.on(PutParameterCommand).resolves({ Version: 4 });
    ssm.on(DeleteParameterCommand).resolves({});
    expect(await pusher().delete({ remoteKey: '/app/db', property: 'a' })).toBe('deleted');
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input).toMatchObject({ Value: '{"b":"2"}', Type: 'SecureString', KeyId: 'alias/aws/ssm', Overwrite: true });
    existing('{"b":"2"}');
    expect(await pusher().delete({ remoteKey: '/app/db', property: 'b' })).toBe('deleted');
    expect(ssm.commandCalls(DeleteParameterCommand)).toHaveLength(1);
  });

  it('exists is GetParameter: ParameterNotFound is false', async () => {
    existing('v');
    expect(await pusher().exists({ remoteKey: '/app/db' })).toBe(true);
    ssm.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));
    expect(await pusher().exists({ remoteKey: '/app/db' })).toBe(false);
  });
});
