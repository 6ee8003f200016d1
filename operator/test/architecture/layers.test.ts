// The source folders form a stack (docs/architecture.md, "Modules"): a module imports only from
// its own folder and the folders below it. This keeps the pure layers free of I/O and lets each
// layer be tested with the ones below it alone.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
/** Bottom first. platform/ (log, version, heap, health server) needs nothing of Rotor's. Files directly in src/ (wiring) are the top layer. */
// migrate/ is `rotor migrate` (the user's CLI, run with the user's kubeconfig): above the
// operator's layers, and imported only by cli.ts.
const STACK = ['platform', 'api', 'sync', 'kube', 'aws', 'rollout', 'controller', 'migrate', '.'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

function layerOf(file: string): number {
  const rel = relative(SRC, file);
  const folder = rel.includes('/') ? rel.split('/')[0]! : '.';
  return STACK.indexOf(folder);
}

describe('source layering', () => {
  it('never imports upwards', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/from '(\.[^']+)'/g)) {
        const target = resolve(dirname(file), match[1]!.replace(/\.js$/, '.ts'));
        const edge = `${relative(SRC, file)} -> ${relative(SRC, target)}`;
        if (layerOf(target) > layerOf(file)) violations.push(edge);
      }
    }
    expect(violations).toEqual([]);
  });

  // Two files importing each other (even through others) are one module in two files: a
  // dynamic import() counts too, since it ties the files together at run time.
  it('has no circle of imports between files', () => {
    const graph = new Map<string, string[]>();
    for (const file of sourceFiles(SRC)) {
      const text = readFileSync(file, 'utf8');
      const targets = [...text.matchAll(/(?:from |import\()'(\.[^']+)'/g)].map((m) => resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
      graph.set(file, targets);
    }
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        circles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(SRC, f)).join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(circles).toEqual([]);
  });

  it('knows every folder', () => {
    for (const file of sourceFiles(SRC)) expect(layerOf(file), relative(SRC, file)).toBeGreaterThanOrEqual(0);
  });
});
