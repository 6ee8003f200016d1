// How many template workers the operator may run, from its memory limit (heap.ts).
//
// Measured (Node 24, x86-64; numbers in docs/operations.md "Template workers"):
//   - a Go template worker costs ~110 MiB of RSS once its wasm instance has run a template
//     (the Go runtime's heap plus V8's compiled code for the module); its linear memory is
//     capped at 128 MiB (wasm-limits.ts);
//   - a Liquid worker costs ~16 MiB of RSS (a V8 isolate with LiquidJS loaded; 2 workers added
//     32 MiB in scripts/bench-templates.sh) and its JS heap is capped by resourceLimits
//     (liquid-pool.ts), so a runaway template ends the worker (out of memory), not the operator.
// The operator itself uses ~120 MiB at 1,000 ExternalSecrets (docs/benchmarks.md), so under
// the chart's 256 MiB limit there is room for one Go worker and one Liquid worker. Each further
// 512 MiB buys a Go worker, each 256 MiB a Liquid worker, up to 4 of each: more would only
// contend for the same few cores, since templates are CPU work. Fairness does not need more
// workers: the queues serve namespaces in turn and a call runs for at most 1 s.
import { memoryLimitBytes } from '../../platform/memory-limit.js';

const MiB = 1024 * 1024;
const MAX_WORKERS = 4;

export interface PoolSizes {
  goWorkers: number;
  liquidWorkers: number;
}

/** Pure: the pool sizes for a memory limit in bytes (undefined = unconstrained). */
export function poolSizesFor(limitBytes: number | undefined): PoolSizes {
  if (limitBytes === undefined) return { goWorkers: 2, liquidWorkers: 2 };
  const clamp = (n: number) => Math.max(1, Math.min(MAX_WORKERS, n));
  return {
    goWorkers: clamp(Math.floor(limitBytes / (512 * MiB))),
    liquidWorkers: clamp(Math.floor(limitBytes / (256 * MiB))),
  };
}

/** The pool sizes for this process (ROTOR_MEMORY_LIMIT or the cgroup limit). */
export function poolSizes(proc: NodeJS.Process = process): PoolSizes {
  let limit: number | undefined;
  try {
    limit = memoryLimitBytes(proc.env.ROTOR_MEMORY_LIMIT, proc.constrainedMemory());
  } catch {
    // A malformed ROTOR_MEMORY_LIMIT is reported by heap sizing at start-up; size as unconstrained.
    limit = undefined;
  }
  return poolSizesFor(limit);
}
