// The chart renders the CRDs of crds/ (the source of truth; the docs and e2e apply it) as
// templates; scripts/sync-crds.sh generates them, the list of kinds and Chart.yaml's Artifact Hub
// annotations. The committed chart must be what it writes, and a new crds/ file must reach the
// chart without editing the generator.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const sourceDir = join(repoRoot, 'crds');
const generator = join(repoRoot, 'scripts/gen-chart-crds.mjs');
const run = (args: string[]) => spawnSync(process.execPath, [generator, ...args], { encoding: 'utf8' });

/** A scratch copy of what the generator reads and writes. */
function scratchRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-sync-crds-'));
  for (const sub of ['crds', 'examples', 'charts']) cpSync(join(repoRoot, sub), join(dir, sub), { recursive: true });
  return dir;
}

describe('the chart is generated from crds/ (scripts/sync-crds.sh)', () => {
  it('sync-crds.sh --check passes on this tree', () => {
    const check = spawnSync('bash', [join(repoRoot, 'scripts/sync-crds.sh'), '--check'], { encoding: 'utf8' });
    expect(check.status, `${check.stdout}${check.stderr} (run scripts/sync-crds.sh)`).toBe(0);
  });

  it('--check fails naming the file when a CRD changed and the chart was not regenerated', () => {
    const dir = scratchRepo();
    const file = join(dir, 'crds/rotor.dev_secretstores.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('shortNames:', 'shortNames:\n      - rss'));
    const check = run(['--root', dir, '--check']);
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('charts/rotor/templates/crds/rotor.dev_secretstores.yaml');
  });

  it('picks up a new crds/ file: its template, the kinds list and the Artifact Hub annotation', () => {
    const dir = scratchRepo();
    const crd = readFileSync(join(dir, 'crds/rotor.dev_secretstores.yaml'), 'utf8')
      .replace(/secretstores\.rotor\.dev/g, 'widgets.rotor.dev')
      .replace(/plural: secretstores/, 'plural: widgets')
      .replace(/singular: secretstore/, 'singular: widget')
      .replace(/kind: SecretStore\b/, 'kind: Widget')
      .replace(/listKind: SecretStoreList/, 'listKind: WidgetList');
    writeFileSync(join(dir, 'crds/rotor.dev_widgets.yaml'), crd);
    expect(run(['--root', dir, '--check']).stderr).toContain('charts/rotor/templates/crds/rotor.dev_widgets.yaml');
    const write = run(['--root', dir]);
    expect(write.status, write.stderr).toBe(0);
    expect(run(['--root', dir, '--check']).status).toBe(0);
    expect(readFileSync(join(dir, 'charts/rotor/templates/crds/rotor.dev_widgets.yaml'), 'utf8')).toMatch(/^\{\{- if \.Values\.crds\.enabled \}\}$[\s\S]*name: widgets\.rotor\.dev/m);
    expect(readFileSync(join(dir, 'charts/rotor/templates/crds/_kinds.tpl'), 'utf8')).toMatch(/^- widgets$/m);
    const chart = parse(readFileSync(join(dir, 'charts/rotor/Chart.yaml'), 'utf8')) as { annotations: Record<string, string> };
    expect(parse(chart.annotations['artifacthub.io/crds']!)).toContainEqual(expect.objectContaining({ kind: 'Widget', name: 'widgets.rotor.dev' }));
  });

  it('escapes template delimiters in CRD text (descriptions quote Go templates)', () => {
    const text = readFileSync(join(repoRoot, 'charts/rotor/templates/crds/rotor.dev_externalsecrets.yaml'), 'utf8');
    expect(readFileSync(join(sourceDir, 'rotor.dev_externalsecrets.yaml'), 'utf8')).toContain('{{');
    expect(text).toContain('{{ "{{" }}');
  });
});

describe('crds/rotor.dev_clusterexternalsecrets.yaml is generated', () => {
  it('is what scripts/gen-ces-crd.mjs writes (run scripts/sync-crds.sh after editing the ExternalSecret CRD or the script)', () => {
    const generated = spawnSync(process.execPath, [join(repoRoot, 'scripts/gen-ces-crd.mjs'), '--stdout'], { encoding: 'utf8' });
    expect(generated.status, generated.stderr).toBe(0);
    expect(generated.stdout === readFileSync(join(sourceDir, 'rotor.dev_clusterexternalsecrets.yaml'), 'utf8'), 'crds/rotor.dev_clusterexternalsecrets.yaml is stale; run scripts/sync-crds.sh').toBe(true);
  });

  it('embeds the ExternalSecret spec schema, CEL messages naming spec.externalSecretSpec', () => {
    const versionOf = (file: string) => (parse(readFileSync(join(sourceDir, file), 'utf8')) as { spec: { versions: Array<{ schema: { openAPIV3Schema: { properties: Record<string, any> } } }> } }).spec.versions[0]!.schema.openAPIV3Schema;
    const esSpec = versionOf('rotor.dev_externalsecrets.yaml').properties.spec;
    const embedded = versionOf('rotor.dev_clusterexternalsecrets.yaml').properties.spec.properties.externalSecretSpec;
    const strip = (schema: unknown) => JSON.parse(JSON.stringify(schema, (key, value) => (key === 'description' || key === 'message' ? undefined : value)));
    expect(strip(embedded)).toEqual(strip(esSpec));
    const messages = JSON.stringify(embedded).match(/"message":"[^"]*"/g) ?? [];
    expect(messages.length).toBeGreaterThan(5);
    for (const m of messages) expect(m).not.toMatch(/(^"message":"|[\s(/])spec\.(?!externalSecretSpec)/);
  });
});

describe('crds/rotor.dev_pushsecrets.yaml and rotor.dev_clusterpushsecrets.yaml are generated', () => {
  const versionOf = (file: string) => (parse(readFileSync(join(sourceDir, file), 'utf8')) as { spec: { versions: Array<{ schema: { openAPIV3Schema: { properties: Record<string, any> } } }> } }).spec.versions[0]!.schema.openAPIV3Schema;
  const strip = (schema: unknown) => JSON.parse(JSON.stringify(schema, (key, value) => (key === 'description' || key === 'message' ? undefined : value)));

  it.each(['pushsecrets', 'clusterpushsecrets'])('rotor.dev_%s.yaml is what scripts/gen-push-crds.mjs writes (run scripts/sync-crds.sh)', (kind) => {
    const generated = spawnSync(process.execPath, [join(repoRoot, 'scripts/gen-push-crds.mjs'), '--stdout', kind], { encoding: 'utf8' });
    expect(generated.status, generated.stderr).toBe(0);
    expect(generated.stdout.length).toBeGreaterThan(1000);
    expect(generated.stdout === readFileSync(join(sourceDir, `rotor.dev_${kind}.yaml`), 'utf8'), `crds/rotor.dev_${kind}.yaml is stale; run scripts/sync-crds.sh`).toBe(true);
  });

  it('PushSecret spec.template is the ExternalSecret template schema; ClusterPushSecret embeds the PushSecret spec', () => {
    const esTemplate = versionOf('rotor.dev_externalsecrets.yaml').properties.spec.properties.target.properties.template;
    const psSpec = versionOf('rotor.dev_pushsecrets.yaml').properties.spec;
    expect(strip(psSpec.properties.template)).toEqual(strip(esTemplate));
    const embedded = versionOf('rotor.dev_clusterpushsecrets.yaml').properties.spec.properties.pushSecretSpec;
    expect(strip(embedded)).toEqual(strip(psSpec));
    const messages = JSON.stringify(embedded).match(/"message":"[^"]*"/g) ?? [];
    expect(messages.length).toBeGreaterThan(3);
    for (const m of messages) expect(m).not.toMatch(/(^"message":"|[\s(/])spec\.(?!pushSecretSpec)/);
  });
});
