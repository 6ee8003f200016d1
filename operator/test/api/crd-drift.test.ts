// Keeps crds/*.yaml (the API the server enforces) and operator/src/api/types.ts (what the
// operator's code compiles against) in step. TypeScript types are erased at runtime, so the
// interfaces are read with the TypeScript compiler API and walked property by property
// against the OpenAPI schema, both ways, including optional-vs-required and enum members.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { API_GROUP, API_VERSION, PLURAL as READ_PLURAL } from '../../src/api/types.js';
import { PUSH_PLURAL } from '../../src/api/push-types.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const typesFile = join(repoRoot, 'operator/src/api/types.ts');
/** The push kinds' types live apart (api/push-types.ts); the same walk covers them. */
const pushTypesFile = join(repoRoot, 'operator/src/api/push-types.ts');
const PLURAL = { ...READ_PLURAL, ...PUSH_PLURAL };
const fixturesDir = join(here, 'fixtures');

// ------------------------------------------------------------------ schema model

interface Validation {
  rule: string;
  message?: string;
}

interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  enum?: unknown[];
  default?: unknown;
  maxItems?: number;
  maxLength?: number;
  pattern?: string;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-validations'?: Validation[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  priority?: number;
}

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  subresources?: { status?: object };
  additionalPrinterColumns?: PrinterColumn[];
  schema: { openAPIV3Schema: Schema };
}

interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    scope: 'Namespaced' | 'Cluster';
    names: { kind: string; plural: string; singular: string; shortNames?: string[]; categories?: string[] };
    versions: CrdVersion[];
  };
}

function loadCrd(file: string): Crd {
  return parse(readFileSync(join(repoRoot, 'crds', file), 'utf8')) as Crd;
}

const crds = {
  ExternalSecret: loadCrd('rotor.dev_externalsecrets.yaml'),
  SecretStore: loadCrd('rotor.dev_secretstores.yaml'),
  ClusterSecretStore: loadCrd('rotor.dev_clustersecretstores.yaml'),
  ClusterExternalSecret: loadCrd('rotor.dev_clusterexternalsecrets.yaml'),
  PushSecret: loadCrd('rotor.dev_pushsecrets.yaml'),
  ClusterPushSecret: loadCrd('rotor.dev_clusterpushsecrets.yaml'),
};

function rootSchema(crd: Crd): Schema {
  const version = crd.spec.versions.find((v) => v.name === API_VERSION);
  if (!version) throw new Error(`${crd.metadata.name} has no version ${API_VERSION}`);
  return version.schema.openAPIV3Schema;
}

function prop(schema: Schema, name: string): Schema {
  const child = schema.properties?.[name];
  if (!child) throw new Error(`schema has no property ${name}`);
  return child;
}

/** Calls visit for the root and every nested schema, with a JSON-ish path. */
function walkSchema(schema: Schema, path: string, visit: (s: Schema, path: string, isProperty: boolean) => void, isProperty = true): void {
  visit(schema, path, isProperty);
  for (const [name, child] of Object.entries(schema.properties ?? {})) walkSchema(child, `${path}.${name}`, visit, true);
  if (schema.items) walkSchema(schema.items, `${path}[]`, visit, false);
  if (typeof schema.additionalProperties === 'object') walkSchema(schema.additionalProperties, `${path}{}`, visit, false);
}

// ------------------------------------------------------------------ TypeScript side

const program = ts.createProgram([typesFile, pushTypesFile], { strict: true, target: ts.ScriptTarget.ES2022, noEmit: true });
const checker = program.getTypeChecker();
const typesSource = program.getSourceFile(typesFile);
if (!typesSource) throw new Error(`cannot read ${typesFile}`);
const pushTypesSource = program.getSourceFile(pushTypesFile);
if (!pushTypesSource) throw new Error(`cannot read ${pushTypesFile}`);

function interfaceType(name: string): ts.Type {
  for (const statement of [...typesSource!.statements, ...pushTypesSource!.statements]) {
    if (ts.isInterfaceDeclaration(statement) && statement.name.text === name) {
      return checker.getTypeAtLocation(statement.name);
    }
  }
  throw new Error(`interface ${name} not found in ${typesFile}`);
}

