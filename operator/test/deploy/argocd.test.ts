// deploy/argocd/argocd-cm.yaml (issue #19 item 6): Argo CD's health checks and refresh action for
// Rotor's four kinds, run in Debian's Lua 5.4 on the objects of deploy/argocd/testdata (each with
// the health it must give), and the same file shown in docs/gitops.md.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ARGOCD_CM, ROTOR_KINDS, argoCdScripts, discovered, health, luaInterpreter, refreshed, repoRoot } from '../../../e2e/lib/argocd-lua.js';

const scripts = argoCdScripts();
const fixtureDir = join(repoRoot, 'deploy/argocd/testdata');
const fixtures = readdirSync(fixtureDir)
  .filter((f) => f.endsWith('.yaml'))
  .map((file) => ({ file, ...(parse(readFileSync(join(fixtureDir, file), 'utf8')) as { expect: { status: string; message: string }; object: { kind: string; metadata: Record<string, unknown> } }) }));
let lua: string;

beforeAll(() => {
  lua = luaInterpreter();
}, 120_000);

describe('deploy/argocd/argocd-cm.yaml', () => {
  it('has a health check and a refresh action for each of the four kinds', () => {
    expect(Object.keys(scripts.health).sort()).toEqual([...ROTOR_KINDS].sort());
    expect(Object.keys(scripts.refresh).sort()).toEqual([...ROTOR_KINDS].sort());
  });

  it('runs in Lua 5.4 (Argo CD\'s language version)', () => {
    expect(execLuaVersion(lua)).toMatch(/^Lua 5\.4/);
  });

  it('covers every kind and every health with the fixtures', () => {
    expect([...new Set(fixtures.map((f) => f.object.kind))].sort()).toEqual([...ROTOR_KINDS].sort());
    expect([...new Set(fixtures.map((f) => f.expect.status))].sort()).toEqual(['Degraded', 'Healthy', 'Progressing']);
  });

  it.each(fixtures)('$file: $expect.status', ({ object, expect: want }) => {
    const got = health(lua, scripts.health[object.kind]!, object);
    expect(got.status).toBe(want.status);
    expect(got.message).toContain(want.message);
  });

  it.each([...ROTOR_KINDS])('%s: the refresh action sets rotor.dev/force-sync to the current UTC time, keeping other annotations', (kind) => {
    const object = fixtures.find((f) => f.object.kind === kind)!.object;
    expect(discovered(lua, scripts.discovery[kind]!, object)).toBe('refresh=false');
    const before = Date.now();
    const withAnnotations = { ...object, metadata: { ...object.metadata, annotations: { keep: 'me' } } };
    const value = refreshed(lua, scripts.refresh[kind]!, withAnnotations).annotations['rotor.dev/force-sync'];
    expect(value).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // A time the operator honours after a restart too (force-sync.ts parses it as a date).
    expect(Date.parse(value!)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    expect(refreshed(lua, scripts.refresh[kind]!, object).annotations['rotor.dev/force-sync']).toMatch(/Z$/);
  });

  it('docs/gitops.md shows argocd-cm.yaml as it is', () => {
    const doc = readFileSync(join(repoRoot, 'docs/gitops.md'), 'utf8');
    const blocks = [...doc.matchAll(/```yaml\n([^]*?)```/g)].map((m) => m[1]);
    expect(blocks).toContain(readFileSync(ARGOCD_CM, 'utf8'));
  });
});

function execLuaVersion(bin: string): string {
  return execFileSync(bin, ['-v'], { encoding: 'utf8' });
}
