// docs/troubleshooting.md must have a section for every status reason the code can set, so a
// new reason cannot ship without telling users what it means and what to run.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CES_REASON, ES_REASON, STORE_REASON } from '../../src/api/types.js';
import { ROLLOUT_EVENT_REASON } from '../../src/rollout/coordinator.js';
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

  it('defines no ExternalSecret reason the code never sets', () => {
    expect(Object.values(ES_REASON).filter((r) => !setByCode.has(r))).toEqual([]);
  });

  it('reasonsSetByCode sees a reason used only as a literal', () => {
    expect(reasonsSetByCode([{ file: 'x.ts', text: "return { reason: 'TargetNotOwned' }" }])).toEqual(new Set(['TargetNotOwned']));
  });
});

/** Reason constants an Event call may name: `ROLLOUT_EVENT_REASON.RolledOut` and the like. */
const REASON_CONSTANTS: Record<string, Record<string, string>> = { ES_REASON, STORE_REASON, CES_REASON, ROLLOUT_EVENT_REASON };

/**
 * Files whose Event calls pass a reason computed at run time, and the reasons it can be. A
 * forwarder (the recorder wrapper, the reconciler's event() helper) adds none of its own: its
 * callers name the reason and are read above.
 */
const DYNAMIC_EVENT_REASONS: Record<string, readonly string[]> = {
  'controller/store/reconciler.ts': Object.values(STORE_REASON),
  'controller/clusterexternalsecret/reconciler.ts': Object.values(CES_REASON),
  // Records the Ready reason of the ClusterExternalSecret and ClusterPushSecret reconcilers.
  'controller/runtime/fan-out-status.ts': [...Object.values(CES_REASON), ...Object.values(CPS_REASON)],
  'coordinator.ts': [],
  'controller/externalsecret/reconciler.ts': [],
  'event-queue.ts': [],
  'controller/clusterpushsecret/reconciler.ts': Object.values(CPS_REASON),
  'controller/pushsecret/reconciler.ts': Object.values(PS_REASON),
};

/** Top-level arguments of the call whose '(' is at `open` (strings, templates and brackets skipped). */
function callArguments(text: string, open: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"' || c === '`') {
      const end = text.indexOf(c, i + 1);
      current += text.slice(i, end + 1);
      i = end;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    if (')]}'.includes(c)) {
      if (depth === 0) {
        args.push(current.trim());
        return args;
      }
      depth--;
    }
    if (c === ',' && depth === 0) {
      args.push(current.trim());
      current = '';
    } else current += c;
  }
  return args;
}

/** Event reasons the code records: `<x>.event(obj, 'Normal'|'Warning', reason, …)` / `.record(…)`. */
export function eventReasonsOfCode(files: Array<{ file: string; text: string }>): Set<string> {
  const reasons = new Set<string>();
  for (const { file, text } of files) {
    for (const m of text.matchAll(/\.(?:event|record)\(/g)) {
      const args = callArguments(text, m.index! + m[0].length - 1);
      if (args.length < 4) continue; // not an Event (an availability record, a status write)
      const [, type, reason] = args as [string, string, string];
      if (/^'(True|False)'$/.test(type)) continue; // the store's status write; its Event is the call below it
      const literal = /^'(\w+)'$/.exec(reason)?.[1];
      const constant = /^(\w+)\.(\w+)$/.exec(reason);
      if (/^'(Normal|Warning)'$/.test(type) && literal) reasons.add(literal);
      else if (/^'(Normal|Warning)'$/.test(type) && constant && REASON_CONSTANTS[constant[1]!]?.[constant[2]!]) reasons.add(REASON_CONSTANTS[constant[1]!]![constant[2]!]!);
      else {
        const known = DYNAMIC_EVENT_REASONS[file] ?? DYNAMIC_EVENT_REASONS[file.split('/').pop()!];
        if (!known) throw new Error(`${file}: an Event with a reason computed at run time (${reason}); list what it can be in DYNAMIC_EVENT_REASONS`);
        for (const r of known) reasons.add(r);
      }
    }
  }
  return reasons;
}

describe('docs/troubleshooting.md, Events', () => {
  const eventsSection = doc.split(/^## Events$/m)[1]?.split(/^## /m)[0] ?? '';
  const emitted = eventReasonsOfCode(sources(srcDir));

  it('finds the Events the code records (sanity floor)', () => {
    for (const reason of ['Created', 'Adopted', 'SyncFailed', 'RolledOut', 'RolloutFailed', 'RotationFailed', 'EventQueueUnreadable', 'Valid', 'Provisioned']) expect(emitted).toContain(reason);
  });

  it.each([...emitted].sort())('names the Event %s in its Events section', (reason) => {
    expect(eventsSection, `name \`${reason}\` under "## Events" in docs/troubleshooting.md`).toContain(`\`${reason}\``);
  });

  it('eventReasonsOfCode reads literals and constants, skips status writes, and refuses an unknown computed reason', () => {
    const text = [
      "await this.event(es, 'Normal', 'Adopted', `took ${a}, over`);",
      "await this.record(x, 'Warning', ROLLOUT_EVENT_REASON.RolloutFailed, msg);",
      "await this.record(store, 'False', reason, message, log);",
      'this.availability?.record(key, [...reads]);',
    ].join('\n');
    expect(eventReasonsOfCode([{ file: 'a.ts', text }])).toEqual(new Set(['Adopted', 'RolloutFailed']));
    expect(() => eventReasonsOfCode([{ file: 'new.ts', text: 'await r.record(o, type, reason, m);' }])).toThrow(/DYNAMIC_EVENT_REASONS/);
  });
});
