// The chart installs the CRDs from charts/rotor/crds/, the docs and e2e apply crds/. They must be
// the same bytes; scripts/sync-crds.sh copies crds/ into the chart.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const sourceDir = join(repoRoot, 'crds');
const chartDir = join(repoRoot, 'charts/rotor/crds');
const yamlFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

describe('charts/rotor/crds is a copy of crds/', () => {
  it('has the same file names', () => {
    expect(yamlFiles(chartDir)).toEqual(yamlFiles(sourceDir));
    expect(yamlFiles(sourceDir)).toEqual([
      'rotor.dev_clusterexternalsecrets.yaml',
      'rotor.dev_clusterpushsecrets.yaml',
      'rotor.dev_clustersecretstores.yaml',
      'rotor.dev_externalsecrets.yaml',
      'rotor.dev_pushsecrets.yaml',
      'rotor.dev_secretstores.yaml',
    ]);
  });

  it.each(yamlFiles(sourceDir))('%s is byte-identical (run scripts/sync-crds.sh if not)', (file) => {
    const source = readFileSync(join(sourceDir, file));
    const copy = readFileSync(join(chartDir, file));
    expect(copy.equals(source), `charts/rotor/crds/${file} differs from crds/${file}; run scripts/sync-crds.sh`).toBe(true);
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
