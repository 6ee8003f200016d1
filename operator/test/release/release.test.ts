// scripts/release.sh end to end (without the image, which needs an image builder): the chart
// package, the CRD bundle, the SBOM, checksums and the version stamped into the operator.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { helm, repoRoot, skipReason } from '../chart/helm.js';

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const out = mkdtempSync(join(tmpdir(), 'rotor-release-'));
const yamlObjects = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as { kind: string; metadata: { name: string } } | null).filter((o) => o !== null);
const sourceCrds = () => readdirSync(join(repoRoot, 'crds')).sort().flatMap((f) => yamlObjects(readFileSync(join(repoRoot, 'crds', f), 'utf8')));

describe.skipIf(!helm)(`scripts/release.sh${helm ? '' : ` (SKIPPED: ${skipReason})`}`, () => {
  beforeAll(() => {
    execFileSync('bash', [join(repoRoot, 'scripts/release.sh'), '--out', out, '--skip-image'], {
      env: { ...process.env, PATH: `${join(helm!, '..')}:${process.env.PATH}` },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 240_000,
    });
  }, 300_000);

  it('writes the chart, the CRD bundle, the SBOM and checksums for the package.json version', () => {
    expect(readdirSync(out).sort()).toEqual([`SHA256SUMS`, `rotor-${version}.sbom.cdx.json`, `rotor-${version}.tgz`, `rotor-crds-${version}.yaml`].sort());
    const sums = readFileSync(join(out, 'SHA256SUMS'), 'utf8').trim().split('\n');
    expect(sums).toHaveLength(3);
    for (const line of sums) {
      const [hash, file] = line.split(/\s+/);
      expect(createHash('sha256').update(readFileSync(join(out, file!))).digest('hex'), file).toBe(hash);
    }
  });

  it('packages the chart with its CRDs, schema, dashboard and every template', () => {
    const files = execFileSync('tar', ['-tzf', join(out, `rotor-${version}.tgz`)], { encoding: 'utf8' }).trim().split('\n').sort();
    const inRepo = (dir: string) => readdirSync(join(repoRoot, 'charts/rotor', dir)).map((f) => `rotor/${dir}/${f}`);
    expect(files).toEqual(expect.arrayContaining(['rotor/Chart.yaml', 'rotor/values.yaml', 'rotor/values.schema.json', ...inRepo('templates').filter((f) => f !== 'rotor/templates/crds'), ...inRepo('templates/crds'), ...inRepo('dashboards')]));
    const chart = execFileSync(helm!, ['show', 'chart', join(out, `rotor-${version}.tgz`)], { encoding: 'utf8' });
    expect(chart).toMatch(new RegExp(`^version: ${version.replaceAll('.', '\\.')}$`, 'm'));
    // The CRDs are templates (templates/crds/): the documented command renders them from the package.
    const crds = yamlObjects(execFileSync(helm!, ['template', 'rotor', join(out, `rotor-${version}.tgz`), '--version', version, '--kube-version', '1.36.0', '--show-only', 'templates/crds/*.yaml'], { encoding: 'utf8' }));
    const withoutKeep = (o: object) => JSON.parse(JSON.stringify(o, (key, value) => (key === 'annotations' ? undefined : value)));
    expect(crds.map(withoutKeep)).toEqual(sourceCrds().map(withoutKeep));
  });

  it('bundles exactly the CRDs of crds/ in one file', () => {
    const bundle = yamlObjects(readFileSync(join(out, `rotor-crds-${version}.yaml`), 'utf8'));
    expect(bundle.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'CustomResourceDefinition/clusterexternalsecrets.rotor.dev',
      'CustomResourceDefinition/clustersecretstores.rotor.dev',
      'CustomResourceDefinition/externalsecrets.rotor.dev',
      'CustomResourceDefinition/secretstores.rotor.dev',
    ]);
    expect(bundle).toEqual(sourceCrds());
  });

  it('lists the production dependencies, not the dev ones, in a CycloneDX SBOM', () => {
    const sbom = JSON.parse(readFileSync(join(out, `rotor-${version}.sbom.cdx.json`), 'utf8')) as { bomFormat: string; components: Array<{ name: string }> };
    expect(sbom.bomFormat).toBe('CycloneDX');
    const names = sbom.components.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['@aws-sdk/client-secrets-manager', 'yaml', 'pino']));
    expect(names).not.toContain('vitest');
    expect(names).not.toContain('@kubernetes/client-node');
    expect(names).not.toContain('typescript');
  });

  it('stamps the version into the built operator (--version)', () => {
    expect(execFileSync('node', [join(repoRoot, 'operator/dist/main.js'), '--version'], { encoding: 'utf8' }).trim()).toBe(`rotor ${version}`);
  });
});

describe('release metadata', () => {
  it('package.json, Chart.yaml and CHANGELOG.md agree on the version', () => {
    const chart = readFileSync(join(repoRoot, 'charts/rotor/Chart.yaml'), 'utf8');
    expect(chart).toMatch(new RegExp(`^version: ${version}$`, 'm'));
    expect(chart).toMatch(new RegExp(`^appVersion: "${version}"$`, 'm'));
    expect(readFileSync(join(repoRoot, 'CHANGELOG.md'), 'utf8')).toMatch(new RegExp(`^## \\[${version.replaceAll('.', '\\.')}\\]`, 'm'));
  });
});
