// Statements in the docs, chart comments and CRD descriptions that went stale once (issue #19,
// item 8), each checked against what it describes, so they cannot drift again unnoticed.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

interface Crd {
  spec: {
    names: { kind: string; plural: string };
    group: string;
    versions: Array<{ additionalPrinterColumns?: Array<{ name: string; description?: string }>; schema: { openAPIV3Schema: { properties: Record<string, any> } } }>;
  };
}
const crds = readdirSync(join(repoRoot, 'crds'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => parse(read(`crds/${f}`)) as Crd);
const kinds = crds.map((c) => c.spec.names.kind).sort();

describe('docs and comments that describe the code', () => {
  it('reads every CRD (sanity floor: the four sync kinds at least)', () => {
    expect(kinds).toEqual(expect.arrayContaining(['ClusterExternalSecret', 'ClusterSecretStore', 'ExternalSecret', 'SecretStore']));
  });

  it('describes Last Sync (status.refreshTime) as moving on change or heartbeat, not on every read', () => {
    const es = crds.find((c) => c.spec.names.kind === 'ExternalSecret')!;
    const version = es.spec.versions[0]!;
    const column = version.additionalPrinterColumns!.find((c) => c.name === 'Last Sync')!;
    const field = version.schema.openAPIV3Schema.properties.status.properties.refreshTime;
    for (const description of [column.description!, field.description as string]) {
      expect(description).not.toMatch(/last successful read/);
      expect(description).toContain('--status-heartbeat');
    }
    // The flag it names exists.
    expect(read('operator/src/config.ts')).toContain("'status-heartbeat'");
  });

  it("states the Python version the test bed's build.sh requires", () => {
    const required = /needs Python >= (3\.\d+)/.exec(read('e2e/testbed/build.sh'))?.[1];
    expect(required, 'build.sh states its minimum Python').toBeDefined();
    const quickStart = read('README.md').split('## Quick start')[1]!.split('\n## ')[0]!;
    expect(quickStart).toContain(`Python ≥ ${required}`);
  });

  it('cites only test files that exist in the chart templates', () => {
    const dir = join(repoRoot, 'charts/rotor/templates');
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => !statSync(join(dir, f)).isDirectory());
    const cited = files.flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/\b(operator\/test\/[\w/.-]+\.test\.ts)/g)].map((m) => m[1]!));
    expect(cited.length).toBeGreaterThan(0);
    for (const file of cited) expect(existsSync(join(repoRoot, file)), `${file} is cited but does not exist`).toBe(true);
  });

  it("names every CRD in values.yaml's CRD comment and Chart.yaml's Artifact Hub annotation", () => {
    // The crds: block's comment either names every kind or none (it says "every rotor.dev kind"):
    // a partial list is what went stale when ClusterExternalSecret was added.
    const comment = read('charts/rotor/values.yaml').split(/^crds:/m)[0]!;
    const named = kinds.filter((kind) => new RegExp(`\\b${kind}\\b`).test(comment));
    if (named.length > 0) expect(named, 'values.yaml names some kinds but not all').toEqual(kinds);
    else expect(comment).toMatch(/every rotor\.dev kind/);
    const chart = parse(read('charts/rotor/Chart.yaml')) as { annotations: Record<string, string> };
    const listed = (parse(chart.annotations['artifacthub.io/crds']!) as Array<{ kind: string; name: string }>).map((c) => `${c.kind} ${c.name}`).sort();
    expect(listed).toEqual(crds.map((c) => `${c.spec.names.kind} ${c.spec.names.plural}.${c.spec.group}`).sort());
  });

  it('the uninstall steps of docs/operations.md delete every CRD and empty every kind first', () => {
    const uninstall = read('docs/operations.md').split('## Uninstall safely')[1]!.split('\n## ')[0]!;
    for (const crd of crds) {
      const name = `${crd.spec.names.plural}.${crd.spec.group}`;
      expect(uninstall).toMatch(new RegExp(`kubectl delete crd [^\\n]*\\b${name.replace(/\./g, '\\.')}\\b`));
      expect(uninstall).toMatch(new RegExp(`kubectl delete ${name.replace(/\./g, '\\.')} --all`));
    }
  });
});
