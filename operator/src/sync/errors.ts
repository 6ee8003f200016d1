// The one error type of the pure sync pipeline (select, decode, keys, template, build).
// Its message is shown to users in status and events, so it names the spec field and says
// what to do, and it never contains a secret value: callers build messages from spec text
// and remote key names only, and `scrubValues` is a second line of defence for messages
// that come from a library (LiquidJS, JMESPath) and could quote their input.
import type { EsReason } from '../api/types.js';
import { LOG_SAFE_MESSAGE } from '../platform/error-for-log.js';

export interface SyncErrorOptions {
  /** Spec path the problem is about, e.g. `spec.data[2].remoteRef.property`. */
  field?: string;
  /** The remote value (or the selected part of it) does not exist: lets `optional` entries be skipped. */
  notFound?: boolean;
  /** Underlying error; only ever a ProviderError or another SyncError (never one quoting a value). */
  cause?: unknown;
}

export class SyncError extends Error {
  readonly field: string | undefined;
  /** Its message is written for status and events, never holds a value: fit for the log too. */
  readonly [LOG_SAFE_MESSAGE] = true;
  readonly notFound: boolean;

  constructor(
    readonly reason: EsReason,
    message: string,
    options: SyncErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SyncError';
    this.field = options.field;
    this.notFound = options.notFound ?? false;
  }
}

/** Values shorter than this are not scrubbed: "a" or "1" would shred any message. */
const MIN_SCRUB_LENGTH = 4;

/**
 * Replaces every occurrence of any of `values` in `message` with `[redacted]`.
 * Used on messages produced by third-party libraries before they reach status or events.
 */
export function scrubValues(message: string, values: Iterable<string>): string {
  const candidates = [...new Set(values)]
    .filter((v) => v.length >= MIN_SCRUB_LENGTH)
    // Longest first, so a value containing another is removed whole.
    .sort((a, b) => b.length - a.length);
  let out = message;
  for (const value of candidates) {
    if (out.includes(value)) out = out.split(value).join('[redacted]');
  }
  return out;
}

/** `"name"` quoted for messages; remote key names are not secret, values never pass through here. */
export function quote(text: string): string {
  return JSON.stringify(text);
}
