// The STSSessionToken generator: ESO's requestParameters and output keys, on a fake SDK client.
import { GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsClientFactory } from '../../../src/aws/clients.js';
import { generateSessionToken, sessionTokenInput } from '../../../src/aws/generators/sts.js';
import { GeneratorError } from '../../../src/api/generator.js';
import { awsError } from '../helpers.js';

const identity = { identityKey: 'user-keys', credentials: async () => ({ accessKeyId: 'AKIDUSER', secretAccessKey: 'secret' }) };
const expiration = new Date('2030-01-01T00:00:00Z');

describe('STSSessionToken', () => {
  const sts = mockClient(STSClient);
  beforeEach(() => sts.reset());
  afterAll(() => sts.restore());

  it('passes requestParameters as ESO (DurationSeconds, SerialNumber, TokenCode), and none when unset', () => {
    expect(sessionTokenInput({ region: 'eu-west-1', requestParameters: { sessionDuration: 900, serialNumber: 'arn:aws:iam::123456789012:mfa/u', tokenCode: '123456' } })).toEqual({
      DurationSeconds: 900,
      SerialNumber: 'arn:aws:iam::123456789012:mfa/u',
      TokenCode: '123456',
    });
    expect(sessionTokenInput({ region: 'eu-west-1' })).toEqual({});
  });

  it('writes access_key_id, secret_access_key, session_token, expiration (Unix seconds)', async () => {
    sts.on(GetSessionTokenCommand).resolves({ Credentials: { AccessKeyId: 'ASIAX', SecretAccessKey: 'sk', SessionToken: 'tok', Expiration: expiration } });
    const out = await generateSessionToken(new AwsClientFactory(), identity, { region: 'eu-west-1', requestParameters: { sessionDuration: 3600 } });
    expect(Object.fromEntries(Object.entries(out.data).map(([k, v]) => [k, v.toString()]))).toEqual({
      access_key_id: 'ASIAX',
      secret_access_key: 'sk',
      session_token: 'tok',
      expiration: String(expiration.getTime() / 1000),
    });
    expect(out.expiresAt).toEqual(expiration);
    expect(sts.commandCalls(GetSessionTokenCommand)[0]!.args[0].input).toEqual({ DurationSeconds: 3600 });
  });

  it('no credentials in the answer is a failure', async () => {
    sts.on(GetSessionTokenCommand).resolves({});
    await expect(generateSessionToken(new AwsClientFactory(), identity, { region: 'eu-west-1' })).rejects.toThrow(/answered no credentials/);
  });

  it('AccessDenied names sts:GetSessionToken', async () => {
    sts.on(GetSessionTokenCommand).rejects(awsError('AccessDenied', 'no', 403));
    const error = (await generateSessionToken(new AwsClientFactory(), identity, { region: 'eu-west-1' }).catch((e: unknown) => e)) as GeneratorError;
    expect(error).toBeInstanceOf(GeneratorError);
    expect(error.message).toMatch(/sts:GetSessionToken/);
  });
});
