// Picks the part of a remote value a spec entry asks for: the whole value, an ESO `property`,
// a JMESPath expression or a JSONPath expression; and turns a JSON object into keys for
// `dataFrom.extract`. Messages name the spec field and the remote key, never the value.
//
// Output rules (ESO's): a selected string is returned raw (no quotes); anything else
// (object, array, number, boolean) is returned as JSON text. Numbers keep the digits they had
// in the source for `property` and `extract` (so 12345678901234567890 is not rounded), as
// gjson does for ESO; JMESPath and JSONPath work on JavaScript numbers.
import { search as jmesSearch, compile as jmesCompile } from '@jmespath-community/jmespath';
import { JSONPath } from 'jsonpath-plus';
import { jsonPathSyntaxProblem } from './jsonpath-syntax.js';
import { ES_REASON } from '../api/types.js';
import { SyncError, quote, scrubValues } from './errors.js';
import { NotAnObjectError, type GoEngine } from './template/go/engine.js';

export interface ValueSelector {
  property?: string;
  jmesPath?: string;
  jsonPath?: string;
}

export interface SelectContext {
  /** Spec path of the block holding the selector, e.g. `spec.data[2].remoteRef` or `spec.dataFrom[0].extract`. */
  field: string;
  /** Remote key name as written in the spec (or as AWS returned it), for messages. */
  key: string;
}

type SelectorName = keyof ValueSelector;

/** Returns the bytes `selector` picks out of `value`; the whole value when no selector is set. */
export function selectValue(value: Buffer, selector: ValueSelector, ctx: SelectContext): Buffer {
  const which = onlySelector(selector, ctx);
  if (which === undefined) return value;
  const expression = selector[which]!;
  switch (which) {
    case 'property': {
      const doc = parseJsonKeepingNumbers(value, ctx, which);
      const found = lookupProperty(doc, expression);
      if (!found.exists) throw notFound(ctx, which, `property ${quote(expression)} does not exist in remote key ${quote(ctx.key)}`);
      return Buffer.from(formatSelected(found.value, 'property'), 'utf8');
    }
    case 'jmesPath': {
      const doc = parseJson(value, ctx, which);
      const result = evaluateJmesPath(doc, expression, ctx);
      if (result === null) throw notFound(ctx, which, `JMESPath expression ${quote(expression)} found nothing in remote key ${quote(ctx.key)}`);
      return Buffer.from(formatSelected(result, 'jmesPath'), 'utf8');
    }
    case 'jsonPath': {
      const doc = parseJson(value, ctx, which);
      const matches = evaluateJsonPath(doc, expression, ctx);
      if (matches.length === 0) throw notFound(ctx, which, `JSONPath expression ${quote(expression)} matched nothing in remote key ${quote(ctx.key)}`);
      return Buffer.from(matches.length === 1 ? formatSelected(matches[0], 'jsonPath') : JSON.stringify(matches), 'utf8');
    }
  }
}

/**
 * `dataFrom.extract`: the JSON object (or the object a property / jmesPath selects) becomes
 * key -> bytes. Strings are raw, everything else JSON text (null becomes `null`, as in ESO).
 */
export function extractObject(value: Buffer, selector: Pick<ValueSelector, 'property' | 'jmesPath'>, ctx: SelectContext): Map<string, Buffer> {
  const which = onlySelector(selector, ctx);
  let doc: unknown;
  let source: unknown;
  if (which === 'jmesPath') {
    source = parseJson(value, ctx, which);
    doc = evaluateJmesPath(source, selector.jmesPath!, ctx);
    if (doc === null) throw notFound(ctx, which, `JMESPath expression ${quote(selector.jmesPath!)} found nothing in remote key ${quote(ctx.key)}`);
  } else {
    doc = parseJsonKeepingNumbers(value, ctx, which ?? 'extract');
    if (which === 'property') {
      const found = lookupProperty(doc, selector.property!);
      if (!found.exists) throw notFound(ctx, which, `property ${quote(selector.property!)} does not exist in remote key ${quote(ctx.key)}`);
      doc = found.value;
    }
  }
  if (!isPlainObject(doc)) {
    const what = which ? `what ${ctx.field}.${which} selects in remote key ${quote(ctx.key)}` : `the value of remote key ${quote(ctx.key)}`;
    throw new SyncError(
      ES_REASON.SecretSyncedError,
      `${what} is ${describeJsonType(doc)}, not a JSON object, so ${ctx.field} cannot turn it into keys; use spec.data with a property to sync a single value`,
      { field: ctx.field },
    );
  }
  if (which === 'jmesPath') assertKeysAreNames(Object.keys(doc), source, selector.jmesPath!, ctx);
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(doc)) {
    out.set(k, Buffer.from(typeof v === 'string' ? v : v === null ? 'null' : stringifyJson(v), 'utf8'));
  }
  return out;
}

