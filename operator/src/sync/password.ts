// ESO's Password generator, pure apart from its random source (node:crypto by default; tests
// inject their own). ESO runs github.com/sethvargo/go-password: letters (lower, and upper unless
// noUpper) then digits then symbols, each character drawn uniformly and inserted at a uniformly
// random position of the password so far; without allowRepeat a character already in the
// password is drawn again. Defaults as ESO: length 24, digits and symbols a quarter of the length
// each (rounded down), ESO's symbol set, one key "password", encoding raw. The errors are
// go-password's and ESO's, with the field to change named.
import { randomInt } from 'node:crypto';
import type { PasswordEncoding, PasswordSpec } from '../api/generator-types.js';

export const LOWER_LETTERS = 'abcdefghijklmnopqrstuvwxyz';
export const UPPER_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const DIGITS = '0123456789';
/** ESO's (and go-password's) default symbol set. */
export const DEFAULT_SYMBOLS = '~!@#$%^&*()_+`-={}|[]\\:"<>?,./';
export const DEFAULT_LENGTH = 24;

/** A bad Password spec: `field` is relative to the generator's spec (e.g. `digits`). */
export class PasswordSpecError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'PasswordSpecError';
  }
}

/** Uniform integer in [0, max). */
export type RandomInt = (max: number) => number;

export interface PasswordConfig {
  length: number;
  digits: number;
  symbols: number;
  symbolCharacters: string;
  noUpper: boolean;
  allowRepeat: boolean;
  encoding: PasswordEncoding;
  secretKeys: string[];
}

/** ESO's defaults (extractPasswordConfig, validateSecretKeys). */
export function passwordConfig(spec: PasswordSpec): PasswordConfig {
  const length = spec.length !== undefined && spec.length > 0 ? spec.length : DEFAULT_LENGTH;
  const keys = spec.secretKeys && spec.secretKeys.length > 0 ? spec.secretKeys : ['password'];
  if (keys.some((k) => k === '') || new Set(keys).size !== keys.length) throw new PasswordSpecError('secretKeys', 'secretKeys must be non-empty and unique');
  return {
    length,
    digits: spec.digits ?? Math.floor(length * 0.25),
    symbols: spec.symbols ?? Math.floor(length * 0.25),
    // go-password falls back to its default set for an empty one.
    symbolCharacters: spec.symbolCharacters || DEFAULT_SYMBOLS,
    noUpper: spec.noUpper ?? false,
    allowRepeat: spec.allowRepeat ?? false,
    encoding: spec.encoding ?? 'raw',
    secretKeys: keys,
  };
}

/** One password per secret key, encoded as asked. Throws PasswordSpecError. */
export function generatePasswords(spec: PasswordSpec, random: RandomInt = randomInt): Record<string, Buffer> {
  const config = passwordConfig(spec);
  const out: Record<string, Buffer> = {};
  for (const key of config.secretKeys) out[key] = encode(Buffer.from(generatePassword(config, random), 'utf8'), config.encoding);
  return out;
}

export function generatePassword(config: PasswordConfig, random: RandomInt = randomInt): string {
  const letters = config.noUpper ? LOWER_LETTERS : LOWER_LETTERS + UPPER_LETTERS;
  const chars = config.length - config.digits - config.symbols;
  if (config.digits < 0 || config.symbols < 0) throw new PasswordSpecError(config.digits < 0 ? 'digits' : 'symbols', 'digits and symbols must not be negative');
  if (chars < 0) throw new PasswordSpecError('length', `number of digits (${config.digits}) and symbols (${config.symbols}) must not exceed length (${config.length})`);
  if (!config.allowRepeat) {
    if (chars > letters.length) throw new PasswordSpecError('allowRepeat', `${chars} letters are needed and only ${letters.length} exist without repeats; set allowRepeat: true or raise digits/symbols`);
    if (config.digits > DIGITS.length) throw new PasswordSpecError('digits', `${config.digits} digits are needed and only 10 exist without repeats; set allowRepeat: true or lower digits`);
    // Counted distinct: a repeated symbol character cannot help (go-password would loop forever).
    const distinctSymbols = new Set(config.symbolCharacters).size;
    if (config.symbols > distinctSymbols) {
      throw new PasswordSpecError('symbols', `${config.symbols} symbols are needed and symbolCharacters has only ${distinctSymbols} distinct characters; set allowRepeat: true, lower symbols or add symbolCharacters`);
    }
  }
  let result = '';
  const add = (count: number, set: string) => {
    const pool = [...set];
    for (let i = 0; i < count; ) {
      const ch = pool[random(pool.length)]!;
      if (!config.allowRepeat && result.includes(ch)) continue;
      const at = random(result.length + 1);
      result = result.slice(0, at) + ch + result.slice(at);
      i++;
    }
  };
  add(chars, letters);
  add(config.digits, DIGITS);
  add(config.symbols, config.symbolCharacters);
  return result;
}

/** ESO's encodePassword. */
export function encode(bytes: Buffer, encoding: PasswordEncoding): Buffer {
  switch (encoding) {
    case 'raw':
      return bytes;
    case 'base64':
      return Buffer.from(bytes.toString('base64'), 'utf8');
    case 'base64url':
      // Go's base64.URLEncoding pads with "="; Node's base64url does not.
      return Buffer.from(withPadding(bytes.toString('base64url')), 'utf8');
    case 'hex':
      return Buffer.from(bytes.toString('hex'), 'utf8');
    case 'base32':
      return Buffer.from(base32(bytes), 'utf8');
  }
}

function withPadding(text: string): string {
  return text + '='.repeat((4 - (text.length % 4)) % 4);
}

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 with padding (Go's base32.StdEncoding); Node has none built in. */
export function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return out + '='.repeat((8 - (out.length % 8)) % 8);
}
