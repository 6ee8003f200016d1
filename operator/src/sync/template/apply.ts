// target.template with ESO's semantics (pkg/controllers/externalsecret applyTemplate + the
// templating parser), for both engines:
//   - mergePolicy Merge starts from the fetched keys, Replace from nothing;
//   - templateFrom entries apply in order (configMap items, secret items, literal), each into
//     its target (Data, Annotations, Labels); templateAs KeysAndValues renders a YAML map;
//   - then template.data (overrides templateFrom), then metadata labels and annotations, which
//     are templates too;
//   - with neither template.data nor templateFrom the Secret holds the fetched keys.
// Engine: engineVersion v2 = Go text/template + sprig (ESO), Liquid = LiquidJS; unset = v2
// when every template parses as Go and none uses Liquid's {% %} tags, else Liquid (see
// chooseEngine). ConfigMaps and Secrets named by templateFrom are read by the caller.
// Both engines run in worker threads under the ExternalSecret's one time budget
// (template-limits.ts); the entry counts are capped there too. Rendered label and annotation
// keys and values are checked here (metadata-rules.ts), so the API server never has to reject
// (and quote) them. A template read from a Secret is itself secret: its errors give positions.
import { performance } from 'node:perf_hooks';
import type { ExternalSecretTemplate, TemplateScope, TemplateTarget } from '../../api/types.js';
import { ES_REASON, RESERVED_PREFIX } from '../../api/types.js';
import { SyncError, quote } from '../errors.js';
import { GoEngineError, type GoEngine } from './go/engine.js';
import { describeGoTemplateError } from './go/messages.js';
import { secretKeyProblem } from '../secret-key.js';
import { MAX_RENDERED_BYTES } from './liquid.js';
import { TEMPLATE_BUDGET_MS, templateLimitProblems } from './limits.js';
import { MAX_TEMPLATE_ANNOTATIONS_BYTES, annotationsSize, isLabelValue, qualifiedNameProblem } from '../metadata-rules.js';
import { liquidRenderer, type LiquidRenderer } from './liquid-pool.js';
import type { JobScope } from '../workers/pool.js';

/** templateFrom sources as read from the API server; undefined = not found. */
export interface TemplateSources {
  configMaps: ReadonlyMap<string, Record<string, string> | undefined>;
  secrets: ReadonlyMap<string, Record<string, Buffer> | undefined>;
}

export const NO_TEMPLATE_SOURCES: TemplateSources = { configMaps: new Map(), secrets: new Map() };

export interface AppliedTemplate {
  /** The Secret's data. */
  data: Map<string, Buffer>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  engine: 'v2' | 'Liquid';
  problems: SyncError[];
}

interface Unit {
  text: string;
  scope: TemplateScope;
  target: TemplateTarget;
  /** Output key for Values scope. */
  key: string;
  field: string;
  /** The text comes from a Secret: messages give positions and kinds, never its text. */
  sensitive: boolean;
}

/** Where templates run and under which budget (build.ts passes the ExternalSecret's). */
export interface TemplateRunContext {
  liquid?: LiquidRenderer;
  /** Tenant and deadline for every engine call; default: no tenant, TEMPLATE_BUDGET_MS from now. */
  scope?: JobScope;
}

/** Names of the ConfigMaps and Secrets a template reads (for the caller to fetch). */
export function templateSourceNames(template: ExternalSecretTemplate | undefined): { configMaps: string[]; secrets: string[] } {
  const from = template?.templateFrom ?? [];
  return {
    configMaps: [...new Set(from.flatMap((t) => (t.configMap ? [t.configMap.name] : [])))],
    secrets: [...new Set(from.flatMap((t) => (t.secret ? [t.secret.name] : [])))],
  };
}

function collectUnits(template: ExternalSecretTemplate, sources: TemplateSources, problems: SyncError[]): Unit[] {
  const units: Unit[] = [];
  const base = 'spec.target.template';
  (template.templateFrom ?? []).forEach((from, i) => {
    const field = `${base}.templateFrom[${i}]`;
    const target = from.target ?? 'Data';
    for (const kind of ['configMap', 'secret'] as const) {
      const ref = from[kind];
      if (!ref) continue;
      const what = kind === 'configMap' ? 'ConfigMap' : 'Secret';
      const found = kind === 'configMap' ? sources.configMaps.get(ref.name) : sources.secrets.get(ref.name);
      if (found === undefined) {
        problems.push(new SyncError(ES_REASON.InvalidSpec, `${field}.${kind}: ${what} ${quote(ref.name)} does not exist in the ExternalSecret's namespace; create it or fix the name`, { field: `${field}.${kind}.name` }));
        continue;
      }
      ref.items.forEach((item, j) => {
        const raw = found[item.key];
        if (raw === undefined) {
          problems.push(new SyncError(ES_REASON.InvalidSpec, `${field}.${kind}.items[${j}]: ${what} ${quote(ref.name)} has no key ${quote(item.key)}`, { field: `${field}.${kind}.items[${j}].key` }));
          return;
        }
        const text = typeof raw === 'string' ? raw : raw.toString('utf8');
        units.push({ text, scope: item.templateAs ?? 'Values', target, key: item.key, field: `${field}.${kind}.items[${j}]`, sensitive: kind === 'secret' });
      });
    }
    if (from.literal !== undefined) units.push({ text: from.literal, scope: 'KeysAndValues', target, key: '', field: `${field}.literal`, sensitive: false });
  });
  for (const [key, text] of Object.entries(template.data ?? {})) units.push({ text, scope: 'Values', target: 'Data', key, field: `${base}.data.${key}`, sensitive: false });
  for (const [key, text] of Object.entries(template.metadata?.labels ?? {})) units.push({ text, scope: 'Values', target: 'Labels', key, field: `${base}.metadata.labels.${key}`, sensitive: false });
  for (const [key, text] of Object.entries(template.metadata?.annotations ?? {})) units.push({ text, scope: 'Values', target: 'Annotations', key, field: `${base}.metadata.annotations.${key}`, sensitive: false });
  return units;
}

