#!/usr/bin/env node
// Writes crds/generators.rotor.dev_*.yaml: ESO's AWS generators (generators.external-secrets.io)
// served by Rotor in a group of their own, generators.rotor.dev/v1alpha1 — ECRAuthorizationToken,
// STSSessionToken, Password (namespaced) and ClusterGenerator (cluster-scoped, spec.kind +
// spec.generator, ESO's union). The three specs are written once here and embedded in
// ClusterGenerator, so the two can never differ. Run by scripts/sync-crds.sh;
// operator/test/api/generator-crds.test.ts fails when a committed file is not what this writes.
//   node scripts/gen-generator-crds.mjs           write the files
//   node scripts/gen-generator-crds.mjs --stdout  print them instead (one YAML stream)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGE_COLUMN, crdYaml, customResourceDefinition, repoRoot } from './lib/crd-schema.mjs';

const GROUP = 'generators.rotor.dev';

const str = (description, extra = {}) => ({ type: 'string', description, ...extra });

const secretKeySelector = (description) => ({
  type: 'object',
  description,
  required: ['name', 'key'],
  properties: {
    name: str('Name of the Secret, in the namespace of the ExternalSecret (or PushSecret) that runs the generator.', { minLength: 1, maxLength: 253 }),
    key: str('Key within the Secret.', { minLength: 1, maxLength: 253 }),
    namespace: str(
      "Accepted for ESO compatibility and ignored, as in ESO: a generator always reads its credentials from the namespace of the object that runs it.",
      { maxLength: 63 },
    ),
  },
});

/** ESO's generator AWSAuth: secretRef or jwt; none = the operator's own identity. */
const auth = (path) => ({
  type: 'object',
  description:
    'Identity used to call AWS: at most one of jwt or secretRef, both read from the namespace of the ExternalSecret that runs the generator ' +
    "(ESO's semantics). Omit it (or auth: {}) to use the operator's own identity (EKS Pod Identity, IRSA, instance role).",
  'x-kubernetes-validations': [
    { rule: '!(has(self.jwt) && has(self.secretRef))', message: `${path}.auth: set at most one of jwt or secretRef (none, or auth: {}, uses the operator's own identity)` },
  ],
  properties: {
    jwt: {
      type: 'object',
      description: 'IRSA: a token of this ServiceAccount (in the ExternalSecret\'s namespace) is exchanged with STS AssumeRoleWithWebIdentity for the role in its eks.amazonaws.com/role-arn annotation.',
      required: ['serviceAccountRef'],
      properties: {
        serviceAccountRef: {
          type: 'object',
          description: 'The ServiceAccount whose token is used.',
          required: ['name'],
          properties: {
            name: str('Name of the ServiceAccount.', { minLength: 1, maxLength: 253 }),
            namespace: str('Accepted for ESO compatibility and ignored: the ServiceAccount is read from the namespace of the object that runs the generator.', { maxLength: 63 }),
            audiences: { type: 'array', description: 'Token audiences. Default ["sts.amazonaws.com"].', maxItems: 10, items: { type: 'string', maxLength: 256 } },
          },
        },
      },
    },
    secretRef: {
      type: 'object',
      description: 'Static access keys read from a Kubernetes Secret.',
      required: ['accessKeyIDSecretRef', 'secretAccessKeySecretRef'],
      properties: {
        accessKeyIDSecretRef: secretKeySelector('The Secret key holding the AWS access key id.'),
        secretAccessKeySecretRef: secretKeySelector('The Secret key holding the AWS secret access key.'),
        sessionTokenSecretRef: secretKeySelector('The Secret key holding an AWS session token (temporary credentials only; an empty value means none).'),
      },
    },
  },
});

const region = str('AWS region to call, e.g. eu-west-1.', { minLength: 1, maxLength: 64, pattern: '^[a-z0-9-]+$' });
const role = str('IAM role to assume (with the auth identity) before the call, e.g. for another account.', { maxLength: 2048, pattern: '^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$' });

const ecrSpec = (path) => ({
  type: 'object',
  description: 'ECR GetAuthorizationToken: a registry login valid for 12 hours (username, password, proxy_endpoint, expires_at).',
  required: ['region'],
  properties: {
    region,
    auth: auth(path),
    role,
    scope: str('private (default): the account\'s private registries, in region. public: ECR Public (always called in us-east-1, where it lives; no proxy_endpoint key).', {
      enum: ['private', 'public'],
    }),
  },
});

