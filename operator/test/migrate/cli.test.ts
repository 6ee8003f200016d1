import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { EXIT, MIGRATE_USAGE, parseMigrateFlags, runMigrate, type MigrateIO } from '../../src/migrate/cli.js';

function fakeIO(stdin = '') {
  const out = { stdout: '', stderr: '', files: new Map<string, string>() };
  const io: MigrateIO = {
    readStdin: async () => stdin,
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    writeFile: (p, t) => void out.files.set(p, t),
  };
  return { io, out };
}

const GOOD = `apiVersion: external-secrets.io/v1
kind: SecretStore
metadata: {name: aws}
spec: {provider: {aws: {service: ParameterStore, region: us-east-1}}}
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: db}
spec:
  secretStoreRef: {name: aws}
  data: [{secretKey: url, remoteRef: {key: /app/url}}]
`;
// A PushSecret both ESO's and Rotor's CRD refuse (a dataTo bundle with a rewrite): never carried over.
const PUSH = `apiVersion: external-secrets.io/v1alpha1
kind: PushSecret
metadata: {name: push}
spec:
  secretStoreRefs: [{name: aws}]
  selector: {secret: {name: src}}
  dataTo: [{storeRef: {name: aws}, remoteKey: app/all, rewrite: [{regexp: {source: '^', target: 'x/'}}]}]
`;
const kinds = (yaml: string) => parseAllDocuments(yaml).map((d) => `${(d.toJS() as any).apiVersion} ${(d.toJS() as any).kind}`);

