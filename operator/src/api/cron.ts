// Cron schedules as ESO reads spec.syncWindows[].schedule: github.com/robfig/cron/v3 with
// the parser ESO builds (Minute | Hour | Dom | Month | Dow | Descriptor: five fields, no
// seconds, plus @yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly and @every <Go
// duration>), evaluated in UTC. ESO's window check is defined in terms of robfig's Next(), so
// this file reproduces Next() exactly (its search order, the day-of-month/day-of-week rule, the
// five-year horizon) rather than using another cron library with other corner cases.
import { parseDuration } from './duration.js';

export type CronSchedule =
  | { kind: 'spec'; minute: Field; hour: Field; dom: Field; month: Field; dow: Field }
  /** @every: a constant delay in whole seconds (at least one), counted from the time asked about. */
  | { kind: 'every'; delayMs: number };

/** Allowed values of one field, and whether it was written as * or ? (robfig's starBit). */
export interface Field {
  values: ReadonlySet<number>;
  star: boolean;
}

export class CronParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronParseError';
  }
}

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = { min: 1, max: 12, names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 } };
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

function range(min: number, max: number, step = 1): Set<number> {
  const out = new Set<number>();
  for (let v = min; v <= max; v += step) out.add(v);
  return out;
}

const all = (b: Bounds): Field => ({ values: range(b.min, b.max), star: true });
const one = (v: number): Field => ({ values: new Set([v]), star: false });

/** robfig's mustParseInt: strconv.Atoi (an optional sign, decimal digits), not negative. */
function parseInt10(text: string): number {
  if (!/^[+-]?[0-9]+$/.test(text)) throw new CronParseError(`failed to parse int from ${text}`);
  const n = Number(text);
  if (n < 0) throw new CronParseError(`negative number (${n}) not allowed: ${text}`);
  return n;
}

function intOrName(text: string, b: Bounds): number {
  const named = b.names?.[text.toLowerCase()];
  return named ?? parseInt10(text);
}

function parseRange(expr: string, b: Bounds): Field {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0]!.split('-');
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = b.min;
    end = b.max;
    star = true;
  } else {
    start = intOrName(lowAndHigh[0]!, b);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = intOrName(lowAndHigh[1]!, b);
    else throw new CronParseError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseInt10(rangeAndStep[1]!);
    // "N/step" means "N-max/step"; a step over 1 is not "every value" any more.
    if (singleDigit) end = b.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) throw new CronParseError(`too many slashes: ${expr}`);
  if (start < b.min) throw new CronParseError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new CronParseError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new CronParseError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronParseError(`step of range should be a positive number: ${expr}`);
  return { values: range(start, end, step), star };
}

function parseField(text: string, b: Bounds): Field {
  const values = new Set<number>();
  let star = false;
  for (const part of text.split(',').filter((p) => p !== '')) {
    const f = parseRange(part, b);
    for (const v of f.values) values.add(v);
    star ||= f.star;
  }
  return { values, star };
}

/** A signed Go duration for @every (Go's ParseDuration takes a sign; robfig floors to 1 s). */
function everyDelayMs(text: string): number {
  const negative = text.startsWith('-');
  const body = text.replace(/^[+-]/, '');
  let ms: number;
  try {
    ms = parseDuration(body, '@every');
  } catch (error) {
    throw new CronParseError((error as Error).message);
  }
  if (negative) ms = -ms;
  if (ms < 1000) ms = 1000;
  return ms - (ms % 1000);
}

