// scripts/sbom-image.mjs on OCI archives made here: what an image really ships ends up in the
// SBOM — installed Debian packages, npm packages, and the Go modules linked into the committed
// gotemplate.wasm.gz — and what a later layer deleted does not. The archive of the real image is
// checked by e2e/release (scripts/release.sh with the image).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../chart/helm.js';

interface Component { name: string; version: string; purl: string; properties: Array<{ name: string; value: string }> }
interface Bom { bomFormat: string; specVersion: string; serialNumber: string; metadata: { component: { name: string; version?: string; hashes: Array<{ content: string }>; properties: Array<{ name: string; value: string }> } }; components: Component[] }

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const goVersion = /toolchain-used: (\S+)/.exec(readFileSync(join(repoRoot, 'operator/gotemplate/SOURCE.sha256'), 'utf8'))![1]!;
const gotemplateGoMod = readFileSync(join(repoRoot, 'operator/gotemplate/go.mod'), 'utf8');

/** Files (path -> content, or a path to copy) as a layer tarball; dotted spells names ./x as docker does. */
function layer(work: string, files: Record<string, string | { copy: string }>, opts: { gzip: boolean; dotted: boolean }): Buffer {
  const root = mkdtempSync(join(work, 'layer-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    if (typeof content === 'string') writeFileSync(join(root, path), content);
    else copyFileSync(content.copy, join(root, path));
  }
  const out = `${root}.tar`;
  const top = [...new Set(Object.keys(files).map((p) => p.split('/')[0]!))];
  execFileSync('tar', [opts.gzip ? '-czf' : '-cf', out, '-C', root, ...(opts.dotted ? ['.'] : top)]);
  return readFileSync(out);
}

/** An OCI archive of one image with these layers; returns its path and manifest digest. */
function ociArchive(layers: Buffer[], arch = 'amd64'): { file: string; digest: string } {
  const work = mkdtempSync(join(tmpdir(), 'rotor-sbom-test-'));
  const oci = join(work, 'oci');
  mkdirSync(join(oci, 'blobs/sha256'), { recursive: true });
  const put = (b: Buffer) => {
    writeFileSync(join(oci, 'blobs/sha256', sha(b)), b);
    return { digest: `sha256:${sha(b)}`, size: b.length };
  };
  const config = put(Buffer.from(JSON.stringify({ os: 'linux', architecture: arch, rootfs: { type: 'layers', diff_ids: [] } })));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: layers.map((l) => ({ mediaType: l[0] === 0x1f ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.oci.image.layer.v1.tar', ...put(l) })),
    }),
  );
  const m = put(manifest);
  writeFileSync(join(oci, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(oci, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m }] }));
  const file = join(work, 'image.oci.tar');
  execFileSync('tar', ['-cf', file, '-C', oci, '.']);
  return { file, digest: m.digest };
}

const sbom = (file: string, ...args: string[]) => {
  const r = spawnSync('node', [join(repoRoot, 'scripts/sbom-image.mjs'), file, ...args], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, bom: r.status === 0 ? (JSON.parse(r.stdout) as Bom) : undefined };
};

const dpkgStatus = `Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u13
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.

Package: removed-pkg
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0

Package: dash
Status: install ok installed
Architecture: amd64
Version: 0.5.12-2
`;