const stsSpec = (path) => ({
  type: 'object',
  description: 'STS GetSessionToken: temporary credentials (access_key_id, secret_access_key, session_token, expiration) of the auth identity.',
  required: ['region'],
  'x-kubernetes-validations': [
    {
      rule: '!has(self.auth) || !has(self.auth.jwt)',
      message: `${path}.auth.jwt cannot be used: GetSessionToken needs long-term IAM user keys (as in ESO); use auth.secretRef`,
    },
  ],
  properties: {
    region,
    auth: auth(path),
    role,
    requestParameters: {
      type: 'object',
      description: 'Parameters of the GetSessionToken call.',
      'x-kubernetes-validations': [
        { rule: 'has(self.serialNumber) == has(self.tokenCode)', message: `${path}.requestParameters: set serialNumber and tokenCode together (MFA), or neither` },
      ],
      properties: {
        sessionDuration: {
          type: 'integer',
          format: 'int32',
          description: 'Seconds the credentials stay valid: 900 to 129600 (36 h) for IAM users; default 43200 (12 h).',
          minimum: 900,
          maximum: 129600,
        },
        serialNumber: str('The MFA device of the IAM user: a hardware serial (GAHT12345678) or a virtual device ARN.', { minLength: 9, maxLength: 256 }),
        tokenCode: str('The code the MFA device shows.', { pattern: '^[0-9]{6}$' }),
      },
    },
  },
});

const passwordSpec = (path) => ({
  type: 'object',
  description: 'A random password per secret key, from a cryptographic random source (ESO\'s algorithm: letters, then digits, then symbols, each inserted at a random position).',
  'x-kubernetes-validations': [
    {
      rule: '(has(self.digits) ? self.digits : int(self.length / 4)) + (has(self.symbols) ? self.symbols : int(self.length / 4)) <= self.length',
      message: `${path}: digits + symbols must not exceed length (each defaults to a quarter of length); lower them or raise length`,
    },
    {
      rule: 'self.allowRepeat || self.length - (has(self.digits) ? self.digits : int(self.length / 4)) - (has(self.symbols) ? self.symbols : int(self.length / 4)) <= (self.noUpper ? 26 : 52)',
      message: `${path}: without allowRepeat there are only 52 letters (26 with noUpper) to draw from; set allowRepeat: true, lower length, or raise digits/symbols`,
    },
    { rule: 'self.allowRepeat || !has(self.digits) || self.digits <= 10', message: `${path}.digits: without allowRepeat at most 10 distinct digits exist; set allowRepeat: true or lower digits` },
    {
      rule: 'self.allowRepeat || (has(self.symbols) ? self.symbols : int(self.length / 4)) <= (has(self.symbolCharacters) && size(self.symbolCharacters) > 0 ? size(self.symbolCharacters) : 31)',
      message: `${path}.symbols: without allowRepeat each symbol appears once, and symbolCharacters (default 31 characters) has fewer; set allowRepeat: true, lower symbols or add symbolCharacters`,
    },
  ],
  properties: {
    length: { type: 'integer', description: 'Length of each password. Default 24.', default: 24, minimum: 1, maximum: 4096 },
    digits: { type: 'integer', description: 'Number of digits. Default: a quarter of length.', minimum: 0, maximum: 4096 },
    symbols: { type: 'integer', description: 'Number of symbol characters. Default: a quarter of length.', minimum: 0, maximum: 4096 },
    symbolCharacters: str('The symbol characters to draw from (printable ASCII). Default ~!@#$%^&*()_+`-={}|[]\\:"<>?,./', {
      maxLength: 95,
      pattern: '^[!-~]*$',
    }),
    noUpper: { type: 'boolean', description: 'No upper-case letters.', default: false },
    allowRepeat: { type: 'boolean', description: 'Allow a character to appear more than once.', default: false },
    secretKeys: {
      type: 'array',
      description: 'The keys to fill, each with its own password. Default ["password"].',
      minItems: 1,
      maxItems: 50,
      'x-kubernetes-validations': [{ rule: 'self.all(k, self.exists_one(j, j == k))', message: `${path}.secretKeys: each key may appear only once` }],
      items: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[-._a-zA-Z0-9]+$' },
    },
    encoding: str('How each password is written: raw (default), base64, base64url, base32 or hex.', { enum: ['raw', 'base64', 'base64url', 'base32', 'hex'], default: 'raw' }),
  },
});

