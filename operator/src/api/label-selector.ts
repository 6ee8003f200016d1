// Kubernetes label selector semantics (metav1.LabelSelector). Pure; used by rollout target
// selection and by ClusterSecretStore namespaceSelector checks, so it sits in the bottom layer.
import type { LabelSelector, LabelSelectorRequirement } from './types.js';

/**
 * True when `labels` satisfy every matchLabels entry and every matchExpressions requirement.
 * An empty selector ({}) matches everything, as in Kubernetes. An invalid requirement
 * (In/NotIn without values, Exists/DoesNotExist with values, unknown operator) matches
 * nothing: failing closed is safer than restarting or admitting too much.
 */
export function matchesLabelSelector(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (have[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((req) => matchesRequirement(req, have));
}

function matchesRequirement(req: LabelSelectorRequirement, labels: Record<string, string>): boolean {
  if (requirementProblem(req) !== undefined) return false;
  const present = Object.prototype.hasOwnProperty.call(labels, req.key);
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return present && values.includes(labels[req.key]!);
    case 'NotIn':
      // Kubernetes: NotIn also matches objects that do not carry the key at all.
      return !present || !values.includes(labels[req.key]!);
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    default:
      return false;
  }
}

function requirementProblem(req: LabelSelectorRequirement): string | undefined {
  const count = req.values?.length ?? 0;
  switch (req.operator) {
    case 'In':
    case 'NotIn':
      return count === 0 ? `operator ${req.operator} needs at least one value` : undefined;
    case 'Exists':
    case 'DoesNotExist':
      return count > 0 ? `operator ${req.operator} takes no values; remove them` : undefined;
    default:
      return `unknown operator "${String(req.operator)}"; use In, NotIn, Exists or DoesNotExist`;
  }
}

/** Messages naming `${field}.matchExpressions[i]` for each invalid requirement; empty when valid. */
export function validateLabelSelector(selector: LabelSelector, field: string): string[] {
  const problems: string[] = [];
  (selector.matchExpressions ?? []).forEach((req, i) => {
    const problem = requirementProblem(req);
    if (problem) problems.push(`${field}.matchExpressions[${i}] (key "${req.key}"): ${problem}`);
  });
  return problems;
}

/** A selector with neither matchLabels nor matchExpressions (it would match everything). */
export function isEmptyLabelSelector(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}
