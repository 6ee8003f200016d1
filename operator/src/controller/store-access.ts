// Decides whether a namespace may use a ClusterSecretStore (spec.conditions).
// Evaluated on every reconcile, so relabelling a namespace or editing the store's
// conditions takes effect at the next pass. Pure.
import type { ClusterSecretStoreCondition } from '../api/types.js';
import { matchesLabelSelector } from '../api/label-selector.js';
import { compileUserRegExp } from '../sync/regexp.js';

export type AccessDecision = { allowed: true } | { allowed: false; message: string };

/**
 * ESO semantics: no conditions = everyone; otherwise the namespace must satisfy at least
 * one condition, and within a condition every criterion it sets (selector, list, regexes).
 */
export function checkStoreAccess(
  storeName: string,
  conditions: ClusterSecretStoreCondition[] | undefined,
  namespace: string,
  namespaceLabels: Record<string, string>,
): AccessDecision {
  if (!conditions || conditions.length === 0) return { allowed: true };
  const refusals: string[] = [];
  conditions.forEach((condition, index) => {
    const failed = failedCriterion(condition, namespace, namespaceLabels);
    if (failed) refusals.push(`spec.conditions[${index}]: ${failed}`);
  });
  if (refusals.length < conditions.length) return { allowed: true };
  return {
    allowed: false,
    message:
      `ClusterSecretStore ${storeName} does not allow namespace ${namespace} (${refusals.join('; ')}). ` +
      `Ask the store's owner to add the namespace to spec.conditions, or use another store.`,
  };
}

function failedCriterion(c: ClusterSecretStoreCondition, namespace: string, labels: Record<string, string>): string | undefined {
  // A list that is set means "only these": an empty one admits nobody (as in ESO), never everyone.
  if (c.namespaces && !c.namespaces.includes(namespace)) {
    return `namespace not in namespaces [${c.namespaces.join(', ')}]`;
  }
  if (c.namespaceRegexes && !c.namespaceRegexes.some((re) => matchesAnywhere(re, namespace))) {
    return `namespace matches none of namespaceRegexes [${c.namespaceRegexes.join(', ')}]`;
  }
  if (c.namespaceSelector && !matchesLabelSelector(c.namespaceSelector, labels)) {
    return `namespace labels do not match namespaceSelector ${describeSelector(c.namespaceSelector)}`;
  }
  return undefined;
}

/**
 * ESO's semantics (Go's regexp.MatchString): a match anywhere in the name, so `team-` admits
 * `my-team-x`; anchors (`^team-.*$`) restrict it to the whole name. RE2: linear time, whatever
 * the store's author wrote.
 */
function matchesAnywhere(pattern: string, value: string): boolean {
  try {
    return compileUserRegExp(pattern).test(value);
  } catch {
    return false; // an invalid regex allows nobody; the store reconciler reports it
  }
}

function describeSelector(selector: NonNullable<ClusterSecretStoreCondition['namespaceSelector']>): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) parts.push(`${e.key} ${e.operator} ${(e.values ?? []).join('|')}`.trim());
  return `{${parts.join(', ')}}`;
}
