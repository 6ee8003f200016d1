// ESO's bulk push (PushSecret spec.dataTo), with ESO 2.9's semantics (pkg/controllers/pushsecret:
// filterDataToForStore, expandDataTo, mergeDataEntries): for one store and one source Secret,
// the rules that target the store expand into push entries (one per matched key, or one JSON
// bundle with remoteKey), explicit spec.data entries win over them for the same source key, and
// no two entries may write the same remote location. Pure apart from the Go engine that runs
// rewrite transforms; user patterns run on RE2 (sync/regexp.ts), never on a JavaScript RegExp.
import { matchesLabelSelector, validateLabelSelector } from '../../api/label-selector.js';
import type { StoreKind } from '../../api/types.js';
import type { PushSecretData, PushSecretDataTo, PushSecretSpec } from '../../api/push-types.js';
import { rewriteMap } from '../../sync/keys.js';
import { compileUserRegExp } from '../../sync/regexp.js';
import type { RewriteEntry } from '../../sync/rewrite-merge.js';
import type { GoEngine } from '../../sync/template/go/engine.js';
import { convertKeys, PushValueError, reverseUnicodeKey, statusRefOf, type FieldProblem } from './plan.js';

export interface StoreIdentity {
  kind: StoreKind;
  name: string;
  labels?: Record<string, string>;
}

/** One push to make: the entry, its spec path, and (bundle) the only keys its JSON may hold. */
export interface PlannedEntry {
  data: PushSecretData;
  field: string;
  /** dataTo with remoteKey: the matched (converted) keys; the whole source otherwise. */
  source?: Map<string, Buffer>;
}

/** ESO's dataToMatchesStore: by name and kind (default SecretStore), or by labels and kind. */
export function dataToTargetsStore(rule: PushSecretDataTo, store: StoreIdentity): boolean {
  const kind = rule.storeRef?.kind ?? 'SecretStore';
  if (kind !== store.kind) return false;
  if (rule.storeRef?.name) return rule.storeRef.name === store.name;
  if (!rule.storeRef?.labelSelector) return false;
  return matchesLabelSelector(rule.storeRef.labelSelector, store.labels);
}

/**
 * What the schema cannot check (ESO's validateDataToStoreRefs and its compile errors): a named
 * storeRef is one of secretStoreRefs, the selector and the match pattern are valid.
 */
export function validateDataTo(spec: Pick<PushSecretSpec, 'dataTo' | 'secretStoreRefs'>, base = 'spec'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  (spec.dataTo ?? []).forEach((rule, i) => {
    const field = `${base}.dataTo[${i}]`;
    const ref = rule.storeRef ?? {};
    if (ref.name) {
      const kind = ref.kind ?? 'SecretStore';
      if (!spec.secretStoreRefs.some((s) => s.name === ref.name && (s.kind ?? 'SecretStore') === kind)) {
        problems.push({ field: `${field}.storeRef.name`, message: `${kind} ${JSON.stringify(ref.name)} is not in ${base}.secretStoreRefs; add it there or name a listed store` });
      }
    } else if (ref.labelSelector) {
      for (const message of validateLabelSelector(ref.labelSelector, `${field}.storeRef.labelSelector`)) problems.push({ field: `${field}.storeRef.labelSelector`, message });
    } else problems.push({ field: `${field}.storeRef`, message: 'set name (one store of secretStoreRefs) or labelSelector' });
    if (rule.match?.regexp) {
      try {
        compileUserRegExp(rule.match.regexp);
      } catch (error) {
        problems.push({ field: `${field}.match.regexp`, message: `is not a valid regular expression: ${(error as Error).message}` });
      }
    }
  });
  return problems;
}

/** ESO's validateDataToMatchesResolvedStores: a labelSelector rule that selects no store is a mistake, not a no-op. */
export function unmatchedDataTo(dataTo: readonly PushSecretDataTo[] | undefined, stores: readonly StoreIdentity[], base = 'spec'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  (dataTo ?? []).forEach((rule, i) => {
    if (rule.storeRef?.name || !rule.storeRef?.labelSelector) return;
    if (!stores.some((s) => dataToTargetsStore(rule, s))) {
      problems.push({ field: `${base}.dataTo[${i}].storeRef.labelSelector`, message: `selects none of the stores of ${base}.secretStoreRefs; fix the labels or the kind` });
    }
  });
  return problems;
}

/**
 * The entries to push to `store` from `source`: dataTo rules that target it, expanded, then the
 * explicit data entries (ESO's order). Throws PushValueError naming the field on a bad pattern,
 * a failed rewrite, an empty or duplicate remote key.
 */
