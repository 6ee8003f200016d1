// Pure assembly of the desired Secret from what the reconciler fetched.
//
// Order (ESO's): dataFrom entries in spec order (a later entry overrides an earlier one's
// keys), then data[] (overrides dataFrom), then the template:
//   - no template.data: the fetched keys are the Secret's data;
//   - mergePolicy Replace (default): only the template's keys;
//   - mergePolicy Merge: the fetched keys with the template's keys on top.
// Problems are collected rather than thrown, so one status message lists everything to fix.
// When `problems` is non-empty the caller must not write: the last good Secret stays.
import { performance } from 'node:perf_hooks';
import type { SyncedVersion } from '../api/types.js';
import { ES_REASON } from '../api/types.js';
import type { DefaultedExternalSecret } from '../api/defaults.js';
import type { RemoteSecret } from '../api/provider.js';
import { ProviderError } from '../api/provider.js';
import { SyncError, quote } from './errors.js';
import { selectValue, extractObject, selectProperty, extractEso } from './select.js';
import { decode } from './decode.js';
import { assertValidKey, keyFromRemoteName, rewriteKeys } from './keys.js';
import { applyTemplate, NO_TEMPLATE_SOURCES, type TemplateSources } from './template/apply.js';
import { validateSecretType } from './secret-types.js';
import { goEngine, type GoEngine } from './template/go/engine.js';
import { WorkersBusyError } from './workers/pool.js';
import type { LiquidRenderer } from './template/liquid-pool.js';
import { TEMPLATE_BUDGET_MS } from './template/limits.js';

/** What the reconciler got for one remote read: the value, or the provider's error. */
export type FetchResult = RemoteSecret | ProviderError;

export interface BuildInputs {
  /** Defaulted once by the reconciler (api/defaults.ts withDefaults). */
  externalSecret: DefaultedExternalSecret;
  /** Index-aligned with spec.data: the read of spec.data[i].remoteRef. */
  data: ReadonlyArray<FetchResult | undefined>;
  /**
   * Index-aligned with spec.dataFrom: for an `extract` entry the read of extract.key; for a
   * `find` entry the list the provider found (or the error it raised).
   */
  dataFrom: ReadonlyArray<FetchResult | RemoteSecret[] | undefined>;
  /** ConfigMaps and Secrets named by target.template.templateFrom, as read by the caller. */
  templateSources?: TemplateSources;
}

/** The template engines (Go: templates, gjson, transform; Liquid); tests pass their own. */
export interface BuildDeps {
  go?: GoEngine;
  liquid?: LiquidRenderer;
  /** Time for all template-engine work of this build, queueing included (default TEMPLATE_BUDGET_MS). */
  templateBudgetMs?: number;
}

export interface SkippedEntry {
  /** e.g. `spec.data[3]`. */
  field: string;
  secretKey: string;
  remoteKey: string;
  /** Why it was left out (safe to show: names only). */
  message: string;
}

export interface BuiltSecret {
  data: Record<string, Buffer>;
  type: string;
  /** From template.metadata only; the reconciler adds its own (managed label, MAC annotation). */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** One entry per Secret key fed by a remote read (dataFrom first, then data[]): identifiers only. */
  syncedVersions: SyncedVersion[];
  problems: SyncError[];
  /** Optional data entries left out because their remote key (or selected part) does not exist. */
  skipped: SkippedEntry[];
  /** Every remote read answered "not found" (drives deletionPolicy Delete / Merge). */
  allMissing: boolean;
}

export async function buildSecretData(inputs: BuildInputs, deps: BuildDeps = {}): Promise<BuiltSecret> {
  try {
    return await build(inputs, deps);
  } catch (error) {
    // Not the ExternalSecret's fault: other templates held every worker. Retried with backoff.
    if (error instanceof WorkersBusyError) throw new ProviderError(ES_REASON.SecretSyncedError, error.message, { retryable: true });
    throw error;
  }
}

