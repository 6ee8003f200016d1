// ESO's `dataFrom[].rewrite[].merge` (runtime/esutils RewriteMerge), byte for byte.
//
// Why a module of its own: the merge reads values (every key's value must be a JSON object)
// and re-encodes them the way Go's encoding/json does, so that a Secret built by Rotor is the
// Secret ESO builds from the same remote data. The Go details that decide the bytes:
//   - the input keys are merged in byte order, then the `priority` keys in list order (a later
//     key's fields override an earlier key's; an overridden field is a "conflict");
//   - JSON numbers are float64: `Extract` writes them with strconv 'f' (1e21 ->
//     "1000000000000000000000"), `JSON` with encoding/json's float format ("1e+21");
//   - objects are written with sorted keys; `Extract` escapes <, > and & (json.Marshal),
//     `JSON` does not (an encoder with SetEscapeHTML(false)); U+2028/U+2029 always are;
//   - `null` merges nothing; any other non-object is an error.
// Messages name keys and fields, never a value nor a parser message (which could quote one).
import { ES_REASON } from '../api/types.js';
import type { RewriteMerge } from '../api/types.js';
import { SyncError, quote } from './errors.js';

/** A JSON value as Go's json.Unmarshal into `any` makes it (numbers are float64). */
type GoJson = null | boolean | number | string | GoJson[] | { [key: string]: GoJson };

/** One key of the map being rewritten: its bytes and what it was made from (kept for status). */
export interface RewriteEntry<Origin> {
  value: Buffer;
  origins: Origin[];
}

/**
 * Applies one merge rewrite to `input` (key -> entry). `field` is the rewrite's spec path,
 * e.g. `spec.dataFrom[0].rewrite[1].merge`. Throws a SyncError (InvalidSpec) naming the key.
 */
export function mergeRewrite<Origin>(op: RewriteMerge, input: ReadonlyMap<string, RewriteEntry<Origin>>, field: string): Map<string, RewriteEntry<Origin>> {
  const merged = new Map<string, GoJson>();
  const conflicts: string[] = [];
  const origins: Origin[] = [];
  const priority = op.priority ?? [];
  const ordered = [...input.keys()].filter((k) => !priority.includes(k)).sort(compareBytes);
  for (const key of [...ordered, ...priority]) {
    const entry = input.get(key);
    if (entry === undefined) {
      if (op.priorityPolicy === 'IgnoreNotFound') continue;
      throw new SyncError(
        ES_REASON.InvalidSpec,
        `${field}.priority names the key ${quote(key)}, which this dataFrom entry does not produce; remove it or set ${field}.priorityPolicy: IgnoreNotFound`,
        { field: `${field}.priority` },
      );
    }
    const object = parseObject(entry.value, key, field);
    for (const [name, value] of object) {
      if (merged.has(name)) conflicts.push(name);
      merged.set(name, value);
    }
    for (const origin of entry.origins) if (!origins.includes(origin)) origins.push(origin);
  }
  if (op.conflictPolicy !== 'Ignore' && conflicts.length > 0) {
    throw new SyncError(
      ES_REASON.InvalidSpec,
      `${field}: the field(s) ${[...new Set(conflicts)].map(quote).join(', ')} appear in more than one merged key; set ${field}.conflictPolicy: Ignore (the last key in priority order wins) or ${field}.priority`,
      { field: `${field}.conflictPolicy` },
    );
  }
  const out = new Map<string, RewriteEntry<Origin>>();
  if (op.strategy === 'JSON') {
    if (!op.into) {
      throw new SyncError(ES_REASON.InvalidSpec, `${field}.into: set the key that receives the merged JSON object (required with strategy JSON)`, { field: `${field}.into` });
    }
    for (const [key, entry] of input) out.set(key, entry);
    out.set(op.into, { value: Buffer.from(encodeObject(merged, false), 'utf8'), origins });
    return out;
  }
  // Extract (the default): each merged field becomes a key, written as Go's GetByteValue does.
  for (const [name, value] of merged) out.set(name, { value: byteValue(value), origins: [...origins] });
  return out;
}

