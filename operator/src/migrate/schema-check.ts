// Checks an object against a CRD's structural schema the way the API server would, so that
// `rotor migrate` can say before anything is applied which fields the server would drop
// silently (pruning of unknown fields) and which it would refuse (types, enums, patterns,
// sizes, required fields and the CEL rules in x-kubernetes-validations, whose messages name
// the field and the alternative). Pure: the schema comes in, findings go out.
// Findings name the field and the expected type or constraint, never the value: the input
// may hold secret material (literals, templates), and the report goes to terminals and CI logs.
import { parse as parseCel } from '@marcbachmann/cel-js';

export interface StructuralSchema {
  type?: string;
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: StructuralSchema | boolean;
  items?: StructuralSchema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-validations'?: Array<{ rule: string; message?: string }>;
}

export type SchemaProblemKind =
  /** Not in the schema: the API server drops it without a word (pruning). */
  | 'unknown'
  /** The API server refuses the object. */
  | 'invalid'
  /** A CEL rule this checker could not evaluate; the API server will. */
  | 'unchecked';

export interface SchemaProblem {
  /** Field path in the object, e.g. spec.data[0].remoteRef.key. */
  path: string;
  kind: SchemaProblemKind;
  message: string;
}

export interface SchemaCheckResult {
  /** The object without the fields the server would prune. */
  value: unknown;
  problems: SchemaProblem[];
}

type Rule = (self: unknown) => unknown;
const compiled = new Map<string, Rule>();

function compile(rule: string): Rule {
  let fn = compiled.get(rule);
  if (!fn) {
    const evaluate = parseCel(rule);
    fn = (self) => evaluate({ self });
    compiled.set(rule, fn);
  }
  return fn;
}

