// Go-style durations, as users write them for ESO (`refreshInterval: 1h30m`).
// Grammar (a subset of Go's time.ParseDuration: no sign, since a negative interval means nothing here):
//   "0" | ( number unit )+      number = digits [ "." digits ] | "." digits
//   unit = ns | us | µs | μs | ms | s | m | h
// A bare number other than 0 is rejected: "90" could mean seconds or minutes, so we make the user say.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign
  'μs': 1e-3, // U+03BC Greek mu; Go accepts both
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const ACCEPTED_FORM = 'a number followed by a unit (h, m, s, ms), such as 1h, 15m, 30s, 1h30m or 500ms, or 0';

export class InvalidDurationError extends Error {
  constructor(
    readonly text: string,
    readonly field: string,
    detail: string,
  ) {
    super(`${field} ${JSON.stringify(text)} is not a valid duration (${detail}): use ${ACCEPTED_FORM}`);
    this.name = 'InvalidDurationError';
  }
}

const COMPONENT = /(\d+(?:\.\d*)?|\.\d+)([a-zµμ]+)/y;

/**
 * Parses a Go-style duration into milliseconds (may be fractional for ns/us).
 * `field` only shapes the error message, e.g. `spec.refreshInterval`.
 */
export function parseDuration(text: string, field = 'duration'): number {
  if (typeof text !== 'string' || text.length === 0) throw new InvalidDurationError(String(text ?? ''), field, 'it is empty');
  if (text === '0') return 0;
  if (/^[-+]/.test(text)) throw new InvalidDurationError(text, field, 'it must not be negative or signed');
  if (/^\d+(\.\d+)?$/.test(text)) throw new InvalidDurationError(text, field, 'the unit is missing');

  let total = 0;
  COMPONENT.lastIndex = 0;
  let position = 0;
  while (position < text.length) {
    COMPONENT.lastIndex = position;
    const match = COMPONENT.exec(text);
    if (!match) throw new InvalidDurationError(text, field, `unexpected ${JSON.stringify(text.slice(position))}`);
    const [whole, number, unit] = match as unknown as [string, string, string];
    const factor = UNIT_MS[unit];
    if (factor === undefined) {
      const hint = unit === 'd' ? '; there is no day unit, write 24h' : '';
      throw new InvalidDurationError(text, field, `unknown unit ${JSON.stringify(unit)}${hint}`);
    }
    total += Number(number) * factor;
    position += whole.length;
  }
  if (!Number.isFinite(total)) throw new InvalidDurationError(text, field, 'it is too large');
  return total;
}

/**
 * The check every spec validation makes of a duration field: undefined when `text` parses, else
 * what is wrong with it, without the field's name (the problem report names the field).
 */
export function durationProblem(text: string, field: string): string | undefined {
  try {
    parseDuration(text, field);
    return undefined;
  } catch (error) {
    if (!(error instanceof InvalidDurationError)) throw error;
    return error.message.slice(field.length + 1);
  }
}

/** Formats milliseconds compactly in the same grammar: 5_400_000 -> "1h30m", 1500 -> "1s500ms", 0 -> "0s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot format duration ${ms}`);
  let rest = Math.round(ms);
  if (rest === 0) return '0s';
  const parts: string[] = [];
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * size;
  }
  return parts.join('');
}
