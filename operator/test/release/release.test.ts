// scripts/release.sh without the image (--skip-image; e2e/release runs it with the image and the
// SBOM): the chart package with its image default set from --registry/--owner, the CRD bundle,
// checksums, the version stamped into the operator, and the release metadata (versions, dated
// CHANGELOG sections, the notes the release workflow publishes).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { helm, repoRoot, skipReason } from '../chart/helm.js';

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const out = mkdtempSync(join(tmpdir(), 'rotor-release-'));
const yamlObjects = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as { kind: string; metadata: { name: string } } | null).filter((o) => o !== null);
const sourceCrds = () => readdirSync(join(repoRoot, 'crds')).sort().flatMap((f) => yamlObjects(readFileSync(join(repoRoot, 'crds', f), 'utf8')));

describe.skipIf(!helm)(`scripts/release.sh${helm ? '' : ` (SKIPPED: ${skipReason})`}`, () => {
  beforeAll(() => {
    execFileSync('bash', [join(repoRoot, 'scripts/release.sh'), '--out', out, '--skip-image', '--registry', 'registry.test:5000', '--owner', 'acme'], {
      env: { ...process.env, PATH: `${join(helm!, '..')}:${process.env.PATH}` },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 240_000,
    });
  }, 300_000);

  it('writes the chart, the CRD bundle and checksums for the package.json version, and no SBOM without an image', () => {
    expect(readdirSync(out).sort()).toEqual([`SHA256SUMS`, `rotor-${version}.tgz`, `rotor-crds-${version}.yaml`].sort());
    const sums = readFileSync(join(out, 'SHA256SUMS'), 'utf8').trim().split('\n');
    expect(sums).toHaveLength(2);
    for (const line of sums) {
      const [hash, file] = line.split(/\s+/);
      expect(createHash('sha256').update(readFileSync(join(out, file!))).digest('hex'), file).toBe(hash);
    }
  });

  it('sets the packaged chart\'s image default to <registry>/<owner>/rotor, leaving the source chart alone', () => {
    const tgz = join(out, `rotor-${version}.tgz`);
    const values = parse(execFileSync(helm!, ['show', 'values', tgz], { encoding: 'utf8' })) as { image: { registry?: string; repository: string } };
    expect(values.image.registry ? `${values.image.registry}/${values.image.repository}` : values.image.repository).toBe('registry.test:5000/acme/rotor');
    const rendered = execFileSync(helm!, ['template', 'rotor', tgz, '--namespace', 'rotor-system'], { encoding: 'utf8' });
    expect(rendered).toContain(`image: "registry.test:5000/acme/rotor:${version}"`);
    const source = parse(readFileSync(join(repoRoot, 'charts/rotor/values.yaml'), 'utf8')) as { image: { repository: string } };
    expect(source.image.repository).not.toContain('acme');
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
    expect(bundle.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(expect.arrayContaining([
      'CustomResourceDefinition/clusterexternalsecrets.rotor.dev',
      'CustomResourceDefinition/externalsecrets.rotor.dev',
      'CustomResourceDefinition/pushsecrets.rotor.dev',
      'CustomResourceDefinition/passwords.generators.rotor.dev',
    ]));
    expect(bundle).toEqual(sourceCrds());
    expect(readFileSync(join(out, `rotor-crds-${version}.yaml`), 'utf8')).toContain(`kubectl apply --server-side --force-conflicts -f rotor-crds-${version}.yaml`);
  });

  it('stamps the version into the built operator (--version)', () => {
    expect(execFileSync('node', [join(repoRoot, 'operator/dist/main.js'), '--version'], { encoding: 'utf8' }).trim()).toBe(`rotor ${version}`);
  });
});

describe('release metadata', () => {
  it('ships the Apache License 2.0 that package.json declares, and a security policy', () => {
    expect((JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { license: string }).license).toBe('Apache-2.0');
    // The standard text, byte for byte (the sha256 of the ASF's LICENSE-2.0.txt).
    expect(createHash('sha256').update(readFileSync(join(repoRoot, 'LICENSE'))).digest('hex')).toBe('cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30');
    const security = readFileSync(join(repoRoot, 'SECURITY.md'), 'utf8');
    for (const heading of ['## Reporting a vulnerability', '## What to expect', '## Supported versions', '## Scope']) expect(security).toContain(heading);
  });

  it('package.json, Chart.yaml and CHANGELOG.md agree on the version', () => {
    const chart = readFileSync(join(repoRoot, 'charts/rotor/Chart.yaml'), 'utf8');
    expect(chart).toMatch(new RegExp(`^version: ${version}$`, 'm'));
    expect(chart).toMatch(new RegExp(`^appVersion: "${version}"$`, 'm'));
    expect(readFileSync(join(repoRoot, 'CHANGELOG.md'), 'utf8')).toMatch(new RegExp(`^## \\[${version.replaceAll('.', '\\.')}\\]`, 'm'));
  });
});

describe('release.sh arguments', () => {
  const release = (...args: string[]) => spawnSync('bash', [join(repoRoot, 'scripts/release.sh'), ...args], { encoding: 'utf8', timeout: 60_000 });

  it('wants --registry and --owner together', () => {
    const r = release('--skip-image', '--registry', 'registry.test');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--registry needs --owner');
    expect(release('--skip-image', '--owner', 'acme').stderr).toContain('--owner needs --registry');
  });

  it('refuses an image archive that does not exist', () => {
    const r = release('--image-archive', '/nonexistent/rotor.oci.tar');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--image-archive /nonexistent/rotor.oci.tar: no such file');
  });
});

describe('CHANGELOG.md and the release notes', () => {
  const changelog = readFileSync(join(repoRoot, 'CHANGELOG.md'), 'utf8');
  const notes = (v: string) => spawnSync('bash', [join(repoRoot, 'scripts/changelog-notes.sh'), v], { encoding: 'utf8' });

  it('has Unreleased on top, then one dated section per release, each with a compare or tag link', () => {
    const headings = [...changelog.matchAll(/^## \[([^\]]+)\](.*)$/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(headings[0]).toEqual(['Unreleased', '']);
    const releases = headings.slice(1);
    expect(releases.length).toBeGreaterThan(0);
    for (const [v, rest] of releases) {
      expect(v, v).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
      expect(rest, v).toMatch(/^ - \d{4}-\d{2}-\d{2}$/);
    }
    // Newest first, and each links to its changes (relative, so any fork's links resolve).
    expect(changelog).toMatch(new RegExp(`^\\[Unreleased\\]: \\.\\./\\.\\./compare/v${releases[0]![0].replaceAll('.', '\\.')}\\.\\.\\.HEAD$`, 'm'));
    releases.forEach(([v], i) => {
      const prev = releases[i + 1]?.[0];
      const link = prev ? `../../compare/v${prev}...v${v}` : `../../releases/tag/v${v}`;
      expect(changelog, v).toContain(`\n[${v}]: ${link}\n`);
    });
  });

  it('gives the workflow the body of one version\'s section as notes', () => {
    const r = notes(version);
    expect(r.status).toBe(0);
    const section = changelog.split(/^## /m).find((s) => s.startsWith(`[${version}] - `))!;
    expect(r.stdout.trim()).toBe(section.split('\n').slice(1).join('\n').replace(/\n\[[^\]]+\]: [\s\S]*$/, '').trim());
    expect(r.stdout).not.toMatch(/^## /m);
    expect(r.stdout).not.toContain('[Unreleased]:');
  });

  it('refuses a version without a section', () => {
    const r = notes('99.0.0');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("has no non-empty '## [99.0.0] - YYYY-MM-DD' section");
  });
});
