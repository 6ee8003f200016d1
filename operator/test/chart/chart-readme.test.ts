// charts/rotor/README.md is generated from Chart.yaml and values.yaml's comments
// (scripts/gen-chart-readme.mjs): it must be current, and list every value with its comment.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from './helm.js';

const readme = () => readFileSync(join(repoRoot, 'charts/rotor/README.md'), 'utf8');

describe('charts/rotor/README.md', () => {
  it('is what scripts/gen-chart-readme.mjs writes (run it after editing values.yaml or Chart.yaml)', () => {
    const check = spawnSync(process.execPath, [join(repoRoot, 'scripts/gen-chart-readme.mjs'), '--check'], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
  });

  it('has a row for every top-level value and the descriptions of the new ones', () => {
    const values = parse(readFileSync(join(repoRoot, 'charts/rotor/values.yaml'), 'utf8')) as Record<string, unknown>;
    const text = readme();
    for (const key of Object.keys(values)) expect(text, key).toMatch(new RegExp(`^\\| \`${key}(\\.[\\w.]+)?\` \\|`, 'm'));
    expect(text).toMatch(/^\| `crds\.keep` \| `true` \| Annotate the CRDs with helm\.sh\/resource-policy: keep/m);
    expect(text).toMatch(/^\| `prometheusRule\.runbookBaseURL` \| `"https:\/\/[^`]+\/docs\/troubleshooting\.md"` \|/m);
  });

  it('--check fails on a stale README', () => {
    const root = mkdtempSync(join(tmpdir(), 'rotor-readme-'));
    cpSync(join(repoRoot, 'charts'), join(root, 'charts'), { recursive: true });
    const values = join(root, 'charts/rotor/values.yaml');
    writeFileSync(values, readFileSync(values, 'utf8').replace('logLevel: info', '# One more sentence.\nlogLevel: info'));
    const check = spawnSync(process.execPath, [join(repoRoot, 'scripts/gen-chart-readme.mjs'), '--root', root, '--check'], { encoding: 'utf8' });
    expect(check.status).toBe(1);
    expect(check.stderr).toMatch(/charts\/rotor\/README\.md is stale/);
  });
});