async function build(inputs: BuildInputs, deps: BuildDeps): Promise<BuiltSecret> {
  const es = inputs.externalSecret;
  // One budget for every template-engine call of this ExternalSecret, charged to its namespace
  // so that the engines' queues serve namespaces in turn (sync/workers/pool.ts).
  const scope = { tenant: es.metadata.namespace ?? '', deadline: performance.now() + (deps.templateBudgetMs ?? TEMPLATE_BUDGET_MS) };
  const shared = deps.go ?? goEngine();
  const go = shared.scoped?.(scope) ?? shared;
  const spec = es.spec;
  const fetched = new Map<string, Buffer>();
  const syncedVersions: SyncedVersion[] = [];
  const problems: SyncError[] = [];
  const skipped: SkippedEntry[] = [];
  let reads = 0;
  let missing = 0;

  const record = (key: string, remote: RemoteSecret) => syncedVersions.push(versionOf(key, remote));
  const attempt = async (fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      if (error instanceof SyncError) problems.push(error);
      else throw error;
    }
  };

  for (const [j, entry] of spec.dataFrom.entries()) {
    const base = `spec.dataFrom[${j}]`;
    const result = inputs.dataFrom[j];
    reads++;
    if (entry.extract) {
      const extract = entry.extract;
      const field = `${base}.extract`;
      if (result instanceof ProviderError) {
        if (result.notFound) missing++;
        problems.push(fromProviderError(result, `${field}.key`, extract.key));
        continue;
      }
      if (result === undefined || Array.isArray(result)) {
        problems.push(internal(field, 'one remote value'));
        continue;
      }
      await attempt(async () => {
        const ctx = { field, key: extract.key };
        const pairs = extract.jmesPath ? extractObject(result.value, { jmesPath: extract.jmesPath }, ctx) : await extractEso(result.value, extract.property, ctx, go);
        const rewrites = entry.rewrite ?? [];
        const names = [...pairs.keys()];
        // As ESO: rewrites when there are any, else the conversion strategy.
        const renamed = rewrites.length > 0 ? await rewriteKeys(names, rewrites, `${base}.rewrite`, go) : names.map((n) => keyFromRemoteName(n, extract.conversionStrategy));
        const keys: Array<[string, Buffer]> = [];
        names.forEach((jsonKey, k) => {
          // ESO leaves out a key a rewrite made empty.
          if (renamed[k] === '' && rewrites.length > 0) return;
          const key = assertValidKey(renamed[k]!, {
            source: `JSON key ${quote(jsonKey)} of remote key ${quote(extract.key)}`,
            field: base,
            rewritten: rewrites.length > 0,
          });
          keys.push([key, decode(pairs.get(jsonKey)!, extract.decodingStrategy, { field: `${field}.decodingStrategy`, key: extract.key })]);
        });
        for (const [key, value] of keys) {
          fetched.set(key, value);
          record(key, result);
        }
      });
      continue;
    }
    if (entry.find) {
      const find = entry.find;
      const field = `${base}.find`;
      if (result instanceof ProviderError) {
        if (result.notFound) missing++;
        problems.push(fromProviderError(result, field, find.path ?? find.name?.regexp ?? '(tags)'));
        continue;
      }
      if (!Array.isArray(result)) {
        problems.push(internal(field, 'the list of found values'));
        continue;
      }
      if (result.length === 0) missing++;
      await attempt(async () => {
        const rewritten = (entry.rewrite ?? []).length > 0;
        const byKey = new Map<string, string>();
        const keys: Array<[string, Buffer, RemoteSecret]> = [];
        // Sorted so that the produced Secret (and any collision message) does not depend on AWS paging order.
        const remotes = [...result].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        // As ESO: the rewrites when there are any (on the raw remote name), else the
        // conversion strategy on the whole name ("/" included).
        const renamed = rewritten
          ? await rewriteKeys(
              remotes.map((r) => r.name),
              entry.rewrite ?? [],
              `${base}.rewrite`,
              go,
            )
          : remotes.map((r) => keyFromRemoteName(r.name, find.conversionStrategy));
        for (const [k, remote] of remotes.entries()) {
          // ESO leaves out a key a rewrite made empty.
          if (renamed[k] === '') continue;
          const key = assertValidKey(renamed[k]!, {
            source: `remote ${quote(remote.name)}`,
            field: base,
            rewritten,
          });
          const other = byKey.get(key);
          if (other !== undefined) {
            throw new SyncError(
              ES_REASON.InvalidSpec,
              `${base}: remotes ${quote(other)} and ${quote(remote.name)} both become the Secret key ${quote(key)}; add a ${base}.rewrite that keeps them apart`,
              { field: base },
            );
          }
          byKey.set(key, remote.name);
          keys.push([key, decode(remote.value, find.decodingStrategy, { field: `${field}.decodingStrategy`, key: remote.name }), remote]);
        }
        for (const [key, value, remote] of keys) {
          fetched.set(key, value);
          record(key, remote);
        }
      });
      continue;
    }
    problems.push(new SyncError(ES_REASON.InvalidSpec, `${base}: set extract or find`, { field: base }));
  }

  for (const [i, entry] of spec.data.entries()) {
    const base = `spec.data[${i}]`;
    const ref = entry.remoteRef;
    const result = inputs.data[i];
    reads++;
    const skip = (message: string) => skipped.push({ field: base, secretKey: entry.secretKey, remoteKey: ref.key, message });
    if (result instanceof ProviderError) {
      if (result.notFound) missing++;
      if (result.notFound && entry.optional) skip(`remote key ${quote(ref.key)} not found`);
      else problems.push(fromProviderError(result, `${base}.remoteRef.key`, ref.key));
      continue;
    }
    if (result === undefined) {
      problems.push(internal(base, 'one remote value'));
      continue;
    }
    try {
      const ctx = { field: `${base}.remoteRef`, key: ref.key };
      const selected = ref.property && !ref.jmesPath && !ref.jsonPath ? await selectProperty(result.value, ref.property, ctx, go) : selectValue(result.value, ref, ctx);
      fetched.set(entry.secretKey, decode(selected, ref.decodingStrategy, { field: `${base}.remoteRef.decodingStrategy`, key: ref.key }));
      record(entry.secretKey, result);
    } catch (error) {
      if (!(error instanceof SyncError)) throw error;
      if (error.notFound && entry.optional) skip(error.message);
      else problems.push(error);
    }
  }

  const template = spec.target.template;
  const type = template?.type || 'Opaque';
  let data = fetched;
  let labels: Record<string, string> = {};
  let annotations: Record<string, string> = {};
  // Rendering on top of failed reads would only add "undefined variable" noise to the real cause.
  if (template && problems.length === 0) {
    const applied = await applyTemplate(template, fetched, inputs.templateSources ?? NO_TEMPLATE_SOURCES, go, { scope, ...(deps.liquid ? { liquid: deps.liquid } : {}) });
    problems.push(...applied.problems);
    labels = applied.labels;
    annotations = applied.annotations;
    data = applied.data;
  }
  const out = Object.fromEntries(data);
  if (problems.length === 0) {
    for (const problem of validateSecretType(type, out)) problems.push(new SyncError(ES_REASON.InvalidSpec, `${problem.field}: ${problem.message}`, { field: problem.field }));
  }

  return { data: out, type, labels, annotations, syncedVersions, problems, skipped, allMissing: reads > 0 && missing === reads };
}

