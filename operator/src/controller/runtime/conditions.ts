// Kubernetes-style condition bookkeeping. lastTransitionTime only moves when the
// status flips, so a failing resource does not rewrite its status on every retry.
import type { Condition, ConditionStatus } from '../../api/types.js';

export function readyCondition(
  status: ConditionStatus,
  reason: string,
  message: string,
  now: Date,
  observedGeneration?: number,
): Condition {
  return {
    type: 'Ready',
    status,
    reason,
    message,
    lastTransitionTime: now.toISOString(),
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
  };
}

/** Returns the condition list with `next` set, keeping the old transition time if status is unchanged. */
export function setCondition(existing: Condition[] | undefined, next: Condition): Condition[] {
  const list = existing ?? [];
  const previous = list.find((c) => c.type === next.type);
  const merged = previous && previous.status === next.status ? { ...next, lastTransitionTime: previous.lastTransitionTime } : next;
  return [...list.filter((c) => c.type !== next.type), merged];
}

export function findCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Deep equality for status objects (plain JSON), key-order independent. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