/** The union members of a type alias, e.g. DeletionPolicy -> ['Retain', 'Delete', 'Merge']. */
function literalUnion(aliasName: string): string[] {
  for (const statement of [...typesSource!.statements, ...pushTypesSource!.statements]) {
    if (ts.isTypeAliasDeclaration(statement) && statement.name.text === aliasName) {
      const literals = stringLiterals(checker.getTypeAtLocation(statement.name));
      if (literals) return literals;
    }
  }
  throw new Error(`type alias ${aliasName} is not a string-literal union in ${typesFile}`);
}

function stringLiterals(type: ts.Type): string[] | undefined {
  const members = type.isUnion() ? type.types : [type];
  if (!members.every((m) => m.isStringLiteral())) return undefined;
  return members.map((m) => (m as ts.StringLiteralType).value).sort();
}

function isBoolean(type: ts.Type): boolean {
  return (type.flags & ts.TypeFlags.BooleanLike) !== 0 ||
    (type.isUnion() && type.types.every((m) => (m.flags & ts.TypeFlags.BooleanLiteral) !== 0));
}

function typeName(type: ts.Type): string {
  return checker.typeToString(type);
}

/**
 * Compares a TS type with a schema node; pushes one line per mismatch so a failing run
 * lists everything that drifted, not just the first difference.
 */
function compare(type: ts.Type, schema: Schema, path: string, problems: string[]): void {
  const t = checker.getNonNullableType(type);
  const literals = stringLiterals(t);
  if (literals) {
    if (schema.type !== 'string') problems.push(`${path}: TS is a string union, schema type is ${schema.type}`);
    const schemaEnum = (schema.enum ?? []).map(String).sort();
    if (JSON.stringify(schemaEnum) !== JSON.stringify(literals)) {
      problems.push(`${path}: enum ${JSON.stringify(schemaEnum)} differs from TS union ${JSON.stringify(literals)}`);
    }
    return;
  }
  if (schema.enum) problems.push(`${path}: schema has an enum but TS type is ${typeName(t)}`);
  if (t.isUnion() && t.types.length === 2 && t.types.some((m) => m.flags & ts.TypeFlags.Number) && t.types.some((m) => m.flags & ts.TypeFlags.String)) {
    if (schema['x-kubernetes-int-or-string'] !== true) problems.push(`${path}: TS number | string, schema is not x-kubernetes-int-or-string`);
    return;
  }
  if (isBoolean(t)) {
    if (schema.type !== 'boolean') problems.push(`${path}: TS boolean, schema type ${schema.type}`);
    return;
  }
  if (t.flags & ts.TypeFlags.String) {
    if (schema.type !== 'string') problems.push(`${path}: TS string, schema type ${schema.type}`);
    return;
  }
  if (t.flags & ts.TypeFlags.Number) {
    if (schema.type !== 'integer' && schema.type !== 'number') problems.push(`${path}: TS number, schema type ${schema.type}`);
    return;
  }
  if (checker.isArrayType(t)) {
    if (schema.type !== 'array' || !schema.items) {
      problems.push(`${path}: TS array, schema type ${schema.type}${schema.items ? '' : ' without items'}`);
      return;
    }
    const element = checker.getTypeArguments(t as ts.TypeReference)[0];
    if (element) compare(element, schema.items, `${path}[]`, problems);
    return;
  }
  if (t.flags & ts.TypeFlags.Object) {
    if (schema.type !== 'object') {
      problems.push(`${path}: TS object, schema type ${schema.type}`);
      return;
    }
    const indexType = checker.getIndexTypeOfType(t, ts.IndexKind.String);
    const tsProps = checker.getPropertiesOfType(t);
    if (indexType && tsProps.length === 0) {
      // Record<string, unknown>: free-form JSON the API server keeps as written.
      if (indexType.flags & ts.TypeFlags.Unknown) {
        if (schema['x-kubernetes-preserve-unknown-fields'] !== true) problems.push(`${path}: TS Record<string, unknown>, schema lacks x-kubernetes-preserve-unknown-fields`);
        return;
      }
      // Record<string, X>: a map, which the schema expresses with additionalProperties.
      if (typeof schema.additionalProperties !== 'object') {
        problems.push(`${path}: TS Record<string, ${typeName(indexType)}>, schema lacks additionalProperties`);
      } else {
        compare(indexType, schema.additionalProperties, `${path}{}`, problems);
      }
      return;
    }
    compareObject(t, schema, path, problems);
    return;
  }
  problems.push(`${path}: TS type ${typeName(t)} has no schema mapping in this test`);
}

