// The "time to all Ready" table that the Rotor scale run (scripts/bench.sh scale) and the ESO run
// (scripts/bench.sh eso) both print, with the same columns, so two runs on the same quiet bed can
// be put side by side (docs/benchmarks.md, issue 18's 2× goal). Pure, so it is unit-tested.
import { median } from './options.js';

/** What one run measured from the first create until the last ExternalSecret was Ready. */
export interface ReadyRun {
  /** "Rotor" or "ESO v2.9.0". */
  operator: string;
  size: number;
  workers: number;
  /** The benchmark's own creates (16 concurrent POSTs), from the first to the last answer. */
  createSeconds: number;
  /** First create → last ExternalSecret Ready. */
  readySeconds: number;
  /** The operator process's user + system CPU over the same span (/proc). */
  cpuSeconds: number;
  /** The operator process's VmHWM when all were Ready. */
  peakRssMiB: number;
  /** Kubernetes writes of the operator over the span (prom.ts operatorWrites) and by kind. */
  writes: number;
  writeDetail: string;
  /** AWS calls over the span, and by operation. */
  awsCalls: number;
  awsDetail: string;
  /** 1-minute load average at the start and when all were Ready. */
  loadAverage: [number, number];
}

export const READY_HEADER = [
  '| operator | ExternalSecrets | workers | runs | apply → all Ready, s | creates alone, s | CPU s | peak RSS, MiB | K8s writes per ExternalSecret | AWS calls | load average |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
];

/**
 * One row per (operator, size, workers), in the order first seen: medians over the runs, with the
 * range of the Ready time when there is more than one run; the kinds of writes and AWS calls are
 * those of the first run.
 */
export function renderReadyTable(runs: readonly ReadyRun[]): string {
  const groups = new Map<string, ReadyRun[]>();
  for (const r of runs) {
    const key = `${r.operator}\0${r.size}\0${r.workers}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const rows = [...groups.values()].map((group) => {
    const first = group[0]!;
    const m = (f: (r: ReadyRun) => number) => median(group.map(f));
    const ready = group.map((r) => r.readySeconds);
    const range = group.length > 1 ? ` (${Math.min(...ready).toFixed(1)}–${Math.max(...ready).toFixed(1)})` : '';
    const load = `${Math.min(...group.map((r) => r.loadAverage[0])).toFixed(1)}–${Math.max(...group.map((r) => r.loadAverage[1])).toFixed(1)}`;
    return (
      `| ${first.operator} | ${first.size.toLocaleString('en')} | ${first.workers} | ${group.length} | ${m((r) => r.readySeconds).toFixed(1)}${range} | ` +
      `${m((r) => r.createSeconds).toFixed(1)} | ${m((r) => r.cpuSeconds).toFixed(1)} | ${m((r) => r.peakRssMiB).toFixed(0)} | ` +
      `${(m((r) => r.writes) / first.size).toFixed(2)} (${first.writeDetail}) | ${m((r) => r.awsCalls)} (${first.awsDetail}) | ${load} |`
    );
  });
  return [...READY_HEADER, ...rows].join('\n');
}
