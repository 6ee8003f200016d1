// The IAM policies in docs/iam must grant exactly what Rotor calls. The list of calls is
// derived from the code (every `new XxxCommand(` of an AWS SDK client in operator/src), so
// a new AWS call without a policy update fails here, and so does a policy that grants more.
// PushSecret's writers (operator/src/aws/push/) have their own policies: the read policies
// grant exactly what the rest of the code calls, so they stay read-only.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const iamDir = join(repoRoot, 'docs/iam');
// All of operator/src, not only aws/: an SDK call placed anywhere must still be covered.
const srcDir = join(repoRoot, 'operator/src');
/** PushSecret's writers: their calls are granted by the *-push.json policies, never the read ones. */
const pushDir = join(srcDir, 'aws/push');

const IAM_PREFIX_OF_PACKAGE: Record<string, string> = {
  '@aws-sdk/client-secrets-manager': 'secretsmanager',
  '@aws-sdk/client-ssm': 'ssm',
  '@aws-sdk/client-sts': 'sts',
  '@aws-sdk/client-sqs': 'sqs',
};

/** Batch commands IAM authorizes with the single action (SQS has no sqs:DeleteMessageBatch action). */
const IAM_ACTION_OF_COMMAND: Record<string, string> = {
  'sqs:DeleteMessageBatch': 'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibilityBatch': 'sqs:ChangeMessageVisibility',
  'sqs:SendMessageBatch': 'sqs:SendMessage',
};

/**
 * What the event consumer (issue #16: operator/src/aws/events) calls on its queue, per the design.
 * Used only while the code makes no SQS call yet (this file can land before the consumer); as soon
 * as it does, the calls are derived from the code like every other and this list is not consulted.
 */
const DESIGNED_EVENT_CONSUMER_ACTIONS = ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'];

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path, suffix);
    return name.endsWith(suffix) ? [path] : [];
  });
}

