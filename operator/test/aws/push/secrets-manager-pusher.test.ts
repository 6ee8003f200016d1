import {
  CreateSecretCommand,
  DeleteResourcePolicyCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  RemoveRegionsFromReplicationCommand,
  ReplicateSecretToRegionsCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { PUSH_REASON, type PushRequest } from '../../../src/api/push.js';
import { INITIAL_VERSION, SecretsManagerPusher, type SecretsManagerDeletion } from '../../../src/aws/push/secrets-manager-pusher.js';
import { awsError } from '../helpers.js';
import { metadata as meta, pushFailure } from './helpers.js';

const sm = mockClient(SecretsManagerClient);
const client = new SecretsManagerClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/db-AbCdEf';

function pusher(options: { prefix?: string; deletion?: SecretsManagerDeletion } = {}) {
  return new SecretsManagerPusher({ client: () => client, region: 'eu-west-1', newVersionId: () => 'uuid-2', ...options });
}

function request(value: string, extra: Partial<PushRequest> = {}): PushRequest {
  return { remoteKey: 'app/db', value: Buffer.from(value), updatePolicy: 'Replace', ...extra };
}

function existing(tags: Record<string, string> = { 'managed-by': 'rotor' }, extra: Record<string, unknown> = {}) {
  sm.on(DescribeSecretCommand).resolves({ ARN, Name: 'app/db', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })), VersionIdsToStages: { v1: ['AWSCURRENT'] }, ...extra });
}

function calls(): string[] {
  return sm.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''));
}


beforeEach(() => {
  sm.reset();
  sm.on(GetResourcePolicyCommand).resolves({});
});
afterAll(() => sm.restore());