describe('rotor migrate (files)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-migrate-'));
  writeFileSync(join(dir, 'good.yaml'), GOOD);
  writeFileSync(join(dir, 'push.yml'), PUSH);
  writeFileSync(join(dir, 'notes.txt'), 'not yaml: [');
  mkdirSync(join(dir, 'nested'));
  writeFileSync(join(dir, 'nested', 'more.yaml'), GOOD.replace(/name: db/, 'name: db2'));

  it('converts a file to stdout, exits 0 and reports the counts on stderr', async () => {
    const { io, out } = fakeIO();
    expect(await runMigrate([join(dir, 'good.yaml')], io)).toBe(EXIT.ok);
    expect(kinds(out.stdout)).toEqual(['rotor.dev/v1alpha1 SecretStore', 'rotor.dev/v1alpha1 ExternalSecret']);
    expect(out.stderr).toBe('2 converted, 0 not converted, 0 fields dropped\n');
  });

  it('reads stdin for "-"', async () => {
    const { io, out } = fakeIO(GOOD);
    expect(await runMigrate(['-'], io)).toBe(EXIT.ok);
    expect(kinds(out.stdout)).toHaveLength(2);
  });

  it('reads a directory (yaml/yml/json files only; nested ones with -R) and exits 1 when something is not carried over', async () => {
    const { io, out } = fakeIO();
    expect(await runMigrate([dir], io)).toBe(EXIT.incomplete);
    expect(kinds(out.stdout)).toEqual(['rotor.dev/v1alpha1 SecretStore', 'rotor.dev/v1alpha1 ExternalSecret']);
    expect(out.stderr).toContain(`PushSecret push (${join(dir, 'push.yml')}#1)\n  NOT CONVERTED: Rotor's API server would refuse it: spec.dataTo[]: remoteKey and rewrite are mutually exclusive`);
    expect(out.stderr).toContain('2 converted, 1 not converted, 0 fields dropped');
    const recursive = fakeIO();
    expect(await runMigrate(['-R', dir], recursive.io)).toBe(EXIT.incomplete);
    expect(kinds(recursive.out.stdout)).toHaveLength(4);
  });

  it('writes the YAML to --output and the report to --report', async () => {
    const { io, out } = fakeIO();
    expect(await runMigrate(['-o', '/out.yaml', '--report', '/report.txt', join(dir, 'push.yml'), join(dir, 'good.yaml')], io)).toBe(EXIT.incomplete);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe('');
    expect(kinds(out.files.get('/out.yaml')!)).toHaveLength(2);
    expect(out.files.get('/report.txt')).toMatch(/NOT CONVERTED/);
  });

  it('--adopt marks ExternalSecrets and the ones a ClusterExternalSecret stamps with rotor.dev/adopt-eso', async () => {
    const ces = `apiVersion: external-secrets.io/v1
kind: ClusterExternalSecret
metadata: {name: shared}
spec:
  externalSecretName: db
  namespaceSelectors: [{matchLabels: {a: b}}]
  externalSecretSpec:
    secretStoreRef: {name: aws, kind: ClusterSecretStore}
    data: [{secretKey: x, remoteRef: {key: k}}]
`;
    const { io, out } = fakeIO(`${GOOD}---\n${ces}`);
    expect(await runMigrate(['--adopt', '-'], io)).toBe(EXIT.ok);
    const docs = parseAllDocuments(out.stdout).map((d) => d.toJS() as any);
    expect(docs[0].metadata.annotations).toBeUndefined();
    expect(docs[1].metadata.annotations).toEqual({ 'rotor.dev/adopt-eso': 'db' });
    expect(docs[2].spec.externalSecretMetadata).toEqual({ annotations: { 'rotor.dev/adopt-eso': 'db' } });
  });

  it('exits 2 on usage and input errors, writing no YAML', async () => {
    for (const argv of [[], ['--bogus', 'x'], ['--timeout', 'soon', '--live'], [join(dir, 'missing.yaml')], [join(dir, 'notes.txt')], ['--crds', join(dir, 'nested'), join(dir, 'good.yaml')], ['--live', 'file.yaml'], ['--dry-run', 'file.yaml'], ['--live', '-n', 'a', '-A'], ['--live', '--adopt'], ['--live', '--crds', join(dir, 'nested')]]) {
      const { io, out } = fakeIO();
      expect(await runMigrate(argv, io), argv.join(' ')).toBe(EXIT.usage);
      expect(out.stdout, argv.join(' ')).toBe('');
      expect(out.stderr, argv.join(' ')).toMatch(/^rotor migrate: /);
    }
    const invalid = fakeIO('a: [\n');
    expect(await runMigrate(['-'], invalid.io)).toBe(EXIT.usage);
    expect(invalid.out.stderr).toMatch(/stdin:\d+: not valid YAML/);
  });

  it('--help documents every flag and exit code', async () => {
    const { io, out } = fakeIO();
    expect(await runMigrate(['--help'], io)).toBe(EXIT.ok);
    expect(out.stdout).toBe(MIGRATE_USAGE);
    const source = readFileSync(new URL('../../src/migrate/cli.ts', import.meta.url), 'utf8');
    const flags = [...source.matchAll(/^\s+'?([a-z-]+)'?: \{ type: '(?:string|boolean)'/gm)].map((m) => m[1]!);
    expect(flags.length).toBeGreaterThan(10); // every flag of parseArgs
    for (const flag of flags) expect(MIGRATE_USAGE, flag).toContain(`--${flag}`);
    for (const code of Object.values(EXIT)) expect(MIGRATE_USAGE).toMatch(new RegExp(`^  ${code}  `, 'm'));
  });

  it('--timeout takes Rotor\'s one duration grammar (Go\'s): compound units work, bad or zero ones are usage errors', () => {
    expect(parseMigrateFlags(['--live', '--timeout', '1m30s']).timeoutMs).toBe(90_000);
    expect(parseMigrateFlags(['--live', '--timeout', '300ms']).timeoutMs).toBe(300);
    for (const bad of ['soon', '90', '0', '1d']) expect(() => parseMigrateFlags(['--live', '--timeout', bad]), bad).toThrow(/--timeout .*give a duration such as 90s or 5m/);
  });
});