function compareObject(t: ts.Type, schema: Schema, path: string, problems: string[]): void {
  const tsProps = checker.getPropertiesOfType(t);
  const schemaProps = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const tsNames = new Set<string>();
  for (const symbol of tsProps) {
    const name = symbol.getName();
    tsNames.add(name);
    const child = schemaProps[name];
    if (!child) {
      problems.push(`${path}.${name}: in types.ts but not in the CRD schema`);
      continue;
    }
    const optional = (symbol.flags & ts.SymbolFlags.Optional) !== 0;
    if (optional && required.has(name)) problems.push(`${path}.${name}: optional in types.ts but required in the schema`);
    if (!optional && !required.has(name)) problems.push(`${path}.${name}: required in types.ts but not listed in the schema's required`);
    compare(checker.getTypeOfSymbol(symbol), child, `${path}.${name}`, problems);
  }
  for (const name of Object.keys(schemaProps)) {
    if (!tsNames.has(name)) problems.push(`${path}.${name}: in the CRD schema but not in types.ts`);
  }
  for (const name of required) {
    if (!(name in schemaProps)) problems.push(`${path}: required lists ${name}, which is not a property`);
  }
}

function drift(tsInterface: string, schema: Schema, path: string): string[] {
  const problems: string[] = [];
  compareObject(interfaceType(tsInterface), schema, path, problems);
  return problems;
}

// ------------------------------------------------------------------ tests

