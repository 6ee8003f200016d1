// The cross-field checks the CRD's CEL rules cannot express (regexps that must compile,
// JMESPath / JSONPath that must parse, durations, key names, duplicate keys). The API server
// catches the structural problems; this catches the rest before a reconcile spends an AWS call
// on them. It lives in sync/ because it applies sync's own rules (key names, regexps, paths).
import { compile as jmesCompile } from '@jmespath-community/jmespath';
import type { ExternalSecret, ExternalSecretSpec, RemoteRef } from '../api/types.js';
import { RESERVED_PREFIX, mergesInto } from '../api/types.js';
import { DEFAULTS, type SpecProblem } from '../api/defaults.js';
import { durationProblem, parseDuration } from '../api/duration.js';
import { secretKeyProblem } from './secret-key.js';
import { compileUserRegExp } from './regexp.js';
import { jsonPathNeedsEval } from './select.js';
import { jsonPathSyntaxProblem } from './jsonpath-syntax.js';

/** Refresh intervals below this would hammer AWS; `0` (sync once) stays allowed. */
export const MIN_REFRESH_INTERVAL_MS = 1000;

/** Kubernetes object names (DNS-1123 subdomain), which a Secret name must be. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;


/** Problems the API server's schema and CEL rules cannot catch. Empty when the spec is usable. */
export function validateExternalSecret(es: ExternalSecret): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });
  const spec = es.spec ?? ({} as ExternalSecretSpec);

  // ESO: spec.secretStoreRef may be omitted when every entry names its own source (sourceRef).
  const everyEntryHasSource =
    (spec.data ?? []).length + (spec.dataFrom ?? []).length > 0 &&
    (spec.data ?? []).every((d) => d.sourceRef?.storeRef) &&
    (spec.dataFrom ?? []).every((d) => d.sourceRef?.storeRef || d.sourceRef?.generatorRef);
  if (!spec.secretStoreRef?.name && !everyEntryHasSource) {
    add('spec.secretStoreRef.name', 'name the SecretStore or ClusterSecretStore to read from (or give every data[] and dataFrom[] entry a sourceRef)');
  }
  for (const [j, d] of (spec.dataFrom ?? []).entries()) {
    if (d.sourceRef?.generatorRef && (d.extract || d.find)) add(`spec.dataFrom[${j}]`, 'set exactly one of extract, find or sourceRef.generatorRef');
    if (d.sourceRef?.generatorRef && d.sourceRef.storeRef) add(`spec.dataFrom[${j}].sourceRef`, 'set exactly one of storeRef or generatorRef');
    if (d.sourceRef && !d.sourceRef.generatorRef && !d.sourceRef.storeRef) add(`spec.dataFrom[${j}].sourceRef`, 'generatorRef or storeRef must be set when using sourceRef');
  }

  if (spec.refreshInterval !== undefined) {
    const problem = durationProblem(spec.refreshInterval, 'spec.refreshInterval');
    if (problem) add('spec.refreshInterval', problem);
    else {
      const ms = parseDuration(spec.refreshInterval, 'spec.refreshInterval');
      if (ms > 0 && ms < MIN_REFRESH_INTERVAL_MS) add('spec.refreshInterval', `${JSON.stringify(spec.refreshInterval)} is shorter than 1s; use at least 1s, or 0 to sync once`);
    }
  }

  const target = spec.target ?? {};
  const creation = target.creationPolicy ?? DEFAULTS.creationPolicy;
  const deletion = target.deletionPolicy ?? DEFAULTS.deletionPolicy;
  // ESO's webhook: Delete with Orphan is admitted (the deletion then fails at sync), not with the rest.
  if (deletion === 'Delete' && creation !== 'Owner' && creation !== 'Orphan') {
    add('spec.target.deletionPolicy', `deletionPolicy Delete needs creationPolicy Owner (it is ${creation}): Rotor only deletes Secrets it owns`);
  }
  if (deletion === 'Merge' && !mergesInto(creation)) {
    add('spec.target.deletionPolicy', `deletionPolicy Merge needs creationPolicy Merge or CreateOrMerge (it is ${creation})`);
  }
  if (target.name !== undefined && target.name !== '' && (target.name.length > 253 || !DNS_SUBDOMAIN.test(target.name))) {
    add('spec.target.name', `${JSON.stringify(target.name)} is not a valid Secret name (lower-case letters, digits, "-" and ".", at most 253 characters)`);
  }
  // Rotor's own labels and annotations (managed label, owner, MAC, versions, rollout marker)
  // drive its bookkeeping: a template value there would be overwritten on every write and
  // differ again on the next pass, rewriting the Secret forever.
  for (const kind of ['labels', 'annotations'] as const) {
    for (const key of Object.keys(target.template?.metadata?.[kind] ?? {})) {
      if (key.startsWith(RESERVED_PREFIX)) {
        add(`spec.target.template.metadata.${kind}["${key}"]`, `the ${RESERVED_PREFIX} prefix is reserved for Rotor's own bookkeeping; remove it or use another prefix`);
      }
    }
  }
  for (const key of Object.keys(target.template?.data ?? {})) {
    const problem = secretKeyProblem(key);
    if (problem) add(`spec.target.template.data.${key}`, problem);
  }

  const data = spec.data ?? [];
  const dataFrom = spec.dataFrom ?? [];
  if (data.length === 0 && dataFrom.length === 0 && Object.keys(target.template?.data ?? {}).length === 0 && (target.template?.templateFrom ?? []).length === 0) {
    add('spec.data', 'nothing to sync: set spec.data, spec.dataFrom, spec.target.template.data or templateFrom');
  }

  const seenKeys = new Map<string, number>();
  data.forEach((entry, i) => {
    const base = `spec.data[${i}]`;
    const keyProblem = secretKeyProblem(entry.secretKey ?? '');
    if (keyProblem) add(`${base}.secretKey`, keyProblem);
    const first = seenKeys.get(entry.secretKey);
    if (first !== undefined) add(`${base}.secretKey`, `duplicate secretKey ${JSON.stringify(entry.secretKey)} (also spec.data[${first}]); each key may be set once`);
    else seenKeys.set(entry.secretKey, i);
    if (!entry.remoteRef?.key) add(`${base}.remoteRef.key`, 'name the remote secret or parameter to read');
    checkSelectors(entry.remoteRef ?? ({} as RemoteRef), `${base}.remoteRef`, add);
  });

  dataFrom.forEach((entry, j) => {
    const base = `spec.dataFrom[${j}]`;
    if (!entry.extract && !entry.find && !entry.sourceRef?.generatorRef) {
      add(base, 'set extract (one JSON secret becomes keys), find (many secrets by path, name or tags) or sourceRef.generatorRef (a generator\'s keys)');
    }
    if (entry.extract && entry.find) add(base, 'extract and find are mutually exclusive; use one dataFrom entry for each');
    if (entry.extract) {
      if (!entry.extract.key) add(`${base}.extract.key`, 'name the remote secret whose JSON object becomes keys');
      checkSelectors(entry.extract, `${base}.extract`, add);
    }
    if (entry.find) {
      const find = entry.find;
      if (!find.path && !find.name?.regexp && Object.keys(find.tags ?? {}).length === 0) {
        add(`${base}.find`, 'set at least one of path, name.regexp or tags; an empty find would read every secret the role can see');
      }
      if (find.name?.regexp !== undefined) checkRegExp(find.name.regexp, `${base}.find.name.regexp`, add);
    }
    (entry.rewrite ?? []).forEach((rewrite, k) => {
      const field = `${base}.rewrite[${k}].regexp`;
      const kinds = [rewrite.merge, rewrite.regexp, rewrite.transform].filter((x) => x !== undefined).length;
      if (kinds > 1) add(`${base}.rewrite[${k}]`, 'set exactly one of merge, regexp or transform');
      else if (rewrite.merge) {
        if (rewrite.merge.strategy === 'JSON' && !rewrite.merge.into) add(`${base}.rewrite[${k}].merge.into`, 'set the key that receives the merged JSON object (required with strategy JSON)');
      } else if (rewrite.transform) {
        if (!rewrite.transform.template) add(`${base}.rewrite[${k}].transform.template`, 'set the Go template that renames each key (the key is .value)');
      } else if (!rewrite.regexp) add(field, 'set regexp.source and regexp.target (or transform.template, or merge)');
      else {
        checkRegExp(rewrite.regexp.source ?? '', `${field}.source`, add);
        if (typeof rewrite.regexp.target !== 'string') add(`${field}.target`, 'set the replacement text ("" to delete the match)');
      }
    });
  });

  (spec.rollout?.targets ?? []).forEach((t, k) => {
    if (!t.name) add(`spec.rollout.targets[${k}].name`, 'name the workload to restart');
  });
  return problems;
}

