// The infrastructure files for event-driven refresh (deploy/events, issue #16 item 6) are code
// users deploy to their AWS accounts, so they are tested like code:
// - the CloudFormation templates pass cfn-lint (pinned, from a cached virtualenv that
//   scripts/ensure-cfn-lint.sh installs and scripts/test.sh exports as ROTOR_CFN_LINT);
// - the Terraform modules parse with HashiCorp's HCL parser, are canonically formatted and refer
//   only to what they declare (scripts/hcl-check, built by scripts/test.sh when Go exists; no
//   registry ships a terraform binary, so `terraform validate` cannot run here);
// - both carry exactly the event patterns of deploy/events/event-patterns.json (the one place the
//   patterns live), and the queue accepts messages only from EventBridge on behalf of those rules.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, type ScalarTag, type CollectionTag } from 'yaml';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const eventsDir = join(repoRoot, 'deploy/events');
const cfnDir = join(eventsDir, 'cloudformation');
const tfModules = [join(eventsDir, 'terraform'), join(eventsDir, 'terraform/forwarder')];
const cache = process.env.ROTOR_CACHE ?? join(homedir(), '.cache/rotor');
const patterns = JSON.parse(readFileSync(join(eventsDir, 'event-patterns.json'), 'utf8')) as Record<string, unknown>;

// ---- CloudFormation -------------------------------------------------------------------------

/** CloudFormation's short-form intrinsics (!Ref, !GetAtt, ...) as their long JSON form. */
const INTRINSICS = ['Ref', 'GetAtt', 'Sub', 'If', 'Not', 'Equals', 'Join', 'Split', 'Select', 'And', 'Or', 'FindInMap', 'ImportValue', 'Base64', 'GetAZs', 'Condition'];
const cfnTags: Array<ScalarTag | CollectionTag> = INTRINSICS.flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  const scalar = (value: string): unknown => ({ [key]: name === 'GetAtt' ? value.split('.') : value });
  return [
    { tag: `!${name}`, resolve: (value: string) => scalar(value) } as ScalarTag,
    { tag: `!${name}`, collection: 'seq', resolve: (seq: { toJSON(): unknown }) => ({ [key]: seq.toJSON() }) } as unknown as CollectionTag,
  ];
});

interface Resource { Type: string; Condition?: string; Properties: Record<string, any> }
interface Template { Parameters?: Record<string, unknown>; Resources: Record<string, Resource>; Outputs?: Record<string, { Value: unknown }> }

