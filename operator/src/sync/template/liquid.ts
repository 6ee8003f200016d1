// The Liquid engine of target.template (engineVersion Liquid, or chosen by template-apply.ts).
//
// Templates come from ExternalSecret specs, i.e. from anyone allowed to create one in a
// namespace, so the engine is locked down for untrusted input:
//   - no file system: `templates: {}` replaces the loader and the include / render / layout
//     tags are removed, so they are a parse error;
//   - `ownPropertyOnly`: `{{ data.constructor }}` or `__proto__` never reach JavaScript
//     prototypes (they are simply undefined variables);
//   - strict filters (a typo is an error, not silent empty output) and strict variables like
//     ESO's `missingkey=error` (a misspelt key is an error naming it); `lenientIf` keeps
//     `{% if data.maybe %}` and `| default:` usable for keys that may be absent;
//   - DoS bounds: template size (parseLimit), render time (renderLimit, at most the time left
//     of the ExternalSecret's budget), allocations inside filters and ranges (memoryLimit) and
//     the rendered size of each value (1 MiB). Rendering runs in a worker thread
//     (workers/liquid-worker.ts), never on the main thread: renderLimit is only checked between
//     template nodes, so the worker is terminated when the budget runs out regardless.
//
// Scope: every fetched key as a string variable (`{{ password }}`; keys with "-" also work,
// `{{ db-password }}`), and all of them under `data` for keys with "." or other characters
// (`{{ data["tls.crt"] }}`). A fetched key named `data` is only reachable as `data["data"]`.
// Binary values are exposed as UTF-8 text: keep them out of templates or use Merge.
//
// Filters on top of Liquid's built-ins (upcase, downcase, default, strip, json, ...):
//   b64enc, b64dec, fromJson, toJson, upper, lower, trim, sha256 (hex), indent: N,
//   nindent: N (newline first, for YAML blocks) and
//   `{{ "registry.example.com" | dockerconfigjson: username, password }}`.
import { createHash } from 'node:crypto';
import { Liquid, type Context } from 'liquidjs';
import { ES_REASON } from '../../api/types.js';
import { SyncError, scrubValues } from '../errors.js';
import { decodeLenient } from '../decode.js';
import { buildDockerConfigJson } from '../secret-types.js';

export { validateSecretType, buildDockerConfigJson, SECRET_TYPE } from '../secret-types.js';

export const MAX_RENDERED_BYTES = 1024 * 1024;
const MAX_TEMPLATE_CHARS = 1024 * 1024;
const RENDER_TIME_LIMIT_MS = 1000;
const MEMORY_LIMIT = 32 * 1024 * 1024;
const MAX_INDENT = 256;

