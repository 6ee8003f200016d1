// Kubernetes API failures as typed errors with short, safe messages: only the HTTP code and
// the API server's Status reason/message, which name objects and fields but never carry
// Secret values (kube/rest.ts's KubeHttpError carries both).

/** What the API server sends as the body of a failed request (metav1.Status). */
export interface KubeStatus {
  kind?: string;
  status?: string;
  code?: number;
  reason?: string;
  message?: string;
}

/** A failed Kubernetes API call: HTTP code plus the Status reason (e.g. NotFound, Conflict). */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly reason?: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'KubeApiError';
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
  const detail = status?.message ?? (code === 0 ? networkMessage(error) : `HTTP ${code}`);
  const message = `${what}: ${detail}`;
  if (code === 409) return new ConflictError(message, status?.reason, { cause: error });
  return new KubeApiError(code, message, status?.reason, { cause: error });
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
