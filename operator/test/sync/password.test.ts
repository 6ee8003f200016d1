// ESO's Password generator (go-password's algorithm): defaults, constraints and their errors,
// encodings, and that the random source is really used.
import { describe, expect, it } from 'vitest';
import { base32, DEFAULT_SYMBOLS, DIGITS, generatePassword, generatePasswords, passwordConfig, PasswordSpecError } from '../../src/sync/password.js';

const classes = (p: string) => ({
  lower: [...p].filter((c) => /[a-z]/.test(c)).length,
  upper: [...p].filter((c) => /[A-Z]/.test(c)).length,
  digits: [...p].filter((c) => DIGITS.includes(c)).length,
  symbols: [...p].filter((c) => DEFAULT_SYMBOLS.includes(c)).length,
});

describe('Password generator (ESO semantics)', () => {
  it('defaults to 24 characters, 6 digits, 6 symbols, no repeats, key "password"', () => {
    const out = generatePasswords({});
    expect(Object.keys(out)).toEqual(['password']);
    const p = out.password!.toString('utf8');
    expect(p).toHaveLength(24);
    expect(classes(p)).toMatchObject({ digits: 6, symbols: 6 });
    expect(new Set(p).size).toBe(24);
  });

  it('counts digits and symbols as asked, noUpper drops upper case', () => {
    for (let i = 0; i < 50; i++) {
      const p = generatePasswords({ length: 40, digits: 10, symbols: 5, noUpper: true, allowRepeat: true }).password!.toString('utf8');
      expect(p).toHaveLength(40);
      expect(classes(p)).toEqual({ lower: 25, upper: 0, digits: 10, symbols: 5 });
    }
  });

  it('uses only the given symbolCharacters, falling back to the default set when empty', () => {
    const p = generatePasswords({ length: 12, digits: 0, symbols: 4, symbolCharacters: '#%' , allowRepeat: true }).password!.toString('utf8');
    expect([...p].filter((c) => !/[a-zA-Z]/.test(c)).every((c) => '#%'.includes(c))).toBe(true);
    expect(passwordConfig({ symbolCharacters: '' }).symbolCharacters).toBe(DEFAULT_SYMBOLS);
  });

  it('fills every secretKey with its own password', () => {
    const out = generatePasswords({ secretKeys: ['a', 'b', 'c'] });
    expect(Object.keys(out)).toEqual(['a', 'b', 'c']);
    expect(new Set(Object.values(out).map((b) => b.toString())).size).toBe(3);
  });

  it('draws every character from the random source (no fixed output)', () => {
    const draws: number[] = [];
    const random = (max: number) => {
      draws.push(max);
      return 0;
    };
    // Always index 0 and insert at 0: letters "a" repeated, then digits "0", symbols "~" — each prepended.
    const p = generatePassword(passwordConfig({ length: 6, digits: 2, symbols: 1, allowRepeat: true }), random);
    expect(p).toBe('~00aaa');
    expect(draws.length).toBe(12);
  });

  it.each([
    [{ length: 8, digits: 5, symbols: 4 }, 'length', /must not exceed length/],
    [{ length: 60, digits: 0, symbols: 0 }, 'allowRepeat', /only 52 exist without repeats/],
    [{ length: 30, digits: 0, symbols: 0, noUpper: true }, 'allowRepeat', /only 26 exist/],
    [{ length: 30, digits: 11, symbols: 0 }, 'digits', /only 10 exist/],
    [{ length: 10, digits: 0, symbols: 3, symbolCharacters: '!!' }, 'symbols', /only 1 distinct/],
    [{ secretKeys: ['a', 'a'] }, 'secretKeys', /non-empty and unique/],
  ])('refuses %j (field %s), as go-password / ESO do', (spec, field, message) => {
    let error: unknown;
    try {
      generatePasswords(spec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PasswordSpecError);
    expect((error as PasswordSpecError).field).toBe(field);
    expect((error as Error).message).toMatch(message);
  });

  it('allows what needs repeats once allowRepeat is set', () => {
    expect(generatePasswords({ length: 100, digits: 30, symbols: 40, allowRepeat: true }).password).toHaveLength(100);
  });

  it('encodes as Go does (base64, base64url padded, base32, hex)', () => {
    const spec = { length: 5, digits: 0, symbols: 0 };
    const raw = (b: Buffer, enc: string) => {
      switch (enc) {
        case 'base64':
          return Buffer.from(b.toString(), 'base64').toString();
        case 'base64url':
          return Buffer.from(b.toString(), 'base64url').toString();
        case 'hex':
          return Buffer.from(b.toString(), 'hex').toString();
      }
      return '';
    };
    for (const encoding of ['base64', 'base64url', 'hex'] as const) {
      const out = generatePasswords({ ...spec, encoding }).password!;
      expect(raw(out, encoding)).toMatch(/^[a-zA-Z]{5}$/);
    }
    expect(generatePasswords({ ...spec, encoding: 'base32' }).password!.toString()).toMatch(/^[A-Z2-7]{8}$/);
    // RFC 4648 test vectors (Go's base32.StdEncoding).
    expect(base32(Buffer.from('f'))).toBe('MY======');
    expect(base32(Buffer.from('foob'))).toBe('MZXW6YQ=');
    expect(base32(Buffer.from('foobar'))).toBe('MZXW6YTBOI======');
    // Go's URLEncoding pads: 1 byte -> 4 characters.
    expect(generatePasswords({ length: 1, digits: 0, symbols: 0, encoding: 'base64url' }).password!.toString()).toMatch(/^[A-Za-z0-9_-]{2}==$/);
  });
});
