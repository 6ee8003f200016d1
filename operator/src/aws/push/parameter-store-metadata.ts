// `data[].metadata` for a Parameter Store store, with ESO 2.9's fields and defaults
// (providers/v1/aws/parameterstore PushSecretMetadataSpec, constructMetadataWithDefaults):
// secretType String|StringList|SecureString (default String), kmsKeyID (default alias/aws/ssm,
// sent only for SecureString), tier {type Standard|Advanced|Intelligent-Tiering, policies},
// encodeAsDecoded (a whole Secret pushed as plain strings rather than base64), tags, description.
import { DEFAULT_DESCRIPTION, MANAGED_BY_TAG } from './managed-by.js';
import { boolField, enumField, knownFields, metadataSpec, stringField, tagsField } from './metadata-envelope.js';

export const SSM_DEFAULT_KMS_KEY = 'alias/aws/ssm';
export const SSM_TYPES = ['String', 'StringList', 'SecureString'] as const;
export const SSM_TIERS = ['Standard', 'Advanced', 'Intelligent-Tiering'] as const;

export interface ParameterStorePushMetadata {
  type: (typeof SSM_TYPES)[number];
  kmsKeyId: string;
  tier: (typeof SSM_TIERS)[number];
  /** tier.policies as JSON text (ESO sends the raw JSON), only with a non-Standard tier. */
  policies?: string;
  encodeAsDecoded: boolean;
  /** User tags, without managed-by. */
  tags: Map<string, string>;
  description: string;
}

const FIELDS = ['secretType', 'kmsKeyID', 'tier', 'encodeAsDecoded', 'tags', 'description'] as const;

export function parseParameterStoreMetadata(raw: unknown): ParameterStorePushMetadata {
  const spec = metadataSpec(raw, FIELDS) ?? new Map<string, unknown>();
  const tierFields = spec.has('tier') ? knownFields(spec.get('tier'), ['type', 'policies'], 'spec.tier') : new Map<string, unknown>();
  const tier = enumField(tierFields, 'type', SSM_TIERS, 'Standard', 'spec.tier.type');
  const policies = tierFields.get('policies');
  return {
    type: enumField(spec, 'secretType', SSM_TYPES, 'String'),
    kmsKeyId: stringField(spec, 'kmsKeyID') || SSM_DEFAULT_KMS_KEY,
    tier,
    ...(policies !== undefined && tier !== 'Standard' ? { policies: JSON.stringify(policies) } : {}),
    encodeAsDecoded: boolField(spec, 'encodeAsDecoded') ?? false,
    tags: tagsField(spec, MANAGED_BY_TAG),
    description: stringField(spec, 'description') || DEFAULT_DESCRIPTION,
  };
}
