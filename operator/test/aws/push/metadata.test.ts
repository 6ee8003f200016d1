import { describe, expect, it } from 'vitest';
import { PUSH_REASON, PushError } from '../../../src/api/push.js';
import { parseParameterStoreMetadata } from '../../../src/aws/push/parameter-store-metadata.js';
import { parseSecretsManagerMetadata } from '../../../src/aws/push/secrets-manager-metadata.js';
import { encodeWholeSecret } from '../../../src/aws/push/whole-secret.js';
import { planTags } from '../../../src/aws/push/tags.js';

const envelope = (spec: unknown) => ({ apiVersion: 'kubernetes.external-secrets.io/v1alpha1', kind: 'PushSecretMetadata', spec });

function invalid(fn: () => unknown): PushError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PushError);
    expect((err as PushError).reason).toBe(PUSH_REASON.InvalidMetadata);
    return err as PushError;
  }
  throw new Error('expected an InvalidMetadata PushError');
}

describe('Secrets Manager push metadata (ESO PushSecretMetadataSpec)', () => {
  it("no metadata: ESO's defaults (binary, the default KMS key, a managed-by description)", () => {
    expect(parseSecretsManagerMetadata(undefined)).toEqual({ format: 'binary', description: "secret 'managed-by:rotor'", kmsKeyId: 'alias/aws/secretsmanager', tags: new Map() });
  });

  it('reads every field; kmsKeyId matches case-insensitively like Go (kmsKeyID in ESO docs)', () => {
    const meta = parseSecretsManagerMetadata(
      envelope({
        secretPushFormat: 'string',
        description: 'd',
        kmsKeyID: 'arn:aws:kms:eu-west-1:1:key/k',
        tags: { team: 'a' },
        resourcePolicy: { blockPublicPolicy: true, policySourceRef: { kind: 'ConfigMap', name: 'pol', key: 'policy.json' } },
        replicationLocations: ['eu-central-1'],
      }),
    );
    expect(meta).toEqual({
      format: 'string',
      description: 'd',
      kmsKeyId: 'arn:aws:kms:eu-west-1:1:key/k',
      tags: new Map([['team', 'a']]),
      resourcePolicy: { blockPublicPolicy: true, source: { kind: 'ConfigMap', name: 'pol', key: 'policy.json' } },
      replicationLocations: ['eu-central-1'],
    });
  });

  it.each([
    ['a wrong apiVersion', { ...envelope({}), apiVersion: 'v1' }, 'data[].metadata.apiVersion must be kubernetes.external-secrets.io/v1alpha1'],
    ['a wrong kind', { ...envelope({}), kind: 'Other' }, 'data[].metadata.kind must be PushSecretMetadata'],
    ['an unknown field', envelope({ secretType: 'String' }), 'data[].metadata.spec.secretType is not a field'],
    ['a bad secretPushFormat', envelope({ secretPushFormat: 'json' }), 'data[].metadata.spec.secretPushFormat must be one of binary, string'],
    ['the managed-by tag', envelope({ tags: { 'managed-by': 'me' } }), "data[].metadata.spec.tags.managed-by cannot be set"],
    ['a non-string tag', envelope({ tags: { n: 1 } }), 'data[].metadata.spec.tags.n must be a string'],
    ['a resourcePolicy without policySourceRef', envelope({ resourcePolicy: {} }), 'data[].metadata.spec.resourcePolicy.policySourceRef is required'],
    ['a policySourceRef of another kind', envelope({ resourcePolicy: { policySourceRef: { kind: 'Pod', name: 'n', key: 'k' } } }), 'policySourceRef.kind must be one of ConfigMap, Secret'],
    ['replicationLocations not a list', envelope({ replicationLocations: 'eu-west-2' }), 'data[].metadata.spec.replicationLocations must be a list of strings'],
  ])('refuses %s, naming the field', (_what, raw, message) => {
    expect(invalid(() => parseSecretsManagerMetadata(raw)).message).toContain(message);
  });
});

describe('Parameter Store push metadata (ESO PushSecretMetadataSpec)', () => {
  it("no metadata: ESO's defaults (String, Standard, alias/aws/ssm)", () => {
    expect(parseParameterStoreMetadata(undefined)).toEqual({
      type: 'String',
      kmsKeyId: 'alias/aws/ssm',
      tier: 'Standard',
      encodeAsDecoded: false,
      tags: new Map(),
      description: "secret 'managed-by:rotor'",
    });
  });

  it('reads type, KMS key, an Advanced tier with its policies, encodeAsDecoded', () => {
    const policies = [{ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: '2030-01-01T00:00:00Z' } }];
    const meta = parseParameterStoreMetadata(envelope({ secretType: 'SecureString', kmsKeyID: 'alias/k', tier: { type: 'Advanced', policies }, encodeAsDecoded: true, tags: { a: 'b' } }));
    expect(meta).toMatchObject({ type: 'SecureString', kmsKeyId: 'alias/k', tier: 'Advanced', policies: JSON.stringify(policies), encodeAsDecoded: true });
  });

  it('drops tier policies on the Standard tier (ESO sends them only with Advanced)', () => {
    expect(parseParameterStoreMetadata(envelope({ tier: { type: 'Standard', policies: [] } })).policies).toBeUndefined();
  });

  it.each([
    ['a bad secretType', envelope({ secretType: 'Binary' }), 'data[].metadata.spec.secretType must be one of String, StringList, SecureString'],
    ['a bad tier', envelope({ tier: { type: 'Premium' } }), 'data[].metadata.spec.tier.type must be one of Standard, Advanced, Intelligent-Tiering'],
    ['an unknown tier field', envelope({ tier: { kind: 'Advanced' } }), 'data[].metadata.spec.tier.kind is not a field'],
    ['encodeAsDecoded not a boolean', envelope({ encodeAsDecoded: 'yes' }), 'data[].metadata.spec.encodeAsDecoded must be true or false'],
    ['a Secrets Manager field', envelope({ secretPushFormat: 'string' }), 'data[].metadata.spec.secretPushFormat is not a field'],
  ])('refuses %s, naming the field', (_what, raw, message) => {
    expect(invalid(() => parseParameterStoreMetadata(raw)).message).toContain(message);
  });
});

describe('encodeWholeSecret (ESO esutils.JSONMarshal of the Secret data)', () => {
  const data = { b: Buffer.from('2'), '10': Buffer.from('<&>'), '9': Buffer.from('x') };
  it('sorts keys as Go does (bytes, so "10" before "9"), values as strings, HTML unescaped', () => {
    expect(encodeWholeSecret(data, 'strings').toString()).toBe('{"10":"<&>","9":"x","b":"2"}');
  });
  it('base64 values for Parameter Store without encodeAsDecoded', () => {
    expect(encodeWholeSecret({ a: Buffer.from('hi') }, 'base64').toString()).toBe('{"a":"aGk="}');
  });
});

describe('planTags (ESO FindTagKeysToRemove + computeTagsToUpdate)', () => {
  it('removes tags not desired, writes when a user tag is added or changed', () => {
    const plan = planTags(new Map([['managed-by', 'rotor'], ['old', '1'], ['team', 'a']]), new Map([['team', 'b']]), 'rotor');
    expect(plan.remove).toEqual(['old']);
    expect(plan.write).toBe(true);
    expect([...plan.desired]).toEqual([['team', 'b'], ['managed-by', 'rotor']]);
  });
  it('a managed-by difference alone does not write', () => {
    expect(planTags(new Map([['team', 'a']]), new Map([['team', 'a']]), 'rotor')).toMatchObject({ remove: [], write: false });
  });
});
