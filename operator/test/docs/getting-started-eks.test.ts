// docs/getting-started-eks.md (issue #19 item 5), command by command, read from the doc itself:
// every command is either run here (the IAM policy, `helm template` with the doc's flags, the
// manifests against the CRDs, `rotor status`/`refresh` against a fake cluster) or is one of the
// remote tools it names (eksctl, aws, docker...); e2e/tests/gitops-eks.e2e.test.ts sends the
// manifests to a real API server with --dry-run=server.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { ExternalSecret } from '../../src/api/types.js';
import { EXIT, runIam, runRefresh, runStatus, type ToolsIO } from '../../src/cli/commands.js';
import type { ToolsCluster } from '../../src/cli/cluster.js';
import { loadRotorKinds } from '../../src/migrate/crd-schemas.js';
import { checkAgainstSchema } from '../../src/migrate/schema-check.js';
import { argvOf, assignments, heredocOf, isAssignment, programsOf, readDocCommands, type DocCommand } from '../../../e2e/lib/doc-commands.js';
import { deployment, helm, one, repoRoot, skipReason, type K8sObject } from '../chart/helm.js';


const commands = readDocCommands(join(repoRoot, 'docs/getting-started-eks.md'));
/** Values for the doc's assignments that run a command (`ACCOUNT=$(aws sts ...)`). */
const VALUES = { ACCOUNT: '123456789012' };
const full = assignments(commands, VALUES);
/** Pod Identity (4a) and the release image: without the optional steps' arrays. */
const base = assignments(commands, VALUES, ['IRSA_ARGS', 'IMAGE_ARGS']);
const argv = (c: DocCommand, prelude = full) => argvOf(c, prelude, repoRoot);
const starting = (prefix: string) => commands.filter((c) => c.text.startsWith(prefix));
const single = (prefix: string) => {
  const found = starting(prefix);
  expect(found, prefix).toHaveLength(1);
  return found[0]!;
};
const flag = (args: string[], name: string) => args[args.indexOf(name) + 1];

/** Programs the doc may name without this test running them: they need AWS, a cluster or a daemon. */
const REMOTE = new Set(['eksctl', 'aws', 'docker', 'base64']);
/** kubectl subcommands that only read or wait on the cluster. */
const KUBECTL_REMOTE = new Set(['get', 'rollout', 'delete', 'describe', 'logs']);

function kind(c: DocCommand): string {
  const [program, sub] = c.text.split(/\s+/);
  if (isAssignment(c)) return 'assignment';
  if (program === 'rotor') return `rotor ${sub}`;
  if (program === 'helm') return `helm ${sub}`;
  if (program === 'kubectl' && c.heredoc !== undefined) return 'kubectl apply heredoc';
  return 'remote';
}

