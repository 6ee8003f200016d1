import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REQUIRED_NODE, nodeVersionProblem } from '../../src/platform/node-version.js';

const root = new URL('../../..', import.meta.url);

describe('nodeVersionProblem', () => {
  it.each(['22.12.0', '22.13.1', '23.0.0', '24.11.1', 'v24.0.0'])('accepts %s', (version) => {
    expect(nodeVersionProblem(version)).toBeUndefined();
  });
  it.each(['20.19.5', '22.11.0', '18.0.0', 'v21.7.3'])('refuses %s naming the required version', (version) => {
    expect(nodeVersionProblem(version)).toBe(
      `Rotor needs Node.js 22.12.0 or newer (Node.js 24 LTS recommended); this is Node.js ${version}. Run it with a newer node (scripts/ensure-node.sh provides Node.js 24).`,
    );
  });
  it('is the version package.json declares', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${REQUIRED_NODE.replace(/\.0$/, '')}`);
  });
  it('main.ts loads the check before any other module (ES modules evaluate imports in order)', () => {
    const main = readFileSync(new URL('operator/src/main.ts', root), 'utf8');
    const imports = [...main.matchAll(/^import\s[^;]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm)].map((m) => m[1] ?? m[2]);
    expect(imports[0]).toBe('./platform/require-node.js');
    const guard = readFileSync(new URL('operator/src/platform/require-node.ts', root), 'utf8');
    expect([...guard.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1])).toEqual(['./node-version.js']);
  });
});
