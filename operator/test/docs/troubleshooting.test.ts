// docs/troubleshooting.md must have a section for every status reason the code can set, so a
// new reason cannot ship without telling users what it means and what to run.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CES_REASON, ES_REASON, STORE_REASON } from '../../src/api/types.js';
import { CPS_REASON, PS_REASON } from '../../src/api/push-types.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const srcDir = join(repoRoot, 'operator/src');
const doc = readFileSync(join(repoRoot, 'docs/troubleshooting.md'), 'utf8');

function sources(dir: string): Array<{ file: string; text: string }> {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [{ file: relative(srcDir, path), text: readFileSync(path, 'utf8') }] : [];
  });
}

/** Reasons the code sets: `ES_REASON.X` / `STORE_REASON.X` / `CES_REASON.X` / `PS_REASON.X` / `CPS_REASON.X`, or a reason's literal, outside the definitions. */
export function reasonsSetByCode(files: Array<{ file: string; text: string }>): Set<string> {
  const known = new Set<string>([...Object.values(ES_REASON), ...Object.values(STORE_REASON), ...Object.values(CES_REASON), ...Object.values(PS_REASON), ...Object.values(CPS_REASON)]);
  const used = new Set<string>();
  for (const { file, text } of files) {
    if (file === 'api/types.ts' || file === 'api/push-types.ts') continue;
    for (const m of text.matchAll(/\b(?:ES_REASON|STORE_REASON|CES_REASON|PS_REASON|CPS_REASON)\.(\w+)/g)) used.add(m[1]!);
    for (const m of text.matchAll(/'(\w+)'/g)) if (known.has(m[1]!)) used.add(m[1]!);
  }
  return used;
}

const documented = new Set([...doc.matchAll(/^### `(\w+)`/gm)].map((m) => m[1]!));
const setByCode = reasonsSetByCode(sources(srcDir));

describe('docs/troubleshooting.md', () => {
  it('finds the reasons the code sets (sanity floor)', () => {
    for (const reason of ['SecretSynced', 'AccessDenied', 'InvalidSpec', 'Valid', 'AuthFailed', 'Provisioned', 'NamespacesFailed']) expect(setByCode).toContain(reason);
  });

  it.each([...setByCode].sort())('documents %s', (reason) => {
    expect(documented, `add a "### \`${reason}\`" section to docs/troubleshooting.md`).toContain(reason);
  });

  it('documents no reason the code never sets', () => {
    expect([...documented].filter((r) => !setByCode.has(r))).toEqual([]);
  });

  it('gives every failure reason a command to run', () => {
    const sections = doc.split(/^### /m).slice(1);
    for (const section of sections) {
      const reason = /^`(\w+)`/.exec(section)?.[1];
      if (!reason || ['SecretSynced', 'Synced', 'Valid', 'Provisioned', 'SecretDeleted', 'ProviderUnavailable', 'Throttled'].includes(reason)) continue;
      expect(section, `${reason} has no command block`).toMatch(/```sh\n/);
    }
  });

  it('reasonsSetByCode sees a reason used only as a literal', () => {
    expect(reasonsSetByCode([{ file: 'x.ts', text: "return { reason: 'TargetNotOwned' }" }])).toEqual(new Set(['TargetNotOwned']));
  });
});
