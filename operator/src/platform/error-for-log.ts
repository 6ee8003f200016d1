// The one way a log line shows an unexpected error. An arbitrary error's message is not known
// to be free of values (a library may quote the request, a template engine the template), so
// only the errors Rotor builds with messages meant for status and events, which never hold a
// value, say they are safe (LOG_SAFE_MESSAGE) and have their message logged; every other error
// is logged by its name and code. Used as `log.warn({ err: errorForLog(error) }, '...')`.

/** Set (true) on error classes whose messages are written for status/events and never hold a value. */
export const LOG_SAFE_MESSAGE: unique symbol = Symbol.for('rotor.logSafeMessage');

export interface LoggedError {
  name: string;
  /** An HTTP status, an AWS error code or a Node.js error code, when the error has one. */
  code?: string | number;
  /** A machine-readable reason (e.g. a Kubernetes Status reason such as Forbidden). */
  reason?: string;
  message?: string;
  /** The cause, shown the same way (one level). */
  cause?: LoggedError;
}

/** What a code or reason looks like; anything else may be free text. */
const CODE = /^[A-Za-z0-9_.:-]{1,64}$/;

export function errorForLog(error: unknown, depth = 0): LoggedError {
  if (!(error instanceof Error)) return { name: error === null ? 'null' : typeof error };
  const out: LoggedError = { name: error.name };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number' || (typeof code === 'string' && CODE.test(code))) out.code = code;
  const reason = (error as { reason?: unknown }).reason;
  if (typeof reason === 'string' && CODE.test(reason)) out.reason = reason;
  if ((error as { [LOG_SAFE_MESSAGE]?: unknown })[LOG_SAFE_MESSAGE] === true) out.message = error.message;
  if (depth === 0 && error.cause !== undefined) out.cause = errorForLog(error.cause, 1);
  return out;
}
