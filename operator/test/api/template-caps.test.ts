// Issue #15 item 1: the number of template entries and the length of template texts are capped
// at admission, in the ExternalSecret CRD and in the ClusterExternalSecret CRD that embeds its
// spec, with the same numbers the builder enforces for objects admitted before the caps
// (sync/template/limits.ts).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { TEMPLATE_CAPS, templateLimitProblems } from '../../src/sync/template/limits.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

interface Schema {
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema;
  maxItems?: number;
  maxProperties?: number;
  maxLength?: number;
}

function specOf(file: string): Schema {
  const crd = parse(readFileSync(join(repoRoot, 'crds', file), 'utf8')) as { spec: { versions: Array<{ schema: { openAPIV3Schema: Schema } }> } };
  return crd.spec.versions[0]!.schema.openAPIV3Schema.properties!.spec!;
}

const templates: Array<[string, Schema]> = [
  ['ExternalSecret', specOf('rotor.dev_externalsecrets.yaml').properties!.target!.properties!.template!],
  ['ClusterExternalSecret', specOf('rotor.dev_clusterexternalsecrets.yaml').properties!.externalSecretSpec!.properties!.target!.properties!.template!],
];

describe.each(templates)('%s CRD: template caps', (_kind, template) => {
  const p = template.properties!;
  it('caps the entry counts', () => {
    expect(p.data!.maxProperties).toBe(TEMPLATE_CAPS.dataEntries);
    expect(p.metadata!.properties!.labels!.maxProperties).toBe(TEMPLATE_CAPS.labelEntries);
    expect(p.metadata!.properties!.annotations!.maxProperties).toBe(TEMPLATE_CAPS.annotationEntries);
    expect(p.templateFrom!.maxItems).toBe(TEMPLATE_CAPS.templateFromEntries);
    expect(p.templateFrom!.items!.properties!.configMap!.properties!.items!.maxItems).toBe(TEMPLATE_CAPS.templateFromItems);
    expect(p.templateFrom!.items!.properties!.secret!.properties!.items!.maxItems).toBe(TEMPLATE_CAPS.templateFromItems);
  });
  it('caps the template texts kept in the object (and so in the informer cache)', () => {
    expect(p.data!.additionalProperties!.maxLength).toBe(TEMPLATE_CAPS.textChars);
    expect(p.metadata!.properties!.labels!.additionalProperties!.maxLength).toBe(TEMPLATE_CAPS.labelTextChars);
    expect(p.metadata!.properties!.annotations!.additionalProperties!.maxLength).toBe(TEMPLATE_CAPS.textChars);
    expect(p.templateFrom!.items!.properties!.literal!.maxLength).toBe(TEMPLATE_CAPS.textChars);
  });
});

describe('templateLimitProblems (objects admitted before the caps)', () => {
  it('names each field over its cap and says what to do', () => {
    const data = Object.fromEntries(Array.from({ length: TEMPLATE_CAPS.dataEntries + 1 }, (_, i) => [`k${i}`, 'x']));
    const problems = templateLimitProblems({
      data,
      metadata: { annotations: { big: 'x'.repeat(TEMPLATE_CAPS.textChars + 1) } },
      templateFrom: [{ configMap: { name: 'c', items: Array.from({ length: TEMPLATE_CAPS.templateFromItems + 1 }, (_, i) => ({ key: `t${i}` })) } }],
    });
    expect(problems.map((p) => p.field)).toEqual(['spec.target.template.data', 'spec.target.template.templateFrom[0].configMap.items', 'spec.target.template.metadata.annotations.big']);
    expect(problems[0]!.message).toBe(`spec.target.template.data has ${TEMPLATE_CAPS.dataEntries + 1} entries, more than the ${TEMPLATE_CAPS.dataEntries} allowed; split the ExternalSecret`);
    expect(problems[2]!.message).toMatch(/is 65537 characters long, more than the 65536 allowed/);
  });
  it('accepts a template at the caps', () => {
    const data = Object.fromEntries(Array.from({ length: TEMPLATE_CAPS.dataEntries }, (_, i) => [`k${i}`, 'x'.repeat(TEMPLATE_CAPS.textChars)]));
    expect(templateLimitProblems({ data })).toEqual([]);
  });
});
