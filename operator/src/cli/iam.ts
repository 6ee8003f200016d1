// `rotor iam policy`: the IAM policy documents of docs/iam with the account, region and name
// prefix filled in. The templates are the docs' own files (one source: what the docs show is
// what the command prints, and operator/test/iam/iam-policies.test.ts checks those files grant
// exactly what Rotor calls). Each kind says which example values of its file it replaces; a
// file that no longer holds one is an error, never a policy with the example left in.
import { readDoc } from './docs.js';

interface PolicyKind {
  file: string;
  summary: string;
  /** Example value in the file -> the option that replaces it. */
  replaces: Array<{ example: string; option: 'prefix' | 'path' | 'queue'; to: (value: string) => string }>;
  /**
   * The file grants on "*" (the call has no resource-level permissions, as ECR's and STS's token
   * calls): no account or region to fill in, so --account and --region are optional.
   */
  unscoped?: true;
}

export const POLICY_KINDS = {
  read: {
    file: 'iam/secretsmanager-read-prefix.json',
    summary: 'read Secrets Manager secrets whose names start with --prefix',
    replaces: [{ example: ':secret:prod/*', option: 'prefix', to: (p) => `:secret:${p}*` }],
  },
  parameters: {
    file: 'iam/parameterstore-read-prefix.json',
    summary: 'read Parameter Store parameters under --path',
    replaces: [{ example: ':parameter/production', option: 'path', to: (p) => `:parameter/${p.replace(/^\//, '')}` }],
  },
  events: {
    file: 'iam/events-queue-consume.json',
    summary: 'consume the event queue --queue (events.queues)',
    replaces: [{ example: ':rotor-events', option: 'queue', to: (q) => `:${q}` }],
  },
  push: {
    file: 'iam/secretsmanager-push.json',
    summary: 'PushSecret: create and update Secrets Manager secrets under --prefix (change and delete only what carries managed-by)',
    replaces: [{ example: ':secret:pushed/*', option: 'prefix', to: (p) => `:secret:${p}*` }],
  },
  'push-parameters': {
    file: 'iam/parameterstore-push.json',
    summary: 'PushSecret: write Parameter Store parameters under --path (delete only what carries managed-by)',
    replaces: [{ example: ':parameter/pushed/*', option: 'path', to: (p) => `:parameter/${p.replace(/^\//, '')}/*` }],
  },
  ecr: {
    file: 'iam/ecr-generator-policy.json',
    summary: 'ECRAuthorizationToken generator: registry login tokens (private and public)',
    replaces: [],
    unscoped: true,
  },
  sts: {
    file: 'iam/sts-session-token-generator-policy.json',
    summary: 'STSSessionToken generator: session tokens',
    replaces: [],
    unscoped: true,
  },
} as const satisfies Record<string, PolicyKind>;
export type PolicyKindName = keyof typeof POLICY_KINDS;

/** The example account and region every template is written with (docs/iam/README.md). */
const EXAMPLE_ACCOUNT = '111122223333';
const EXAMPLE_REGION = 'us-east-1';

export interface PolicyOptions {
  kind: PolicyKindName;
  /** Required unless the kind is unscoped. */
  account: string | undefined;
  region: string | undefined;
  prefix: string;
  path: string;
  queue: string;
}

export class IamInputError extends Error {}