describe('scripts/sbom-image.mjs', () => {
  const work = mkdtempSync(join(tmpdir(), 'rotor-sbom-layers-'));
  const base = layer(
    work,
    {
      'etc/os-release': 'ID=debian\nVERSION_ID="12"\n',
      'var/lib/dpkg/status': dpkgStatus,
      'usr/local/lib/node_modules/npm/package.json': JSON.stringify({ name: 'npm', version: '11.21.2', license: 'Artistic-2.0' }),
    },
    { gzip: true, dotted: true },
  );
  const app = layer(
    work,
    {
      'app/package.json': JSON.stringify({ name: 'rotor', version: '0.1.0' }),
      'app/node_modules/yaml/package.json': JSON.stringify({ name: 'yaml', version: '2.8.1', license: 'ISC' }),
      'app/node_modules/yaml/browser/package.json': JSON.stringify({ type: 'module' }),
      'app/node_modules/@aws-sdk/client-sts/package.json': JSON.stringify({ name: '@aws-sdk/client-sts', version: '3.900.0', license: 'Apache-2.0' }),
      'app/node_modules/gone/package.json': JSON.stringify({ name: 'gone', version: '1.0.0' }),
      'app/operator/gotemplate/gotemplate.wasm.gz': { copy: join(repoRoot, 'operator/gotemplate/gotemplate.wasm.gz') },
    },
    { gzip: true, dotted: false },
  );
  // A later layer deletes a package (an OCI whiteout), uncompressed as some builders write it.
  const prune = layer(work, { 'app/node_modules/.wh.gone': '' }, { gzip: false, dotted: false });
  const image = ociArchive([base, app, prune]);
  const { status, stderr, bom } = sbom(image.file, '--name', 'registry.test/acme/rotor', '--version', '0.1.0');
  const byPurl = (p: string) => bom?.components.find((c) => c.purl === p);
  const source = (c: Component | undefined) => c?.properties.find((p) => p.name === 'rotor:source')?.value;

  it('writes a CycloneDX document for the image digest', () => {
    expect(stderr).toMatch(/sbom-image: sha256:[0-9a-f]{64} \(linux\/amd64\): 2 Debian, 3 npm, \d+ Go module entries/);
    expect(status).toBe(0);
    expect(bom!.bomFormat).toBe('CycloneDX');
    expect(bom!.specVersion).toBe('1.5');
    expect(bom!.metadata.component).toMatchObject({ name: 'registry.test/acme/rotor', version: '0.1.0', hashes: [{ content: image.digest.slice(7) }] });
    expect(bom!.metadata.component.properties).toContainEqual({ name: 'oci:platform', value: 'linux/amd64' });
    // Same image, same document (the serial number derives from the digest).
    expect(sbom(image.file, '--name', 'registry.test/acme/rotor', '--version', '0.1.0').bom).toEqual(bom);
  });

  it('lists the installed Debian packages with their distro, not the removed ones', () => {
    expect(source(byPurl('pkg:deb/debian/libc6@2.36-9%2Bdeb12u13?arch=amd64&distro=debian-12'))).toBe('debian');
    expect(byPurl('pkg:deb/debian/dash@0.5.12-2?arch=amd64&distro=debian-12')).toBeDefined();
    expect(bom!.components.filter((c) => source(c) === 'debian').map((c) => c.name).sort()).toEqual(['dash', 'libc6']);
  });

  it('lists every npm package manifest in a node_modules folder, not what a later layer deleted', () => {
    const npm = bom!.components.filter((c) => source(c) === 'npm').map((c) => c.purl).sort();
    expect(npm).toEqual(['pkg:npm/%40aws-sdk/client-sts@3.900.0', 'pkg:npm/npm@11.21.2', 'pkg:npm/yaml@2.8.1']);
    expect(byPurl('pkg:npm/yaml@2.8.1')?.properties).toContainEqual({ name: 'rotor:location', value: '/app/node_modules/yaml/package.json' });
  });

  it('lists the Go modules linked into gotemplate.wasm.gz, with the Go version, as go.mod pins them', () => {
    const go = bom!.components.filter((c) => source(c) === 'go-module');
    // Every module go.mod requires is in the binary's module list, at the pinned version.
    const required = [...gotemplateGoMod.matchAll(/^\s+(\S+) (v\S+)/gm)].map((m) => `pkg:golang/${m[1]}@${m[2]}`);
    expect(required.length).toBeGreaterThan(10);
    expect(go.map((c) => c.purl)).toEqual(expect.arrayContaining(required));
    expect(byPurl(`pkg:golang/stdlib@${goVersion}`)).toBeDefined();
    expect(byPurl('pkg:golang/github.com/Masterminds/sprig/v3@v3.3.0')?.properties).toEqual(
      expect.arrayContaining([
        { name: 'rotor:location', value: '/app/operator/gotemplate/gotemplate.wasm.gz' },
        expect.objectContaining({ name: 'go:h1', value: expect.stringMatching(/^h1:/) }),
      ]),
    );
  });

  it('refuses what is not an OCI archive, saying so', () => {
    const notOci = join(tmpdir(), `rotor-not-oci-${process.pid}.tar`);
    execFileSync('tar', ['-cf', notOci, '-C', join(repoRoot, 'operator/gotemplate'), 'go.mod']);
    const r = sbom(notOci);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/is not an OCI archive \(no index\.json\)/);
  });

  it('picks the platform asked for and refuses one the archive does not hold', () => {
    const arm = ociArchive([base], 'arm64');
    expect(sbom(arm.file, '--platform', 'linux/arm64').bom!.metadata.component.properties).toContainEqual({ name: 'oci:platform', value: 'linux/arm64' });
    const r = sbom(arm.file, '--platform', 'linux/amd64');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no image for linux\/amd64 in the archive \(has: linux\/arm64\)/);
  });
});
