// docs/operations.md's ESO -> Rotor metric table (issue #19 item 6) names only metrics and labels
// Rotor exports: read from the registry createMetrics builds, so a renamed metric fails here.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const doc = readFileSync(join(repoRoot, 'docs/operations.md'), 'utf8');
const section = doc.split('### Coming from ESO: metric names')[1]?.split(/\n#{2,3} |\n!\[/)[0] ?? '';
const rotorColumn = section
  .split('\n')
  .filter((l) => l.startsWith('| ') && !l.startsWith('| ESO'))
  .map((l) => l.split('|')[2] ?? '');

/** Rotor metric references in the table: name, and the label names in its braces. */
const references = rotorColumn.flatMap((cell) => [...cell.matchAll(/`(rotor_[a-z_]+\*?)(?:\{([^}]*)\})?/g)].map((m) => ({ name: m[1]!, labels: (m[2] ?? '').split(',').map((l) => l.trim().split('=')[0]!).filter(Boolean) })));

describe('docs/operations.md, ESO metric names', () => {
  const metrics = createMetrics({ defaultMetrics: false });
  const exported = new Map<string, string[]>();
  for (const metric of metrics.registry.getMetricsAsArray()) {
    exported.set(metric.name, ((metric as unknown as { labelNames?: string[] }).labelNames ?? []) as string[]);
  }

  it('has the table (sanity floor)', () => {
    expect(references.length).toBeGreaterThan(10);
  });

  it.each(references.map((r) => [`${r.name}{${r.labels.join(',')}}`, r] as const))('%s is exported with those labels', (_, ref) => {
    if (ref.name.endsWith('*')) {
      expect([...exported.keys()].some((n) => n.startsWith(ref.name.slice(0, -1))), ref.name).toBe(true);
      return;
    }
    expect(exported.has(ref.name), `${ref.name} is not a Rotor metric`).toBe(true);
    for (const label of ref.labels) expect(exported.get(ref.name), `${ref.name} has no label ${label}`).toContain(label);
  });
});
