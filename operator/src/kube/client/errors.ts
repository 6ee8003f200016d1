// Kubernetes API failures as typed errors with short, safe messages: the HTTP code and the
// API server's Status reason/message (kube/rest.ts's KubeHttpError carries both). One
// exception: a 422 (Invalid) message repeats the rejected label/annotation keys and values,
// which a template may have rendered from secret values, so a 422 is reported by the field
// paths of its causes only (invalidMessage) and its text goes nowhere, not even the log.

/** What the API server sends as the body of a failed request (metav1.Status). */
export interface KubeStatus {
  kind?: string;
  status?: string;
  code?: number;
  reason?: string;
  message?: string;
  /** For 422: one cause per rejected field (`field` is a path such as `metadata.labels`). */
  details?: { causes?: Array<{ type?: string; field?: string; message?: string }> };
}

/** A failed Kubernetes API call: HTTP code plus the Status reason (e.g. NotFound, Conflict). */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly reason?: string,
    options: { cause?: unknown; fields?: string[] } = {},
  ) {
    super(message, options.cause !== undefined ? { cause: options.cause } : {});
    this.name = 'KubeApiError';
    this.fields = options.fields ?? [];
  }

  /** For 422: the sanitised field paths the API server rejected (see invalidFields). */
  readonly fields: string[];

  /** 429, 5xx and network failures (code 0) are worth retrying with backoff. */
  get retryable(): boolean {
    return this.code === 0 || this.code === 429 || this.code >= 500;
  }
}

/**
 * Optimistic-concurrency failure (HTTP 409): someone else changed the object since we read it,
 * or it already exists on create. The reconciler re-reads and tries again.
 */
export class ConflictError extends KubeApiError {
  constructor(message: string, reason?: string, options: { cause?: unknown } = {}) {
    super(409, message, reason, options);
    this.name = 'ConflictError';
  }

  override get retryable(): boolean {
    return true;
  }
}

/** HTTP status of a failed call: KubeHttpError has `code` and `statusCode`; network errors have neither. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

export function isNotFound(error: unknown): boolean {
  return httpStatusOf(error) === 404;
}

export function isConflict(error: unknown): boolean {
  return httpStatusOf(error) === 409;
}

/** The API server's Status of a failed call (`body`: an object, or JSON text). */
export function statusOf(error: unknown): KubeStatus | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'object' && body !== null) return body as KubeStatus;
  if (typeof body !== 'string' || body.length === 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as KubeStatus) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Turns any API call failure into a KubeApiError (ConflictError for 409) whose message is
 * `<what>: <API server message>`. `what` names the operation and object, e.g.
 * "replace Secret team-a/db".
 */
export function toKubeApiError(error: unknown, what: string): KubeApiError {
  if (error instanceof KubeApiError) return error;
  const code = httpStatusOf(error) ?? 0;
  const status = statusOf(error);
  // No `cause`: the original error's body holds the value-bearing text.
  if (code === 422) return new KubeApiError(422, `${what}: ${invalidMessage(error)}`, status?.reason, { fields: invalidFields(error) });
  const detail = status?.message ?? (code === 0 ? networkMessage(error) : `HTTP ${code}`);
  const message = `${what}: ${detail}`;
  if (code === 409) return new ConflictError(message, status?.reason, { cause: error });
  return new KubeApiError(code, message, status?.reason, { cause: error });
}

/** Field paths reported per 422, at most; the rest are counted. */
const MAX_INVALID_FIELDS = 5;

/**
 * The fixed text for a 422: "the API server rejected field(s) <paths>". A path is kept to
 * its structure: a subscript (`data[<key>]`, `metadata.labels[<key>]`) may hold a rendered
 * key, so it becomes `[…]`, and any character outside a plain field name is dropped. The
 * Status message and the causes' messages are never used.
 */
export function invalidMessage(error: unknown): string {
  const fields = error instanceof KubeApiError ? error.fields : invalidFields(error);
  if (fields.length === 0) return 'the API server rejected the object as invalid (HTTP 422)';
  const shown = fields.slice(0, MAX_INVALID_FIELDS).join(', ');
  const more = fields.length > MAX_INVALID_FIELDS ? ` and ${fields.length - MAX_INVALID_FIELDS} more` : '';
  return `the API server rejected the object as invalid (HTTP 422) in field${fields.length === 1 ? '' : 's'} ${shown}${more}`;
}

/** The de-duplicated, sanitised field paths of a 422's causes. */
export function invalidFields(error: unknown): string[] {
  const causes = statusOf(error)?.details?.causes ?? [];
  const fields = new Set<string>();
  for (const cause of causes) {
    if (typeof cause?.field !== 'string') continue;
    // Greedy: everything from the first `[` to the last `]` (a key may itself hold brackets).
    const path = cause.field
      .replace(/\[.*\]/s, '[…]')
      .replace(/\[(?!…\]).*$/s, '')
      .replace(/[^A-Za-z0-9_.\[\]…]/g, '')
      .slice(0, 80);
    if (path) fields.add(path);
  }
  return [...fields];
}

function networkMessage(error: unknown): string {
  if (error instanceof Error) {
    // fetch wraps the socket error (ECONNREFUSED, ...) in `cause`; that is the useful part.
    const cause = (error as { cause?: unknown }).cause;
    const causeText = cause instanceof Error ? `: ${cause.message}` : '';
    return `${error.message}${causeText}`;
  }
  return String(error);
}
