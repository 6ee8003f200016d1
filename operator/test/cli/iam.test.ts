// `rotor iam policy` fills docs/iam's own files in (issue #19 item 5): the same text the docs
// link, with the account, region and prefix replaced everywhere and nothing of the example left.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IamInputError, POLICY_KINDS, policyFor, renderPolicy } from '../../src/cli/iam.js';

const docs = resolve(import.meta.dirname, '../../../docs');
const base = { account: '123456789012', region: 'eu-west-1', prefix: 'myapp/', path: '/myapp', queue: 'my-events' };

describe('rotor iam policy', () => {
  it('read: the Secrets Manager policy of docs/iam with account, region and prefix filled in', () => {
    const policy = JSON.parse(policyFor({ ...base, kind: 'read' }, docs));
    const template = JSON.parse(readFileSync(resolve(docs, 'iam/secretsmanager-read-prefix.json'), 'utf8'));
    // Same statements and actions as the doc's file: only the values changed.
    expect(policy.Statement.map((s: { Sid: string; Action: string[] }) => [s.Sid, s.Action])).toEqual(template.Statement.map((s: { Sid: string; Action: string[] }) => [s.Sid, s.Action]));
    expect(policy.Statement[0].Resource).toBe('arn:aws:secretsmanager:eu-west-1:123456789012:secret:myapp/*');
    expect(policy.Statement[2].Resource).toBe('arn:aws:kms:eu-west-1:123456789012:key/*');
    expect(policy.Statement[2].Condition.StringEquals['kms:ViaService']).toBe('secretsmanager.eu-west-1.amazonaws.com');
  });

  it.each(Object.keys(POLICY_KINDS) as Array<keyof typeof POLICY_KINDS>)('%s: leaves no example account, region or name behind', (kind) => {
    const text = policyFor({ ...base, kind }, docs);
    expect(text).not.toContain('111122223333');
    expect(text).not.toContain('us-east-1');
    expect(text).not.toMatch(/prod\/|\/production|rotor-events|pushed\//);
    // Unscoped (ECR and STS token calls have no resource-level permissions): no account in it.
    if ('unscoped' in POLICY_KINDS[kind]) expect(text).not.toContain('123456789012');
    else expect(text).toContain('123456789012');
  });

  it('push and push-parameters: the write policies of docs/iam under --prefix and --path, the managed-by condition kept', () => {
    const push = JSON.parse(policyFor({ ...base, kind: 'push' }, docs));
    const template = JSON.parse(readFileSync(resolve(docs, 'iam/secretsmanager-push.json'), 'utf8'));
    expect(push.Statement.map((s: { Sid: string; Action: string[] }) => [s.Sid, s.Action])).toEqual(template.Statement.map((s: { Sid: string; Action: string[] }) => [s.Sid, s.Action]));
    expect(push.Statement[0].Resource).toBe('arn:aws:secretsmanager:eu-west-1:123456789012:secret:myapp/*');
    expect(push.Statement[1].Resource).toBe('arn:aws:secretsmanager:eu-west-1:123456789012:secret:myapp/*');
    expect(push.Statement[1].Condition).toEqual({ StringEquals: { 'aws:ResourceTag/managed-by': ['rotor', 'external-secrets'] } });
    expect(push.Statement[2].Condition.StringEquals['kms:ViaService']).toBe('secretsmanager.eu-west-1.amazonaws.com');
    const parameters = JSON.parse(policyFor({ ...base, kind: 'push-parameters' }, docs));
    expect(parameters.Statement[0].Resource).toBe('arn:aws:ssm:eu-west-1:123456789012:parameter/myapp/*');
    expect(parameters.Statement[1].Condition).toEqual({ StringEquals: { 'aws:ResourceTag/managed-by': ['rotor', 'external-secrets'] } });
    expect(parameters.Statement[2].Condition.StringEquals['kms:ViaService']).toBe('ssm.eu-west-1.amazonaws.com');
  });

  it('ecr and sts: the generator policies as docs/iam has them, without --account or --region', () => {
    for (const [kind, file] of [['ecr', 'ecr-generator-policy.json'], ['sts', 'sts-session-token-generator-policy.json']] as const) {
      const policy = JSON.parse(policyFor({ ...base, account: undefined, region: undefined, kind }, docs));
      expect(policy).toEqual(JSON.parse(readFileSync(resolve(docs, 'iam', file), 'utf8')));
    }
    // Given anyway, they are still checked.
    expect(() => policyFor({ ...base, kind: 'ecr', account: '12' }, docs)).toThrow(/--account must be/);
    // A scoped kind still requires them.
    expect(() => policyFor({ ...base, kind: 'push', account: undefined }, docs)).toThrow(/--account is required/);
    // An unscoped file that gained the example account is refused rather than printed.
    const scoped = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sts:GetSessionToken'], Resource: 'arn:aws:iam::111122223333:role/x' }] });
    expect(() => renderPolicy(scoped, 'iam/x.json', { ...base, account: undefined, region: undefined, kind: 'sts' })).toThrow(/names the example account/);
  });

  it('parameters and events: the path and the queue', () => {
    const parameters = JSON.parse(policyFor({ ...base, kind: 'parameters' }, docs));
    expect(parameters.Statement[0].Resource).toEqual(['arn:aws:ssm:eu-west-1:123456789012:parameter/myapp', 'arn:aws:ssm:eu-west-1:123456789012:parameter/myapp/*']);
    const events = JSON.parse(policyFor({ ...base, kind: 'events' }, docs));
    expect(events.Statement[0].Resource).toBe('arn:aws:sqs:eu-west-1:123456789012:my-events');
  });

  it('uses the partition and DNS suffix of China and GovCloud regions', () => {
    const cn = JSON.parse(policyFor({ ...base, kind: 'read', region: 'cn-north-1' }, docs));
    expect(cn.Statement[0].Resource).toBe('arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:myapp/*');
    expect(cn.Statement[2].Condition.StringEquals['kms:ViaService']).toBe('secretsmanager.cn-north-1.amazonaws.com.cn');
    const gov = JSON.parse(policyFor({ ...base, kind: 'read', region: 'us-gov-west-1' }, docs));
    expect(gov.Statement[0].Resource).toBe('arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:myapp/*');
  });

  it('refuses bad input naming the flag, and a wildcard that would widen the grant', () => {
    expect(() => policyFor({ ...base, kind: 'read', account: '1234' }, docs)).toThrow(IamInputError);
    expect(() => policyFor({ ...base, kind: 'read', account: '1234' }, docs)).toThrow(/--account must be an AWS account id of 12 digits/);
    expect(() => policyFor({ ...base, kind: 'read', region: 'Europe' }, docs)).toThrow(/--region/);
    expect(() => policyFor({ ...base, kind: 'read', prefix: '*' }, docs)).toThrow(/--prefix .*no \*/);
    expect(() => policyFor({ ...base, kind: 'parameters', path: 'myapp' }, docs)).toThrow(/--path/);
  });

  it('fails, instead of printing the example, when a template no longer holds the value it replaces', () => {
    const changed = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:other/*' }] });
    expect(() => renderPolicy(changed, 'iam/x.json', { ...base, kind: 'read' })).toThrow(/no longer contains the example ":secret:prod\/\*"/);
  });

  it('says where the docs are missing', () => {
    expect(() => policyFor({ ...base, kind: 'read' }, '/nonexistent')).toThrow(/docs\/iam\/secretsmanager-read-prefix.json is not installed/);
  });
});
