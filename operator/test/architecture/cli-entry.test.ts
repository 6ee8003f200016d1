// `rotor migrate` (migrate/, cli.ts) is a separate entry: the operator's entry must never load
// it (start-up time and memory), and the CLI reaches it only through cli.ts.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Every source file main.ts can load, static imports and dynamic import() alike. */
function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from |import\()'(\.[^']+)'/g)) visit(resolve(dirname(file), match[1]!.replace(/\.js$/, '.ts')));
  };
  visit(resolve(SRC, entry));
  return new Set([...seen].map((f) => relative(SRC, f)));
}

describe('entries', () => {
  it('the operator (main.ts) never loads rotor migrate', () => {
    const files = reachable('main.ts');
    expect(files.has('operator.ts')).toBe(true);
    expect([...files].filter((f) => f.startsWith('migrate/') || f.startsWith('cli/') || f === 'cli.ts')).toEqual([]);
  });

  it('the rotor command (cli.ts) reaches rotor migrate, and not the operator', () => {
    const files = reachable('cli.ts');
    expect(files.has('migrate/cli.ts')).toBe(true);
    expect(files.has('migrate/live.ts')).toBe(true);
    expect(files.has('cli/commands.ts')).toBe(true);
    expect(files.has('cli/cluster.ts')).toBe(true);
    expect([...files].filter((f) => f === 'main.ts' || f === 'operator.ts' || f.startsWith('controller/manager'))).toEqual([]);
  });
});
