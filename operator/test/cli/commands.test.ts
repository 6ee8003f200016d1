// rotor status / refresh / completion / --version -o json (issue #19 item 6), run end to end
// against a fake cluster (the ToolsCluster port) and the repository's real docs.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ExternalSecret } from '../../src/api/types.js';
import type { RefreshKind, ToolsCluster } from '../../src/cli/cluster.js';
import { EXIT, runCompletion, runIam, runRefresh, runStatus, runVersion, type ToolsIO } from '../../src/cli/commands.js';
import { COMMANDS, completionScript, flagsOf } from '../../src/cli/completion.js';
import { MIGRATE_USAGE } from '../../src/migrate/cli.js';
import type { KubeEvent } from '../../src/kube/client/objects.js';

const docsDir = resolve(import.meta.dirname, '../../../docs');
const NOW = new Date('2026-03-01T12:00:00Z');

class FakeCluster implements ToolsCluster {
  defaultNamespace = 'app';
  externalSecrets = new Map<string, ExternalSecret>();
  eventList: KubeEvent[] = [];
  annotations: Array<{ kind: RefreshKind; namespace: string | undefined; name: string; annotations: Record<string, string> }> = [];
  async getExternalSecret(namespace: string, name: string) {
    return this.externalSecrets.get(`${namespace}/${name}`);
  }
  async events(namespace: string, kind: string, name: string) {
    return this.eventList.filter((e) => e.metadata?.namespace === namespace && e.involvedObject.kind === kind && e.involvedObject.name === name);
  }
  async annotate(kind: RefreshKind, namespace: string | undefined, name: string, annotations: Record<string, string>) {
    const exists = kind === 'ClusterExternalSecret' ? name === 'shared' : this.externalSecrets.has(`${namespace}/${name}`);
    if (exists) this.annotations.push({ kind, namespace, name, annotations });
    return exists;
  }
}

let cluster: FakeCluster;
let out: string;
let err: string;
let connected: Array<{ kubeconfig?: string; context?: string }>;
const io = (): ToolsIO => ({
  stdout: (t) => void (out += t),
  stderr: (t) => void (err += t),
  connect: (options) => {
    connected.push(options);
    return cluster;
  },
  now: () => NOW,
  docsDir,
});

function es(ready: { status: 'True' | 'False'; reason: string; message: string }): ExternalSecret {
  return {
    apiVersion: 'rotor.dev/v1alpha1',
    kind: 'ExternalSecret',
    metadata: { name: 'db', namespace: 'app', generation: 2 },
    spec: { secretStoreRef: { name: 'aws', kind: 'SecretStore' }, target: { name: 'db-credentials' }, data: [{ secretKey: 'password', remoteRef: { key: 'prod/db' } }] },
    status: {
      conditions: [{ type: 'Ready', ...ready, lastTransitionTime: '2026-03-01T11:58:00Z' }],
      refreshTime: '2026-03-01T11:00:00Z',
      observedGeneration: 2,
      syncedVersions: [{ key: 'password', remoteKey: 'prod/db', versionId: 'a1b2c3d4-0000-4000-8000-000000000001' }],
    },
  } as ExternalSecret;
}

const event = (reason: string, type: string, at: string, message: string, count = 1): KubeEvent => ({
  metadata: { name: `db.${at}`, namespace: 'app' },
  involvedObject: { kind: 'ExternalSecret', name: 'db', namespace: 'app' },
  reason,
  type,
  message,
  lastTimestamp: at,
  count,
});

beforeEach(() => {
  cluster = new FakeCluster();
  out = '';
  err = '';
  connected = [];
});

