// The image is built from what .dockerignore lets through: a pattern meant for credentials
// (e.g. **/kubeconfig*) must not silently drop a source file, or the image build fails (or,
// for a file loaded lazily, the image breaks at run time).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** .dockerignore patterns as regular expressions over repository-relative paths (no `!` rules in ours). */
function ignorePatterns(): RegExp[] {
  return readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((pattern) => {
      const body = pattern
        .replace(/^\/+/, '')
        .split('**/')
        .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
        .join('(?:.*/)?');
      // A matched directory excludes everything below it.
      return new RegExp(`^${body}(?:/.*)?$`);
    });
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('.dockerignore', () => {
  const patterns = ignorePatterns();
  const ignored = (path: string) => patterns.some((p) => p.test(path));

  it('keeps every file the image build needs', () => {
    const needed = [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      ...['operator/src', 'image', 'bin', 'crds'].flatMap((dir) => files(join(ROOT, dir)).map((f) => relative(ROOT, f))),
    ];
    expect(needed.filter(ignored)).toEqual([]);
  });

  it('still leaves out credentials and tests', () => {
    expect(ignored('kubeconfig')).toBe(true);
    expect(ignored('e2e/.state/rotor-sa.kubeconfig')).toBe(true);
    expect(ignored('certs/ca.pem')).toBe(true);
    expect(ignored('operator/test/kube/client/rest.test.ts')).toBe(true);
    // The module that had this name before it was renamed: the pattern would drop it.
    expect(ignored('operator/src/kube/kubeconfig.ts')).toBe(true);
  });
});
