import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ES_REASON } from '../../../src/api/types.js';
import { SyncError } from '../../../src/sync/errors.js';
import { MAX_RENDERED_BYTES, renderTemplateText } from '../../../src/sync/template/liquid.js';
import { strings, caught } from '../fixtures.js';

const values = {
  username: Buffer.from('admin'),
  'db-password': Buffer.from('s3cr3t-pw'),
  'tls.crt': Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'),
  config: Buffer.from('{"host":"db.internal","port":5432}'),
  encoded: Buffer.from('aGVsbG8='),
};
const render = (source: string, v: Record<string, Buffer> = values) => renderTemplateText(source, v, 'spec.target.template.data.out');

describe('template scope', () => {
  it('exposes every key as a variable and under data', () => {
    expect(render('{{ username }}')).toBe('admin');
    expect(render('{{ db-password }}')).toBe('s3cr3t-pw');
    expect(render('{{ data["db-password"] }}')).toBe('s3cr3t-pw');
    expect(render('{{ data["tls.crt"] | size }}')).toBe(String(values['tls.crt'].length));
    expect(render('postgres://{{ username }}:{{ data.db-password }}@host')).toBe('postgres://admin:s3cr3t-pw@host');
  });
  it('supports conditionals and default for keys that may be absent', () => {
    expect(render('{% if data.maybe %}yes{% else %}no{% endif %}')).toBe('no');
    expect(render('{{ data.maybe | default: "fallback" }}')).toBe('fallback');
  });
  it('a misspelt key is an error that names it and lists the keys (not the values)', () => {
    const error = caught(() => render('{{ pasword }}'));
    expect(error.reason).toBe(ES_REASON.InvalidSpec);
    expect(error.field).toBe('spec.target.template.data.out');
    expect(error.message).toContain('pasword');
    expect(error.message).toContain('available keys: username, db-password, tls.crt, config, encoded');
    expect(error.message).not.toContain('s3cr3t');
  });
});

describe('template errors never carry values', () => {
  it('an undefined variable named after a value is reported by the template text, not the value', () => {
    const v = { creds: Buffer.from('{"pw":"S3cretPW","pin":"123"}') };
    for (const source of ['{% assign c = creds | fromJson %}{{ data[c.pw] }}', '{% assign c = creds | fromJson %}{{ data[c.pin] }}']) {
      const error = caught(() => render(source, v));
      expect(error.message).toMatch(/undefined variable at "data\[c\.p(w|in)\]" \(line 1, column \d+\)/);
      expect(error.message).not.toContain('S3cretPW');
      expect(error.message).not.toMatch(/data\.123|"123"/);
    }
  });
});

describe('ESO (Go template) references', () => {
  it('accepts {{ .key }} and {{ .key | filter }} as written for ESO', () => {
    expect(render('{{ .username }}')).toBe('admin');
    expect(render('user={{- .username | upper }}')).toBe('user=ADMIN');
    expect(render('{{ .config | fromJson | map: "host" }}')).toBe('db.internal');
  });
  it('leaves dots elsewhere alone', () => {
    expect(render('{{ "a.b" }} {{ data["tls.crt"] | size }} .username')).toBe(`a.b ${values['tls.crt'].length} .username`);
  });
});

