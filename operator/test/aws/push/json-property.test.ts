import { describe, expect, it } from 'vitest';
import { PropertyTargetError, propertyPath, removeProperty, setProperty } from '../../../src/aws/push/json-property.js';

describe('propertyPath (sjson dotted paths)', () => {
  it('splits on dots and honours backslash escapes', () => {
    expect(propertyPath('password')).toEqual(['password']);
    expect(propertyPath('db.password')).toEqual(['db', 'password']);
    expect(propertyPath('tls\\.crt')).toEqual(['tls.crt']);
  });
});

describe('setProperty', () => {
  it('starts a new object when there is no current value, nesting dotted paths', () => {
    expect(setProperty(undefined, 'password', 's3cr3t')).toEqual({ text: '{"password":"s3cr3t"}', changed: true });
    expect(setProperty('', 'db.password', 'x').text).toBe('{"db":{"password":"x"}}');
  });

  it('adds a field and keeps every other byte as it was (big numbers, spacing, order)', () => {
    const current = '{ "id": 12345678901234567890, "b": 1 }';
    const { text, changed } = setProperty(current, 'password', 'pw');
    expect(changed).toBe(true);
    expect(text).toBe('{ "id": 12345678901234567890, "b": 1 ,"password":"pw"}');
    expect(JSON.parse(text)).toMatchObject({ b: 1, password: 'pw' });
  });

  it('replaces a field in place, and reports unchanged when the same string is already there', () => {
    expect(setProperty('{"a":"old","b":"x"}', 'a', 'new').text).toBe('{"a":"new","b":"x"}');
    expect(setProperty('{"a":"same","b":"x"}', 'a', 'same')).toEqual({ text: '{"a":"same","b":"x"}', changed: false });
    // A number 1 is not the string "1": ESO writes a string.
    expect(setProperty('{"a":1}', 'a', '1')).toEqual({ text: '{"a":"1"}', changed: true });
  });

  it('walks into nested objects, creates missing levels and replaces a non-object on the way (sjson)', () => {
    expect(setProperty('{"db":{"user":"u"}}', 'db.password', 'p').text).toBe('{"db":{"user":"u","password":"p"}}');
    expect(setProperty('{"db":"flat"}', 'db.password', 'p').text).toBe('{"db":{"password":"p"}}');
    expect(setProperty('{}', 'a.b.c', 'v').text).toBe('{"a":{"b":{"c":"v"}}}');
  });

  it('escapes the value as a JSON string (quotes, newlines, unicode)', () => {
    const value = 'line1\n"quoted" é';
    expect(JSON.parse(setProperty('{}', 'k', value).text)).toEqual({ k: value });
  });

  it('refuses a current value that is not a JSON object, without quoting it', () => {
    expect(() => setProperty('plain-secret-text', 'a', 'v')).toThrow(PropertyTargetError);
    expect(() => setProperty('[1,2]', 'a', 'v')).toThrow(/not an object/);
    try {
      setProperty('plain-secret-text', 'a', 'v');
    } catch (err) {
      expect((err as Error).message).not.toContain('plain-secret-text');
    }
  });
});

describe('removeProperty', () => {
  it('removes a field (first, middle, last) and says whether anything is left', () => {
    expect(removeProperty('{"a":"1","b":"2","c":"3"}', 'a')).toEqual({ text: '{"b":"2","c":"3"}', removed: true, empty: false });
    expect(removeProperty('{"a":"1","b":"2","c":"3"}', 'b')).toEqual({ text: '{"a":"1","c":"3"}', removed: true, empty: false });
    expect(removeProperty('{"a":"1","b":"2"}', 'b')).toEqual({ text: '{"a":"1"}', removed: true, empty: false });
    expect(removeProperty('{ "only": "x" }', 'only')).toEqual({ text: '{  }', removed: true, empty: true });
  });

  it('removes a nested field; the parent object stays', () => {
    const out = removeProperty('{"db":{"user":"u","password":"p"}}', 'db.password');
    expect(JSON.parse(out.text)).toEqual({ db: { user: 'u' } });
    expect(out.empty).toBe(false);
  });

  it('is a no-op for a missing field, a non-JSON value or nothing at all', () => {
    expect(removeProperty('{"a":"1"}', 'b').removed).toBe(false);
    expect(removeProperty('not json', 'a').removed).toBe(false);
    expect(removeProperty(undefined, 'a').removed).toBe(false);
    expect(removeProperty('{"a":"1"}', 'a.b').removed).toBe(false);
  });
});
