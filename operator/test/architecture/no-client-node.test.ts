// The operator talks to Kubernetes through its own small client (kube/client/rest.ts, kube/client/api.ts):
// loading @kubernetes/client-node costs ~85 MiB of RSS, most of the memory budget at 1,000
// ExternalSecrets (docs/benchmarks.md). Nothing under operator/src may load it, not even a type
// import that could turn into a value import, and it is not a production dependency (the e2e
// harness may still use it).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SRC = join(ROOT, 'operator/src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : /\.(ts|js|mjs|cjs)$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

describe('@kubernetes/client-node', () => {
  it('is imported by nothing under operator/src (static, dynamic or require)', () => {
    const offenders = sourceFiles(SRC).filter((file) =>
      /(from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"]@kubernetes\/client-node/.test(readFileSync(file, 'utf8')),
    );
    expect(offenders.map((f) => relative(ROOT, f))).toEqual([]);
  });

  it('is not a production dependency', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).not.toContain('@kubernetes/client-node');
  });
});
