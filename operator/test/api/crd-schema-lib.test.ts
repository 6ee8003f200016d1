// scripts/lib/crd-schema.mjs: the pieces the CRD generators share. The generated files themselves
// are checked against the committed CRDs by crds-sync.test.ts and generator-crds.test.ts; this
// pins what each piece promises on its own.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

type Schema = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface CrdSchemaLib {
  repoRoot: string;
  DNS_SUBDOMAIN: string;
  externalSecretSchema(): Schema;
  rewriteMessages(node: unknown, rewrite: (message: string) => string): void;
  labelSelector(description: string, subject: string): Schema;
  conditionsSchema(esSchema: Schema, description: string, reasons: string): Schema;
  customResourceDefinition(def: Schema): Schema;
  fanOutRefreshTime(kind: string): Schema;
  fanOutMetadata(kind: string): Schema;
  fanOutStatus(kind: string, conditions: Schema): Schema;
  crdYaml(header: string, crd: unknown): string;
  readyColumns(readyDescription: string): Schema[];
  AGE_COLUMN: Schema;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const lib = (await import(pathToFileURL(join(repoRoot, 'scripts/lib/crd-schema.mjs')).href)) as CrdSchemaLib;

describe('scripts/lib/crd-schema.mjs', () => {
  it('finds the checkout and hands out a fresh copy of the ExternalSecret schema each time', () => {
    expect(lib.repoRoot).toBe(repoRoot);
    const a = lib.externalSecretSchema();
    a.properties.spec.description = 'changed';
    expect(lib.externalSecretSchema().properties.spec.description).not.toBe('changed');
  });

  it('rewrites every CEL message, however deep, and nothing else', () => {
    const tree = {
      'x-kubernetes-validations': [{ rule: 'spec.a', message: 'spec.a is wrong' }],
      properties: { b: { items: [{ 'x-kubernetes-validations': [{ rule: 'r', message: 'spec.b too' }] }] }, description: 'spec.c' },
    };
    lib.rewriteMessages(tree, (m) => m.replace('spec.', 'spec.x.'));
    expect(tree['x-kubernetes-validations'][0]).toEqual({ rule: 'spec.a', message: 'spec.x.a is wrong' });
    expect(tree.properties.b.items[0]!['x-kubernetes-validations'][0]!.message).toBe('spec.x.b too');
    expect(tree.properties.description).toBe('spec.c');
  });

  it('builds a label selector naming its subject, with the In/NotIn values rule', () => {
    const selector = lib.labelSelector('Stores by label.', 'store');
    expect(selector.description).toBe('Stores by label.');
    expect(selector.properties.matchLabels.description).toBe('Labels the store must carry, all of them (key: value).');
    expect(selector.properties.matchExpressions.items['x-kubernetes-validations'][0].rule).toContain("self.operator in ['In', 'NotIn']");
  });

  it('derives conditions from the ExternalSecret schema without changing it', () => {
    const es = lib.externalSecretSchema();
    const before = JSON.stringify(es);
    const conditions = lib.conditionsSchema(es, 'State.', 'A or B');
    expect(conditions.description).toBe('State.');
    expect(conditions.items.properties.reason.description).toBe('CamelCase reason: A or B.');
    expect(JSON.stringify(es)).toBe(before);
  });

  it('writes the CRD shell: name from plural and group, shortNames and subresources only when given', () => {
    const base = { group: 'g.rotor.dev', kind: 'Thing', plural: 'things', scope: 'Namespaced', categories: ['rotor'], printerColumns: [], description: 'D', properties: {} };
    const plain = lib.customResourceDefinition(base);
    expect(plain.metadata.name).toBe('things.g.rotor.dev');
    expect(plain.spec.names).toEqual({ kind: 'Thing', listKind: 'ThingList', plural: 'things', singular: 'thing', categories: ['rotor'] });
    expect(Object.keys(plain.spec.versions[0])).toEqual(['name', 'served', 'storage', 'additionalPrinterColumns', 'schema']);
    const full = lib.customResourceDefinition({ ...base, shortNames: ['th'], subresources: { status: {} } });
    expect(Object.keys(full.spec.names)).toEqual(['kind', 'listKind', 'plural', 'singular', 'shortNames', 'categories']);
    expect(Object.keys(full.spec.versions[0])).toEqual(['name', 'served', 'storage', 'subresources', 'additionalPrinterColumns', 'schema']);
    expect(full.spec.versions[0].schema.openAPIV3Schema).toEqual({ type: 'object', description: 'D', required: ['spec'], properties: {} });
  });

  it('names the stamped kind in the fan-out fields', () => {
    expect(lib.fanOutRefreshTime('PushSecret').description).toContain('the created PushSecrets are re-checked');
    expect(new RegExp(lib.fanOutRefreshTime('PushSecret').pattern).test('1h30m')).toBe(true);
    expect(lib.fanOutMetadata('ExternalSecret').properties.labels.description).toBe('Labels of the created ExternalSecrets.');
    const status = lib.fanOutStatus('ExternalSecret', { type: 'array' });
    expect(Object.keys(status.properties)).toEqual(['externalSecretName', 'provisionedNamespaces', 'failedNamespaces', 'conditions', 'observedGeneration']);
    expect(status.properties.externalSecretName.description).toBe('Name of the ExternalSecrets this ClusterExternalSecret created.');
    expect(new RegExp(lib.DNS_SUBDOMAIN).test('a.b-c')).toBe(true);
    expect(new RegExp(lib.DNS_SUBDOMAIN).test('A')).toBe(false);
  });

  it('gives the Status and Ready columns from the Ready condition, and Age', () => {
    expect(lib.readyColumns('Whether it is there.')).toEqual([
      { name: 'Status', type: 'string', description: 'Reason of the Ready condition.', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
      { name: 'Ready', type: 'string', description: 'Whether it is there.', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    ]);
    expect(lib.AGE_COLUMN).toEqual({ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' });
  });

  it('writes the header, then unfolded YAML', () => {
    const long = 'x'.repeat(200);
    expect(lib.crdYaml('---\n# h\n', { a: long })).toBe(`---\n# h\na: ${long}\n`);
  });
});
