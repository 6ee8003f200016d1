// The chart installs the CRDs from charts/rotor/crds/, the docs and e2e apply crds/. They must be
// the same bytes; scripts/sync-crds.sh copies crds/ into the chart.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const sourceDir = join(repoRoot, 'crds');
const chartDir = join(repoRoot, 'charts/rotor/crds');
const yamlFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

describe('charts/rotor/crds is a copy of crds/', () => {
  it('has the same file names', () => {
    expect(yamlFiles(chartDir)).toEqual(yamlFiles(sourceDir));
    expect(yamlFiles(sourceDir)).toEqual([
      'rotor.dev_clustersecretstores.yaml',
      'rotor.dev_externalsecrets.yaml',
      'rotor.dev_secretstores.yaml',
    ]);
  });

  it.each(yamlFiles(sourceDir))('%s is byte-identical (run scripts/sync-crds.sh if not)', (file) => {
    const source = readFileSync(join(sourceDir, file));
    const copy = readFileSync(join(chartDir, file));
    expect(copy.equals(source), `charts/rotor/crds/${file} differs from crds/${file}; run scripts/sync-crds.sh`).toBe(true);
  });
});