export async function planStoreEntries(
  spec: Pick<PushSecretSpec, 'data' | 'dataTo'>,
  store: StoreIdentity,
  source: ReadonlyMap<string, Buffer>,
  go: () => Promise<Pick<GoEngine, 'transform'>>,
  base = 'spec',
): Promise<PlannedEntry[]> {
  const expanded: PlannedEntry[] = [];
  const remoteKeys = new Map<string, string>();
  for (const [i, rule] of (spec.dataTo ?? []).entries()) {
    if (!dataToTargetsStore(rule, store)) continue;
    const field = `${base}.dataTo[${i}]`;
    for (const entry of await expandRule(rule, source, field, go)) {
      const remoteKey = entry.data.match.remoteRef.remoteKey;
      const from = `${field}:${entry.data.match.secretKey ?? '(bundle)'}`;
      const first = remoteKeys.get(remoteKey);
      if (first !== undefined) throw new PushValueError(field, `${field}: remote key ${JSON.stringify(remoteKey)} is also written by ${first}; change the match or the rewrite so each key goes to its own remote`);
      remoteKeys.set(remoteKey, from);
      expanded.push(entry);
    }
  }
  return mergeEntries(expanded, spec.data ?? [], source, base);
}

async function expandRule(rule: PushSecretDataTo, source: ReadonlyMap<string, Buffer>, field: string, go: () => Promise<Pick<GoEngine, 'transform'>>): Promise<PlannedEntry[]> {
  const converted = convertKeys(source, rule.conversionStrategy, `${field}.conversionStrategy`);
  const original = new Map<string, string>();
  for (const key of source.keys()) original.set(rule.conversionStrategy === 'ReverseUnicode' ? reverseUnicodeKey(key) : key, key);
  let keys = [...converted.keys()].sort();
  if (rule.match?.regexp) {
    let regexp;
    try {
      regexp = compileUserRegExp(rule.match.regexp);
    } catch (error) {
      throw new PushValueError(`${field}.match.regexp`, `${field}.match.regexp is not a valid regular expression: ${(error as Error).message}`);
    }
    keys = keys.filter((k) => regexp.test(k));
  }
  if (keys.length === 0) return [];
  const common = { ...(rule.metadata ? { metadata: rule.metadata } : {}), conversionStrategy: 'None' as const };
  if (rule.remoteKey) {
    if (rule.rewrite?.length) throw new PushValueError(`${field}.rewrite`, `${field}: remoteKey and rewrite are mutually exclusive; drop rewrite (it renames keys pushed one per remote) or remoteKey`);
    return [{ data: { match: { remoteRef: { remoteKey: rule.remoteKey } }, ...common }, field, source: new Map(keys.map((k) => [k, converted.get(k)!])) }];
  }
  const entries = new Map<string, RewriteEntry<string>>(keys.map((k) => [k, { value: converted.get(k)!, origins: [k] }]));
  let rewritten: Map<string, RewriteEntry<string>>;
  try {
    rewritten = rule.rewrite?.length
      ? await rewriteMap(entries, rule.rewrite, `${field}.rewrite`, await go(), (key, a, b) => {
          throw new PushValueError(`${field}.rewrite`, `${field}.rewrite: source keys ${JSON.stringify(a.origins[0])} and ${JSON.stringify(b.origins[0])} both become remote key ${JSON.stringify(key)}; make the rewrite keep them apart`);
        })
      : entries;
  } catch (error) {
    if (error instanceof PushValueError) throw error;
    throw new PushValueError(`${field}.rewrite`, (error as Error).message);
  }
  const out: PlannedEntry[] = [];
  for (const [remoteKey, entry] of [...rewritten].sort(([, a], [, b]) => (a.origins[0]! < b.origins[0]! ? -1 : 1))) {
    const key = entry.origins[0]!;
    if (remoteKey === '') throw new PushValueError(`${field}.rewrite`, `${field}.rewrite: source key ${JSON.stringify(key)} becomes an empty remote key; change the rewrite`);
    out.push({ data: { match: { secretKey: original.get(key) ?? key, remoteRef: { remoteKey } }, ...common }, field });
  }
  return out;
}

/**
 * ESO's mergeDataEntries: a dataTo entry whose source key an explicit entry also pushes is
 * dropped (explicit wins, compared on the Secret's own key names), then no two entries may
 * write the same remote location (remoteKey, property).
 */
function mergeEntries(expanded: PlannedEntry[], explicit: readonly PushSecretData[], source: ReadonlyMap<string, Buffer>, base: string): PlannedEntry[] {
  const explicitKeys = new Set(explicit.map((d) => originalKeyOf(d, source)));
  const out = expanded.filter((e) => !explicitKeys.has(e.data.match.secretKey ?? ''));
  explicit.forEach((data, i) => out.push({ data, field: `${base}.data[${i}]` }));
  const seen = new Map<string, string>();
  for (const entry of out) {
    const ref = statusRefOf(entry.data);
    const first = seen.get(ref);
    if (first !== undefined) {
      throw new PushValueError(entry.field, `${entry.field} writes remote ${JSON.stringify(ref)}, as ${first} does; give each its own remoteKey or property (or leave the key to one of them)`);
    }
    seen.set(ref, entry.field);
  }
  return out;
}

/** ESO's resolveOriginalKey: the Secret's own key an explicit entry reads (before conversion). */
function originalKeyOf(data: PushSecretData, source: ReadonlyMap<string, Buffer>): string {
  const key = data.match.secretKey ?? '';
  if (!data.conversionStrategy || data.conversionStrategy === 'None') return key;
  for (const k of source.keys()) if (reverseUnicodeKey(k) === key) return k;
  return key;
}
