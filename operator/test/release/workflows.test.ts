// The GitHub Actions workflows (.github/workflows): every file passes actionlint (rhysd/actionlint,
// built by scripts/actionlint/build.sh), actionlint really rejects a broken workflow, and the
// release workflow has the shape docs/releasing.md promises: semver tag trigger, both platforms,
// keyless signatures, the SBOM attached, least-privilege permissions, pinned actions, and no
// registry named in the source.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../chart/helm.js';

const workflowsDir = join(repoRoot, '.github/workflows');
const workflowFiles = readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f)).sort();
const cache = process.env.ROTOR_CACHE ?? join(homedir(), '.cache/rotor');

/** $ROTOR_ACTIONLINT (must exist when set), else the cached build of scripts/actionlint's current sources. */
function actionlint(): string | undefined {
  if (process.env.ROTOR_ACTIONLINT) return process.env.ROTOR_ACTIONLINT;
  const src = join(repoRoot, 'scripts/actionlint');
  const key = createHash('sha256').update(Buffer.concat(['go.mod', 'go.sum', 'main.go'].map((f) => readFileSync(join(src, f))))).digest('hex').slice(0, 12);
  const bin = join(cache, `actionlint-${key}`, 'actionlint');
  return existsSync(bin) ? bin : undefined;
}
const lint = actionlint();

