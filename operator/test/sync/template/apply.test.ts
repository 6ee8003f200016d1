// target.template with ESO's semantics, on both engines. The Go cases run the real engine
// (operator/gotemplate compiled to wasm), so they check ESO's exact bytes.
import { afterAll, describe, expect, it } from 'vitest';
import type { ExternalSecretTemplate } from '../../../src/api/types.js';
import { WasmGoEngine } from '../../../src/sync/template/go/engine.js';
import { applyTemplate, chooseEngine, NO_TEMPLATE_SOURCES, type TemplateSources } from '../../../src/sync/template/apply.js';
import { strings } from '../fixtures.js';

const go = new WasmGoEngine();
afterAll(() => go.close());

const fetched = () =>
  new Map<string, Buffer>([
    ['username', Buffer.from('admin')],
    ['db-password', Buffer.from('s3cr3t-pw')],
    ['tls.crt', Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----')],
  ]);
const apply = (template: ExternalSecretTemplate, sources: TemplateSources = NO_TEMPLATE_SOURCES, values = fetched()) => applyTemplate(template, values, sources, go);

describe('applyTemplate: Liquid', () => {
  it('renders data, labels and annotations', async () => {
    const out = await apply({
      engineVersion: 'Liquid',
      data: { url: 'postgres://{{ username }}@db', 'tls.crt': '{{ data["tls.crt"] }}' },
      metadata: { labels: { team: 'payments', user: '{{ username }}' }, annotations: { note: 'for {{ username | upper }}' } },
    });
    expect(out.problems).toEqual([]);
    expect(strings(out.data)).toEqual({ url: 'postgres://admin@db', 'tls.crt': fetched().get('tls.crt')!.toString() });
    expect(out.labels).toEqual({ team: 'payments', user: 'admin' });
    expect(out.annotations).toEqual({ note: 'for ADMIN' });
  });
  it('reports every failing key with its field, and keeps the ones that worked', async () => {
    const out = await apply({ data: { good: '{{ username }}', bad1: '{{ nope }}', bad2: '{% include "x" %}' } });
    expect(out.engine).toBe('Liquid');
    expect(Object.keys(Object.fromEntries(out.data))).toEqual(['good']);
    expect(out.problems.map((p) => p.field)).toEqual(['spec.target.template.data.bad1', 'spec.target.template.data.bad2']);
  });
  it('refuses an invalid rendered label value without echoing it', async () => {
    const out = await apply({ engineVersion: 'Liquid', metadata: { labels: { pw: '{{ db-password }}!' } } });
    expect(out.labels).toEqual({});
    expect(out.problems).toHaveLength(1);
    expect(out.problems[0]!.field).toBe('spec.target.template.metadata.labels.pw');
    expect(out.problems[0]!.message).not.toContain('s3cr3t');
  });
  it('a fetched key named like a prototype member is plain data', async () => {
    const values = new Map([
      ['__proto__', Buffer.from('p')],
      ['constructor', Buffer.from('c')],
    ]);
    const out = await apply({ engineVersion: 'Liquid', data: { x: '{{ data["__proto__"] }}-{{ data.constructor | default: "none" }}' } }, NO_TEMPLATE_SOURCES, values);
    expect(out.problems).toEqual([]);
    expect(out.data.get('x')?.toString()).toBe('p-c');
  });
  it('b64dec fails naming the key on text that is not base64, and on bytes that are not UTF-8 (no lossy U+FFFD)', async () => {
    const values = new Map([...fetched(), ['encoded', Buffer.from(Buffer.from([0xff, 0xfe, 0x41]).toString('base64'))]]);
    const out = await apply({ engineVersion: 'Liquid', data: { bad: '{{ db-password | b64dec }}', binary: '{{ encoded | b64dec }}' } }, NO_TEMPLATE_SOURCES, values);
    expect(out.data.size).toBe(0);
    expect(out.problems.map((p) => p.field)).toEqual(['spec.target.template.data.bad', 'spec.target.template.data.binary']);
    expect(out.problems[0]!.message).toContain('b64dec: the input is not valid base64');
    expect(out.problems[1]!.message).toContain('b64dec: the decoded bytes are not UTF-8 text');
  });
  it('refuses KeysAndValues, which only Go templates have', async () => {
    const out = await apply({ engineVersion: 'Liquid', templateFrom: [{ literal: 'a: b' }] });
    expect(out.problems[0]!.message).toMatch(/KeysAndValues.*engineVersion: v2/);
  });
});

describe('applyTemplate: Go (ESO v2)', () => {
  it('renders Go text/template with sprig and ESO functions, ESO bytes', async () => {
    const out = await apply({
      engineVersion: 'v2',
      data: {
        dsn: 'postgres://{{ .username }}:{{ index . "db-password" | urlquery }}@db',
        b64: '{{ .username | b64enc }}',
        cond: '{{ if eq .username "admin" }}root{{ else }}user{{ end }}',
        list: '{{ range $i, $k := list "a" "b" }}{{ $i }}={{ $k | upper }};{{ end }}',
        json: '{{ dict "u" .username | toJson }}',
        yaml: '{{ dict "u" .username "port" 5432 | toYaml }}',
        cert: '{{ index . "tls.crt" | filterPEM "CERTIFICATE" }}',
        quoted: '{{ .username | quote }} {{ printf "%05d" 42 }} {{ "  x " | trim }} {{ "" | default "dflt" }}',
      },
    });
    expect(out.problems).toEqual([]);
    expect(strings(out.data)).toEqual({
      dsn: 'postgres://admin:s3cr3t-pw@db',
      b64: 'YWRtaW4=',
      cond: 'root',
      list: '0=A;1=B;',
      json: '{"u":"admin"}',
      yaml: 'port: 5432\nu: admin',
      cert: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      quoted: '"admin" 00042 x dflt',
    });
  });
  it('a missing key is an error naming the key (missingkey=error, as ESO)', async () => {
    const out = await apply({ engineVersion: 'v2', data: { x: '{{ .nope }}' } });
    expect(out.problems).toHaveLength(1);
    expect(out.problems[0]!.message).toMatch(/spec\.target\.template\.data\.x: the template failed: at <\.nope> \(line 1, column 3\): map has no entry for key "nope"/);
  });
  it('b64dec of text that is not base64 fails naming the key, instead of writing the decoder error as the value', async () => {
    const values = new Map([...fetched(), ['encoded', Buffer.from(Buffer.from([0xff, 0xfe, 0x00, 0x41]).toString('base64'))]]);
    const out = await apply({ engineVersion: 'v2', data: { bad: '{{ index . "db-password" | b64dec }}', binary: '{{ .encoded | b64dec }}' } }, NO_TEMPLATE_SOURCES, values);
    expect(out.problems.map((p) => p.message)).toEqual([
      'spec.target.template.data.bad: the template failed: at <b64dec> (line 1, column 27): error calling b64dec: the input is not valid base64',
    ]);
    // Go strings are bytes: a binary value passes through unchanged.
    expect(out.data.get('binary')).toEqual(Buffer.from([0xff, 0xfe, 0x00, 0x41]));
  });
  it('has no env, expandenv or getHostByName', async () => {
    const out = await apply({ engineVersion: 'v2', data: { a: '{{ env "HOME" }}', b: '{{ expandenv "$HOME" }}', c: '{{ getHostByName "localhost" }}' } });
    expect(out.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/function "env" not defined/),
      expect.stringMatching(/function "expandenv" not defined/),
      expect.stringMatching(/function "getHostByName" not defined/),
    ]);
  });
  it('never shows a value in an error, even from fail', async () => {
    const out = await apply({ engineVersion: 'v2', data: { a: '{{ fail (index . "db-password") }}', b: '{{ index . "db-password" | mustFromJson }}' } });
    expect(out.problems).toHaveLength(2);
    for (const p of out.problems) expect(p.message).not.toContain('s3cr3t');
  });
  it('templateFrom: configMap and secret items (Values, KeysAndValues), literal, targets; data wins', async () => {
    const sources: TemplateSources = {
      configMaps: new Map([['tpl', { 'config.yaml': 'user: {{ .username }}', pairs: 'a: "{{ .username }}"\nb: two' }]]),
      secrets: new Map([['tpl-secret', { note: Buffer.from('from secret {{ .username | upper }}') }]]),
    };
    const out = await apply(
      {
        engineVersion: 'v2',
        templateFrom: [
          { configMap: { name: 'tpl', items: [{ key: 'config.yaml' }, { key: 'pairs', templateAs: 'KeysAndValues' }] } },
          { secret: { name: 'tpl-secret', items: [{ key: 'note' }] }, target: 'Annotations' },
          { literal: 'team: "{{ .username }}"', target: 'Labels' },
        ],
        data: { b: 'data wins' },
      },
      sources,
    );
    expect(out.problems).toEqual([]);
    expect(strings(out.data)).toEqual({ 'config.yaml': 'user: admin', a: 'admin', b: 'data wins' });
    expect(out.annotations).toEqual({ note: 'from secret ADMIN' });
    expect(out.labels).toEqual({ team: 'admin' });
  });
  it('templateFrom cannot render a rotor.dev/ label or annotation', async () => {
    const out = await apply({ engineVersion: 'v2', templateFrom: [{ literal: 'rotor.dev/managed: "false"', target: 'Labels' }] });
    expect(out.labels).toEqual({});
    expect(out.problems[0]!.message).toMatch(/templateFrom\[0\]\.literal: renders "rotor\.dev\/managed"; the rotor\.dev\/ prefix is reserved/);
  });
  it('a KeysAndValues key rendered from a value is never quoted in a problem', async () => {
    const out = await apply({
      engineVersion: 'v2',
      templateFrom: [
        { literal: '{{ index . "db-password" }}/x: "1"' },
        { literal: 'rotor.dev/{{ index . "db-password" }}: "1"', target: 'Annotations' },
        { literal: '{{ index . "db-password" }}: "not a label!"', target: 'Labels' },
      ],
    });
    expect(out.problems).toHaveLength(3);
    for (const p of out.problems) expect(p.message).not.toContain('s3cr3t-pw');
    expect(out.problems[0]!.message).toMatch(/templateFrom\[0\]\.literal: the rendered key \(not shown: it may hold a value\) cannot be a Secret key/);
  });
  it('templateFrom: a missing ConfigMap or key names the field', async () => {
    const out = await apply({ engineVersion: 'v2', templateFrom: [{ configMap: { name: 'gone', items: [{ key: 'k' }] } }, { secret: { name: 's', items: [{ key: 'nokey' }] } }] }, {
      configMaps: new Map([['gone', undefined]]),
      secrets: new Map([['s', {}]]),
    });
    expect(out.problems.map((p) => p.field)).toEqual(['spec.target.template.templateFrom[0].configMap.name', 'spec.target.template.templateFrom[1].secret.items[0].key']);
  });
  it('mergePolicy: Replace keeps only rendered keys, Merge adds the fetched ones; metadata-only keeps fetched data', async () => {
    const replace = await apply({ engineVersion: 'v2', data: { u: '{{ .username }}' } });
    expect([...replace.data.keys()]).toEqual(['u']);
    const merge = await apply({ engineVersion: 'v2', mergePolicy: 'Merge', data: { username: 'override' } });
    expect(strings(merge.data)).toMatchObject({ username: 'override', 'db-password': 's3cr3t-pw' });
    const metaOnly = await apply({ engineVersion: 'v2', metadata: { annotations: { a: '{{ .username }}' } } });
    expect([...metaOnly.data.keys()]).toEqual(['username', 'db-password', 'tls.crt']);
    expect(metaOnly.annotations).toEqual({ a: 'admin' });
  });
  it('caps the output at 1 MiB and stops a runaway template by its deadline', async () => {
    const big = await apply({ engineVersion: 'v2', data: { x: '{{ range until 300000 }}0123456789{{ end }}' } });
    expect(big.problems[0]!.message).toMatch(/more than 1 MiB/);
    const slow = new WasmGoEngine({ callTimeoutMs: 300 });
    try {
      // The last good Secret stays: a problem naming the template, not a crash of the pass.
      const stopped = await applyTemplate({ engineVersion: 'v2', data: { x: '{{ range 10000000000 }}{{ end }}' } }, fetched(), NO_TEMPLATE_SOURCES, slow);
      expect(stopped.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^spec\.target\.template: the Go templates failed together: the template was stopped: .*longer than the 300 ms/)]);
      // The next call gets a fresh worker.
      const again = await applyTemplate({ engineVersion: 'v2', data: { x: '{{ .username }}' } }, fetched(), NO_TEMPLATE_SOURCES, slow);
      expect(again.data.get('x')?.toString()).toBe('admin');
    } finally {
      await slow.close();
    }
  });
});

