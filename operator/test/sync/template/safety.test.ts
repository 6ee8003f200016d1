// Issue #15 items 1 and 7 (template part): caps enforced by the builder for objects admitted
// before the CRD caps; errors of templates read from a Secret give only kind and position;
// rendered label and annotation keys and values are checked before the write, so the API
// server's 422 (which repeats them) is never needed, and a key rendered from a fetched value is
// never quoted.
import { afterAll, describe, expect, it } from 'vitest';
import type { ExternalSecretTemplate } from '../../../src/api/types.js';
import { WasmGoEngine, type GoEngine } from '../../../src/sync/template/go/engine.js';
import { applyTemplate, chooseEngine, NO_TEMPLATE_SOURCES, type TemplateSources } from '../../../src/sync/template/apply.js';
import { TEMPLATE_CAPS } from '../../../src/sync/template/limits.js';
import { MAX_TEMPLATE_ANNOTATIONS_BYTES, qualifiedNameProblem } from '../../../src/sync/metadata-rules.js';

const go = new WasmGoEngine();
afterAll(() => go.close());

const SECRET = 'p@ss w0rd-SeCrEt';
const fetched = () => new Map([['password', Buffer.from(SECRET)], ['user', Buffer.from('admin')]]);
const apply = (template: ExternalSecretTemplate, sources: TemplateSources = NO_TEMPLATE_SOURCES, engine: GoEngine = go) => applyTemplate(template, fetched(), sources, engine);
const fromSecret = (text: string): TemplateSources => ({ configMaps: new Map(), secrets: new Map([['tpl', { t: Buffer.from(text) }]]) });
const fromConfigMap = (text: string): TemplateSources => ({ configMaps: new Map([['tpl', { t: text }]]), secrets: new Map() });

describe('template caps enforced by the builder', () => {
  it('an ExternalSecret admitted before the caps gets a clear problem and nothing is rendered', async () => {
    const refusing = { render: () => Promise.reject(new Error('must not render')), parse: () => Promise.reject(new Error('must not parse')) } as unknown as GoEngine;
    const data = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, '{{ .password }}']));
    const out = await apply({ engineVersion: 'v2', data }, NO_TEMPLATE_SOURCES, refusing);
    expect(out.problems.map((p) => p.message)).toEqual([`spec.target.template.data has 300 entries, more than the ${TEMPLATE_CAPS.dataEntries} allowed; split the ExternalSecret`]);
    expect(out.data.size).toBe(0);
  });
});

