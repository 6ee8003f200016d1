// The container's memory limit, as the operator sizes itself for it (heap.ts sizes V8's heap,
// sync/workers/sizing.ts the template worker pools). Pure: the inputs are passed in.

/** Above this the process is not really constrained (cgroup "max" reads as ~2^63). */
const UNCONSTRAINED = 2 ** 50;

/** Kubernetes quantity (e.g. 256Mi, 1Gi, 500M, 268435456) in bytes. */
export function parseQuantity(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(text.trim());
  if (!m) throw new Error(`ROTOR_MEMORY_LIMIT must be a memory quantity such as 256Mi or 1Gi, got "${text}"`);
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2] ?? ''] ?? 1;
  return Math.floor(Number(m[1]) * unit);
}

/** The memory limit to size for: ROTOR_MEMORY_LIMIT wins, else the cgroup's; undefined when unconstrained. */
export function memoryLimitBytes(envLimit: string | undefined, constrainedMemory: number): number | undefined {
  if (envLimit) return parseQuantity(envLimit);
  return constrainedMemory > 0 && constrainedMemory < UNCONSTRAINED ? constrainedMemory : undefined;
}