describe('docs/getting-started-eks.md', () => {
  it('has only commands this test runs, or remote ones it names', () => {
    for (const c of commands) {
      if (isAssignment(c)) continue;
      for (const [program, sub] of programsOf(c)) {
        const known = ['rotor', 'helm'].includes(program!) || REMOTE.has(program!) || (program === 'kubectl' && (KUBECTL_REMOTE.has(sub!) || (sub === 'apply' && c.heredoc !== undefined)) ) || (program === 'kubectl' && sub === '-n');
        expect(known, `teach this test about: ${c.text}`).toBe(true);
      }
    }
    const kinds = commands.map(kind);
    expect(kinds.filter((k) => k === 'rotor iam')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'helm install')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'kubectl apply heredoc')).toHaveLength(1);
  });

  it('rotor iam policy prints the read policy for the account, region and prefix of step 1', async () => {
    const c = single('rotor iam');
    expect(c.redirect).toBe('rotor-read.json');
    const args = argv(c);
    let out = '';
    const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (out += t), connect: () => { throw new Error('no cluster'); }, now: () => new Date() } as ToolsIO;
    expect(await runIam(args.slice(1), io)).toBe(EXIT.ok);
    const policy = JSON.parse(out);
    expect(policy.Statement[0].Resource).toBe('arn:aws:secretsmanager:eu-west-1:123456789012:secret:myapp/*');
    // ... and the file the next command creates the policy from.
    const create = single('aws iam create-policy');
    expect(argv(create)).toContain(`file://${c.redirect}`);
    // The policy ARN every later command attaches is the one created.
    const name = flag(argv(create), '--policy-name');
    for (const attach of [single('eksctl create podidentityassociation'), single('eksctl create iamserviceaccount')]) {
      expect(argv(attach).join(' ')).toContain(`arn:aws:iam::123456789012:policy/${name}`);
    }
  });

  describe.skipIf(!helm)(`helm install, rendered with helm template${helm ? '' : ` (skipped: ${skipReason})`}`, () => {
    const render = (prelude: string) => {
      const args = argv(single('helm install'), prelude);
      // helm install RELEASE CHART [flags] -> helm template RELEASE CHART [flags], without install-only flags.
      const [, release, chart, ...rest] = args;
      const flags = rest.filter((a) => a !== '--create-namespace' && a !== '--wait');
      const out = execFileSync(helm!, ['template', release!, chart!, ...flags], { cwd: repoRoot, encoding: 'utf8' });
      return parseAllDocuments(out).map((d) => d.toJS() as K8sObject).filter((o) => o !== null);
    };

    it('Pod Identity (4a) with the release image: the ServiceAccount the association names, the region', () => {
      const objects = render(base);
      const association = argv(single('eksctl create podidentityassociation'), base);
      const sa = one(objects, 'ServiceAccount');
      expect(sa.metadata.name).toBe(flag(association, '--service-account-name'));
      expect(sa.metadata.namespace).toBe(flag(association, '--namespace'));
      expect(sa.metadata.annotations?.['eks.amazonaws.com/role-arn']).toBeUndefined();
      const { container } = deployment(objects);
      expect(container.env).toContainEqual({ name: 'AWS_REGION', value: 'eu-west-1' });
      // The rollout the doc waits for is this Deployment.
      const wait = single('kubectl -n rotor-system rollout status');
      expect(wait.text).toContain(`deploy/${one(objects, 'Deployment').metadata.name}`);
      expect(one(objects, 'Deployment').metadata.namespace).toBe('rotor-system');
    });

    it('IRSA (4b) and a self-built ECR image (5): the role annotation and the pushed image', () => {
      const objects = render(full);
      const irsa = argv(single('eksctl create iamserviceaccount'));
      const sa = one(objects, 'ServiceAccount');
      expect(sa.metadata.name).toBe(flag(irsa, '--name'));
      expect(sa.metadata.namespace).toBe(flag(irsa, '--namespace'));
      expect(sa.metadata.annotations?.['eks.amazonaws.com/role-arn']).toBe(`arn:aws:iam::123456789012:role/${flag(irsa, '--role-name')}`);
      const { container } = deployment(objects);
      const build = argv(single('docker buildx build'));
      expect(flag(build, '--platform')).toBe('linux/arm64');
      expect(container.image).toBe(flag(build, '-t'));
      expect(container.image).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com/rotor:0.1.0');
      // The repository created and logged in to is the one pushed to.
      expect(flag(argv(single('aws ecr create-repository')), '--repository-name')).toBe('rotor');
      expect(single('aws ecr get-login-password').text).toContain('docker login --username AWS --password-stdin $ACCOUNT.dkr.ecr.$REGION.amazonaws.com');
    });
  });

  describe('the manifests of step 7', () => {
    const apply = () => single('kubectl apply');
    const objects = () => parseAllDocuments(heredocOf(apply(), full, repoRoot)).map((d) => d.toJS() as Record<string, any>);

    it('are valid against the CRDs (what the API server would accept, defaults applied)', () => {
      const kinds = loadRotorKinds(join(repoRoot, 'crds'));
      const docs = objects();
      expect(docs.map((o) => o.kind)).toEqual(['SecretStore', 'ExternalSecret']);
      for (const o of docs) {
        const checked = checkAgainstSchema(o, kinds.get(o.kind)!.schema);
        expect(checked.problems, `${o.kind}: ${JSON.stringify(checked.problems)}`).toEqual([]);
      }
    });

    it('read the secret of step 3 in the region of step 1, through the store they define', () => {
      const [store, es] = objects();
      expect(store!.spec.provider.aws.region).toBe('eu-west-1');
      expect(es!.spec.secretStoreRef).toEqual({ name: store!.metadata.name, kind: 'SecretStore' });
      const created = argv(single('aws secretsmanager create-secret'));
      expect(es!.spec.data[0].remoteRef.key).toBe(flag(created, '--name'));
      expect(JSON.parse(flag(created, '--secret-string')!)).toHaveProperty(es!.spec.data[0].remoteRef.property);
    });

    it('rotor status and rotor refresh, as written, address that ExternalSecret', async () => {
      const [, es] = objects() as [unknown, ExternalSecret];
      const seen: string[] = [];
      const cluster: ToolsCluster = {
        defaultNamespace: 'elsewhere',
        getExternalSecret: async (ns, name) => (seen.push(`get ${ns}/${name}`), ns === es.metadata.namespace && name === es.metadata.name ? es : undefined),
        events: async () => [],
        annotate: async (kind, ns, name) => (seen.push(`annotate ${kind} ${ns}/${name}`), true),
      };
      const io: ToolsIO = { stdout: () => undefined, stderr: () => undefined, connect: () => cluster, now: () => new Date() };
      expect(await runStatus(argv(single('rotor status')).slice(1), io)).not.toBe(EXIT.usage);
      const refresh = /`(rotor refresh es [^`]+)`/.exec(readDoc())?.[1];
      expect(refresh).toBeDefined();
      expect(await runRefresh(refresh!.split(/\s+/).slice(2), io)).toBe(EXIT.ok);
      expect(seen).toEqual([`get default/db`, `annotate ExternalSecret default/db`]);
    });
  });
});

function readDoc(): string {
  return readFileSync(join(repoRoot, 'docs/getting-started-eks.md'), 'utf8');
}