describe('chooseEngine (no engineVersion)', () => {
  it.each([
    ['{{ .password }}', 'v2'],
    ['{{ .password | b64enc }}', 'v2'],
    ['{{ b64enc .password }}', 'v2'],
    ['{{ index . "tls.crt" }}', 'v2'],
    ['{{ password }}', 'Liquid'],
    ['{{ password | upcase }}', 'Liquid'],
    ['{{ data["tls.crt"] }}', 'Liquid'],
    ['{% if x %}y{% endif %}', 'Liquid'],
    ['plain text', 'Liquid'],
    ['{{ .broken ', 'v2'],
  ])('%s -> %s', async (text, engine) => {
    expect(await chooseEngine([text], go)).toBe(engine);
  });
  it('the engine that parses more of the set wins, Go on a tie', async () => {
    // Liquid also reads Go-style {{ .a }}, so a set Liquid can read entirely is Liquid.
    expect(await chooseEngine(['{{ .a }}', '{{ b }}'], go)).toBe('Liquid');
    // A set that is all Go is Go, even where Liquid would also read it.
    expect(await chooseEngine(['{{ b64enc .a }}', '{{ .a | b64enc }}', '{{ .b }}'], go)).toBe('v2');
    // A Liquid set where one template has an unknown filter: still Liquid, so Liquid reports it.
    expect(await chooseEngine(['{{ password | base64 }}', '{{ password }}'], go)).toBe('Liquid');
  });
});
