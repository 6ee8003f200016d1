// Kubernetes API failures as typed errors with short, safe messages: the HTTP code and the
// API server's Status reason/message, raised by kube/client/rest.ts where the request is made. One
// exception: a 422 (Invalid) message repeats the rejected label/annotation keys and values,
// which a template may have rendered from secret values, so a 422 is reported by the field
// paths of its causes only (invalidMessage) and its text goes nowhere, not even the log.

import { LOG_SAFE_MESSAGE } from '../../platform/error-for-log.js';

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

/**
 * A failed Kubernetes API call: HTTP code plus the Status reason (e.g. NotFound, Conflict). The
 * one error type of the Kubernetes client: kube/client/rest.ts raises it where the request is
 * made (kubeApiErrorFor), adapters re-raise it naming their operation (toKubeApiError), fakes
 * throw it, and isNotFound / isConflict are the only checks of it. Code 0: no answer (network).
 */
export class KubeApiError extends Error {
  /** For 422: the sanitised field paths the API server rejected (see invalidFields). */
  readonly fields: string[];
  /** The API server's Status.message; never kept for a 422 (its text may repeat secret values). */
  readonly statusMessage: string | undefined;
  /**
   * Its message may be logged (platform/error-for-log.ts) when it holds no text of the API
   * server's: a Status message may echo the object (an admission webhook quoting a rendered
   * label), so only the operation, the code and, for a 422, the field paths are known safe.
   */
  get [LOG_SAFE_MESSAGE](): boolean {
    return this.statusMessage === undefined;
  }

  constructor(
    readonly code: number,
    message: string,
    readonly reason?: string,
    options: { cause?: unknown; fields?: string[]; statusMessage?: string } = {},
  ) {
    super(message, options.cause !== undefined ? { cause: options.cause } : {});
    this.name = 'KubeApiError';
    this.fields = options.fields ?? [];
    this.statusMessage = code === 422 ? undefined : options.statusMessage;
  }

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
  constructor(message: string, reason?: string, options: { cause?: unknown; statusMessage?: string } = {}) {
    super(409, message, reason, options);
    this.name = 'ConflictError';
  }

  override get retryable(): boolean {
    return true;
  }
}

/**
 * The error for an HTTP failure of `what` (e.g. "PUT /api/v1/namespaces/a/secrets/db"), from
 * its status code and the Status body the API server sent (kube/client/rest.ts). A 422 is
 * reported by the field paths of its causes only, wherever the error ends up.
 */
export function kubeApiErrorFor(code: number, status: KubeStatus | undefined, what: string): KubeApiError {
  if (code === 422) {
    const fields = invalidFields(status);
    return new KubeApiError(422, `${what}: ${invalidMessage(fields)}`, status?.reason, { fields });
  }
  const statusMessage = typeof status?.message === 'string' ? status.message : undefined;
  const message = `${what}: HTTP ${code}${statusMessage ? `: ${statusMessage}` : ''}`;
  if (code === 409) return new ConflictError(message, status?.reason, { statusMessage });
  return new KubeApiError(code, message, status?.reason, { ...(statusMessage !== undefined ? { statusMessage } : {}) });
}

/** HTTP status of a failed Kubernetes call (0: no answer); undefined for any other error. */
export function httpStatusOf(error: unknown): number | undefined {
  return error instanceof KubeApiError ? error.code : undefined;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof KubeApiError && error.code === 404;
}

export function isConflict(error: unknown): boolean {
  return error instanceof KubeApiError && error.code === 409;
}

/**
 * The error as raised by `what`, an operation of an adapter (e.g. "replace Secret team-a/db"):
 * message `<what>: <API server message>`, same code, reason and class (ConflictError for 409).
 * Anything not from the API server (a socket error, a timeout) becomes code 0.
 */
export function toKubeApiError(error: unknown, what: string): KubeApiError {
  if (!(error instanceof KubeApiError)) return new KubeApiError(0, `${what}: ${networkMessage(error)}`, undefined, { cause: error });
  // No `cause` for a 422: nothing of the original request travels further than its field paths.
  if (error.code === 422) return new KubeApiError(422, `${what}: ${invalidMessage(error)}`, error.reason, { fields: error.fields });
  const detail = error.statusMessage ?? (error.code === 0 ? error.message : `HTTP ${error.code}`);
  const options = { cause: error, ...(error.statusMessage !== undefined ? { statusMessage: error.statusMessage } : {}) };
  if (error.code === 409) return new ConflictError(`${what}: ${detail}`, error.reason, options);
  return new KubeApiError(error.code, `${what}: ${detail}`, error.reason, options);
}

/** Field paths reported per 422, at most; the rest are counted. */
const MAX_INVALID_FIELDS = 5;

/**
 * The fixed text for a 422: "the API server rejected field(s) <paths>". A path is kept to
 * its structure: a subscript (`data[<key>]`, `metadata.labels[<key>]`) may hold a rendered
 * key, so it becomes `[…]`, and any character outside a plain field name is dropped. The
 * Status message and the causes' messages are never used.
 */
export function invalidMessage(from: KubeApiError | readonly string[]): string {
  const fields = from instanceof KubeApiError ? from.fields : from;
  if (fields.length === 0) return 'the API server rejected the object as invalid (HTTP 422)';
  const shown = fields.slice(0, MAX_INVALID_FIELDS).join(', ');
  const more = fields.length > MAX_INVALID_FIELDS ? ` and ${fields.length - MAX_INVALID_FIELDS} more` : '';
  return `the API server rejected the object as invalid (HTTP 422) in field${fields.length === 1 ? '' : 's'} ${shown}${more}`;
}

/** The de-duplicated, sanitised field paths of a 422's causes. */
export function invalidFields(status: KubeStatus | undefined): string[] {
  const causes = status?.details?.causes ?? [];
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