const KINDS = {
  ECRAuthorizationToken: { plural: 'ecrauthorizationtokens', spec: ecrSpec, what: 'an AWS ECR registry login (GetAuthorizationToken), valid 12 hours' },
  STSSessionToken: { plural: 'stssessiontokens', spec: stsSpec, what: 'temporary AWS credentials (STS GetSessionToken)' },
  Password: { plural: 'passwords', spec: passwordSpec, what: 'random passwords' },
};

/** ESO's spec.generator keys of a ClusterGenerator. */
const UNION_KEY = { ECRAuthorizationToken: 'ecrAuthorizationTokenSpec', STSSessionToken: 'stsSessionTokenSpec', Password: 'passwordSpec' };

function crd(kind, { plural, scope, description, spec, header }) {
  return {
    header,
    body: customResourceDefinition({
      group: GROUP,
      kind,
      plural,
      scope,
      categories: ['rotor', 'rotor-generators'],
      printerColumns: [AGE_COLUMN],
      description,
      properties: {
        apiVersion: str(`APIVersion defines the versioned schema of this representation of an object (${GROUP}/v1alpha1).`),
        kind: str(`Kind is the REST resource this object represents (${kind}).`),
        metadata: { type: 'object' },
        spec,
      },
    }),
  };
}

const files = {};
for (const [kind, def] of Object.entries(KINDS)) {
  files[`${GROUP}_${def.plural}.yaml`] = crd(kind, {
    plural: def.plural,
    scope: 'Namespaced',
    description: `${kind} generates ${def.what} for the ExternalSecrets (dataFrom[].sourceRef.generatorRef) and PushSecrets of its namespace. ESO's generators.external-secrets.io/v1alpha1 ${kind}, same fields.`,
    spec: def.spec('spec'),
    header: `# ${kind}: ESO's generator of ${def.what}, in Rotor's group ${GROUP}.`,
  });
}
files[`${GROUP}_clustergenerators.yaml`] = crd('ClusterGenerator', {
  plural: 'clustergenerators',
  scope: 'Cluster',
  description:
    'ClusterGenerator is a generator any namespace can reference (generatorRef kind ClusterGenerator): spec.kind names the generator and spec.generator holds its spec. ' +
    "It runs as if it were in the namespace of the ExternalSecret that references it (its auth is read there), as in ESO.",
  spec: {
    type: 'object',
    description: 'The generator kind and its spec.',
    required: ['kind', 'generator'],
    'x-kubernetes-validations': Object.entries(UNION_KEY).map(([kind, key]) => ({
      rule: `self.kind != '${kind}' || has(self.generator.${key})`,
      message: `spec.generator.${key} is required for spec.kind ${kind} (set exactly the spec of spec.kind)`,
    })),
    properties: {
      kind: str('The generator kind. Rotor serves the AWS generators and Password.', { enum: Object.keys(KINDS) }),
      generator: {
        type: 'object',
        description: 'Exactly one generator spec, the one of spec.kind.',
        minProperties: 1,
        maxProperties: 1,
        'x-kubernetes-validations': [{ rule: `[${Object.values(UNION_KEY).map((k) => `has(self.${k})`).join(', ')}].filter(x, x).size() == 1`, message: 'spec.generator: set exactly one of ecrAuthorizationTokenSpec, stsSessionTokenSpec or passwordSpec (the one of spec.kind)' }],
        properties: Object.fromEntries(Object.entries(UNION_KEY).map(([kind, key]) => [key, KINDS[kind].spec(`spec.generator.${key}`)])),
      },
    },
  },
  header: `# ClusterGenerator: a cluster-scoped generator (ESO's), spec.kind + spec.generator, in Rotor's group ${GROUP}.`,
});

function render({ header, body }) {
  return crdYaml(
    `---\n${header}\n# Written by scripts/gen-generator-crds.mjs (do not edit by hand); the Helm chart renders it as a\n# template (charts/rotor/templates/crds/, written by scripts/sync-crds.sh).\n`,
    body,
  );
}

if (process.argv.includes('--stdout')) {
  for (const name of Object.keys(files).sort()) process.stdout.write(`# ${name}\n${render(files[name])}`);
} else {
  for (const [name, file] of Object.entries(files)) writeFileSync(join(repoRoot, 'crds', name), render(file));
}