export function parseCron(spec: string): CronSchedule {
  if (spec.length === 0) throw new CronParseError('empty spec string');
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) throw new CronParseError('time zones are not accepted: sync windows are evaluated in UTC');
  if (spec.startsWith('@')) {
    if (spec.startsWith('@every ')) return { kind: 'every', delayMs: everyDelayMs(spec.slice('@every '.length)) };
    const midnight = { minute: one(0), hour: one(0) };
    switch (spec) {
      case '@yearly':
      case '@annually':
        return { kind: 'spec', ...midnight, dom: one(1), month: one(1), dow: all(DOW) };
      case '@monthly':
        return { kind: 'spec', ...midnight, dom: one(1), month: all(MONTHS), dow: all(DOW) };
      case '@weekly':
        return { kind: 'spec', ...midnight, dom: all(DOM), month: all(MONTHS), dow: one(0) };
      case '@daily':
      case '@midnight':
        return { kind: 'spec', ...midnight, dom: all(DOM), month: all(MONTHS), dow: all(DOW) };
      case '@hourly':
        return { kind: 'spec', minute: one(0), hour: all(HOURS), dom: all(DOM), month: all(MONTHS), dow: all(DOW) };
      default:
        throw new CronParseError(`unrecognized descriptor: ${spec}`);
    }
  }
  // strings.Fields: any run of Unicode white space separates fields.
  const fields = spec.split(/\s+/u).filter((f) => f !== '');
  if (fields.length !== 5) throw new CronParseError(`expected exactly 5 fields, found ${fields.length}: ${spec}`);
  return {
    kind: 'spec',
    minute: parseField(fields[0]!, MINUTES),
    hour: parseField(fields[1]!, HOURS),
    dom: parseField(fields[2]!, DOM),
    month: parseField(fields[3]!, MONTHS),
    dow: parseField(fields[4]!, DOW),
  };
}

function dayMatches(s: Extract<CronSchedule, { kind: 'spec' }>, t: Date): boolean {
  const domMatch = s.dom.values.has(t.getUTCDate());
  const dowMatch = s.dow.values.has(t.getUTCDay());
  if (s.dom.star || s.dow.star) return domMatch && dowMatch;
  return domMatch || dowMatch;
}

/**
 * robfig's Schedule.Next in UTC: the first activation strictly after `afterMs` (at whole
 * seconds), or undefined when none comes within five years (robfig's zero time).
 */
export function nextActivation(s: CronSchedule, afterMs: number): number | undefined {
  const subSecond = ((afterMs % 1000) + 1000) % 1000;
  if (s.kind === 'every') return afterMs + s.delayMs - subSecond;
  const t = new Date(afterMs + 1000 - subSecond);
  const yearLimit = t.getUTCFullYear() + 5;
  let added = false;
  wrap: for (;;) {
    if (t.getUTCFullYear() > yearLimit) return undefined;
    while (!s.month.values.has(t.getUTCMonth() + 1)) {
      if (!added) {
        added = true;
        t.setUTCDate(1);
        t.setUTCHours(0, 0, 0, 0);
      }
      t.setUTCMonth(t.getUTCMonth() + 1);
      if (t.getUTCMonth() === 0) continue wrap;
    }
    while (!dayMatches(s, t)) {
      if (!added) {
        added = true;
        t.setUTCHours(0, 0, 0, 0);
      }
      t.setUTCDate(t.getUTCDate() + 1);
      if (t.getUTCDate() === 1) continue wrap;
    }
    while (!s.hour.values.has(t.getUTCHours())) {
      if (!added) {
        added = true;
        t.setUTCMinutes(0, 0, 0);
      }
      t.setUTCHours(t.getUTCHours() + 1);
      if (t.getUTCHours() === 0) continue wrap;
    }
    while (!s.minute.values.has(t.getUTCMinutes())) {
      if (!added) {
        added = true;
        t.setUTCSeconds(0, 0);
      }
      t.setUTCMinutes(t.getUTCMinutes() + 1);
      if (t.getUTCMinutes() === 0) continue wrap;
    }
    // The seconds field of a five-field schedule is always 0.
    while (t.getUTCSeconds() !== 0) {
      if (!added) {
        added = true;
        t.setUTCMilliseconds(0);
      }
      t.setUTCSeconds(t.getUTCSeconds() + 1);
      if (t.getUTCSeconds() === 0) continue wrap;
    }
    return t.getTime();
  }
}