const template = (file: string): Template => parse(readFileSync(join(cfnDir, file), 'utf8'), { customTags: cfnTags }) as Template;
const ofType = (t: Template, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
const main = template('rotor-events.yaml');
const forwarder = template('rotor-events-forwarder.yaml');

/** The pinned cfn-lint: $ROTOR_CFN_LINT (must exist when set), else the cached venv of the pinned version. */
function cfnLint(): string | undefined {
  if (process.env.ROTOR_CFN_LINT) return process.env.ROTOR_CFN_LINT;
  const version = /^CFN_LINT_VERSION=(\S+)$/m.exec(readFileSync(join(repoRoot, 'scripts/ensure-cfn-lint.sh'), 'utf8'))?.[1];
  const bin = join(cache, `cfn-lint-${version}`, 'venv/bin/cfn-lint');
  return existsSync(bin) ? bin : undefined;
}

const lint = cfnLint();
const scratch = mkdtempSync(join(tmpdir(), 'rotor-iac-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!lint)(`cfn-lint${lint ? '' : ' (skipped: no cached cfn-lint; run scripts/ensure-cfn-lint.sh or set ROTOR_CFN_LINT)'}`, () => {
  it.each(['rotor-events.yaml', 'rotor-events-forwarder.yaml'])('%s passes cfn-lint', (file) => {
    const run = spawnSync(lint!, [join(cfnDir, file)], { encoding: 'utf8' });
    expect(run.error).toBeUndefined();
    expect(`${run.stdout}${run.stderr}`).toBe('');
    expect(run.status).toBe(0);
  }, 120_000);

  it('fails a template with a mistake (the linter really runs)', () => {
    const broken = readFileSync(join(cfnDir, 'rotor-events.yaml'), 'utf8').replace('MessageRetentionPeriod: 1209600', 'MessageRetentionPeriod: 9999999');
    const file = join(scratch, 'broken.yaml');
    writeFileSync(file, broken);
    const run = spawnSync(lint!, [file], { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stdout).toMatch(/MessageRetentionPeriod|9999999/);
  }, 120_000);
});

describe('CloudFormation templates', () => {
  it.each([['rotor-events.yaml', main], ['rotor-events-forwarder.yaml', forwarder]] as const)('%s has one rule per pattern of event-patterns.json, on the default bus', (_, t) => {
    const rules = ofType(t, 'AWS::Events::Rule').map(([, r]) => r.Properties);
    expect(rules.map((r) => r.EventPattern)).toEqual(Object.values(patterns));
    for (const rule of rules) {
      expect(rule.EventBusName).toBe('default');
      expect(rule.State).toBe('ENABLED');
    }
  });

  it('sends every rule to the queue, with the DLQ for undeliverable events', () => {
    const rules = ofType(main, 'AWS::Events::Rule');
    expect(rules.length).toBe(Object.keys(patterns).length);
    for (const [name, rule] of rules) {
      const targets = rule.Properties.Targets as Array<Record<string, any>>;
      expect(targets, name).toHaveLength(1);
      expect(targets[0]!.Arn).toEqual({ 'Fn::GetAtt': ['Queue', 'Arn'] });
      expect(targets[0]!.DeadLetterConfig.Arn).toEqual({ 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] });
    }
  });

  it('lets only EventBridge send, only on behalf of its own rules (aws:SourceArn)', () => {
    const [[, policy]] = ofType(main, 'AWS::SQS::QueuePolicy') as [[string, Resource]];
    expect(policy.Properties.Queues).toEqual([{ Ref: 'Queue' }, { Ref: 'DeadLetterQueue' }]);
    const statements = policy.Properties.PolicyDocument.Statement as Array<Record<string, any>>;
    expect(statements).toHaveLength(1);
    const [s] = statements;
    expect(s!.Effect).toBe('Allow');
    expect(s!.Principal).toEqual({ Service: 'events.amazonaws.com' });
    expect(s!.Action).toBe('sqs:SendMessage');
    const ruleArns = ofType(main, 'AWS::Events::Rule').map(([name]) => ({ 'Fn::GetAtt': [name, 'Arn'] }));
    expect(s!.Condition).toEqual({ ArnEquals: { 'aws:SourceArn': ruleArns } });
  });

  it('encrypts both queues (SSE-SQS by default, SSE-KMS with KmsKeyArn) and redrives to the DLQ', () => {
    for (const name of ['Queue', 'DeadLetterQueue']) {
      const p = main.Resources[name]!.Properties;
      expect(p.SqsManagedSseEnabled, name).toEqual({ 'Fn::If': ['UseKms', { Ref: 'AWS::NoValue' }, true] });
      expect(p.KmsMasterKeyId, name).toEqual({ 'Fn::If': ['UseKms', { Ref: 'KmsKeyArn' }, { Ref: 'AWS::NoValue' }] });
    }
    expect((main.Parameters!.KmsKeyArn as { Default: string }).Default).toBe('');
    expect(main.Resources.Queue!.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] }, maxReceiveCount: { Ref: 'MaxReceiveCount' } });
  });

  it('outputs the queue URL and ARN, and the bus ARN the forwarder needs', () => {
    expect(main.Outputs!.QueueUrl!.Value).toEqual({ Ref: 'Queue' });
    expect(main.Outputs!.QueueArn!.Value).toEqual({ 'Fn::GetAtt': ['Queue', 'Arn'] });
    expect(main.Outputs!.EventBusArn).toBeDefined();
  });

  it('lets only the listed secret-owner accounts put aws.secretsmanager / aws.ssm events on the bus', () => {
    const [[, bus]] = ofType(main, 'AWS::Events::EventBusPolicy') as [[string, Resource]];
    expect(bus.Condition).toBe('HasSourceAccounts');
    expect(bus.Properties.Statement.Principal).toEqual({ AWS: { Ref: 'SourceAccountIds' } });
    expect(bus.Properties.Statement.Action).toBe('events:PutEvents');
    expect(bus.Properties.Statement.Condition).toEqual({ StringEquals: { 'events:source': ['aws.secretsmanager', 'aws.ssm'] } });
  });

  it('forwarder: every rule targets the operator bus with a role that may only PutEvents there', () => {
    for (const [name, rule] of ofType(forwarder, 'AWS::Events::Rule')) {
      expect(rule.Properties.Targets, name).toEqual([{ Id: 'operator-bus', Arn: { Ref: 'TargetEventBusArn' }, RoleArn: { 'Fn::GetAtt': ['ForwardRole', 'Arn'] } }]);
    }
    const role = forwarder.Resources.ForwardRole!.Properties;
    expect(role.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'events.amazonaws.com' });
    expect(role.Policies.flatMap((p: any) => p.PolicyDocument.Statement)).toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: { Ref: 'TargetEventBusArn' } }]);
  });
});