describe('errors of templates read from a Secret never quote the template', () => {
  const longName = `secretIdentifier_${'x'.repeat(500)}`;
  it('Go parse error: kind and position only', async () => {
    const text = `line one\n{{ .a | ${longName} }}`;
    const secret = await apply({ engineVersion: 'v2', templateFrom: [{ secret: { name: 'tpl', items: [{ key: 't' }] } }] }, fromSecret(text));
    const message = secret.problems[0]!.message;
    expect(message).toMatch(/^spec\.target\.template\.templateFrom\[0\]\.secret\.items\[0\]: the template failed: parse error \(line 2[,;]/);
    expect(message).not.toContain('secretIdentifier');
    expect(message.length).toBeLessThan(200);
    // From a ConfigMap (not secret) the detail is quoted, but short.
    const cm = await apply({ engineVersion: 'v2', templateFrom: [{ configMap: { name: 'tpl', items: [{ key: 't' }] } }] }, fromConfigMap(text));
    expect(cm.problems[0]!.message).toContain('secretIdentifier');
    expect(cm.problems[0]!.message.length).toBeLessThan(400);
  });
  it('Go execution error: no node text', async () => {
    const text = '{{ index .password "hidden-key-name" }}';
    const out = await apply({ engineVersion: 'v2', templateFrom: [{ secret: { name: 'tpl', items: [{ key: 't' }] } }] }, fromSecret(text));
    expect(out.problems).toHaveLength(1);
    expect(out.problems[0]!.message).not.toContain('hidden-key-name');
    expect(out.problems[0]!.message).toMatch(/line 1, column \d+/);
  });
  it('Liquid parse error: kind and position only; from a ConfigMap quoted but short', async () => {
    const text = `ok\n{% ${longName} %}`;
    const secret = await apply({ engineVersion: 'Liquid', templateFrom: [{ secret: { name: 'tpl', items: [{ key: 't' }] } }] }, fromSecret(text));
    expect(secret.problems[0]!.message).toMatch(/parse error \(line 2, column \d+\)/);
    expect(secret.problems[0]!.message).not.toContain('secretIdentifier');
    const cm = await apply({ engineVersion: 'Liquid', templateFrom: [{ configMap: { name: 'tpl', items: [{ key: 't' }] } }] }, fromConfigMap(text));
    expect(cm.problems[0]!.message).toContain('secretIdentifier');
    expect(cm.problems[0]!.message.length).toBeLessThan(400);
  });
  it('Liquid render error: no template text', async () => {
    const out = await apply({ engineVersion: 'Liquid', templateFrom: [{ secret: { name: 'tpl', items: [{ key: 't' }] } }] }, fromSecret('{{ hidden_variable_name }}'));
    expect(out.problems[0]!.message).toMatch(/undefined variable \(line 1, column 4\)/);
    expect(out.problems[0]!.message).not.toContain('hidden_variable_name');
  });
  it('a KeysAndValues key from a Secret template is not quoted even though the template spells it out', async () => {
    const text = 'bad key!: x';
    const out = await apply({ engineVersion: 'v2', templateFrom: [{ secret: { name: 'tpl', items: [{ key: 't', templateAs: 'KeysAndValues' }] } }] }, fromSecret(text));
    expect(out.problems[0]!.message).toContain('(not shown: it may hold a value)');
    expect(out.problems[0]!.message).not.toContain('bad key');
  });
});

describe('rendered label and annotation keys and values are checked before the write', () => {
  it('a label key rendered from a fetched value is refused without quoting it', async () => {
    const out = await apply({ engineVersion: 'v2', templateFrom: [{ literal: '{{ .password }}: "x"', target: 'Labels' }] });
    expect(out.labels).toEqual({});
    expect(out.problems).toHaveLength(1);
    expect(out.problems[0]!.message).toMatch(/^spec\.target\.template\.templateFrom\[0\]\.literal: the rendered key \(not shown: it may hold a value\) cannot be a label key: /);
    expect(out.problems[0]!.message).not.toContain(SECRET);
  });
  it('an annotation key rendered from a fetched value is refused without quoting it', async () => {
    const out = await apply({ engineVersion: 'v2', templateFrom: [{ literal: '"{{ .password }}": "x"', target: 'Annotations' }] });
    expect(out.annotations).toEqual({});
    expect(out.problems[0]!.message).toMatch(/cannot be an annotation key/);
    expect(out.problems[0]!.message).not.toContain(SECRET);
  });
  it('a spec key that is not a qualified name is named (it is spec text)', async () => {
    const out = await apply({ engineVersion: 'Liquid', metadata: { annotations: { 'Bad_Prefix/x': 'v' }, labels: { 'example.com/team': 'payments' } } });
    expect(out.labels).toEqual({ 'example.com/team': 'payments' });
    expect(out.problems.map((p) => p.message)).toEqual([
      'spec.target.template.metadata.annotations.Bad_Prefix/x: the rendered key "Bad_Prefix/x" cannot be an annotation key: the prefix before "/" must be a DNS subdomain (lowercase letters, digits, "-" and ".", at most 253 characters)',
    ]);
  });
  it('annotations over the total size Kubernetes allows are refused before the write', async () => {
    const big = 'x'.repeat(60_000);
    const annotations = Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((k) => [k, big]));
    const out = await apply({ engineVersion: 'Liquid', metadata: { annotations } });
    expect(out.problems.map((p) => p.field)).toEqual(['spec.target.template.metadata.annotations']);
    expect(out.problems[0]!.message).toContain(`more than the ${MAX_TEMPLATE_ANNOTATIONS_BYTES}`);
  });
  it('qualifiedNameProblem follows the Kubernetes rules', () => {
    expect(qualifiedNameProblem('app.kubernetes.io/name')).toBeUndefined();
    expect(qualifiedNameProblem('team')).toBeUndefined();
    expect(qualifiedNameProblem('a/b/c')).toMatch(/more than one/);
    expect(qualifiedNameProblem('/x')).toMatch(/prefix .* empty/);
    expect(qualifiedNameProblem('x/')).toMatch(/name is empty/);
    expect(qualifiedNameProblem('n'.repeat(64))).toMatch(/longer than 63/);
    expect(qualifiedNameProblem('-x')).toMatch(/start and end/);
    expect(qualifiedNameProblem(`${'a'.repeat(254)}/x`)).toMatch(/DNS subdomain/);
  });
});

describe('the engine choice parses Liquid off the main thread', () => {
  it('asks the Liquid workers, not the main thread, whether the texts parse', async () => {
    const asked: string[][] = [];
    const workers = {
      parses: async (texts: string[]) => {
        asked.push(texts);
        return texts.map(() => true);
      },
    };
    // Neither engine could parse these on the main thread; the workers' answer decides.
    const texts = ['{{ unclosed', '{{ also unclosed'];
    expect(await chooseEngine(texts, go, workers, { tenant: 't', deadline: Number.MAX_SAFE_INTEGER })).toBe('Liquid');
    expect(asked).toEqual([texts]);
  });
});