type FilterThis = { context: Context };

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function createEngine(): Liquid {
  const engine = new Liquid({
    templates: {},
    ownPropertyOnly: true,
    strictFilters: true,
    strictVariables: true,
    lenientIf: true,
    jsTruthy: false,
    parseLimit: MAX_TEMPLATE_CHARS,
    renderLimit: RENDER_TIME_LIMIT_MS,
    memoryLimit: MEMORY_LIMIT,
    cache: false,
  });
  for (const tag of ['include', 'render', 'layout']) delete engine.tags[tag];

  const charge = (self: FilterThis, size: number) => self.context.memoryLimit.use(size);
  const text = (value: unknown): string => (value === undefined || value === null ? '' : typeof value === 'string' ? value : String(value));

  engine.registerFilter('b64enc', function (this: FilterThis, value: unknown) {
    const out = Buffer.from(text(value), 'utf8').toString('base64');
    charge(this, out.length);
    return out;
  });
  engine.registerFilter('b64dec', function (this: FilterThis, value: unknown) {
    const decoded = decodeLenient(text(value), 'base64') ?? decodeLenient(text(value), 'base64url');
    if (decoded === undefined) throw new FilterError('b64dec: the input is not valid base64');
    charge(this, decoded.length);
    try {
      // A template outputs text: bytes that are not UTF-8 would be replaced by U+FFFD, silently.
      return UTF8.decode(decoded);
    } catch {
      throw new FilterError('b64dec: the decoded bytes are not UTF-8 text; to sync a binary value, decode it with decodingStrategy: Base64 instead of a template');
    }
  });
  engine.registerFilter('fromJson', function (this: FilterThis, value: unknown) {
    const source = text(value);
    charge(this, source.length);
    try {
      return JSON.parse(source) as unknown;
    } catch {
      // JSON.parse's message quotes the input, which is a secret here.
      throw new FilterError('fromJson: the input is not valid JSON');
    }
  });
  engine.registerFilter('toJson', function (this: FilterThis, value: unknown) {
    const out = JSON.stringify(value) ?? 'null';
    charge(this, out.length);
    return out;
  });
  engine.registerFilter('upper', (value: unknown) => text(value).toUpperCase());
  engine.registerFilter('lower', (value: unknown) => text(value).toLowerCase());
  engine.registerFilter('trim', (value: unknown) => text(value).trim());
  engine.registerFilter('sha256', (value: unknown) => createHash('sha256').update(text(value), 'utf8').digest('hex'));
  const indent = (self: FilterThis, value: unknown, width: unknown, newlineFirst: boolean) => {
    const n = Number(width);
    if (!Number.isInteger(n) || n < 0 || n > MAX_INDENT) throw new FilterError(`indent: the width must be a whole number from 0 to ${MAX_INDENT}`);
    const pad = ' '.repeat(n);
    const source = text(value);
    const lines = source.split('\n');
    charge(self, source.length + lines.length * n);
    const out = lines.map((line) => pad + line).join('\n');
    return newlineFirst ? `\n${out}` : out;
  };
  engine.registerFilter('indent', function (this: FilterThis, value: unknown, width: unknown) {
    return indent(this, value, width, false);
  });
  engine.registerFilter('nindent', function (this: FilterThis, value: unknown, width: unknown) {
    return indent(this, value, width, true);
  });
  engine.registerFilter('dockerconfigjson', function (this: FilterThis, registry: unknown, username: unknown, password: unknown) {
    if (!text(registry)) throw new FilterError('dockerconfigjson: the registry is empty; use {{ "registry.example.com" | dockerconfigjson: username, password }}');
    const out = buildDockerConfigJson(text(registry), text(username), text(password));
    charge(this, out.length);
    return out;
  });
  return engine;
}

// One configured engine: it holds no per-render state (no cache), only options and filters.
const engine = createEngine();

/** Builds the Liquid scope for `values` (see the header comment). */
function scopeOf(values: Record<string, Buffer> | Map<string, Buffer>): { scope: Record<string, unknown>; strings: Record<string, string> } {
  const entries = values instanceof Map ? [...values.entries()] : Object.entries(values);
  // Object.fromEntries defines own properties, so a key named "__proto__" is data, not a prototype.
  const strings = Object.fromEntries(entries.map(([k, v]) => [k, v.toString('utf8')])) as Record<string, string>;
  return { scope: { ...strings, data: strings }, strings };
}

export interface RenderTextOptions {
  /**
   * The template text itself is secret (templateFrom a Secret): errors give only the kind
   * and the position, never template text.
   */
  sensitive?: boolean;
  /** Render time limit in ms (default and maximum 1 s). */
  renderLimitMs?: number;
}

/**
 * Renders one template text. Throws SyncError naming `field` with Liquid's message; any
 * fetched value that a library message might quote is scrubbed first.
 */
export function renderTemplateText(source: string, values: Record<string, Buffer> | Map<string, Buffer>, field: string, options: RenderTextOptions = {}): string {
  const { scope, strings } = scopeOf(values);
  return renderWithScope(source, scope, strings, field, options);
}

/**
 * ESO templates are Go templates that name values with a leading dot (`{{ .password }}`,
 * `{{ .password | b64enc }}`). Dropping that dot where an output tag starts with it lets
 * such templates migrate unchanged; the rest of the syntax (pipes into filters, `{{-` trim)
 * already means the same in Liquid. Go's function-call form (`{{ b64enc .password }}`) is
 * not translated: it fails with the usual message naming the template key.
 */