function parseObject(value: Buffer, key: string, field: string): Map<string, GoJson> {
  const notObject = () =>
    new SyncError(ES_REASON.InvalidSpec, `${field}: the value of key ${quote(key)} is not a JSON object, so it cannot be merged; merge only keys whose values are JSON objects`, {
      field,
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    // The parser's message can quote the value: never passed on.
    throw notObject();
  }
  // Go leaves the map nil for `null`: nothing is merged and no error is raised.
  if (parsed === null) return new Map();
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw notObject();
  const out = new Map<string, GoJson>();
  for (const [name, inner] of Object.entries(parsed as Record<string, unknown>)) out.set(goString(name), toGo(inner, key, field));
  return out;
}

/** JSON.parse's result as Go would hold it: lone surrogates become U+FFFD, huge numbers fail. */
function toGo(value: unknown, key: string, field: string): GoJson {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new SyncError(ES_REASON.InvalidSpec, `${field}: the value of key ${quote(key)} holds a number out of float64 range, so it cannot be merged`, { field });
    }
    return value;
  }
  if (typeof value === 'string') return goString(value);
  if (Array.isArray(value)) return value.map((v) => toGo(v, key, field));
  const out: { [key: string]: GoJson } = {};
  for (const [name, inner] of Object.entries(value as Record<string, unknown>)) {
    Object.defineProperty(out, goString(name), { value: toGo(inner, key, field), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Go decodes a lone surrogate escape (\ud800) to U+FFFD. */
function goString(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

/** Go's sort.Strings / strings.Compare order: UTF-8 bytes, i.e. code points. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** esutils.GetByteValue on one merged field. */
function byteValue(value: GoJson): Buffer {
  if (value === null) return Buffer.alloc(0);
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (typeof value === 'boolean') return Buffer.from(String(value));
  if (typeof value === 'number') return Buffer.from(formatFloatF(value));
  return Buffer.from(encode(value, true), 'utf8');
}

function encodeObject(object: ReadonlyMap<string, GoJson>, escapeHTML: boolean): string {
  const keys = [...object.keys()].sort(compareBytes);
  return `{${keys.map((k) => `${encodeString(k, escapeHTML)}:${encode(object.get(k)!, escapeHTML)}`).join(',')}}`;
}

/** encoding/json's output for a decoded value (sorted keys, Go escapes and float format). */
function encode(value: GoJson, escapeHTML: boolean): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return formatFloatJson(value);
  if (typeof value === 'string') return encodeString(value, escapeHTML);
  if (Array.isArray(value)) return `[${value.map((v) => encode(v, escapeHTML)).join(',')}]`;
  return encodeObject(new Map(Object.entries(value)), escapeHTML);
}

const HEX = '0123456789abcdef';

/** encoding/json appendString (Go >= 1.22: \b and \f short forms). */
function encodeString(text: string, escapeHTML: boolean): string {
  let out = '"';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c < 0x20) {
      const short = { 8: 'b', 9: 't', 10: 'n', 12: 'f', 13: 'r' }[c];
      out += short ? `\\${short}` : `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
    } else if (escapeHTML && (ch === '<' || ch === '>' || ch === '&')) out += `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
    else if (c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16)}`;
    else out += ch;
  }
  return `${out}"`;
}

/** encoding/json floatEncoder: 'f' unless |f| < 1e-6 or >= 1e21, then 'e' with e-07 -> e-7. */
function formatFloatJson(value: number): string {
  if (Object.is(value, -0)) return '-0';
  // JavaScript's Number-to-String uses the same shortest digits and the same thresholds.
  return String(value);
}

/** strconv.FormatFloat(f, 'f', -1, 64): the shortest digits, never an exponent. */
export function formatFloatF(value: number): string {
  if (Object.is(value, -0)) return '-0';
  const sign = value < 0 ? '-' : '';
  const [mantissa, exp] = Math.abs(value).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const point = Number(exp) + 1; // digits before the decimal point
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