function runActionlint(cwd: string, files: string[]) {
  const r = spawnSync(lint!, ['-no-color', '-oneline', ...files], { cwd, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe.skipIf(!lint)(`actionlint${lint ? '' : ' (SKIPPED: no actionlint; run scripts/actionlint/build.sh with Go, or set ROTOR_ACTIONLINT)'}`, () => {
  it('passes every workflow of the repository', () => {
    expect(workflowFiles).toEqual(expect.arrayContaining(['ci.yml', 'release.yml']));
    const r = runActionlint(repoRoot, workflowFiles.map((f) => join('.github/workflows', f)));
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('fails a broken workflow and says where', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rotor-actionlint-'));
    mkdirSync(join(dir, '.github/workflows'), { recursive: true });
    // The release workflow with three mistakes a hand edit makes: a job needing one that does not
    // exist, an expression naming an unknown context property, and a permission that does not exist.
    const release = readFileSync(join(workflowsDir, 'release.yml'), 'utf8')
      .replace('needs: publish', 'needs: publsh')
      .replace('${{ steps.image.outputs.digest }}', '${{ step.image.outputs.digest }}')
      .replace('contents: write # create', 'content: write # create');
    writeFileSync(join(dir, '.github/workflows/release.yml'), release);
    const r = runActionlint(dir, ['.github/workflows/release.yml']);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/release\.yml:\d+:\d+: .*"publsh"/);
    expect(r.output).toMatch(/release\.yml:\d+:\d+: .*"step"/);
    expect(r.output).toMatch(/release\.yml:\d+:\d+: .*"content"/);
  });
});

interface Step { uses?: string; run?: string; with?: Record<string, string | boolean>; env?: Record<string, string>; id?: string }
interface Job { needs?: string | string[]; permissions?: Record<string, string>; steps: Step[] }
interface Workflow { on: Record<string, unknown>; permissions?: unknown; env?: Record<string, string>; jobs: Record<string, Job> }
const load = (f: string) => parse(readFileSync(join(workflowsDir, f), 'utf8')) as Workflow;

describe('release workflow (.github/workflows/release.yml)', () => {
  const wf = load('release.yml');
  const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
  const runs = steps.map((s) => s.run ?? '').join('\n');

  it('runs on a semver tag only, after the tests', () => {
    expect(wf.on).toEqual({ push: { tags: ['v*.*.*'] } });
    expect(wf.jobs.test!.steps.some((s) => s.run === 'bash .ci/run')).toBe(true);
    expect(wf.jobs.test!.steps.some((s) => s.run?.includes('GITHUB_REF_NAME" != "v$version"'))).toBe(true);
    expect(wf.jobs.publish!.needs).toBe('test');
    expect(wf.jobs['github-release']!.needs).toBe('publish');
  });

  it('builds and pushes the image for linux/amd64 and linux/arm64 from the Dockerfile', () => {
    const build = steps.find((s) => s.uses?.startsWith('docker/build-push-action@'));
    expect(build?.with).toMatchObject({ file: 'Dockerfile', push: true, tags: '${{ env.IMAGE }}:${{ env.VERSION }}' });
    expect(String(build!.with!.platforms).split(',').sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(steps.some((s) => s.uses?.startsWith('docker/setup-qemu-action@'))).toBe(true);
  });

  it('signs the image and the chart keylessly and attaches the SBOM to the image', () => {
    expect(runs).toContain('cosign sign --yes "$IMAGE@$DIGEST"');
    expect(runs).toMatch(/helm push "dist\/rotor-\$VERSION\.tgz" "oci:\/\/\$CHARTS"/);
    expect(runs).toContain('cosign sign --yes "$CHARTS/rotor@$digest"');
    expect(runs).toContain('cosign attest --yes --type cyclonedx --predicate "dist/rotor-$VERSION.sbom.cdx.json" "$IMAGE@$DIGEST"');
    // Keyless: no key file or key secret anywhere.
    expect(readFileSync(join(workflowsDir, 'release.yml'), 'utf8')).not.toMatch(/--key\b|COSIGN_PRIVATE_KEY|COSIGN_PASSWORD/);
  });

  it('makes the chart, CRD bundle, SBOM and checksums with scripts/release.sh, the chart defaulting to the pushed image', () => {
    expect(runs).toContain('bash scripts/release.sh --out dist --registry "$REGISTRY" --owner "$OWNER" --image-archive "$RUNNER_TEMP/rotor.oci.tar"');
    expect(wf.jobs.publish!.steps.map((s) => s.run ?? '').join('\n')).toContain('echo "IMAGE=$REGISTRY/$owner/rotor"');
    expect(runs).toContain('owner="${GITHUB_REPOSITORY_OWNER,,}"');
  });

  it('creates the GitHub release with the CRD bundle, chart, SBOM and SHA256SUMS, notes from CHANGELOG.md', () => {
    const create = wf.jobs['github-release']!.steps.find((s) => s.run?.includes('gh release create'))!.run!;
    for (const f of ['dist/rotor-crds-$version.yaml', 'dist/rotor-$version.tgz', 'dist/rotor-$version.sbom.cdx.json', 'dist/SHA256SUMS']) expect(create).toContain(f);
    expect(create).toContain('bash scripts/changelog-notes.sh "$version" >"$RUNNER_TEMP/notes.md"');
    expect(create).toContain('--notes-file "$RUNNER_TEMP/notes.md"');
    expect(create).toContain('sha256sum --quiet -c SHA256SUMS');
  });

  it('grants each job only what it needs', () => {
    expect(wf.permissions).toEqual({});
    expect(wf.jobs.test!.permissions).toEqual({ contents: 'read' });
    expect(wf.jobs.publish!.permissions).toEqual({ contents: 'read', packages: 'write', 'id-token': 'write' });
    expect(wf.jobs['github-release']!.permissions).toEqual({ contents: 'write' });
  });

  it('takes the registry from a repository variable and names none', () => {
    expect(wf.jobs.publish!.steps.find((s) => s.uses?.startsWith('docker/login-action@'))?.with?.registry).toBe('${{ vars.REGISTRY }}');
    expect((wf.jobs.publish as unknown as { env: Record<string, string> }).env.REGISTRY).toBe('${{ vars.REGISTRY }}');
  });
});

describe.each(workflowFiles)('workflow %s', (file) => {
  const wf = load(file);
  const text = readFileSync(join(workflowsDir, file), 'utf8');

  it('pins every action to a commit', () => {
    const uses = Object.values(wf.jobs).flatMap((j) => j.steps.flatMap((s) => (s.uses ? [s.uses] : [])));
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(u, u).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
  });

  it('grants nothing at the top and declares permissions on every job', () => {
    expect(wf.permissions).toEqual({});
    for (const [name, job] of Object.entries(wf.jobs)) expect(job.permissions, name).toBeDefined();
  });

  it('names no image registry host', () => {
    // Hosts of well-known registries, and any host:port or dotted host in an image reference.
    expect(text).not.toMatch(/\b(docker\.io|ghcr\.io|quay\.io|gcr\.io|registry\.k8s\.io|public\.ecr\.aws|azurecr\.io|amazonaws\.com)\b/);
    expect(text).not.toMatch(/oci:\/\/[a-z0-9-]+\./);
  });
});

describe('ci workflow (.github/workflows/ci.yml)', () => {
  it('runs the CI entry point on pushes to main and pull requests', () => {
    const wf = load('ci.yml');
    expect(Object.keys(wf.on).sort()).toEqual(['pull_request', 'push']);
    expect(Object.values(wf.jobs).flatMap((j) => j.steps.map((s) => s.run)).filter(Boolean)).toEqual(['bash .ci/run']);
  });
});