const CHECKS: Array<[keyof PolicyOptions, RegExp, string]> = [
  ['account', /^\d{12}$/, 'an AWS account id of 12 digits, e.g. 123456789012'],
  ['region', /^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as eu-west-1'],
  // Secrets Manager names: letters, digits and /_+=.@- ; "*" would widen the grant.
  ['prefix', /^[A-Za-z0-9/_+=.@-]+$/, 'the start of your secrets\' names, e.g. myapp/ (letters, digits, /_+=.@-; no *)'],
  ['path', /^\/[A-Za-z0-9_.\-/]*[A-Za-z0-9_.-]$/, 'a parameter path such as /myapp (leading /, no trailing /)'],
  ['queue', /^[A-Za-z0-9_-]{1,80}(\.fifo)?$/, 'an SQS queue name, e.g. rotor-events'],
];

/** The partition and DNS suffix of a region (China and GovCloud differ from the rest). */
function partitionOf(region: string): { partition: string; dnsSuffix: string } {
  if (region.startsWith('cn-')) return { partition: 'aws-cn', dnsSuffix: 'amazonaws.com.cn' };
  if (region.startsWith('us-gov-')) return { partition: 'aws-us-gov', dnsSuffix: 'amazonaws.com' };
  return { partition: 'aws', dnsSuffix: 'amazonaws.com' };
}

/** Fills a template's text in; pure, so every rule is unit-tested without files. */
export function renderPolicy(template: string, file: string, options: PolicyOptions): string {
  const kind: PolicyKind = POLICY_KINDS[options.kind];
  for (const [field, pattern, what] of CHECKS) {
    const value = options[field];
    // An unscoped policy has no account or region; given anyway, they are still checked.
    if (value === undefined && kind.unscoped && (field === 'account' || field === 'region')) continue;
    if (value === undefined) throw new IamInputError(`--${field} is required`);
    if (!pattern.test(value)) throw new IamInputError(`--${field} must be ${what}, got ${JSON.stringify(value)}`);
  }
  const { partition, dnsSuffix } = partitionOf(options.region ?? EXAMPLE_REGION);
  const replacements: Array<[string, string]> = [
    ...kind.replaces.map((r): [string, string] => [r.example, r.to(options[r.option])]),
    ...(options.account !== undefined ? [[EXAMPLE_ACCOUNT, options.account] as [string, string]] : []),
    ...(options.region !== undefined
      ? [
          [`.${EXAMPLE_REGION}.amazonaws.com`, `.${options.region}.${dnsSuffix}`] as [string, string],
          [`:${EXAMPLE_REGION}:`, `:${options.region}:`] as [string, string],
          ['arn:aws:', `arn:${partition}:`] as [string, string],
        ]
      : []),
  ];
  const found = new Set<string>();
  const fill = (value: unknown): unknown => {
    if (typeof value === 'string') {
      let out = value;
      for (const [example, replacement] of replacements) {
        if (out.includes(example)) {
          found.add(example);
          out = out.split(example).join(replacement);
        }
      }
      return out;
    }
    if (Array.isArray(value)) return value.map(fill);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v)]));
    return value;
  };
  const policy = fill(JSON.parse(template));
  // An unscoped file that gained an account would print the example's: refuse instead.
  if (kind.unscoped && JSON.stringify(policy).includes(EXAMPLE_ACCOUNT)) {
    throw new Error(`docs/${file} now names the example account ${EXAMPLE_ACCOUNT}: drop unscoped from its kind in operator/src/cli/iam.ts`);
  }
  // Only the kind's own examples and the account must be there; a policy without a region or
  // partition in it is fine.
  for (const example of [...kind.replaces.map((r) => r.example), ...(kind.unscoped ? [] : [EXAMPLE_ACCOUNT])]) {
    if (!found.has(example)) throw new Error(`docs/${file} no longer contains the example ${JSON.stringify(example)}: update POLICY_KINDS in operator/src/cli/iam.ts with it`);
  }
  return `${JSON.stringify(policy, null, 2)}\n`;
}

/** Reads the kind's template from docs/ and fills it in. */
export function policyFor(options: PolicyOptions, docsDir?: string): string {
  const file = POLICY_KINDS[options.kind].file;
  const template = readDoc(file, docsDir);
  if (template === undefined) throw new Error(`docs/${file} is not installed here: run rotor from a checkout or the image, which ship docs/iam`);
  return renderPolicy(template, file, options);
}

export const IAM_USAGE = `rotor iam policy — print an IAM policy for Rotor's role, from docs/iam, filled in

Usage:
  rotor iam policy --account ID --region REGION [--kind KIND] [--prefix P] [--path P] [--queue Q]
  rotor iam policy --kind ecr|sts   (grants on "*": no account or region)

  --kind KIND      ${Object.entries(POLICY_KINDS).map(([k, v]) => `${k}: ${v.summary}`).join('\n                   ')}
                   (default read)
  --account ID     the AWS account that owns the secrets (12 digits)
  --region REGION  their region, e.g. eu-west-1
  --prefix P       read, push: the start of the secrets' names (default prod/)
  --path P         parameters, push-parameters: the parameter path (default /production)
  --queue Q        events: the SQS queue's name (default rotor-events)

Print it into a file and create the policy:
  rotor iam policy --account 123456789012 --region eu-west-1 --prefix myapp/ > rotor-read.json
  aws iam create-policy --policy-name rotor-read --policy-document file://rotor-read.json
PushSecrets need a separate policy (the read policies stay read-only):
  rotor iam policy --kind push --account 123456789012 --region eu-west-1 --prefix pushed/ > rotor-push.json
`;