function checkSelectors(ref: { property?: string; jmesPath?: string; jsonPath?: string }, base: string, add: (field: string, message: string) => void): void {
  const set = (['property', 'jmesPath', 'jsonPath'] as const).filter((name) => ref[name] !== undefined && ref[name] !== '');
  if (set.length > 1) {
    for (const name of set.slice(1)) add(`${base}.${name}`, `${set.join(', ')} are mutually exclusive; set only one`);
  }
  if (ref.jmesPath) {
    try {
      jmesCompile(ref.jmesPath);
    } catch (error) {
      add(`${base}.jmesPath`, `${JSON.stringify(ref.jmesPath)} is not a valid JMESPath expression: ${(error as Error).message}`);
    }
  }
  if (ref.jsonPath) {
    let needsEval = false;
    try {
      needsEval = jsonPathNeedsEval(ref.jsonPath);
    } catch (error) {
      add(`${base}.jsonPath`, `${JSON.stringify(ref.jsonPath)} is not a valid JSONPath expression: ${(error as Error).message}`);
    }
    const syntax = needsEval ? undefined : jsonPathSyntaxProblem(ref.jsonPath);
    if (syntax) add(`${base}.jsonPath`, `${JSON.stringify(ref.jsonPath)} is not a valid JSONPath expression: ${syntax}`);
    if (needsEval) {
      add(`${base}.jsonPath`, `${JSON.stringify(ref.jsonPath)} uses a filter or script expression, which Rotor does not evaluate; use jmesPath for filtering`);
    }
  }
}

function checkRegExp(source: string, field: string, add: (field: string, message: string) => void): void {
  if (source === '') {
    add(field, 'the regular expression is empty');
    return;
  }
  try {
    compileUserRegExp(source);
  } catch (error) {
    add(field, `${JSON.stringify(source)} is not a valid regular expression: ${(error as Error).message}`);
  }
}