// ---- Terraform ------------------------------------------------------------------------------

interface HclModule { dir: string; files: string[]; errors: string[]; notCanonical: string[]; declared: Record<string, string[]>; references: string[] }

/** $ROTOR_HCL_CHECK (must exist when set), else the cached build of scripts/hcl-check's current sources. */
function hclCheck(): string | undefined {
  if (process.env.ROTOR_HCL_CHECK) return process.env.ROTOR_HCL_CHECK;
  const src = join(repoRoot, 'scripts/hcl-check');
  const key = createHash('sha256').update(Buffer.concat(['go.mod', 'go.sum', 'main.go'].map((f) => readFileSync(join(src, f))))).digest('hex').slice(0, 12);
  const bin = join(cache, `hcl-check-${key}`, 'hcl-check');
  return existsSync(bin) ? bin : undefined;
}

/** What is wrong with a module as hcl-check reports it: syntax, formatting, dangling or unused names. */
export function moduleProblems(m: HclModule): string[] {
  const problems = [...m.errors, ...m.notCanonical.map((f) => `${f} is not canonically formatted (terraform fmt)`)];
  const declared = (kind: string) => new Set(m.declared[kind] ?? []);
  const refsTo = (root: string) => m.references.filter((r) => r.startsWith(`${root}.`)).map((r) => r.slice(root.length + 1));
  for (const name of refsTo('var')) if (!declared('variable').has(name)) problems.push(`var.${name} is used but not declared`);
  for (const name of declared('variable')) if (!refsTo('var').includes(name)) problems.push(`variable ${name} is declared but never used`);
  for (const name of refsTo('local')) if (!declared('locals').has(name)) problems.push(`local.${name} is used but not declared`);
  for (const name of refsTo('data')) if (!declared('data').has(name)) problems.push(`data.${name} is used but not declared`);
  const resources = declared('resource');
  for (const ref of m.references.filter((r) => /^aws_\w+\.\w+$/.test(r))) if (!resources.has(ref)) problems.push(`${ref} is used but not declared`);
  return problems;
}

const hcl = hclCheck();
const analyse = (dirs: string[]): HclModule[] => execFileSync(hcl!, dirs, { encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l) as HclModule);

describe.skipIf(!hcl)(`Terraform through HashiCorp's HCL parser${hcl ? '' : ' (skipped: no hcl-check; run scripts/hcl-check/build.sh with Go, or set ROTOR_HCL_CHECK)'}`, () => {
  it.each(tfModules)('%s parses, is canonically formatted and refers only to what it declares', (dir) => {
    const [m] = analyse([dir]);
    expect(m!.files.length).toBeGreaterThan(0);
    expect(moduleProblems(m!)).toEqual([]);
    expect(m!.declared.locals).toContain('event_patterns');
  });

  it('reports a syntax error, bad formatting, an undeclared and an unused variable', () => {
    const dir = mkdtempSync(join(scratch, 'tf-'));
    writeFileSync(join(dir, 'ok.tf'), 'variable "unused" {\n  type = string\n}\n\nresource "aws_sqs_queue" "q" {\n  name   = var.missing\n  policy = aws_iam_policy.nope.arn\n}\n');
    writeFileSync(join(dir, 'ugly.tf'), 'locals {\n  a   = 1\n}\n');
    writeFileSync(join(dir, 'broken.tf'), 'resource "x" "y" {\n  a = \n');
    const problems = moduleProblems(analyse([dir])[0]!).join('\n');
    expect(problems).toMatch(/broken\.tf/);
    expect(problems).toContain('ugly.tf is not canonically formatted');
    expect(problems).toContain('var.missing is used but not declared');
    expect(problems).toContain('variable unused is declared but never used');
    expect(problems).toContain('aws_iam_policy.nope is used but not declared');
  });
});