describe('rotor status es NAME', () => {
  it('shows the condition, the synced versions, the newest Event and the troubleshooting section of the reason; exit 1 when not Ready', async () => {
    cluster.externalSecrets.set('app/db', es({ status: 'False', reason: 'AccessDenied', message: 'AWS refused secretsmanager:GetSecretValue on prod/db' }));
    cluster.eventList = [event('Created', 'Normal', '2026-03-01T10:00:00Z', 'created Secret app/db-credentials'), event('SyncFailed', 'Warning', '2026-03-01T11:59:00Z', 'AWS refused ...', 3)];
    expect(await runStatus(['es', 'db'], io())).toBe(EXIT.notReady);
    expect(out).toContain('ExternalSecret app/db');
    expect(out).toMatch(/Ready: +False {2}AccessDenied {2}since 2026-03-01T11:58:00Z \(120s ago\)|Ready: +False {2}AccessDenied {2}since 2026-03-01T11:58:00Z \(2m ago\)/);
    expect(out).toContain('Message:     AWS refused secretsmanager:GetSecretValue on prod/db');
    expect(out).toContain('Target:      Secret app/db-credentials');
    expect(out).toContain('password <- prod/db (versionId a1b2c3d4-0000-4000-8000-000000000001)');
    expect(out).toContain('Last event:  Warning SyncFailed x3, 2026-03-01T11:59:00Z (60s ago): AWS refused ...');
    // The docs/troubleshooting.md section of AccessDenied, with its commands.
    expect(out).toContain('What to do (docs/troubleshooting.md#accessdenied):');
    const doc = (await import('node:fs')).readFileSync(join(docsDir, 'troubleshooting.md'), 'utf8');
    const section = doc.split('### `AccessDenied`')[1]!.split('\n### ')[0]!.trim();
    expect(out).toContain(section.split('\n')[0]);
    expect(out).toContain('```sh');
  });

  it('exit 0 when Ready, in the namespace of -n, with the kubeconfig flags passed on', async () => {
    const ready = es({ status: 'True', reason: 'SecretSynced', message: 'synced' });
    ready.metadata.namespace = 'team-a';
    cluster.externalSecrets.set('team-a/db', ready);
    expect(await runStatus(['es', 'db', '-n', 'team-a', '--context', 'prod'], io())).toBe(EXIT.ok);
    expect(connected).toEqual([{ context: 'prod' }]);
    expect(out).toContain('ExternalSecret team-a/db');
    expect(out).toContain('What to do:  nothing');
    expect(out).toContain('Last event:  none');
  });

  it('says what is missing: no status yet, not found, bad usage', async () => {
    const fresh = es({ status: 'True', reason: 'SecretSynced', message: '' });
    delete fresh.status;
    cluster.externalSecrets.set('app/db', fresh);
    expect(await runStatus(['es', 'db'], io())).toBe(EXIT.notReady);
    expect(out).toContain('no status yet: is the operator running');
    expect(out).toContain('Synced:      nothing yet');
    expect(await runStatus(['es', 'nope'], io())).toBe(EXIT.notReady);
    expect(err).toContain('ExternalSecret app/nope (rotor.dev) not found');
    expect(await runStatus(['secret', 'db'], io())).toBe(EXIT.usage);
    expect(await runStatus(['es', 'db', '--bogus'], io())).toBe(EXIT.usage);
    expect(err).toMatch(/Unknown option '--bogus'/);
  });

  it('reports an API failure with exit 3', async () => {
    cluster.getExternalSecret = async () => {
      throw new Error('get externalsecrets.rotor.dev app/db: 403 forbidden');
    };
    expect(await runStatus(['es', 'db'], io())).toBe(EXIT.failed);
    expect(err).toContain('403 forbidden');
  });
});

describe('rotor refresh', () => {
  it('sets rotor.dev/force-sync to the current Unix time on the ExternalSecret', async () => {
    cluster.externalSecrets.set('app/db', es({ status: 'True', reason: 'SecretSynced', message: '' }));
    expect(await runRefresh(['es', 'db'], io())).toBe(EXIT.ok);
    expect(cluster.annotations).toEqual([{ kind: 'ExternalSecret', namespace: 'app', name: 'db', annotations: { 'rotor.dev/force-sync': String(NOW.getTime() / 1000) } }]);
    expect(out).toContain('ExternalSecret app/db: rotor.dev/force-sync=');
  });

  it('on a ClusterExternalSecret (cluster-scoped, -n ignored), and says when the object is missing', async () => {
    expect(await runRefresh(['ces', 'shared', '-n', 'x'], io())).toBe(EXIT.ok);
    expect(cluster.annotations[0]).toMatchObject({ kind: 'ClusterExternalSecret', namespace: undefined, name: 'shared' });
    expect(await runRefresh(['es', 'gone'], io())).toBe(EXIT.notReady);
    expect(err).toContain('ExternalSecret app/gone (rotor.dev) not found');
    expect(await runRefresh(['es'], io())).toBe(EXIT.usage);
    // A ClusterSecretStore is cluster-scoped too; the operator validates a store again.
    expect(await runRefresh(['css', 'shared'], io())).toBe(EXIT.notReady);
    expect(cluster.annotations.at(-1)).toMatchObject({ kind: 'ClusterExternalSecret' });
    expect(err).toContain('ClusterSecretStore shared (rotor.dev) not found');
  });
});

describe('rotor --version', () => {
  it('prints the text line, or JSON with -o json', () => {
    expect(runVersion([], io(), '1.2.3')).toBe(EXIT.ok);
    expect(out).toBe('rotor 1.2.3\n');
    out = '';
    expect(runVersion(['-o', 'json'], io(), '1.2.3')).toBe(EXIT.ok);
    expect(JSON.parse(out)).toEqual({ name: 'rotor', version: '1.2.3', node: process.versions.node, platform: process.platform, arch: process.arch });
    out = '';
    expect(runVersion(['--output=json'], io(), '1.2.3')).toBe(EXIT.ok);
    expect(JSON.parse(out).version).toBe('1.2.3');
    expect(runVersion(['-o', 'yaml'], io(), '1.2.3')).toBe(EXIT.usage);
  });
});