// ---------------------------------------------------------------- ESO property (gjson)

/** A path gjson and a plain walk read the same way: dot-separated names/indexes, no gjson syntax. */
const SIMPLE_PATH = /^[\w\- /:+$]+(\.[\w\- /:+$]+)*$/;

/**
 * ESO's `property` (AWS providers): a literal key first, then a gjson path (`a.b`,
 * `friends.#.first`, `friends.#(last=="x").age`, `a\.b`), the result as gjson's String().
 * Common case in JavaScript: a simple path that finds a string. Everything else asks gjson
 * itself (Go, compiled to wasm), so numbers, objects and queries give ESO's exact bytes.
 */
export async function selectProperty(value: Buffer, property: string, ctx: SelectContext, go: Pick<GoEngine, 'property'>): Promise<Buffer> {
  const doc = parseJson(value, ctx, 'property');
  if (SIMPLE_PATH.test(property)) {
    const found = lookupProperty(doc, property);
    if (!found.exists) throw notFound(ctx, 'property', `property ${quote(property)} does not exist in remote key ${quote(ctx.key)}`);
    if (typeof found.value === 'string') return Buffer.from(found.value, 'utf8');
  }
  const out = await go.property(value, property);
  if (out === undefined) throw notFound(ctx, 'property', `property ${quote(property)} does not exist in remote key ${quote(ctx.key)}`);
  return out;
}

/**
 * ESO's dataFrom.extract (GetSecretMap): the JSON object, or the one `property` selects; string
 * members become their text, others their raw JSON (null becomes ""). Objects of strings only
 * (the usual secret) are handled here; anything else by ESO's own code path in the Go module.
 */
export async function extractEso(value: Buffer, property: string | undefined, ctx: SelectContext, go: Pick<GoEngine, 'extract'>): Promise<Map<string, Buffer>> {
  const doc = parseJson(value, ctx, property ? 'property' : 'extract');
  if (!property && isPlainObject(doc) && Object.values(doc).every((v) => typeof v === 'string')) {
    return new Map(Object.entries(doc).map(([k, v]) => [k, Buffer.from(v as string, 'utf8')]));
  }
  let out: Map<string, Buffer> | undefined;
  try {
    out = await go.extract(value, property);
  } catch (error) {
    if (!(error instanceof NotAnObjectError)) throw error;
    const what = property ? `what ${ctx.field}.property selects in remote key ${quote(ctx.key)}` : `the value of remote key ${quote(ctx.key)}`;
    throw new SyncError(ES_REASON.SecretSyncedError, `${what} is not a JSON object, so ${ctx.field} cannot turn it into keys; use spec.data with a property to sync a single value`, {
      field: ctx.field,
    });
  }
  if (out === undefined) throw notFound(ctx, 'property', `property ${quote(property ?? '')} does not exist in remote key ${quote(ctx.key)}`);
  return out;
}

/**
 * Secret key names end up in status, events and logs, so they must not be secret. A JMESPath
 * expression can build keys from values (`from_items`), so every key it produces must be a
 * name the document already uses or a literal written in the expression. The offending key is
 * not quoted: it may be a value.
 */
