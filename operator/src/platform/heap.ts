// Sizes V8's heap from the container's memory limit.
//
// Node already reads the cgroup limit, but V8 derives the old generation as half of it with a
// floor of 256 MiB: under the chart's 256 MiB limit the heap may grow to the whole limit, so
// the kernel OOM-kills the pod before V8 collects hard. Outside a container (a large host) V8
// also picks large young-generation semi-spaces, which show up as RSS. So with a known limit,
// the entry point re-executes Node once with explicit sizes that leave room for everything
// that is not the JS heap (code, buffers, sockets, the young generation itself).
//
// Pure apart from `applyHeapSizing`; the limit comes from ROTOR_MEMORY_LIMIT (a Kubernetes
// quantity, e.g. "256Mi": for running outside a container as if inside one) or the cgroup.

import { memoryLimitBytes } from './memory-limit.js';

export { memoryLimitBytes, parseQuantity } from './memory-limit.js';

const MiB = 1024 * 1024;

/** Below this there is no room to run at all; leave Node's defaults and let it fail visibly. */
const MIN_LIMIT = 128 * MiB;

export interface HeapSettings {
  maxOldSpaceMiB: number;
  maxSemiSpaceMiB: number;
}

/**
 * Old space: 5/8 of the limit, so the rest (~96 MiB at 256 MiB) holds the young generation,
 * code and native memory (measured in docs/benchmarks.md). Semi-spaces: 1/64 of the limit,
 * 2..16 MiB: small enough not to inflate RSS, large enough that short-lived garbage (JSON of
 * watch events and responses) dies young instead of being promoted.
 */
export function heapSettingsFor(limitBytes: number): HeapSettings {
  const limitMiB = limitBytes / MiB;
  return {
    maxOldSpaceMiB: Math.floor((limitMiB * 5) / 8),
    maxSemiSpaceMiB: Math.min(16, Math.max(2, Math.floor(limitMiB / 64))),
  };
}

/**
 * Node flags to restart with, or undefined when nothing should change: no known limit, a
 * limit too small to plan for, heap flags the user already chose (execArgv or NODE_OPTIONS),
 * or a process that is already the re-executed one.
 */
export function heapFlags(input: { limitBytes: number | undefined; execArgv: readonly string[]; nodeOptions: string | undefined; alreadySized: boolean }): string[] | undefined {
  const { limitBytes } = input;
  if (input.alreadySized || limitBytes === undefined || limitBytes < MIN_LIMIT) return undefined;
  const chosen = [...input.execArgv, ...(input.nodeOptions ?? '').split(/\s+/)];
  if (chosen.some((flag) => /^--max[-_]old[-_]space[-_]size/.test(flag) || /^--max[-_]heap[-_]size/.test(flag))) return undefined;
  const s = heapSettingsFor(limitBytes);
  return [`--max-old-space-size=${s.maxOldSpaceMiB}`, `--max-semi-space-size=${s.maxSemiSpaceMiB}`];
}

/** Set in the re-executed process, so it never loops. */
export const HEAP_SIZED_ENV = 'ROTOR_HEAP_SIZED';

/**
 * Re-executes this process (same pid, so signals and the container's PID 1 are unchanged)
 * with heap flags sized to the memory limit. Returns only when no re-exec is needed or
 * possible (process.execve needs Node >= 22.15 / 23.11); the reason is returned for the log.
 */
export function applyHeapSizing(proc: NodeJS.Process = process): string {
  const limitBytes = memoryLimitBytes(proc.env.ROTOR_MEMORY_LIMIT, proc.constrainedMemory());
  const flags = heapFlags({ limitBytes, execArgv: proc.execArgv, nodeOptions: proc.env.NODE_OPTIONS, alreadySized: proc.env[HEAP_SIZED_ENV] === '1' });
  if (!flags) return proc.env[HEAP_SIZED_ENV] === '1' ? `heap sized for a ${Math.round((limitBytes ?? 0) / MiB)} MiB limit` : 'heap left to Node defaults';
  const execve = (proc as unknown as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (typeof execve !== 'function') return 'heap left to Node defaults (this Node cannot re-execute itself; set NODE_OPTIONS=--max-old-space-size)';
  execve.call(proc, proc.execPath, [proc.execPath, ...proc.execArgv, ...flags, ...proc.argv.slice(1)], { ...proc.env, [HEAP_SIZED_ENV]: '1' });
  // execve does not return on success.
  return 'unreachable';
}