describe('template filters', () => {
  it('b64enc / b64dec', () => {
    expect(render('{{ username | b64enc }}')).toBe('YWRtaW4=');
    expect(render('{{ encoded | b64dec }}')).toBe('hello');
    expect(caught(() => render('{{ db-password | b64dec }}')).message).toContain('b64dec: the input is not valid base64');
  });
  it('fromJson / toJson', () => {
    expect(render('{% assign c = config | fromJson %}{{ c.host }}:{{ c.port }}')).toBe('db.internal:5432');
    expect(render('{{ config | fromJson | toJson }}')).toBe('{"host":"db.internal","port":5432}');
    expect(render('{{ username | toJson }}')).toBe('"admin"');
  });
  it('fromJson on non-JSON fails without quoting the value', () => {
    const error = caught(() => render('{{ db-password | fromJson }}'));
    expect(error.message).toContain('fromJson: the input is not valid JSON');
    expect(error.message).not.toContain('s3cr3t');
  });
  it('case, trim, sha256', () => {
    expect(render('{{ username | upper }}|{{ username | upcase }}|{{ "ABC" | lower }}|{{ "ABC" | downcase }}')).toBe('ADMIN|ADMIN|abc|abc');
    expect(render('[{{ "  x  " | trim }}]')).toBe('[x]');
    expect(render('{{ username | sha256 }}')).toBe(createHash('sha256').update('admin').digest('hex'));
  });
  it('indent / nindent for PEM blocks in YAML', () => {
    expect(render('{{ data["tls.crt"] | indent: 2 }}')).toBe('  -----BEGIN CERTIFICATE-----\n  MIIB\n  -----END CERTIFICATE-----');
    expect(render('key:{{ "a\nb" | nindent: 4 }}')).toBe('key:\n    a\n    b');
    expect(caught(() => render('{{ username | indent: 100000 }}')).message).toMatch(/width must be a whole number/);
  });
  it('dockerconfigjson builds auths with auth = base64(user:pass)', () => {
    const out = JSON.parse(render('{{ "registry.example.com" | dockerconfigjson: username, data.db-password }}'));
    expect(out).toEqual({
      auths: { 'registry.example.com': { username: 'admin', password: 's3cr3t-pw', auth: Buffer.from('admin:s3cr3t-pw').toString('base64') } },
    });
  });
  it('an unknown filter is an error (strict filters)', () => {
    expect(caught(() => render('{{ username | nosuchfilter }}')).message).toContain('undefined filter: nosuchfilter');
  });
});

describe('template safety', () => {
  it('prototype members are unreachable: an error without leaking anything, or empty with default', () => {
    for (const source of ['{{ data.constructor }}', '{{ data["__proto__"] }}', '{{ username.constructor }}', '{{ data.constructor.constructor }}']) {
      const error = caught(() => render(source));
      expect(error.message).toMatch(/undefined variable/);
      expect(error.message).not.toMatch(/function|native code/i);
    }
    expect(render('{{ data.constructor | default: "" }}')).toBe('');
    expect(render('{{ data.hasOwnProperty | default: "" }}')).toBe('');
  });
  it('include, render and layout are refused (no file system)', () => {
    for (const source of ['{% include "/etc/passwd" %}', '{% render "/etc/passwd" %}', '{% layout "/etc/passwd" %}x']) {
      const error = caught(() => render(source));
      expect(error.message).toMatch(/tag "(include|render|layout)" not found/);
    }
  });
  it('huge output is refused', () => {
    const big = { big: Buffer.alloc(600 * 1024, 'x') };
    const error = caught(() => render('{{ big }}{{ big }}', big));
    expect(error.message).toContain('more than 1 MiB');
    expect(render('{{ big }}', big).length).toBe(600 * 1024);
  });
  it('runaway loops are stopped by the memory or time bound', () => {
    const big = { big: Buffer.alloc(1024 * 1024, 'x') };
    const start = Date.now();
    expect(() => render('{% for i in (1..1000000000) %}x{% endfor %}')).toThrow(SyncError);
    expect(() => render('{% for i in (1..100000) %}{{ big }}{% endfor %}', big)).toThrow(SyncError);
    expect(Date.now() - start).toBeLessThan(5000);
  });
  it('library messages that happen to contain a fetched value are scrubbed', () => {
    // Liquid quotes the variable name; here it equals a fetched value, so it must not survive.
    const error = caught(() => render('{{ hunter2secret }}', { k: Buffer.from('hunter2secret') }));
    expect(error.message).not.toContain('hunter2secret');
    expect(error.message).toContain('[redacted]');
  });
  it('MAX_RENDERED_BYTES is 1 MiB', () => {
    expect(MAX_RENDERED_BYTES).toBe(1024 * 1024);
  });
});