describe('Terraform (text checks that need no tool)', () => {
  const text = (dir: string) => ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf'].map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');

  it.each(tfModules)('%s builds its rules from event-patterns.json, one per pattern', (dir) => {
    const src = text(dir);
    const file = /jsondecode\(file\("\$\{path\.module\}\/([^"]+)"\)\)/.exec(src)?.[1];
    expect(file && resolve(dir, file)).toBe(join(eventsDir, 'event-patterns.json'));
    expect(src).toMatch(/resource "aws_cloudwatch_event_rule" "\w+" \{\n\s+for_each\s+= local\.event_patterns\n/);
    expect(src).toMatch(/event_pattern\s+= jsonencode\(each\.value\)/);
  });

  it('the queue policy allows only events.amazonaws.com from the rules (aws:SourceArn), with SSE and a redrive to the DLQ', () => {
    const src = text(tfModules[0]!);
    expect(src).toMatch(/identifiers = \["events\.amazonaws\.com"\]/);
    expect(src).toMatch(/variable = "aws:SourceArn"\n\s+values\s+= \[for rule in aws_cloudwatch_event_rule\.events : rule\.arn\]/);
    expect(src).toMatch(/sqs_managed_sse_enabled\s+= var\.kms_key_arn == null \? true : null/);
    expect(src).toMatch(/deadLetterTargetArn = aws_sqs_queue\.dead_letter\.arn/);
    expect(src).toMatch(/output "queue_url"/);
    expect(src).toMatch(/output "queue_arn"/);
  });
});

describe('event-patterns.json', () => {
  it('matches the events the consumer understands (design of issue #16)', () => {
    expect(patterns).toEqual({
      'secret-label-updated': { source: ['aws.secretsmanager'], 'detail-type': ['Secret Label Updated'] },
      'secretsmanager-api-call': {
        source: ['aws.secretsmanager'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: { eventSource: ['secretsmanager.amazonaws.com'], eventName: ['PutSecretValue', 'UpdateSecret', 'UpdateSecretVersionStage', 'DeleteSecret', 'RestoreSecret', 'RotateSecret'] },
      },
      'secretsmanager-rotation': {
        source: ['aws.secretsmanager'],
        'detail-type': ['AWS Service Event via CloudTrail'],
        detail: { eventSource: ['secretsmanager.amazonaws.com'], eventName: ['RotationSucceeded', 'RotationFailed'] },
      },
      'parameter-store-change': { source: ['aws.ssm'], 'detail-type': ['Parameter Store Change'] },
    });
  });
});

describe('the docs of deploy/events', () => {
  const docs = ['docs/events.md', 'deploy/events/README.md', 'docs/iam/README.md'];
  it.each(docs)('%s links only to files that exist', (doc) => {
    const text = readFileSync(join(repoRoot, doc), 'utf8');
    const links = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) expect(existsSync(resolve(repoRoot, dirname(doc), link)), `${doc} -> ${link}`).toBe(true);
  });

  it('docs/events.md shows the patterns of event-patterns.json by name', () => {
    const text = readFileSync(join(repoRoot, 'docs/events.md'), 'utf8');
    for (const pattern of Object.values(patterns) as Array<{ 'detail-type': string[]; detail?: { eventName?: string[] } }>) {
      for (const name of [...pattern['detail-type'], ...(pattern.detail?.eventName ?? [])]) expect(text).toContain(name);
    }
  });
});