/** IAM actions of the AWS calls the operator's code makes, e.g. "secretsmanager:GetSecretValue". */
export function actionsCalledByCode(sources: Array<{ file: string; text: string }>): Set<string> {
  const actions = new Set<string>();
  for (const { file, text } of sources) {
    for (const match of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'(@aws-sdk\/client-[\w-]+)'/g)) {
      const prefix = IAM_PREFIX_OF_PACKAGE[match[2]!];
      const names = match[1]!.split(',').map((n) => n.trim()).filter((n) => n && !n.startsWith('type '));
      for (const name of names) {
        // Aggregated clients (`new SecretsManager().getSecretValue()`) would hide calls from this scan.
        if (/^(SecretsManager|SSM|STS|SQS)$/.test(name)) throw new Error(`${file} imports the aggregated client ${name}; use XxxCommand so the IAM test can see the calls`);
        const command = /^(\w+)Command$/.exec(name);
        if (!command) continue;
        if (!prefix) throw new Error(`${file} calls ${match[2]}: add its IAM prefix to this test and policies to docs/iam`);
        const action = `${prefix}:${command[1]}`;
        if (new RegExp(`new\\s+${name}\\s*\\(`).test(text)) actions.add(IAM_ACTION_OF_COMMAND[action] ?? action);
      }
    }
    // AssumeRole with Tags (sessionTags) needs sts:TagSession as well.
    if (/new\s+AssumeRoleCommand\s*\(\s*\{[^]*?\bTags\s*:/.test(text)) actions.add('sts:TagSession');
  }
  return actions;
}

interface Statement {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  NotAction?: unknown;
  Principal?: unknown;
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

interface PolicyDocument {
  Version: string;
  Statement: Statement[];
}

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

const sources = filesUnder(srcDir, '.ts').map((file) => ({ file, text: readFileSync(file, 'utf8') }));
const codeActions = actionsCalledByCode(sources);
const isPushSource = (file: string) => file.startsWith(`${pushDir}/`);
const readActions = actionsCalledByCode(sources.filter((s) => !isPushSource(s.file)));
const pushActions = actionsCalledByCode(sources.filter((s) => isPushSource(s.file)));
const isPushPolicy = (name: string) => /-push\.json$/.test(name);
const policyFiles = filesUnder(iamDir, '.json').sort();
const policies = policyFiles.map((file) => ({ name: relative(iamDir, file), text: readFileSync(file, 'utf8') }));
const parsed = policies.map(({ name, text }) => ({ name, doc: JSON.parse(text) as PolicyDocument }));
const isTrustPolicy = (doc: PolicyDocument) => doc.Statement.some((s) => s.Principal !== undefined && list(s.Action).some((a) => a.startsWith('sts:')));
const actionsOf = (doc: PolicyDocument) => new Set(doc.Statement.flatMap((s) => list(s.Action)));
const byName = (name: string) => parsed.find((p) => p.name === name)!.doc;
const sqsCalledByCode = [...codeActions].filter((a) => a.startsWith('sqs:')).sort();
const eventConsumerActions = sqsCalledByCode.length > 0 ? sqsCalledByCode : DESIGNED_EVENT_CONSUMER_ACTIONS;

describe('actionsCalledByCode', () => {
  it('finds constructed commands, ignores imported-but-unused ones and types, and sees TagSession', () => {
    const text = [
      "import { GetSecretValueCommand, ListSecretsCommand, type GetSecretValueCommandOutput } from '@aws-sdk/client-secrets-manager';",
      "import { AssumeRoleCommand } from '@aws-sdk/client-sts';",
      'await c.send(new GetSecretValueCommand({}));',
      'await s.send(new AssumeRoleCommand({ RoleArn, ...(t ? { Tags: t } : {}) }));',
    ].join('\n');
    expect([...actionsCalledByCode([{ file: 'x.ts', text }])].sort()).toEqual(['secretsmanager:GetSecretValue', 'sts:AssumeRole', 'sts:TagSession']);
  });

  it('refuses an SDK package it cannot map to an IAM prefix', () => {
    const text = "import { DecryptCommand } from '@aws-sdk/client-kms';\nnew DecryptCommand({});";
    expect(() => actionsCalledByCode([{ file: 'k.ts', text }])).toThrow(/client-kms/);
  });

  it('maps the SQS consumer calls to IAM actions, batch deletes to sqs:DeleteMessage', () => {
    const text = [
      "import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';",
      'await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20, MaxNumberOfMessages: 10 }));',
      'await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries }));',
      'await sqs.send(new GetQueueAttributesCommand({ QueueUrl }));',
    ].join('\n');
    expect([...actionsCalledByCode([{ file: 'q.ts', text }])].sort()).toEqual(['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage']);
  });
});

describe('IAM policies in docs/iam', () => {
  it('derives the calls Rotor makes today from operator/src/aws', () => {
    // A sanity floor so a broken scan cannot pass vacuously.
    expect(codeActions).toContain('secretsmanager:GetSecretValue');
    expect(codeActions).toContain('ssm:GetParameters');
    expect(codeActions).toContain('sts:AssumeRole');
  });

  it.each(policies)('$name is well-formed IAM JSON', ({ text }) => {
    const doc = JSON.parse(text) as PolicyDocument;
    expect(doc.Version).toBe('2012-10-17');
    expect(Array.isArray(doc.Statement) && doc.Statement.length > 0).toBe(true);
    for (const s of doc.Statement) {
      expect(['Allow', 'Deny']).toContain(s.Effect);
      expect(s.NotAction, 'NotAction grants by omission').toBeUndefined();
      expect(list(s.Action).length).toBeGreaterThan(0);
      for (const action of list(s.Action)) expect(action, 'no wildcard actions').toMatch(/^[a-z0-9]+:[A-Za-z]+$/);
      if (s.Principal === undefined) expect(list(s.Resource).length, `${s.Sid}: identity policies name a Resource`).toBeGreaterThan(0);
    }
  });

  it.each(parsed)('$name grants only actions Rotor calls (plus kms:Decrypt through a service; kms:GenerateDataKey for push)', ({ name, doc }) => {
    const allowed = new Set([...(isPushPolicy(name) ? codeActions : readActions), ...eventConsumerActions, 'kms:Decrypt']);
    // Writing a secret encrypted with a customer-managed key encrypts through the service.
    if (isPushPolicy(name)) allowed.add('kms:GenerateDataKey');
    // EKS Pod Identity itself calls AssumeRole+TagSession on Rotor's behalf.
    if (isTrustPolicy(doc)) allowed.add('sts:TagSession');
    for (const action of actionsOf(doc)) expect(allowed, `${action} is not called by Rotor`).toContain(action);
  });

  it.each(parsed)('$name scopes every kms:Decrypt and kms:GenerateDataKey with kms:ViaService', ({ doc }) => {
    for (const s of doc.Statement.filter((st) => list(st.Action).some((a) => a === 'kms:Decrypt' || a === 'kms:GenerateDataKey'))) {
      const viaService = Object.values(s.Condition ?? {}).map((c) => c['kms:ViaService']).find((v) => v !== undefined);
      expect(viaService, `${s.Sid}: kms:Decrypt without kms:ViaService`).toMatch(/^(secretsmanager|ssm|sqs)\.[a-z0-9-]+\.amazonaws\.com$/);
    }
  });

  it('each Secrets Manager and Parameter Store read policy grants every action Rotor calls on that service', () => {
    for (const [prefix, files] of [
      ['secretsmanager', ['secretsmanager-read-prefix.json', 'secretsmanager-read-tag.json']],
      ['ssm', ['parameterstore-read-prefix.json', 'parameterstore-read-tag.json']],
    ] as const) {
      const needed = [...readActions].filter((a) => a.startsWith(`${prefix}:`)).sort();
      for (const file of files) {
        const granted = [...actionsOf(byName(file))].filter((a) => a.startsWith(`${prefix}:`)).sort();
        expect(granted, `${file} must grant what Rotor calls on ${prefix}`).toEqual(needed);
      }
    }
  });

  it('each push policy grants every action the PushSecret writers call on that service, and nothing more', () => {
    for (const [prefix, file] of [
      ['secretsmanager', 'secretsmanager-push.json'],
      ['ssm', 'parameterstore-push.json'],
    ] as const) {
      const needed = [...pushActions].filter((a) => a.startsWith(`${prefix}:`)).sort();
      expect(needed.length, `aws/push calls nothing on ${prefix}?`).toBeGreaterThan(0);
      const granted = [...actionsOf(byName(file))].filter((a) => a.startsWith(`${prefix}:`)).sort();
      expect(granted, `${file} must grant what the writers call on ${prefix}`).toEqual(needed);
    }
  });

  it('the read policies stay read-only: no action only the PushSecret writers call', () => {
    const writeOnly = [...pushActions].filter((a) => !readActions.has(a));
    expect(writeOnly).toEqual(expect.arrayContaining(['secretsmanager:PutSecretValue', 'secretsmanager:CreateSecret', 'secretsmanager:DeleteSecret', 'ssm:PutParameter', 'ssm:DeleteParameter']));
    for (const { name, doc } of parsed.filter((p) => !isPushPolicy(p.name))) {
      for (const action of writeOnly) expect(actionsOf(doc).has(action), `${name} grants ${action}`).toBe(false);
    }
  });

  it('push policies change and delete only what carries the managed-by tag (Rotor\'s or ESO\'s)', () => {
    for (const file of ['secretsmanager-push.json', 'parameterstore-push.json']) {
      const deleting = byName(file).Statement.filter((s) => list(s.Action).some((a) => /:Delete(Secret|Parameter)$/.test(a)));
      expect(deleting.length).toBe(1);
      expect(deleting[0]!.Condition?.StringEquals?.['aws:ResourceTag/managed-by']).toEqual(['rotor', 'external-secrets']);
    }
  });

  it('the event queue policy grants exactly the SQS calls Rotor makes, on the queue, and kms:Decrypt only through SQS', () => {
    const doc = byName('events-queue-consume.json');
    const sqs = doc.Statement.filter((s) => list(s.Action).some((a) => a.startsWith('sqs:')));
    expect(sqs.flatMap((s) => list(s.Action)).sort()).toEqual(eventConsumerActions);
    for (const s of sqs) for (const r of list(s.Resource)) expect(r, 'scoped to the queue, never *').toMatch(/^arn:aws:sqs:[a-z0-9-]+:\d{12}:[\w-]+$/);
    const kms = doc.Statement.filter((s) => list(s.Action).includes('kms:Decrypt'));
    expect(kms.map((s) => s.Condition?.StringEquals?.['kms:ViaService'])).toEqual(['sqs.us-east-1.amazonaws.com']);
  });

  it.skipIf(sqsCalledByCode.length === 0)(`derives the event consumer's SQS calls from the code${sqsCalledByCode.length === 0 ? ' (skipped: operator/src makes no SQS call yet; the design list stands in)' : ''}`, () => {
    expect(sqsCalledByCode).toContain('sqs:ReceiveMessage');
    expect(sqsCalledByCode).toContain('sqs:DeleteMessage');
  });

  it('covers every STS call Rotor makes with a policy (assume-role chain, IRSA trust)', () => {
    const stsGranted = new Set(parsed.flatMap(({ doc }) => [...actionsOf(doc)]).filter((a) => a.startsWith('sts:')));
    for (const action of [...codeActions].filter((a) => a.startsWith('sts:'))) expect(stsGranted, `no policy grants ${action}`).toContain(action);
  });

  it('scopes by tag (ABAC) and by name prefix', () => {
    expect(JSON.stringify(byName('secretsmanager-read-tag.json'))).toMatch(/secretsmanager:ResourceTag\/|aws:ResourceTag\//);
    expect(JSON.stringify(byName('parameterstore-read-tag.json'))).toContain('aws:ResourceTag/');
    expect(list(byName('secretsmanager-read-prefix.json').Statement[0]!.Resource)[0]).toMatch(/:secret:prod\/\*$/);
  });

  it('has trust policies for IRSA (sub and aud) and EKS Pod Identity (AssumeRole + TagSession)', () => {
    const irsa = byName('trust-irsa.json').Statement[0]!;
    expect(list(irsa.Action)).toEqual(['sts:AssumeRoleWithWebIdentity']);
    const keys = Object.keys(irsa.Condition!.StringEquals!);
    expect(keys.some((k) => k.endsWith(':sub'))).toBe(true);
    expect(Object.entries(irsa.Condition!.StringEquals!).find(([k]) => k.endsWith(':aud'))?.[1]).toBe('sts.amazonaws.com');
    const podIdentity = byName('trust-pod-identity.json').Statement[0]!;
    expect(podIdentity.Principal).toEqual({ Service: 'pods.eks.amazonaws.com' });
    expect(list(podIdentity.Action).sort()).toEqual(['sts:AssumeRole', 'sts:TagSession']);
  });

  it('cross-account trust requires sts:ExternalId', () => {
    const trust = byName('cross-account/reader-trust-external-id.json').Statement.find((s) => list(s.Action).includes('sts:AssumeRole'))!;
    expect(trust.Condition?.StringEquals?.['sts:ExternalId']).toBeTruthy();
  });
});

describe('docs and examples never suggest write access', () => {
  const texts = [
    ...filesUnder(join(repoRoot, 'examples'), '.yaml'),
    ...filesUnder(join(repoRoot, 'docs'), '.md'),
    join(repoRoot, 'README.md'),
    join(repoRoot, 'charts/rotor/values.yaml'),
  ].map((file) => ({ name: relative(repoRoot, file), text: readFileSync(file, 'utf8') }));

  it.each(texts)('$name does not attach SecretsManagerReadWrite or a wildcard action', ({ name, text }) => {
    const lines = text.split('\n').filter((l) => /policy\/SecretsManagerReadWrite|"(secretsmanager|ssm):\*"/.test(l));
    // docs/iam/README.md warns against it by name, which is the one allowed mention.
    expect(lines.filter((l) => !(name === 'docs/iam/README.md' && /Never attach/.test(l))), name).toEqual([]);
  });
});
