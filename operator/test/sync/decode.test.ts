import { describe, expect, it } from 'vitest';
import { ES_REASON } from '../../src/api/types.js';
import { decode, decodeStrict } from '../../src/sync/decode.js';
import { SyncError } from '../../src/sync/errors.js';

const b = (s: string) => Buffer.from(s, 'utf8');
const ctx = { field: 'spec.data[1].remoteRef.decodingStrategy', key: 'prod/cert' };

describe('decode', () => {
  it('None returns the input untouched', () => {
    const input = b('aGVsbG8=');
    expect(decode(input, 'None')).toBe(input);
    expect(decode(input, undefined)).toBe(input);
  });

  it('Base64 decodes standard base64, padded or not, ignoring line breaks', () => {
    expect(decode(b('aGVsbG8gd29ybGQ='), 'Base64', ctx).toString()).toBe('hello world');
    expect(decode(b('aGVsbG8gd29ybGQ'), 'Base64', ctx).toString()).toBe('hello world');
    expect(decode(b('aGVsbG8g\nd29ybGQ=\n'), 'Base64', ctx).toString()).toBe('hello world');
    expect(decode(b('/+8='), 'Base64', ctx)).toEqual(Buffer.from([0xff, 0xef]));
  });

  it('Base64 rejects invalid input with an error naming the field and key, not the value', () => {
    for (const bad of ['not base64!', 'aGVsbG8-', 'abcde', 'ab=c', 'a===']) {
      let error: unknown;
      try {
        decode(b(bad), 'Base64', ctx);
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(SyncError);
      const e = error as SyncError;
      expect(e.reason).toBe(ES_REASON.SecretSyncedError);
      expect(e.field).toBe(ctx.field);
      expect(e.message).toContain('"prod/cert"');
      expect(e.message).toContain('spec.data[1].remoteRef.decodingStrategy: Base64');
      expect(e.message).not.toContain(bad);
    }
  });

  it('Base64URL decodes the URL alphabet with or without padding and rejects + and /', () => {
    expect(decode(b('_-8'), 'Base64URL', ctx)).toEqual(Buffer.from([0xff, 0xef]));
    expect(decode(b('_-8='), 'Base64URL', ctx)).toEqual(Buffer.from([0xff, 0xef]));
    expect(() => decode(b('/+8='), 'Base64URL', ctx)).toThrow(/not valid base64url/);
  });

  describe('Auto', () => {
    it('decodes strict, canonical standard base64', () => {
      expect(decode(b('aGVsbG8gd29ybGQ='), 'Auto').toString()).toBe('hello world');
      expect(decode(b('c2VjcmV0\n'), 'Auto').toString()).toBe('secret');
    });
    it('falls back to base64url', () => {
      expect(decode(b('_-8='), 'Auto')).toEqual(Buffer.from([0xff, 0xef]));
    });
    it('leaves anything that is not unmistakably base64 as it is', () => {
      for (const raw of ['hello world', 'p@ssw0rd!', 'abc', 'aGVsbG8', '', '{"a":1}', 'aGVsbG9=']) {
        expect(decode(b(raw), 'Auto').toString(), raw).toBe(raw);
      }
    });
    it('leaves binary input as it is', () => {
      const bin = Buffer.from([0, 159, 146, 150]);
      expect(decode(bin, 'Auto')).toBe(bin);
    });
    it('is the documented heuristic: short words that are valid base64 are decoded', () => {
      expect(decode(b('test'), 'Auto')).toEqual(Buffer.from('test', 'base64'));
    });
  });

  it('decodeStrict refuses non-canonical trailing bits', () => {
    expect(decodeStrict('aGVsbG8=', 'base64')?.toString()).toBe('hello');
    expect(decodeStrict('aGVsbG9=', 'base64')).toBeUndefined();
  });

  it('an unknown strategy is InvalidSpec', () => {
    expect(() => decode(b('x'), 'Hex' as never, ctx)).toThrow(/unknown decoding strategy "Hex"/);
  });
});