// Auto-detection parses every template with Go; remember the answer per template set.
const engineChoices = new Map<string, 'v2' | 'Liquid'>();
const MAX_REMEMBERED = 2000;

/**
 * The engine for templates with no engineVersion. Templates without any {{ or {% are the
 * same text in both (Liquid, no wasm needed). Liquid's {% %} tags mean Liquid. Otherwise the
 * engine that parses more of the templates, Go on a tie: all-Go templates are Go, a Liquid
 * template with a typo still gets Liquid's message, and an ESO template with a typo Go's.
 */
export async function chooseEngine(texts: string[], go: Pick<GoEngine, 'parse'>, liquid: Pick<LiquidRenderer, 'parses'> = liquidRenderer(), scope: JobScope = defaultScope()): Promise<'v2' | 'Liquid'> {
  if (!texts.some((t) => t.includes('{{') || t.includes('{%'))) return 'Liquid';
  if (texts.some((t) => t.includes('{%'))) return 'Liquid';
  const cacheKey = JSON.stringify(texts);
  const known = engineChoices.get(cacheKey);
  if (known) return known;
  const goParses = (await go.parse(texts.map((text) => ({ text })))).filter((e) => e === undefined).length;
  const liquidParses = goParses === texts.length ? 0 : (await liquid.parses(texts, scope)).filter(Boolean).length;
  const choice = goParses >= liquidParses ? 'v2' : 'Liquid';
  if (engineChoices.size >= MAX_REMEMBERED) engineChoices.clear();
  engineChoices.set(cacheKey, choice);
  return choice;
}

type UnitResult = { ok: true; out: Buffer } | { ok: true; pairs: Record<string, string> } | { ok: false; problem?: SyncError };

async function renderUnits(engine: 'v2' | 'Liquid', units: Unit[], fetched: Map<string, Buffer>, go: GoEngine, liquid: LiquidRenderer, scope: JobScope): Promise<UnitResult[]> {
  const values = [...fetched.values()].map((v) => v.toString('utf8'));
  if (engine === 'v2') {
    let results;
    try {
      results = await go.render(
        units.map((u) => ({ text: u.text, scope: u.scope })),
        fetched,
        MAX_RENDERED_BYTES,
      );
    } catch (error) {
      if (!(error instanceof GoEngineError)) throw error;
      // All Go templates render in one call: the budget (or the worker) failed them together.
      const field = 'spec.target.template';
      const problem = new SyncError(ES_REASON.InvalidSpec, `${field}: the Go templates failed together: ${error.message}; make them do less work, for example no range over a huge count (an ExternalSecret's templates have ${TEMPLATE_BUDGET_MS} ms in all)`, { field });
      return units.map((_, i): UnitResult => (i === 0 ? { ok: false, problem } : { ok: false }));
    }
    return results.map((r, i): UnitResult => {
      const unit = units[i]!;
      if (r.ok) return r;
      const tooLarge = r.error === 'the output is larger than the limit';
      const message = tooLarge ? 'the template renders more than 1 MiB, the most a Secret can hold; render less' : `the template failed: ${describeGoTemplateError(r.error, values, unit.sensitive)}`;
      return { ok: false, problem: new SyncError(ES_REASON.InvalidSpec, `${unit.field}: ${message}`, { field: unit.field }) };
    });
  }
  const out: UnitResult[] = units.map((unit): UnitResult => {
    if (unit.scope !== 'KeysAndValues') return { ok: false };
    return {
      ok: false,
      problem: new SyncError(ES_REASON.InvalidSpec, `${unit.field}: templateAs KeysAndValues (and literal) needs Go templates; set spec.target.template.engineVersion: v2`, { field: unit.field }),
    };
  });
  const todo = units.flatMap((unit, i) => (unit.scope === 'KeysAndValues' ? [] : [i]));
  const rendered = await liquid.render(
    todo.map((i) => ({ text: units[i]!.text, field: units[i]!.field, sensitive: units[i]!.sensitive })),
    fetched,
    scope,
  );
  rendered.forEach((r, k) => {
    const unit = units[todo[k]!]!;
    if (r.ok) out[todo[k]!] = { ok: true, out: Buffer.from(r.out, 'utf8') };
    else if (!r.skipped) out[todo[k]!] = { ok: false, problem: new SyncError(ES_REASON.InvalidSpec, r.message, { field: unit.field }) };
  });
  return out;
}