function assertKeysAreNames(keys: string[], source: unknown, expression: string, ctx: SelectContext): void {
  const names = new Set<string>();
  const collect = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(collect);
    else if (isPlainObject(node)) {
      for (const [k, v] of Object.entries(node)) {
        names.add(k);
        collect(v);
      }
    }
  };
  collect(source);
  const unnamed = keys.filter((k) => !names.has(k) && !expression.includes(k)).length;
  if (unnamed > 0) {
    throw new SyncError(
      ES_REASON.InvalidSpec,
      `${ctx.field}.jmesPath builds ${unnamed} key name(s) from values of remote key ${quote(ctx.key)}; ` +
        'key names are shown in status and events, so build them only from names in the document or literals in the expression',
      { field: `${ctx.field}.jmesPath` },
    );
  }
}

// ---------------------------------------------------------------- property (ESO / gjson)

interface Lookup {
  exists: boolean;
  value?: unknown;
}

/**
 * ESO semantics: a top-level key named exactly `property` wins (even with dots in it);
 * otherwise `property` is a dotted path where `\.` is a literal dot inside a segment and a
 * numeric segment indexes an array (`servers.0.host`). Keys may hold any other character.
 */
export function lookupProperty(doc: unknown, property: string): Lookup {
  if (isPlainObject(doc) && Object.hasOwn(doc, property)) return { exists: true, value: doc[property] };
  let current: unknown = doc;
  for (const segment of splitPath(property)) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) {
      const index = Number(segment);
      if (index >= current.length) return { exists: false };
      current = current[index];
    } else if (isPlainObject(current) && Object.hasOwn(current, segment)) {
      current = current[segment];
    } else {
      return { exists: false };
    }
  }
  return { exists: true, value: current };
}

function splitPath(path: string): string[] {
  const segments: string[] = [];
  let segment = '';
  for (let i = 0; i < path.length; i++) {
    const ch = path[i]!;
    if (ch === '\\' && path[i + 1] === '.') {
      segment += '.';
      i++;
    } else if (ch === '.') {
      segments.push(segment);
      segment = '';
    } else {
      segment += ch;
    }
  }
  segments.push(segment);
  return segments;
}

// ---------------------------------------------------------------- JMESPath / JSONPath

function evaluateJmesPath(doc: unknown, expression: string, ctx: SelectContext): unknown {
  const field = `${ctx.field}.jmesPath`;
  try {
    jmesCompile(expression);
  } catch (error) {
    throw new SyncError(ES_REASON.InvalidSpec, `${field} ${quote(expression)} is not a valid JMESPath expression: ${(error as Error).message}`, { field });
  }
  try {
    // The parsed document is plain JSON, which is exactly JMESPath's input type.
    return jmesSearch(doc as Parameters<typeof jmesSearch>[0], expression);
  } catch (error) {
    // Runtime errors (wrong argument type, unknown function) describe types, but scrub
    // string leaves of the document anyway before the message can reach status.
    const message = scrubValues((error as Error).message, stringLeaves(doc));
    throw new SyncError(ES_REASON.InvalidSpec, `${field} ${quote(expression)} failed on remote key ${quote(ctx.key)}: ${message}`, { field });
  }
}

/**
 * JSONPath with script evaluation disabled (`eval: false`): filter `[?(...)]` and script
 * `[(...)]` expressions are refused before anything runs, so a spec can never execute code
 * in the operator. Use jmesPath for filtering.
 */
function evaluateJsonPath(doc: unknown, expression: string, ctx: SelectContext): unknown[] {
  const field = `${ctx.field}.jsonPath`;
  // jsonpath-plus drops what it cannot parse (`$..[` would select everything): refuse first.
  const syntax = jsonPathNeedsEval(expression) ? undefined : jsonPathSyntaxProblem(expression);
  if (syntax) throw new SyncError(ES_REASON.InvalidSpec, `${field} ${quote(expression)} is not a valid JSONPath expression: ${syntax}`, { field });
  try {
    const result = JSONPath({ path: expression, json: doc as object, eval: false, wrap: true, resultType: 'value' });
    return Array.isArray(result) ? result : [];
  } catch (error) {
    const message = (error as Error).message;
    const disabled = /prevented/i.test(message);
    throw new SyncError(
      ES_REASON.InvalidSpec,
      disabled
        ? `${field} ${quote(expression)} uses a filter or script expression, which Rotor does not evaluate; use remoteRef.jmesPath for filtering (e.g. items[?name=='x'].value | [0])`
        : `${field} ${quote(expression)} could not be evaluated: ${scrubValues(message, stringLeaves(doc))}`,
      { field },
    );
  }
}