describe('rotor iam (command)', () => {
  it('prints the policy, and refuses a missing --account with the usage', async () => {
    expect(await runIam(['policy', '--account', '123456789012', '--region', 'eu-west-1', '--prefix', 'myapp/'], io())).toBe(EXIT.ok);
    expect(JSON.parse(out).Statement[0].Resource).toBe('arn:aws:secretsmanager:eu-west-1:123456789012:secret:myapp/*');
    expect(await runIam(['policy', '--region', 'eu-west-1'], io())).toBe(EXIT.usage);
    expect(err).toContain('--account is required');
    expect(await runIam(['policy', '--account', '123456789012', '--region', 'eu-west-1', '--kind', 'write'], io())).toBe(EXIT.usage);
    expect(err).toContain('--kind must be one of read, parameters, events, push, push-parameters, ecr, sts');
  });

  it('the generator policies need no --account or --region (they grant on "*"); the push ones do', async () => {
    expect(await runIam(['policy', '--kind', 'ecr'], io())).toBe(EXIT.ok);
    expect(JSON.parse(out).Statement.map((s: { Action: string[] }) => s.Action).flat()).toContain('ecr:GetAuthorizationToken');
    out = '';
    expect(await runIam(['policy', '--kind', 'sts'], io())).toBe(EXIT.ok);
    expect(JSON.parse(out).Statement[0].Action).toEqual(['sts:GetSessionToken']);
    expect(await runIam(['policy', '--kind', 'push', '--region', 'eu-west-1'], io())).toBe(EXIT.usage);
    expect(err).toContain('--account is required');
  });
});

describe('rotor completion', () => {
  /** What bash completes for the words typed so far, with kubectl replaced by a fake on PATH. */
  function complete(words: string[]): string[] {
    const bin = mkdtempSync(join(tmpdir(), 'rotor-completion-'));
    // The fake kubectl answers the two lists the completion asks for.
    writeFileSync(
      join(bin, 'kubectl'),
      '#!/bin/sh\ncase "$*" in\n  *"get externalsecrets.rotor.dev -n team-a"*) echo "team-db team-cache" ;;\n  *"get externalsecrets.rotor.dev"*) echo "db cache" ;;\n  *"get namespaces"*) echo "app team-a" ;;\nesac\n',
    );
    chmodSync(join(bin, 'kubectl'), 0o755);
    const script = `${completionScript('bash')}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _rotor; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const text = execFileSync('bash', ['-c', script], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    return text.split('\n').filter((l) => l !== '');
  }

  it('completes commands, kinds, ExternalSecret names (of -n too), namespaces, iam kinds and migrate flags', () => {
    expect(complete(['rotor', ''])).toEqual([...COMMANDS, '--version', '--help']);
    expect(complete(['rotor', 'st'])).toEqual(['status']);
    expect(complete(['rotor', 'status', ''])).toEqual(['es', 'externalsecret']);
    expect(complete(['rotor', 'refresh', 'c'])).toEqual(['ces', 'clusterexternalsecret', 'css', 'clustersecretstore']);
    expect(complete(['rotor', 'status', 'es', ''])).toEqual(['db', 'cache']);
    expect(complete(['rotor', 'status', 'es', '-n', 'team-a', 't'])).toEqual(['team-db', 'team-cache']);
    expect(complete(['rotor', 'status', 'es', '-n', ''])).toEqual(['app', 'team-a']);
    expect(complete(['rotor', 'iam', 'policy', '--kind', ''])).toEqual(['read', 'parameters', 'events', 'push', 'push-parameters', 'ecr', 'sts']);
    expect(complete(['rotor', 'completion', ''])).toEqual(['bash', 'zsh']);
    expect(complete(['rotor', 'migrate', '--li'])).toEqual(['--live']);
  });

  it('offers exactly the flags rotor migrate documents', () => {
    expect(flagsOf(MIGRATE_USAGE)).toContain('--delete-eso');
    expect(completionScript('bash')).toContain(flagsOf(MIGRATE_USAGE).join(' '));
  });

  it('zsh loads the same function through bashcompinit; bash and zsh scripts parse', () => {
    const zsh = completionScript('zsh');
    expect(zsh).toMatch(/^#compdef rotor kubectl-rotor\n/);
    expect(zsh).toContain('bashcompinit');
    expect(zsh).toContain(completionScript('bash'));
    execFileSync('bash', ['-n', '-c', completionScript('bash')]);
    expect(runCompletion(['fish'], io())).toBe(EXIT.usage);
    expect(runCompletion(['bash'], io())).toBe(EXIT.ok);
    expect(out).toContain('complete -o default -F _rotor rotor');
  });
});