describe('CRD schemas match operator/src/api/types.ts', () => {
  const pairs: Array<[keyof typeof crds, 'spec' | 'status', string]> = [
    ['ExternalSecret', 'spec', 'ExternalSecretSpec'],
    ['ExternalSecret', 'status', 'ExternalSecretStatus'],
    ['SecretStore', 'spec', 'SecretStoreSpec'],
    ['SecretStore', 'status', 'SecretStoreStatus'],
    ['ClusterSecretStore', 'spec', 'SecretStoreSpec'],
    ['ClusterSecretStore', 'status', 'SecretStoreStatus'],
    ['ClusterExternalSecret', 'spec', 'ClusterExternalSecretSpec'],
    ['ClusterExternalSecret', 'status', 'ClusterExternalSecretStatus'],
    ['PushSecret', 'spec', 'PushSecretSpec'],
    ['PushSecret', 'status', 'PushSecretStatus'],
    ['ClusterPushSecret', 'spec', 'ClusterPushSecretSpec'],
    ['ClusterPushSecret', 'status', 'ClusterPushSecretStatus'],
  ];
  it.each(pairs)('%s .%s matches %s', (kind, field, tsInterface) => {
    expect(drift(tsInterface, prop(rootSchema(crds[kind]), field), `${kind}.${field}`)).toEqual([]);
  });

  it('detects drift (the comparison is not vacuous)', () => {
    // Remove one field, add one, flip one requiredness and one enum: each must be reported.
    const spec = structuredClone(prop(rootSchema(crds.ExternalSecret), 'spec'));
    delete spec.properties!.refreshPolicy;
    spec.properties!.bogus = { type: 'string', description: 'x' };
    prop(spec, 'data').items!.required = ['remoteRef'];
    prop(prop(spec, 'target'), 'deletionPolicy').enum = ['Retain'];
    const problems = drift('ExternalSecretSpec', spec, 'ExternalSecret.spec');
    expect(problems).toEqual(expect.arrayContaining([
      'ExternalSecret.spec.refreshPolicy: in types.ts but not in the CRD schema',
      'ExternalSecret.spec.bogus: in the CRD schema but not in types.ts',
      "ExternalSecret.spec.data[].secretKey: required in types.ts but not listed in the schema's required",
    ]));
    expect(problems.some((p) => p.startsWith('ExternalSecret.spec.target.deletionPolicy: enum'))).toBe(true);
  });

  it('names match the constants in types.ts', () => {
    const expected = { ExternalSecret: 'Namespaced', SecretStore: 'Namespaced', ClusterSecretStore: 'Cluster', ClusterExternalSecret: 'Cluster', PushSecret: 'Namespaced', ClusterPushSecret: 'Cluster' } as const;
    for (const [kind, crd] of Object.entries(crds) as Array<[keyof typeof crds, Crd]>) {
      expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
      expect(crd.spec.group).toBe(API_GROUP);
      expect(crd.spec.names.kind).toBe(kind);
      expect(crd.spec.names.plural).toBe(PLURAL[kind]);
      expect(crd.metadata.name).toBe(`${PLURAL[kind]}.${API_GROUP}`);
      expect(crd.spec.scope).toBe(expected[kind]);
      expect(crd.spec.versions).toHaveLength(1);
      const [version] = crd.spec.versions;
      expect(version).toMatchObject({ name: API_VERSION, served: true, storage: true, subresources: { status: {} } });
      expect(crd.spec.names.categories).toEqual(['rotor']);
    }
    expect(crds.ExternalSecret.spec.names.shortNames).toEqual(['es']);
    expect(crds.SecretStore.spec.names.shortNames).toEqual(['ss']);
    expect(crds.ClusterSecretStore.spec.names.shortNames).toEqual(['css']);
    expect(crds.ClusterExternalSecret.spec.names.shortNames).toEqual(['ces']);
    expect(crds.PushSecret.spec.names.shortNames).toEqual(['ps']);
  });

  it('no category shadows a resource name: kubectl expands a category before a plural', () => {
    // A category `externalsecrets` made `kubectl get externalsecrets` list every Rotor kind and
    // `kubectl delete externalsecrets --all` delete the stores too. Every file in crds/, so a
    // new CRD is covered without editing this test.
    const all = readdirSync(join(repoRoot, 'crds'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => loadCrd(f));
    expect(all.length).toBeGreaterThanOrEqual(4);
    const names = new Set(
      all.flatMap(({ spec: { names } }) => [names.plural, names.singular, names.kind.toLowerCase(), ...(names.shortNames ?? [])].map((n) => n.toLowerCase())),
    );
    for (const crd of all) {
      const shadowing = (crd.spec.names.categories ?? []).filter((c) => names.has(c.toLowerCase()));
      expect(shadowing, `${crd.metadata.name}: categories that are also a resource name`).toEqual([]);
    }
  });

  it('enums equal the string-literal unions they are typed with', () => {
    const es = prop(rootSchema(crds.ExternalSecret), 'spec');
    const target = prop(es, 'target');
    const remoteRef = prop(prop(es, 'data').items!, 'remoteRef');
    const cases: Array<[Schema, string]> = [
      [prop(target, 'creationPolicy'), 'CreationPolicy'],
      [prop(target, 'deletionPolicy'), 'DeletionPolicy'],
      [prop(es, 'refreshPolicy'), 'RefreshPolicy'],
      [prop(remoteRef, 'decodingStrategy'), 'DecodingStrategy'],
      [prop(prop(target, 'template'), 'mergePolicy'), 'TemplateMergePolicy'],
      [prop(prop(es, 'secretStoreRef'), 'kind'), 'StoreKind'],
      [prop(prop(prop(es, 'rollout'), 'targets').items!, 'kind'), 'RolloutKind'],
      [prop(prop(prop(rootSchema(crds.SecretStore), 'spec'), 'provider'), 'aws').properties!.service!, 'AwsServiceField'],
    ];
    for (const [schema, alias] of cases) {
      expect((schema.enum ?? []).map(String).sort(), alias).toEqual(literalUnion(alias));
    }
  });
});

describe('CRD schema quality', () => {
  it.each(Object.keys(crds) as Array<keyof typeof crds>)('%s: every property has a description (kubectl explain)', (kind) => {
    const missing: string[] = [];
    walkSchema(rootSchema(crds[kind]), kind, (schema, path, isProperty) => {
      // The root metadata may only be {type: object}: the API server rejects a CRD whose
      // metadata schema says anything else ("metadata is implicitly specified").
      if (path === `${kind}.metadata`) return;
      if (isProperty && !(schema.description ?? '').trim()) missing.push(path);
    });
    expect(missing).toEqual([]);
  });

  it.each(Object.keys(crds) as Array<keyof typeof crds>)('%s: root metadata is only {type: object} (the API server forbids more)', (kind) => {
    expect(rootSchema(crds[kind]).properties?.metadata).toEqual({ type: 'object' });
  });

  it.each(Object.keys(crds) as Array<keyof typeof crds>)('%s: every CEL rule has a message naming a field', (kind) => {
    const bad: string[] = [];
    let rules = 0;
    walkSchema(rootSchema(crds[kind]), kind, (schema, path) => {
      for (const v of schema['x-kubernetes-validations'] ?? []) {
        rules++;
        const message = (v.message ?? '').trim();
        const fields = Object.keys(schema.properties ?? {});
        if (!message) bad.push(`${path}: rule "${v.rule}" has no message`);
        else if (!fields.some((f) => message.includes(f))) bad.push(`${path}: message "${message}" names none of ${fields.join(', ')}`);
      }
    });
    expect(bad).toEqual([]);
    expect(rules).toBeGreaterThan(0);
  });

  it.each(Object.keys(crds) as Array<keyof typeof crds>)('%s: every spec list is bounded (CEL cost budget)', (kind) => {
    const unbounded: string[] = [];
    walkSchema(prop(rootSchema(crds[kind]), 'spec'), `${kind}.spec`, (schema, path) => {
      if (schema.type === 'array' && schema.maxItems === undefined) unbounded.push(path);
    });
    expect(unbounded).toEqual([]);
  });

  it('carries the defaults api/defaults.ts applies', () => {
    const spec = prop(rootSchema(crds.ExternalSecret), 'spec');
    const target = prop(spec, 'target');
    expect(prop(spec, 'refreshInterval').default).toBe('1h');
    expect(prop(spec, 'refreshPolicy').default).toBe('Periodic');
    expect(prop(target, 'creationPolicy').default).toBe('Owner');
    expect(prop(target, 'deletionPolicy').default).toBe('Retain');
    expect(prop(prop(prop(spec, 'data').items!, 'remoteRef'), 'decodingStrategy').default).toBe('None');
    expect(prop(prop(spec, 'secretStoreRef'), 'kind').default).toBe('SecretStore');
  });

  it('the refreshInterval pattern accepts Go durations and "0" only', () => {
    const pattern = new RegExp(prop(prop(rootSchema(crds.ExternalSecret), 'spec'), 'refreshInterval').pattern!, 'u');
    for (const ok of ['0', '1h', '15m', '30s', '1h30m', '1.5h', '500ms', '10µs']) expect(pattern.test(ok), ok).toBe(true);
    for (const bad of ['', '1', '1d', 'h', '-1h', '1h ', '01:00']) expect(pattern.test(bad), bad).toBe(false);
  });

  it('the region pattern accepts AWS region names', () => {
    const aws = prop(prop(prop(rootSchema(crds.SecretStore), 'spec'), 'provider'), 'aws');
    const pattern = new RegExp(prop(aws, 'region').pattern!);
    for (const ok of ['us-east-1', 'eu-central-2', 'us-gov-west-1', 'ap-southeast-4', 'cn-north-1']) expect(pattern.test(ok), ok).toBe(true);
    for (const bad of ['', 'us-east', 'US-EAST-1', 'useast1', 'us-east-1a']) expect(pattern.test(bad), bad).toBe(false);
  });

  it.each(['SecretStore', 'ClusterSecretStore'] as const)('%s: auth admits {} (ESO\'s "no auth") and one of jwt / secretRef, never both', (kind) => {
    const auth = prop(prop(prop(prop(rootSchema(crds[kind]), 'spec'), 'provider'), 'aws'), 'auth');
    const rules = (auth['x-kubernetes-validations'] ?? []).map((v) => v.rule);
    // The rules use only has(self.<field>) and boolean operators: evaluate them for each shape.
    const admits = (present: Set<string>) =>
      rules.every((rule) => {
        const expr = rule.replace(/has\(self\.(\w+)\)/g, (_m, field: string) => String(present.has(field)));
        expect(expr, `rule ${rule} uses only has() and boolean operators`).toMatch(/^[\s()!&|=truefals]+$/);
        return Function(`return (${expr});`)() === true;
      });
    expect(admits(new Set())).toBe(true);
    expect(admits(new Set(['jwt']))).toBe(true);
    expect(admits(new Set(['secretRef']))).toBe(true);
    expect(admits(new Set(['jwt', 'secretRef']))).toBe(false);
  });

  it('SecretStore and ClusterSecretStore share one schema; only SecretStore rejects spec.conditions', () => {
    const strip = (schema: Schema): unknown =>
      JSON.parse(JSON.stringify(schema, (key, value: unknown) => (key === 'description' ? undefined : value)));
    const ss = structuredClone(rootSchema(crds.SecretStore));
    const css = structuredClone(rootSchema(crds.ClusterSecretStore));
    const ssRules = prop(ss, 'spec')['x-kubernetes-validations']!;
    expect(ssRules[0]).toEqual(expect.objectContaining({ rule: '!has(self.conditions)' }));
    expect(prop(css, 'spec')['x-kubernetes-validations']).toEqual(ssRules.slice(1));
    ssRules.shift();
    expect(strip(ss)).toEqual(strip(css));
  });

  it('has the printer columns users read', () => {
    const columns = (crd: Crd) => crd.spec.versions[0]!.additionalPrinterColumns!.map((c) => [c.name, c.jsonPath, c.priority ?? 0]);
    const ready = '.status.conditions[?(@.type=="Ready")]';
    expect(columns(crds.ExternalSecret)).toEqual([
      ['Store', '.spec.secretStoreRef.name', 0],
      ['Refresh Interval', '.spec.refreshInterval', 0],
      ['Status', `${ready}.reason`, 0],
      ['Ready', `${ready}.status`, 0],
      ['Version', '.status.version', 1],
      ['Last Sync', '.status.refreshTime', 0],
      ['Age', '.metadata.creationTimestamp', 0],
    ]);
    for (const store of [crds.SecretStore, crds.ClusterSecretStore]) {
      expect(columns(store)).toEqual([
        ['Service', '.spec.provider.aws.service', 0],
        ['Region', '.spec.provider.aws.region', 0],
        ['Status', `${ready}.reason`, 0],
        ['Ready', `${ready}.status`, 0],
        ['Age', '.metadata.creationTimestamp', 0],
      ]);
    }
  });
});

// ------------------------------------------------------------------ fixtures
// fixtures/valid/*.yaml must be accepted by the API server and fixtures/invalid/*.yaml
// rejected with the message in their test.rotor.dev/expect-rejection annotation; the e2e
// suite applies them to a real server. Here: every field they use exists in the schema
// (an unknown field would be pruned silently and the fixture would test nothing).

interface FixtureObject {
  apiVersion: string;
  kind: keyof typeof crds;
  metadata: { name: string; annotations?: Record<string, string> };
  [field: string]: unknown;
}

function loadFixtures(kind: 'valid' | 'invalid'): Array<{ file: string; object: FixtureObject }> {
  const dir = join(fixturesDir, kind);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((file) => parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc) => ({ file, object: doc.toJS() as FixtureObject })));
}