function versionOf(key: string, remote: RemoteSecret): SyncedVersion {
  const v: SyncedVersion = { key, remoteKey: remote.name };
  if (remote.versionId !== undefined) v.versionId = remote.versionId;
  if (remote.version !== undefined) v.version = remote.version;
  return v;
}

/** Keeps the provider's reason and actionable message, adding which spec entry it concerns. */
function fromProviderError(error: ProviderError, field: string, remoteKey: string): SyncError {
  return new SyncError(error.reason, `${field} ${quote(remoteKey)}: ${error.message}`, { field, notFound: error.notFound, cause: error });
}

function internal(field: string, expected: string): SyncError {
  return new SyncError(ES_REASON.SecretSyncedError, `${field}: internal error: the reconciler passed no ${expected} for this entry`, { field });
}

/**
 * Short version text for the printer column: the first 8 characters of a Secrets Manager
 * VersionId or `v<N>` for a Parameter Store version, then ` +N` for the other distinct versions.
 */
export function versionSummary(versions: readonly SyncedVersion[]): string {
  const labels: string[] = [];
  const seen = new Set<string>();
  for (const v of versions) {
    const id = v.versionId !== undefined ? `id:${v.versionId}` : v.version !== undefined ? `v:${v.version}` : undefined;
    if (id === undefined) continue;
    const identity = `${v.remoteKey}\u0000${id}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    labels.push(v.versionId !== undefined ? v.versionId.slice(0, 8) : `v${v.version}`);
  }
  if (labels.length === 0) return '';
  return labels.length === 1 ? labels[0]! : `${labels[0]} +${labels.length - 1}`;
}