/** Static check used by spec validation: does this JSONPath need script evaluation? */
export function jsonPathNeedsEval(expression: string): boolean {
  return JSONPath.toPathArray(expression).some((part) => typeof part === 'string' && /^\??\(/.test(part));
}

// ---------------------------------------------------------------- JSON helpers

function onlySelector(selector: ValueSelector, ctx: SelectContext): SelectorName | undefined {
  const set = (['property', 'jmesPath', 'jsonPath'] as const).filter((name) => selector[name] !== undefined && selector[name] !== '');
  if (set.length > 1) {
    throw new SyncError(ES_REASON.InvalidSpec, `${ctx.field}: ${set.join(' and ')} are mutually exclusive; set only one`, { field: `${ctx.field}.${set[1]}` });
  }
  return set[0];
}

function notJson(ctx: SelectContext, applying: string): SyncError {
  const field = applying === 'extract' ? ctx.field : `${ctx.field}.${applying}`;
  return new SyncError(
    ES_REASON.SecretSyncedError,
    `the value of remote key ${quote(ctx.key)} is not valid JSON, so ${field} cannot be applied; remove it to sync the whole value`,
    { field },
  );
}

function notFound(ctx: SelectContext, which: SelectorName, message: string): SyncError {
  return new SyncError(ES_REASON.SecretSyncedError, `${ctx.field}.${which}: ${message}`, { field: `${ctx.field}.${which}`, notFound: true });
}

// JSON.parse's own error quotes the input, so it is never passed on (nor kept as `cause`).
function parseJson(value: Buffer, ctx: SelectContext, applying: string): unknown {
  try {
    return JSON.parse(value.toString('utf8'));
  } catch {
    throw notJson(ctx, applying);
  }
}

// ES2025 JSON.parse source access and JSON.rawJSON (Node >= 21); not yet in TypeScript's lib.
interface JsonWithRaw {
  parse(text: string, reviver: (this: unknown, key: string, value: unknown, context: { source?: string }) => unknown): unknown;
  rawJSON(text: string): object;
  isRawJSON(value: unknown): boolean;
}
const JSON_RAW = JSON as unknown as JsonWithRaw;

/** Parses JSON, keeping numbers whose text would not survive a round trip as raw JSON. */
function parseJsonKeepingNumbers(value: Buffer, ctx: SelectContext, applying: string): unknown {
  try {
    return JSON_RAW.parse(value.toString('utf8'), (_key, parsed, context) =>
      typeof parsed === 'number' && context?.source !== undefined && String(parsed) !== context.source ? JSON_RAW.rawJSON(context.source) : parsed,
    );
  } catch {
    throw notJson(ctx, applying);
  }
}

function formatSelected(value: unknown, from: SelectorName): string {
  if (typeof value === 'string') return value;
  // gjson returns "" for a JSON null selected by property; JMESPath/JSONPath say "null".
  if (value === null) return from === 'property' ? '' : 'null';
  return stringifyJson(value);
}

function stringifyJson(value: unknown): string {
  if (JSON_RAW.isRawJSON(value)) return (value as { rawJSON: string }).rawJSON;
  return JSON.stringify(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !JSON_RAW.isRawJSON(value);
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (JSON_RAW.isRawJSON(value)) return 'a number';
  return `a ${typeof value}`;
}

function stringLeaves(doc: unknown, out: string[] = []): string[] {
  if (typeof doc === 'string') out.push(doc);
  else if (Array.isArray(doc)) for (const v of doc) stringLeaves(v, out);
  else if (isPlainObject(doc)) {
    for (const v of Object.values(doc)) stringLeaves(v, out);
  }
  return out;
}
