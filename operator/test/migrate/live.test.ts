// `rotor migrate --live` as the command runs it: flags -> handover -> YAML, report, exit code.
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { EXIT, parseMigrateFlags, type MigrateIO } from '../../src/migrate/cli.js';
import { runLive } from '../../src/migrate/live.js';
import { esoCluster } from './fake-cluster.js';

function fakeIO() {
  const out = { stdout: '', stderr: '' };
  const io: MigrateIO = { readStdin: async () => '', stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t), writeFile: () => undefined };
  return { io, out };
}

describe('rotor migrate --live', () => {
  it('exits 0 after the handover and prints the commands that delete ESO\'s objects', async () => {
    const { c } = esoCluster();
    const { io, out } = fakeIO();
    expect(await runLive(parseMigrateFlags(['--live']), io, c)).toBe(EXIT.ok);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain("Secret a/db: now Rotor's");
    expect(out.stderr).toContain("Once you are ready, delete ESO's objects");
    expect(out.stderr).toContain('  kubectl delete externalsecrets.external-secrets.io -n a db');
    expect(out.stderr).toContain('2 converted, 0 not converted, 0 fields dropped');
  });

  it('--dry-run writes the Rotor YAML to stdout, with the opt-in annotation, and changes nothing', async () => {
    const { c } = esoCluster();
    const { io, out } = fakeIO();
    expect(await runLive(parseMigrateFlags(['--live', '--dry-run']), io, c)).toBe(EXIT.ok);
    const docs = parseAllDocuments(out.stdout).map((d) => d.toJS() as { kind: string; metadata: { annotations?: Record<string, string> } });
    expect(docs.map((d) => d.kind)).toEqual(['SecretStore', 'ExternalSecret']);
    expect(docs[1]!.metadata.annotations).toEqual({ 'rotor.dev/adopt-eso': 'db' });
    expect(c.calls).toEqual([]);
  });

  it('exits 1 when something stays with ESO, 3 when the handover did not finish or the cluster cannot be read, 2 without a kubeconfig', async () => {
    const partial = esoCluster();
    partial.c.addEso('ClusterSecretStore', { metadata: { name: 'vault' }, spec: { provider: { vault: {} } } });
    expect(await runLive(parseMigrateFlags(['--live']), fakeIO().io, partial.c)).toBe(EXIT.incomplete);

    const stuck = esoCluster();
    stuck.c.operatorRunning = false;
    const stuckIO = fakeIO();
    expect(await runLive(parseMigrateFlags(['--live', '--timeout', '300ms']), stuckIO.io, stuck.c)).toBe(EXIT.handoverFailed);
    expect(stuckIO.out.stderr).toMatch(/ExternalSecret a\/db \(cluster\)\n  NOT CONVERTED: the handover of Secret a\/db did not finish within 0.3s/);

    const broken = esoCluster();
    broken.c.listEso = async () => {
      throw new Error('list externalsecrets.external-secrets.io: HTTP 403 Forbidden');
    };
    const brokenIO = fakeIO();
    expect(await runLive(parseMigrateFlags(['--live']), brokenIO.io, broken.c)).toBe(EXIT.handoverFailed);
    expect(brokenIO.out.stderr).toBe('rotor migrate: list externalsecrets.external-secrets.io: HTTP 403 Forbidden\n');

    const noConfig = fakeIO();
    expect(await runLive(parseMigrateFlags(['--live', '--kubeconfig', '/nonexistent/kubeconfig']), noConfig.io)).toBe(EXIT.usage);
    expect(noConfig.out.stderr).toMatch(/^rotor migrate: /);
  });
});