describe('SecretsManagerPusher.push', () => {
  it("creates a missing secret as ESO does: binary, managed-by tag, ESO's first token, default KMS key and description", async () => {
    sm.on(DescribeSecretCommand).rejects(awsError('ResourceNotFoundException', 'not found'));
    sm.on(CreateSecretCommand).resolves({ ARN, VersionId: INITIAL_VERSION });
    const result = await pusher({ prefix: 'team-a/' }).push(request('s3cr3t', { metadata: meta({ tags: { team: 'a' } }) }));
    expect(result).toEqual({ outcome: 'created', version: INITIAL_VERSION });
    expect(sm.commandCalls(DescribeSecretCommand)[0]!.args[0].input).toEqual({ SecretId: 'team-a/app/db' });
    expect(sm.commandCalls(CreateSecretCommand)[0]!.args[0].input).toEqual({
      Name: 'team-a/app/db',
      SecretBinary: new Uint8Array(Buffer.from('s3cr3t')),
      Tags: [
        { Key: 'managed-by', Value: 'rotor' },
        { Key: 'team', Value: 'a' },
      ],
      Description: "secret 'managed-by:rotor'",
      ClientRequestToken: INITIAL_VERSION,
      KmsKeyId: 'alias/aws/secretsmanager',
    });
    expect(calls()).toEqual(['DescribeSecret', 'CreateSecret']);
  });

  it('secretPushFormat string writes SecretString; a property creates a JSON object', async () => {
    sm.on(DescribeSecretCommand).rejects(awsError('ResourceNotFoundException'));
    sm.on(CreateSecretCommand).resolves({ ARN, VersionId: INITIAL_VERSION });
    await pusher().push(request('pw', { property: 'db.password', metadata: meta({ secretPushFormat: 'string' }) }));
    expect(sm.commandCalls(CreateSecretCommand)[0]!.args[0].input).toMatchObject({ SecretString: '{"db":{"password":"pw"}}' });
    expect(sm.commandCalls(CreateSecretCommand)[0]!.args[0].input.SecretBinary).toBeUndefined();
  });

  it('updates a managed secret with a new version when the value differs', async () => {
    existing();
    sm.on(GetSecretValueCommand).resolves({ ARN, VersionId: 'v1', SecretBinary: new Uint8Array(Buffer.from('old')) });
    sm.on(PutSecretValueCommand).resolves({ ARN, VersionId: 'uuid-2' });
    expect(await pusher().push(request('new'))).toEqual({ outcome: 'updated', version: 'uuid-2' });
    expect(sm.commandCalls(PutSecretValueCommand)[0]!.args[0].input).toEqual({ SecretId: ARN, ClientRequestToken: 'uuid-2', SecretBinary: new Uint8Array(Buffer.from('new')) });
  });

  it('writes no version when the current value is the same (binary or string)', async () => {
    existing();
    sm.on(GetSecretValueCommand).resolves({ ARN, VersionId: 'v1', SecretString: 'same' });
    expect(await pusher().push(request('same'))).toEqual({ outcome: 'unchanged', version: 'v1' });
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('a secret that exists without a value gets ESO\'s first token, without reading a value', async () => {
    existing({ 'managed-by': 'rotor' }, { VersionIdsToStages: {} });
    sm.on(PutSecretValueCommand).resolves({ ARN, VersionId: INITIAL_VERSION });
    expect((await pusher().push(request('v'))).outcome).toBe('updated');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(sm.commandCalls(PutSecretValueCommand)[0]!.args[0].input.ClientRequestToken).toBe(INITIAL_VERSION);
  });

  it('property merges into the current JSON object, keeping the other fields; the same value is unchanged', async () => {
    existing();
    sm.on(GetSecretValueCommand).resolves({ ARN, VersionId: 'v1', SecretString: '{"user":"app","password":"old"}' });
    sm.on(PutSecretValueCommand).resolves({ VersionId: 'uuid-2' });
    await pusher().push(request('new', { property: 'password', metadata: meta({ secretPushFormat: 'string' }) }));
    expect(sm.commandCalls(PutSecretValueCommand)[0]!.args[0].input.SecretString).toBe('{"user":"app","password":"new"}');

    sm.reset();
    sm.on(GetResourcePolicyCommand).resolves({});
    existing();
    sm.on(GetSecretValueCommand).resolves({ ARN, VersionId: 'v1', SecretString: '{"user":"app","password":"new"}' });
    expect((await pusher().push(request('new', { property: 'password' }))).outcome).toBe('unchanged');
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('property on a value that is not JSON is a Conflict naming the field, not quoting the value', async () => {
    existing();
    sm.on(GetSecretValueCommand).resolves({ ARN, VersionId: 'v1', SecretString: 'plain-current-value' });
    const err = await pushFailure(pusher().push(request('new', { property: 'password' })));
    expect(err.reason).toBe(PUSH_REASON.Conflict);
    expect(err.message).toContain('remoteRef.property password');
    expect(err.message).not.toContain('plain-current-value');
  });

  it('refuses a secret without the managed-by tag (NotManaged), before reading its value', async () => {
    existing({ owner: 'someone' });
    const err = await pushFailure(pusher().push(request('v')));
    expect(err.reason).toBe(PUSH_REASON.NotManaged);
    expect(err.message).toContain('secret app/db exists and was not created by Rotor or ESO');
    expect(calls()).toEqual(['DescribeSecret']);
  });

  it("treats ESO's managed-by: external-secrets as managed, and keeps that tag", async () => {
    existing({ 'managed-by': 'external-secrets', team: 'a' });
    sm.on(GetSecretValueCommand).resolves({ ARN, VersionId: 'v1', SecretString: 'old' });
    sm.on(PutSecretValueCommand).resolves({ VersionId: 'uuid-2' });
    expect((await pusher().push(request('new', { metadata: meta({ tags: { team: 'b' } }) }))).outcome).toBe('updated');
    expect(sm.commandCalls(TagResourceCommand)[0]!.args[0].input.Tags).toEqual([
      { Key: 'managed-by', Value: 'external-secrets' },
      { Key: 'team', Value: 'b' },
    ]);
  });

  it('adoptUnmanaged tags an unmanaged secret as Rotor\'s, then writes', async () => {
    existing({});
    sm.on(GetSecretValueCommand).resolves({ ARN, VersionId: 'v1', SecretString: 'old' });
    sm.on(PutSecretValueCommand).resolves({ VersionId: 'uuid-2' });
    await pusher().push(request('new', { adoptUnmanaged: true }));
    expect(sm.commandCalls(TagResourceCommand)[0]!.args[0].input).toEqual({ SecretId: ARN, Tags: [{ Key: 'managed-by', Value: 'rotor' }] });
    expect(calls()).toContain('PutSecretValue');
  });

  it('IfNotExists leaves an existing value alone (even an unmanaged one), and creates a missing one', async () => {
    existing({});
    expect(await pusher().push(request('v', { updatePolicy: 'IfNotExists' }))).toEqual({ outcome: 'exists', version: 'v1' });
    expect(calls()).toEqual(['DescribeSecret']);

    sm.reset();
    sm.on(DescribeSecretCommand).rejects(awsError('ResourceNotFoundException'));
    sm.on(CreateSecretCommand).resolves({ ARN, VersionId: INITIAL_VERSION });
    expect((await pusher().push(request('v', { updatePolicy: 'IfNotExists' }))).outcome).toBe('created');
  });

  it('reconciles tags only when the metadata names tags: removes others, writes the set', async () => {
    existing({ 'managed-by': 'rotor', stale: 'x', team: 'a' });
    sm.on(GetSecretValueCommand).resolves({ ARN, VersionId: 'v1', SecretString: 'v' });
    await pusher().push(request('v', { metadata: meta({ tags: { team: 'b' } }) }));
    expect(sm.commandCalls(UntagResourceCommand)[0]!.args[0].input).toEqual({ SecretId: ARN, TagKeys: ['stale'] });
    expect(sm.commandCalls(TagResourceCommand)).toHaveLength(1);

    sm.reset();
    sm.on(GetResourcePolicyCommand).resolves({});
    existing({ 'managed-by': 'rotor', stale: 'x' });
    sm.on(GetSecretValueCommand).resolves({ ARN, VersionId: 'v1', SecretString: 'v' });
    await pusher().push(request('v'));
    expect(calls()).toEqual(['DescribeSecret', 'GetSecretValue', 'GetResourcePolicy']);
  });

  it('a secret scheduled for deletion is a retryable Conflict telling how to restore it', async () => {
    existing({ 'managed-by': 'rotor' }, { DeletedDate: new Date() });
    const err = await pushFailure(pusher().push(request('v')));
    expect(err.reason).toBe(PUSH_REASON.Conflict);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('restore-secret --secret-id app/db');
  });

  it('metadata errors fail before any AWS call', async () => {
    const err = await pushFailure(pusher().push(request('v', { metadata: meta({ secretPushFormat: 'yaml' }) })));
    expect(err.reason).toBe(PUSH_REASON.InvalidMetadata);
    expect(sm.calls()).toHaveLength(0);
  });
});

describe('SecretsManagerPusher resource policy', () => {
  const policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::2:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}';
  const withPolicy = meta({ resourcePolicy: { blockPublicPolicy: true, policySourceRef: { kind: 'ConfigMap', name: 'pol', key: 'policy.json' } } });

  it('on create: reads the source, creates, then puts the policy with BlockPublicPolicy', async () => {
    sm.on(DescribeSecretCommand).rejects(awsError('ResourceNotFoundException'));
    sm.on(CreateSecretCommand).resolves({ ARN, VersionId: INITIAL_VERSION });
    const asked: unknown[] = [];
    await pusher().push(request('v', { metadata: withPolicy, readPolicySource: async (ref) => (asked.push(ref), policy) }));
    expect(asked).toEqual([{ kind: 'ConfigMap', name: 'pol', key: 'policy.json' }]);
    expect(sm.commandCalls(PutResourcePolicyCommand)[0]!.args[0].input).toEqual({ SecretId: ARN, ResourcePolicy: policy, BlockPublicPolicy: true });
  });

  it('a missing policy source fails with InvalidMetadata before the secret is created', async () => {
    sm.on(DescribeSecretCommand).rejects(awsError('ResourceNotFoundException'));
    const err = await pushFailure(pusher().push(request('v', { metadata: withPolicy, readPolicySource: async () => undefined })));
    expect(err.reason).toBe(PUSH_REASON.InvalidMetadata);
    expect(err.message).toContain('ConfigMap pol key policy.json, which does not exist');
    expect(sm.commandCalls(CreateSecretCommand)).toHaveLength(0);
    const noReader = await pushFailure(pusher().push(request('v', { metadata: withPolicy })));
    expect(noReader.message).toContain('spec.resourcePolicy.policySourceRef');
  });

  it('on update: puts the policy only when it differs as JSON', async () => {
    existing();
    sm.on(GetSecretValueCommand).resolves({ ARN, VersionId: 'v1', SecretString: 'v' });
    sm.on(GetResourcePolicyCommand).resolves({ ResourcePolicy: JSON.stringify(JSON.parse(policy), null, 2) });
    await pusher().push(request('v', { metadata: withPolicy, readPolicySource: async () => policy }));
    expect(sm.commandCalls(PutResourcePolicyCommand)).toHaveLength(0);
    sm.on(GetResourcePolicyCommand).resolves({ ResourcePolicy: '{"Version":"2012-10-17","Statement":[]}' });
    await pusher().push(request('v', { metadata: withPolicy, readPolicySource: async () => policy }));
    expect(sm.commandCalls(PutResourcePolicyCommand)).toHaveLength(1);
  });

  it('without resourcePolicy: deletes a policy that is there, and a role that may not read policies is left alone', async () => {
    existing();
    sm.on(GetSecretValueCommand).resolves({ ARN, VersionId: 'v1', SecretString: 'v' });
    sm.on(GetResourcePolicyCommand).resolves({ ResourcePolicy: policy });
    await pusher().push(request('v'));
    expect(sm.commandCalls(DeleteResourcePolicyCommand)[0]!.args[0].input).toEqual({ SecretId: ARN });

    sm.on(GetResourcePolicyCommand).rejects(awsError('AccessDeniedException', 'not authorized', 400));
    expect((await pusher().push(request('v'))).outcome).toBe('unchanged');
  });
});

describe('SecretsManagerPusher replication (metadata replicationLocations)', () => {
  it('adds missing regions with the primary key and removes the others; unset leaves replicas alone', async () => {
    existing({ 'managed-by': 'rotor' }, { KmsKeyId: 'alias/k', ReplicationStatus: [{ Region: 'us-east-1' }, { Region: 'eu-west-2' }] });
    sm.on(GetSecretValueCommand).resolves({ ARN, VersionId: 'v1', SecretString: 'v' });
    await pusher().push(request('v', { metadata: meta({ replicationLocations: ['eu-west-2', 'eu-central-1'] }) }));
    expect(sm.commandCalls(RemoveRegionsFromReplicationCommand)[0]!.args[0].input).toEqual({ SecretId: ARN, RemoveReplicaRegions: ['us-east-1'] });
    expect(sm.commandCalls(ReplicateSecretToRegionsCommand)[0]!.args[0].input).toEqual({ SecretId: ARN, AddReplicaRegions: [{ Region: 'eu-central-1', KmsKeyId: 'alias/k' }] });
    await pusher().push(request('v'));
    expect(sm.commandCalls(ReplicateSecretToRegionsCommand)).toHaveLength(1);
  });
});

describe('SecretsManagerPusher.delete', () => {
  it('deletes a managed secret by ARN with the store\'s recovery window', async () => {
    existing();
    sm.on(DeleteSecretCommand).resolves({});
    expect(await pusher({ deletion: { recoveryWindowInDays: 7 } }).delete({ remoteKey: 'app/db' })).toBe('deleted');
    expect(sm.commandCalls(DeleteSecretCommand)[0]!.args[0].input).toEqual({ SecretId: ARN, RecoveryWindowInDays: 7 });
  });

  it('forceDeleteWithoutRecovery deletes at once; no settings use AWS\'s default window', async () => {
    existing();
    sm.on(DeleteSecretCommand).resolves({});
    await pusher({ deletion: { forceDeleteWithoutRecovery: true } }).delete({ remoteKey: 'app/db' });
    await pusher().delete({ remoteKey: 'app/db' });
    expect(sm.commandCalls(DeleteSecretCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: ARN, ForceDeleteWithoutRecovery: true }, { SecretId: ARN }]);
  });

  it.each([
    [{ recoveryWindowInDays: 3 }, 'recoveryWindowInDays must be between 7 and 30'],
    [{ recoveryWindowInDays: 10, forceDeleteWithoutRecovery: true }, 'set forceDeleteWithoutRecovery or recoveryWindowInDays, not both'],
  ])('refuses invalid store deletion settings %j (InvalidStore), deleting nothing', async (deletion, message) => {
    existing();
    const err = await pushFailure(pusher({ deletion }).delete({ remoteKey: 'app/db' }));
    expect(err.reason).toBe(PUSH_REASON.InvalidStore);
    expect(err.message).toContain(message);
    expect(sm.commandCalls(DeleteSecretCommand)).toHaveLength(0);
  });

  it('never deletes an unmanaged secret; a missing or already scheduled one is absent', async () => {
    existing({ owner: 'x' });
    expect(await pusher().delete({ remoteKey: 'app/db' })).toBe('notManaged');
    existing({ 'managed-by': 'rotor' }, { DeletedDate: new Date() });
    expect(await pusher().delete({ remoteKey: 'app/db' })).toBe('absent');
    sm.on(DescribeSecretCommand).rejects(awsError('ResourceNotFoundException'));
    expect(await pusher().delete({ remoteKey: 'app/db' })).toBe('absent');
    expect(sm.commandCalls(DeleteSecretCommand)).toHaveLength(0);
  });

  it('removes replicas before deleting a replicated secret', async () => {
    existing({ 'managed-by': 'rotor' }, { ReplicationStatus: [{ Region: 'us-east-1' }] });
    await pusher().delete({ remoteKey: 'app/db' });
    expect(calls()).toEqual(['DescribeSecret', 'RemoveRegionsFromReplication', 'DeleteSecret']);
  });

  it('with property: removes only that field; the secret goes with its last field', async () => {
    existing();
    sm.on(GetSecretValueCommand).resolves({ ARN, VersionId: 'v1', SecretString: '{"user":"u","password":"p"}' });
    sm.on(PutSecretValueCommand).resolves({});
    expect(await pusher().delete({ remoteKey: 'app/db', property: 'password' })).toBe('deleted');
    expect(sm.commandCalls(PutSecretValueCommand)[0]!.args[0].input).toMatchObject({ SecretString: '{"user":"u"}' });
    expect(sm.commandCalls(DeleteSecretCommand)).toHaveLength(0);

    sm.on(GetSecretValueCommand).resolves({ ARN, VersionId: 'v2', SecretString: '{"user":"u"}' });
    expect(await pusher().delete({ remoteKey: 'app/db', property: 'user' })).toBe('deleted');
    expect(sm.commandCalls(DeleteSecretCommand)).toHaveLength(1);
    expect(await pusher().delete({ remoteKey: 'app/db', property: 'absent-field' })).toBe('absent');
  });
});

describe('SecretsManagerPusher.exists', () => {
  it('is GetSecretValue: a value is there, or ResourceNotFoundException', async () => {
    sm.on(GetSecretValueCommand).resolves({ ARN, SecretString: 'v' });
    expect(await pusher().exists({ remoteKey: 'app/db' })).toBe(true);
    sm.on(GetSecretValueCommand).rejects(awsError('ResourceNotFoundException'));
    expect(await pusher().exists({ remoteKey: 'app/db' })).toBe(false);
    sm.on(GetSecretValueCommand).rejects(awsError('AccessDeniedException', 'no', 400));
    expect((await pushFailure(pusher().exists({ remoteKey: 'app/db' }))).reason).toBe(PUSH_REASON.AccessDenied);
  });
});

describe('SecretsManagerPusher errors', () => {
  it('AccessDenied names the IAM action and the ARN, and the TagResource need on create', async () => {
    existing();
    sm.on(GetSecretValueCommand).resolves({ ARN, VersionId: 'v1', SecretString: 'old' });
    sm.on(PutSecretValueCommand).rejects(awsError('AccessDeniedException', 'User is not authorized to perform: secretsmanager:PutSecretValue', 400));
    const err = await pushFailure(pusher().push(request('new-value')));
    expect(err.reason).toBe(PUSH_REASON.AccessDenied);
    expect(err.message).toContain(`needs secretsmanager:PutSecretValue on secret app/db (${ARN})`);
    expect(err.message).toContain('docs/iam/secretsmanager-push.json');

    sm.on(DescribeSecretCommand).rejects(awsError('ResourceNotFoundException'));
    sm.on(CreateSecretCommand).rejects(awsError('AccessDeniedException', 'denied', 400));
    expect((await pushFailure(pusher().push(request('v')))).message).toContain('also needs secretsmanager:TagResource');
  });

  it('a KMS failure names the key from the metadata and the KMS actions', async () => {
    sm.on(DescribeSecretCommand).rejects(awsError('ResourceNotFoundException'));
    sm.on(CreateSecretCommand).rejects(awsError('KMSInvalidStateException', 'key disabled', 400));
    const err = await pushFailure(pusher().push(request('v', { metadata: meta({ kmsKeyId: 'alias/team' }) })));
    expect(err.reason).toBe(PUSH_REASON.AccessDenied);
    expect(err.message).toContain('could not use the KMS key alias/team');
    expect(err.message).toContain('kms:GenerateDataKey');
  });

  it('a create race is a retryable Conflict; throttling is a retryable ProviderError', async () => {
    sm.on(DescribeSecretCommand).rejects(awsError('ResourceNotFoundException'));
    sm.on(CreateSecretCommand).rejects(awsError('ResourceExistsException', 'exists', 400));
    expect(await pushFailure(pusher().push(request('v')))).toMatchObject({ reason: PUSH_REASON.Conflict, retryable: true });
    sm.on(CreateSecretCommand).rejects(awsError('ThrottlingException', 'slow down', 400));
    expect(await pushFailure(pusher().push(request('v')))).toMatchObject({ reason: PUSH_REASON.ProviderError, retryable: true });
  });

  it('never puts the pushed value into a message, even when the server echoes it', async () => {
    existing();
    sm.on(GetSecretValueCommand).resolves({ ARN, VersionId: 'v1', SecretString: 'old' });
    sm.on(PutSecretValueCommand).rejects(awsError('ValidationException', "Value 'TOPSECRET-42' at 'secretBinary' failed to satisfy constraint", 400));
    const err = await pushFailure(pusher().push(request('TOPSECRET-42')));
    expect(err.message).toContain('rejected PutSecretValue');
    expect(err.message).not.toContain('TOPSECRET-42');
  });
});
