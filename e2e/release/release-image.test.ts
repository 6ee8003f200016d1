// scripts/release.sh end to end with the image: buildah builds the Dockerfile into an OCI
// archive (base image made locally, as the in-cluster tier does; no registry), the chart names
// that image, the SBOM made from the archive lists its Debian packages, npm packages and the
// Go modules inside gotemplate.wasm, and SHA256SUMS covers all of it.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { helm, repoRoot, skipReason } from '../../operator/test/chart/helm.js';

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const out = mkdtempSync(join(tmpdir(), 'rotor-release-image-'));
const archive = join(out, `rotor-${version}.oci.tar`);
const image = `registry.test:5000/acme/rotor:${version}`;
const tarJson = <T>(member: string) => JSON.parse(execFileSync('tar', ['-xOf', archive, member], { encoding: 'utf8', maxBuffer: 1 << 26 })) as T;
const blob = <T>(digest: string) => tarJson<T>(`blobs/${digest.replace(':', '/')}`);

interface Component { name: string; version: string; purl: string; properties: Array<{ name: string; value: string }> }
interface Bom { bomFormat: string; metadata: { component: { name: string; version: string; hashes: Array<{ content: string }> } }; components: Component[] }

describe('scripts/release.sh with the image', () => {
  let log = '';
  beforeAll(() => {
    // This tier runs after the test bed is built, so a missing helm is a failure, not a skip.
    if (!helm) throw new Error(skipReason);
    const r = spawnSync('bash', [join(repoRoot, 'scripts/release.sh'), '--out', out, '--registry', 'registry.test:5000', '--owner', 'acme'], {
      env: { ...process.env, PATH: `${dirname(helm!)}:${process.env.PATH}` },
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 900_000,
    });
    log = r.stderr;
    if (r.status !== 0) throw new Error(`scripts/release.sh failed (${r.status ?? r.signal}):\n${log.slice(-4000)}`);
  }, 900_000);

  it('writes the image archive, chart, CRD bundle, SBOM and verified checksums', () => {
    expect(readdirSync(out).sort()).toEqual(['SHA256SUMS', `rotor-${version}.oci.tar`, `rotor-${version}.sbom.cdx.json`, `rotor-${version}.tgz`, `rotor-crds-${version}.yaml`]);
    const sums = readFileSync(join(out, 'SHA256SUMS'), 'utf8').trim().split('\n').map((l) => l.split(/\s+/));
    expect(sums.map(([, f]) => f).sort()).toEqual(readdirSync(out).filter((f) => f !== 'SHA256SUMS').sort());
    for (const [hash, file] of sums) expect(createHash('sha256').update(readFileSync(join(out, file!))).digest('hex'), file).toBe(hash);
    execFileSync('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], { cwd: out });
  });

  it('builds the operator image from the Dockerfile as an OCI archive named for the registry', () => {
    const index = tarJson<{ manifests: Array<{ digest: string; annotations?: Record<string, string> }> }>('index.json');
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0]!.annotations?.['org.opencontainers.image.ref.name']).toBe(image);
    const manifest = blob<{ config: { digest: string }; layers: unknown[] }>(index.manifests[0]!.digest);
    const config = blob<{ os: string; architecture: string; config: { Entrypoint: string[]; User: string } }>(manifest.config.digest);
    expect(`${config.os}/${config.architecture}`).toBe('linux/amd64');
    expect(config.config.Entrypoint).toEqual(['node', 'operator/dist/main.js']);
    expect(config.config.User).toBe('65532:65532');
  });

  it('publishes a chart whose image default is that image', () => {
    const values = parse(execFileSync(helm!, ['show', 'values', join(out, `rotor-${version}.tgz`)], { encoding: 'utf8' })) as { image: { registry?: string; repository: string } };
    const repo = values.image.registry ? `${values.image.registry}/${values.image.repository}` : values.image.repository;
    expect(`${repo}:${version}`).toBe(image);
  });

  it('makes the SBOM from that image: Debian packages, npm packages and the Go modules inside gotemplate.wasm', () => {
    const bom = JSON.parse(readFileSync(join(out, `rotor-${version}.sbom.cdx.json`), 'utf8')) as Bom;
    expect(bom.bomFormat).toBe('CycloneDX');
    const index = tarJson<{ manifests: Array<{ digest: string }> }>('index.json');
    expect(bom.metadata.component).toMatchObject({ name: 'registry.test:5000/acme/rotor', version, hashes: [{ content: index.manifests[0]!.digest.slice(7) }] });
    const by = (source: string) => bom.components.filter((c) => c.properties.some((p) => p.name === 'rotor:source' && p.value === source));
    // The Debian packages the base image installs (glibc and the C++ runtime node links to).
    expect(by('debian').map((c) => c.name)).toEqual(expect.arrayContaining(['libc6', 'libstdc++6']));
    // The operator's production dependencies, at the versions package-lock.json pins, and no dev ones.
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
    const npm = by('npm');
    for (const name of ['@aws-sdk/client-secrets-manager', 'yaml', 'pino', 'prom-client']) {
      expect(npm.find((c) => c.name === name && c.properties.some((p) => p.value === `/app/node_modules/${name}/package.json`))?.version, name).toBe(lock.packages[`node_modules/${name}`]!.version);
    }
    for (const dev of ['vitest', 'typescript', '@kubernetes/client-node']) expect(npm.map((c) => c.name)).not.toContain(dev);
    // The Go modules compiled into the template engine, as its go.mod pins them.
    const goMod = readFileSync(join(repoRoot, 'operator/gotemplate/go.mod'), 'utf8');
    const required = [...goMod.matchAll(/^\s+(\S+) (v\S+)/gm)].map((m) => `pkg:golang/${m[1]}@${m[2]}`);
    expect(by('go-module').map((c) => c.purl)).toEqual(expect.arrayContaining(required));
    expect(log).toMatch(/sbom-image: sha256:[0-9a-f]{64} \(linux\/amd64\): [1-9]\d* Debian, [1-9]\d* npm, [1-9]\d* Go module entries/);
  });
});