/** No tenant, a whole budget from now: for callers outside an ExternalSecret's build (tests). */
function defaultScope(): JobScope {
  return { tenant: '', deadline: performance.now() + TEMPLATE_BUDGET_MS };
}

export async function applyTemplate(template: ExternalSecretTemplate, fetched: Map<string, Buffer>, sources: TemplateSources, go: GoEngine, run: TemplateRunContext = {}): Promise<AppliedTemplate> {
  const requested = template.engineVersion;
  const overCap = templateLimitProblems(template);
  if (overCap.length > 0) return { data: new Map(), labels: {}, annotations: {}, engine: requested === 'Liquid' ? 'Liquid' : 'v2', problems: overCap };
  const scope = run.scope ?? defaultScope();
  const liquid = run.liquid ?? liquidRenderer();
  const scopedGo = go.scoped?.(scope) ?? go;
  const problems: SyncError[] = [];
  const units = collectUnits(template, sources, problems);
  const engine = requested === 'v2' || requested === 'Liquid' ? requested : await chooseEngine(units.map((u) => u.text), scopedGo, liquid, scope);
  const results = units.length ? await renderUnits(engine, units, fetched, scopedGo, liquid, scope) : [];

  const data = template.mergePolicy === 'Merge' ? new Map(fetched) : new Map<string, Buffer>();
  const labels = new Map<string, string>();
  const annotations = new Map<string, string>();
  /** `shown`: the key quoted for messages, or undefined when it may have been rendered from a value. */
  const put = (unit: Unit, key: string, value: Buffer, shown: string | undefined) => {
    const hidden = '(not shown: it may hold a value)';
    if (unit.target === 'Data') {
      const keyProblem = secretKeyProblem(key);
      if (keyProblem) problems.push(new SyncError(ES_REASON.InvalidSpec, `${unit.field}: the rendered key ${shown ?? '(not shown: it may hold a value)'} cannot be a Secret key: ${keyProblem}`, { field: unit.field }));
      else data.set(key, value);
      return;
    }
    if (key.startsWith(RESERVED_PREFIX)) {
      // Rotor's bookkeeping (managed label, MAC, versions) must not be overwritten by a rendered key.
      problems.push(new SyncError(ES_REASON.InvalidSpec, `${unit.field}: renders ${shown ?? 'a key'}; the ${RESERVED_PREFIX} prefix is reserved for Rotor's own bookkeeping`, { field: unit.field }));
      return;
    }
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) {
      const what = unit.target === 'Labels' ? 'a label' : 'an annotation';
      problems.push(new SyncError(ES_REASON.InvalidSpec, `${unit.field}: the rendered key ${shown ?? hidden} cannot be ${what} key: ${keyProblem}`, { field: unit.field }));
      return;
    }
    const text = value.toString('utf8');
    if (unit.target === 'Labels') {
      if (!isLabelValue(text)) {
        // The value may be secret-derived: describe the rule, do not echo it.
        problems.push(
          new SyncError(ES_REASON.InvalidSpec, `${unit.field}: the rendered value of label ${shown ?? '(not shown: its key may hold a value)'} is not a valid label value (at most 63 letters, digits, "-", "_", "."; starting and ending with a letter or digit)`, {
            field: unit.field,
          }),
        );
        return;
      }
      labels.set(key, text);
    } else annotations.set(key, text);
  };
  results.forEach((result, i) => {
    const unit = units[i]!;
    if (!result.ok) {
      if (result.problem) problems.push(result.problem);
    }
    // A KeysAndValues key is rendered, possibly from a fetched value: a message names it only
    // when the template spells it out (as sync/select.ts does for keys a jmesPath produced).
    else if ('pairs' in result) for (const [k, v] of Object.entries(result.pairs)) put(unit, k, Buffer.from(v, 'utf8'), !unit.sensitive && unit.text.includes(k) ? quote(k) : undefined);
    else put(unit, unit.key, result.out, quote(unit.key));
  });
  const annotationBytes = annotationsSize(annotations);
  if (annotationBytes > MAX_TEMPLATE_ANNOTATIONS_BYTES) {
    const field = 'spec.target.template.metadata.annotations';
    problems.push(
      new SyncError(ES_REASON.InvalidSpec, `${field}: the rendered annotations total ${annotationBytes} bytes, more than the ${MAX_TEMPLATE_ANNOTATIONS_BYTES} a template may use (Kubernetes allows 256 KiB for all annotations of a Secret; Rotor keeps 8 KiB for its own); render less into annotations`, { field }),
    );
  }
  const producesData = Object.keys(template.data ?? {}).length > 0 || (template.templateFrom ?? []).length > 0;
  return {
    data: producesData ? data : new Map(fetched),
    labels: Object.fromEntries(labels),
    annotations: Object.fromEntries(annotations),
    engine,
    problems,
  };
}
