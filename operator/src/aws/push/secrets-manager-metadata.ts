// `data[].metadata` for a Secrets Manager store, with ESO 2.9's fields and defaults
// (providers/v1/aws/secretsmanager PushSecretMetadataSpec, constructMetadataWithDefaults):
// secretPushFormat binary|string (default binary), description (default "secret
// 'managed-by:rotor'", ESO's wording with Rotor's tag), kmsKeyId (default
// alias/aws/secretsmanager; used when the secret is created), tags, resourcePolicy
// {blockPublicPolicy, policySourceRef {kind ConfigMap|Secret, name, key}} and
// replicationLocations (regions; when set, the secret's replicas are made to match).
import { DEFAULT_DESCRIPTION, MANAGED_BY_TAG } from './managed-by.js';
import { boolField, enumField, invalidMetadata, knownFields, metadataSpec, stringField, stringListField, tagsField } from './metadata-envelope.js';
import type { PolicySourceRef } from '../../api/push.js';

export const SM_DEFAULT_KMS_KEY = 'alias/aws/secretsmanager';

export interface SecretsManagerPushMetadata {
  /** How the value is stored: SecretBinary (binary) or SecretString (string). */
  format: 'binary' | 'string';
  description: string;
  kmsKeyId: string;
  /** User tags, without managed-by. */
  tags: Map<string, string>;
  resourcePolicy?: { blockPublicPolicy?: boolean; source: PolicySourceRef };
  /** Undefined: replication is not managed. */
  replicationLocations?: string[];
}

const FIELDS = ['tags', 'description', 'secretPushFormat', 'kmsKeyId', 'resourcePolicy', 'replicationLocations'] as const;

export function parseSecretsManagerMetadata(raw: unknown): SecretsManagerPushMetadata {
  const spec = metadataSpec(raw, FIELDS) ?? new Map<string, unknown>();
  const description = stringField(spec, 'description');
  const kmsKeyId = stringField(spec, 'kmsKeyId');
  const resourcePolicy = parseResourcePolicy(spec.get('resourcePolicy'));
  const replicationLocations = stringListField(spec, 'replicationLocations');
  return {
    format: enumField(spec, 'secretPushFormat', ['binary', 'string'] as const, 'binary'),
    description: description || DEFAULT_DESCRIPTION,
    kmsKeyId: kmsKeyId || SM_DEFAULT_KMS_KEY,
    tags: tagsField(spec, MANAGED_BY_TAG),
    ...(resourcePolicy ? { resourcePolicy } : {}),
    ...(replicationLocations ? { replicationLocations } : {}),
  };
}

function parseResourcePolicy(value: unknown): SecretsManagerPushMetadata['resourcePolicy'] {
  if (value === undefined) return undefined;
  const fields = knownFields(value, ['blockPublicPolicy', 'policySourceRef'], 'spec.resourcePolicy');
  const blockPublicPolicy = boolField(fields, 'blockPublicPolicy', 'spec.resourcePolicy.blockPublicPolicy');
  const ref = fields.get('policySourceRef');
  // ESO ignores a resourcePolicy without policySourceRef on create and fails on update; say so up front.
  if (ref === undefined) throw invalidMetadata('spec.resourcePolicy.policySourceRef', 'is required: name the ConfigMap or Secret (kind, name, key) that holds the policy JSON');
  const refFields = knownFields(ref, ['kind', 'name', 'key'], 'spec.resourcePolicy.policySourceRef');
  const kind = enumField(refFields, 'kind', ['ConfigMap', 'Secret'] as const, 'ConfigMap', 'spec.resourcePolicy.policySourceRef.kind');
  if (refFields.get('kind') === undefined || refFields.get('kind') === '') throw invalidMetadata('spec.resourcePolicy.policySourceRef.kind', 'is required: ConfigMap or Secret');
  const name = stringField(refFields, 'name', 'spec.resourcePolicy.policySourceRef.name');
  const key = stringField(refFields, 'key', 'spec.resourcePolicy.policySourceRef.key');
  if (!name) throw invalidMetadata('spec.resourcePolicy.policySourceRef.name', 'is required');
  if (!key) throw invalidMetadata('spec.resourcePolicy.policySourceRef.key', 'is required');
  return { ...(blockPublicPolicy !== undefined ? { blockPublicPolicy } : {}), source: { kind, name, key } };
}