/** The root's metadata is ObjectMeta: the API server neither prunes nor validates it by the CRD. */
export function checkAgainstSchema(object: Record<string, unknown>, schema: StructuralSchema): SchemaCheckResult {
  const problems: SchemaProblem[] = [];
  const { metadata, ...rest } = object;
  const { value } = walk(rest, { ...schema, properties: { ...schema.properties, metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }, '', problems);
  const result = { ...(value as Record<string, unknown>) };
  if (metadata !== undefined) result.metadata = metadata;
  // Keep the usual order: apiVersion, kind, metadata, then the rest.
  const ordered: Record<string, unknown> = {};
  for (const key of ['apiVersion', 'kind', 'metadata']) if (key in result) ordered[key] = result[key];
  for (const [key, v] of Object.entries(result)) if (!(key in ordered)) ordered[key] = v;
  return { value: ordered, problems };
}

interface Walked {
  /** Pruned value, as it would be stored. */
  value: unknown;
  /** Pruned and defaulted value with integers as bigint: what CEL rules see. */
  cel: unknown;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function walk(value: unknown, schema: StructuralSchema, path: string, problems: SchemaProblem[]): Walked {
  const invalid = (message: string) => problems.push({ path: path || '(root)', kind: 'invalid', message: `${path || '(root)'}: ${message}` });
  if (value === null || value === undefined) return { value, cel: value };
  if (schema['x-kubernetes-int-or-string']) {
    if (typeof value !== 'string' && !Number.isInteger(value)) invalid('must be an integer or a string');
    return { value, cel: toCel(value) };
  }
  const type = schema.type;
  let walked: Walked;
  if (type === 'object' || (type === undefined && (schema.properties || schema.additionalProperties))) {
    if (typeof value !== 'object' || Array.isArray(value)) {
      invalid('must be an object');
      return { value, cel: value };
    }
    walked = walkObject(value as Record<string, unknown>, schema, path, problems);
  } else if (type === 'array') {
    if (!Array.isArray(value)) {
      invalid('must be a list');
      return { value, cel: value };
    }
    const items = value.map((item, i) => (schema.items ? walk(item, schema.items, `${path}[${i}]`, problems) : { value: item, cel: toCel(item) }));
    if (schema.maxItems !== undefined && value.length > schema.maxItems) invalid(`must have at most ${schema.maxItems} items (has ${value.length})`);
    if (schema.minItems !== undefined && value.length < schema.minItems) invalid(`must have at least ${schema.minItems} items`);
    walked = { value: items.map((i) => i.value), cel: items.map((i) => i.cel) };
  } else {
    checkScalar(value, schema, invalid);
    walked = { value, cel: toCel(value) };
  }
  for (const validation of schema['x-kubernetes-validations'] ?? []) {
    let ok: unknown;
    try {
      ok = compile(validation.rule)(walked.cel);
    } catch {
      // The evaluator's message can quote the value (a bad regex, a duration, a map key).
      problems.push({
        path: path || '(root)',
        kind: 'unchecked',
        message: `${path || '(root)'}: rule ${JSON.stringify(validation.rule)} could not be checked here; the API server checks it`,
      });
      continue;
    }
    if (ok !== true) problems.push({ path: path || '(root)', kind: 'invalid', message: validation.message ?? `${path || '(root)'}: failed rule ${validation.rule}` });
  }
  return walked;
}

function walkObject(value: Record<string, unknown>, schema: StructuralSchema, path: string, problems: SchemaProblem[]): Walked {
  const out: Record<string, unknown> = {};
  const cel: Record<string, unknown> = {};
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const [key, child] of Object.entries(value)) {
    const childPath = join(path, key);
    const childSchema = schema.properties?.[key] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    if (childSchema) {
      const w = walk(child, childSchema, childPath, problems);
      out[key] = w.value;
      cel[key] = w.cel;
    } else if (preserve || schema.additionalProperties === true) {
      out[key] = child;
      cel[key] = toCel(child);
    } else {
      problems.push({ path: childPath, kind: 'unknown', message: `${childPath} is not a field of Rotor's schema` });
    }
  }
  for (const key of schema.required ?? []) {
    if (value[key] === undefined) problems.push({ path: join(path, key), kind: 'invalid', message: `${join(path, key)} is required` });
  }
  if (schema.maxProperties !== undefined && Object.keys(value).length > schema.maxProperties) {
    problems.push({ path: path || '(root)', kind: 'invalid', message: `${path || '(root)'}: must have at most ${schema.maxProperties} entries` });
  }
  // The API server defaults before it runs CEL rules.
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (cel[key] === undefined && prop.default !== undefined) cel[key] = toCel(prop.default);
  }
  return { value: out, cel };
}

function checkScalar(value: unknown, schema: StructuralSchema, invalid: (message: string) => void): void {
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return invalid(`must be a string (is ${kindOf(value)})`);
      if (schema.maxLength !== undefined && [...value].length > schema.maxLength) invalid(`must be at most ${schema.maxLength} characters`);
      if (schema.minLength !== undefined && [...value].length < schema.minLength) invalid(`must be at least ${schema.minLength} characters`);
      if (schema.pattern !== undefined && !matches(schema.pattern, value)) invalid(`does not match ${schema.pattern}`);
      break;
    case 'integer':
      if (!Number.isInteger(value)) return invalid(`must be an integer (is ${kindOf(value)})`);
      break;
    case 'number':
      if (typeof value !== 'number') return invalid(`must be a number (is ${kindOf(value)})`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return invalid(`must be true or false (is ${kindOf(value)})`);
      break;
    default:
      break;
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) invalid(`must be at least ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) invalid(`must be at most ${schema.maximum}`);
  }
  // The allowed values come from the schema: naming them is safe, naming the given one is not.
  if (schema.enum && !schema.enum.includes(value)) invalid(`must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`);
}

/** What kind of value was given, for "must be X (is Y)": the type, never the value. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  if (typeof value === 'boolean') return 'true or false';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function matches(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern).test(value);
  } catch {
    return true; // a pattern JavaScript cannot compile is left to the API server
  }
}

/** CEL distinguishes int from double; YAML integers are ints there. */
function toCel(value: unknown): unknown {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (Array.isArray(value)) return value.map(toCel);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  return value;
}
