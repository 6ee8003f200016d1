// Decides whether a namespace may use a ClusterSecretStore (spec.conditions).
// Evaluated on every reconcile, so relabelling a namespace or editing the store's
// conditions takes effect at the next pass. Pure.
import type { ClusterSecretStoreCondition } from '../../api/types.js';
import { matchesLabelSelector } from '../../api/label-selector.js';
import { compileUserRegExp } from '../../sync/regexp.js';

export type AccessDecision = { allowed: true } | { allowed: false; message: string };

/**
 * ESO semantics: no conditions = everyone; otherwise a namespace may use the store when it
 * matches any one criterion of any condition — a condition's namespaceSelector, one of its
 * namespaces, or one of its namespaceRegexes (ESO's ClusterSecretStore check returns at the
 * first match of any of them). A condition that sets none of them admits nobody.
 */
export function checkStoreAccess(
  storeName: string,
  conditions: ClusterSecretStoreCondition[] | undefined,
  namespace: string,
  namespaceLabels: Record<string, string>,
): AccessDecision {
  if (!conditions || conditions.length === 0) return { allowed: true };
  const refusals: string[] = [];
  for (const [index, condition] of conditions.entries()) {
    const misses = missedCriteria(condition, namespace, namespaceLabels);
    if (misses === 'matched') return { allowed: true };
    refusals.push(`spec.conditions[${index}]: ${misses.length > 0 ? misses.join(', ') : 'sets no namespaceSelector, namespaces or namespaceRegexes'}`);
  }
  return {
    allowed: false,
    message:
      `ClusterSecretStore ${storeName} does not allow namespace ${namespace} (${refusals.join('; ')}). ` +
      `Ask the store's owner to add the namespace to spec.conditions, or use another store.`,
  };
}

/** 'matched' when one criterion of the condition admits the namespace, else why each set criterion did not. */
function missedCriteria(c: ClusterSecretStoreCondition, namespace: string, labels: Record<string, string>): 'matched' | string[] {
  const misses: string[] = [];
  if (c.namespaceSelector) {
    if (matchesLabelSelector(c.namespaceSelector, labels)) return 'matched';
    misses.push(`namespace labels do not match namespaceSelector ${describeSelector(c.namespaceSelector)}`);
  }
  // A list that is set but empty admits nobody (as in ESO), never everyone.
  if (c.namespaces) {
    if (c.namespaces.includes(namespace)) return 'matched';
    misses.push(`namespace not in namespaces [${c.namespaces.join(', ')}]`);
  }
  if (c.namespaceRegexes) {
    if (c.namespaceRegexes.some((re) => matchesAnywhere(re, namespace))) return 'matched';
    misses.push(`namespace matches none of namespaceRegexes [${c.namespaceRegexes.join(', ')}]`);
  }
  return misses;
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