export function normalizeGoStyleReferences(source: string): string {
  return source.replace(/(\{\{-?\s*)\.(?=[A-Za-z_])/g, '$1');
}

/** Thrown by Rotor's own filters: messages written here, never quoting their input. */
class FilterError extends Error {
  override name = 'FilterError';
}

interface LiquidErrorShape {
  name?: string;
  message?: string;
  token?: { getText(): string; getPosition(): number[] };
  originalError?: unknown;
}

/**
 * A template error in words that cannot carry a secret. LiquidJS's own messages may quote
 * values computed while rendering (e.g. an undefined variable named after a value: `data[c.pw]`),
 * so a render-time error is described only by its kind and the template's own text and
 * position. Parse and tokenization errors happen before any value is touched, so their
 * messages (about the template source) are kept.
 */
export function describeLiquidError(error: unknown, sensitive = false): string {
  const e = (error ?? {}) as LiquidErrorShape;
  const name = e.name ?? 'Error';
  const position = (): string => {
    try {
      if (!e.token) return '';
      const [line, column] = e.token.getPosition();
      return ` (line ${line}, column ${column})`;
    } catch {
      return '';
    }
  };
  if (name === 'ParseError' || name === 'TokenizationError') {
    // Liquid's parse messages quote the template (whole tags and identifiers): fine for spec or
    // ConfigMap text, but a Secret's template is secret. Either way the message stays short.
    if (sensitive) return `${name === 'ParseError' ? 'parse error' : 'syntax error'}${position()} (not quoted: the template comes from a Secret)`;
    return shorten(e.message ?? name, MAX_MESSAGE_CHARS);
  }
  const kind: Record<string, string> = {
    UndefinedVariableError: 'undefined variable',
    RenderError: 'rendering failed',
    LiquidErrors: 'rendering failed',
  };
  let where = position();
  if (!sensitive) {
    try {
      if (e.token) where = ` at ${JSON.stringify(e.token.getText().replace(/\s+/g, ' ').slice(0, 120))}${where}`;
    } catch {
      // position only
    }
  }
  const limit = LIMIT_MESSAGES[(e.originalError as Error | undefined)?.message ?? ''];
  const own = e.originalError instanceof FilterError ? `: ${e.originalError.message}` : limit ? `: ${limit}` : '';
  return `${kind[name] ?? 'template error'}${where}${own}`;
}

/** LiquidJS's DoS limits (its own constant messages), said in words that tell what to do. */
const LIMIT_MESSAGES: Record<string, string> = {
  'template render limit exceeded': "its time ran out (at most 1 s per template, within the ExternalSecret's one budget for all its templates); make it do less work",
  'memory alloc limit exceeded': 'it allocated more than the 32 MiB a template may; make it build less',
};

/** Longest library message (about template text) quoted in a status. */
const MAX_MESSAGE_CHARS = 200;

function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function renderWithScope(source: string, scope: Record<string, unknown>, strings: Record<string, string>, field: string, options: RenderTextOptions): string {
  let out: unknown;
  try {
    const renderLimit = Math.max(1, Math.min(RENDER_TIME_LIMIT_MS, options.renderLimitMs ?? RENDER_TIME_LIMIT_MS));
    out = engine.parseAndRenderSync(normalizeGoStyleReferences(source), scope, { renderLimit });
  } catch (error) {
    let message = scrubValues(describeLiquidError(error, options.sensitive), Object.values(strings));
    if ((error as Error)?.name === 'UndefinedVariableError') {
      const keys = Object.keys(strings);
      const shown = keys.slice(0, 20).join(', ') + (keys.length > 20 ? `, … (${keys.length - 20} more)` : '');
      message += keys.length ? `; available keys: ${shown} (use data["key"] for keys with "." in them)` : '; no keys were fetched';
    }
    throw new SyncError(ES_REASON.InvalidSpec, `${field}: the template failed: ${message}`, { field });
  }
  const rendered = typeof out === 'string' ? out : String(out ?? '');
  // Check the length before touching the bytes: a huge rope string is cheap until flattened.
  if (rendered.length > MAX_RENDERED_BYTES || Buffer.byteLength(rendered, 'utf8') > MAX_RENDERED_BYTES) {
    throw new SyncError(ES_REASON.InvalidSpec, `${field}: the template renders more than 1 MiB, the most a Secret can hold; render less`, { field });
  }
  return rendered;
}

/** Whether `source` is a valid Liquid template (for choosing the engine; called in the Liquid worker, nothing is rendered). */
export function liquidParses(source: string): boolean {
  try {
    engine.parse(normalizeGoStyleReferences(source));
    return true;
  } catch {
    return false;
  }
}