function unknownFields(value: unknown, schema: Schema, path: string, out: string[]): void {
  if (Array.isArray(value)) {
    if (schema.type !== 'array' || !schema.items) out.push(`${path}: not a list in the schema`);
    else value.forEach((v, i) => unknownFields(v, schema.items!, `${path}[${i}]`, out));
    return;
  }
  if (value !== null && typeof value === 'object') {
    if (schema.type !== 'object') {
      out.push(`${path}: not an object in the schema`);
      return;
    }
    // Free-form (e.g. PushSecret data[].metadata): the server keeps whatever is there.
    if (schema['x-kubernetes-preserve-unknown-fields'] === true && !schema.properties) return;
    for (const [k, v] of Object.entries(value)) {
      const child = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (!child) out.push(`${path}.${k}: unknown field`);
      else if (!(path === '' && k === 'metadata')) unknownFields(v, child, `${path}.${k}`, out);
    }
  }
}

describe('CRD fixtures for the API-server tests', () => {
  const valid = loadFixtures('valid');
  const invalid = loadFixtures('invalid');

  it('exist for every kind and for the rules the e2e suite checks', () => {
    expect(new Set(valid.map((f) => f.object.kind))).toEqual(new Set(Object.keys(crds)));
    expect(invalid.length).toBeGreaterThanOrEqual(8);
  });

  it.each([...valid, ...invalid].map((f) => [`${f.file} ${f.object.metadata.name}`, f] as const))(
    '%s uses only schema fields',
    (_name, { object }) => {
      expect(object.apiVersion).toBe(`${API_GROUP}/${API_VERSION}`);
      const out: string[] = [];
      unknownFields(object, rootSchema(crds[object.kind]), '', out);
      expect(out).toEqual([]);
    },
  );

  it.each(invalid.map((f) => [`${f.file} ${f.object.metadata.name}`, f] as const))(
    '%s names an expected rejection message that a CEL rule or schema check produces',
    (_name, { object }) => {
      const expected = object.metadata.annotations?.['test.rotor.dev/expect-rejection'];
      expect(expected, 'annotation test.rotor.dev/expect-rejection').toBeTruthy();
      const messages: string[] = [];
      walkSchema(rootSchema(crds[object.kind]), '', (s) => {
        for (const v of s['x-kubernetes-validations'] ?? []) messages.push(v.message ?? '');
      });
      // Either a CEL message or a built-in schema error (enum/pattern), which the server phrases itself.
      const builtIn = /(: Unsupported value| in body should match)/.test(expected!);
      expect(builtIn || messages.some((m) => m.includes(expected!)), expected).toBe(true);
    },
  );
});
