// The generator CRDs (crds/generators.rotor.dev_*.yaml): written by scripts/gen-generator-crds.mjs,
// field names matching api/generator-types.ts, and their CEL rules (checked with the same
// evaluator `rotor migrate` uses) refusing what the generators cannot run, with the field named.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkAgainstSchema, type StructuralSchema } from '../../src/migrate/schema-check.js';
import { GENERATOR_GROUP, GENERATOR_PLURAL, CLUSTER_GENERATOR_SPEC_KEY } from '../../src/api/generator-types.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const load = (plural: string) => parse(readFileSync(join(repoRoot, 'crds', `${GENERATOR_GROUP}_${plural}.yaml`), 'utf8'));
const schemaOf = (plural: string) => load(plural).spec.versions[0].schema.openAPIV3Schema as StructuralSchema;
const refusals = (plural: string, object: Record<string, unknown>) =>
  checkAgainstSchema(object, schemaOf(plural)).problems.filter((p) => p.kind !== 'unknown').map((p) => p.message);

describe('generator CRDs', () => {
  it('are what scripts/gen-generator-crds.mjs writes (run scripts/sync-crds.sh)', () => {
    const out = spawnSync(process.execPath, [join(repoRoot, 'scripts/gen-generator-crds.mjs'), '--stdout'], { encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    for (const plural of Object.values(GENERATOR_PLURAL)) {
      const file = `${GENERATOR_GROUP}_${plural}.yaml`;
      expect(out.stdout.includes(`# ${file}\n${readFileSync(join(repoRoot, 'crds', file), 'utf8')}`), `crds/${file} is stale`).toBe(true);
    }
  });

  it('names the kinds, plurals and scopes of api/generator-types.ts', () => {
    for (const [kind, plural] of Object.entries(GENERATOR_PLURAL)) {
      const crd = load(plural);
      expect(crd.spec.group).toBe(GENERATOR_GROUP);
      expect(crd.spec.names.kind).toBe(kind);
      expect(crd.spec.scope).toBe(kind === 'ClusterGenerator' ? 'Cluster' : 'Namespaced');
    }
    const union = schemaOf('clustergenerators').properties!.spec!.properties!.generator!.properties!;
    expect(Object.keys(union).sort()).toEqual(Object.values(CLUSTER_GENERATOR_SPEC_KEY).sort());
  });

  it('accepts ESO-shaped objects', () => {
    expect(refusals('passwords', { apiVersion: 'x', kind: 'Password', metadata: { name: 'p' }, spec: { length: 24, noUpper: false, allowRepeat: false } })).toEqual([]);
    expect(
      refusals('ecrauthorizationtokens', {
        apiVersion: 'x',
        kind: 'ECRAuthorizationToken',
        metadata: { name: 'e' },
        spec: { region: 'eu-west-1', scope: 'public', auth: { jwt: { serviceAccountRef: { name: 'puller' } } } },
      }),
    ).toEqual([]);
    expect(refusals('clustergenerators', { apiVersion: 'x', kind: 'ClusterGenerator', metadata: { name: 'c' }, spec: { kind: 'Password', generator: { passwordSpec: { length: 10, noUpper: false, allowRepeat: false } } } })).toEqual([]);
  });

  it.each([
    ['passwords', { length: 8, digits: 5, symbols: 5, noUpper: false, allowRepeat: true }, 'spec: digits + symbols must not exceed length'],
    ['passwords', { length: 64, digits: 2, symbols: 2, noUpper: false, allowRepeat: false }, 'spec: without allowRepeat there are only 52 letters'],
    ['passwords', { length: 30, digits: 12, symbols: 2, noUpper: false, allowRepeat: false }, 'spec.digits: without allowRepeat at most 10 distinct digits'],
    ['passwords', { length: 30, digits: 2, symbols: 5, symbolCharacters: '#%', noUpper: false, allowRepeat: false }, 'spec.symbols: without allowRepeat each symbol appears once'],
    ['passwords', { length: 10, secretKeys: ['a', 'a'], noUpper: false, allowRepeat: false }, 'spec.secretKeys: each key may appear only once'],
    ['stssessiontokens', { region: 'eu-west-1', auth: { jwt: { serviceAccountRef: { name: 'sa' } } } }, 'spec.auth.jwt cannot be used'],
    ['stssessiontokens', { region: 'eu-west-1', requestParameters: { tokenCode: '123456' } }, 'spec.requestParameters: set serialNumber and tokenCode together'],
    ['ecrauthorizationtokens', { region: 'eu-west-1', auth: { jwt: { serviceAccountRef: { name: 'a' } }, secretRef: { accessKeyIDSecretRef: { name: 'k', key: 'i' }, secretAccessKeySecretRef: { name: 'k', key: 's' } } } }, 'spec.auth: set at most one of jwt or secretRef'],
  ])('%s refuses %j', (plural, spec, message) => {
    expect(refusals(plural, { apiVersion: 'x', kind: 'K', metadata: { name: 'n' }, spec }).join('\n')).toContain(message);
  });

  it('a ClusterGenerator must hold exactly the spec of its kind', () => {
    const refused = refusals('clustergenerators', { apiVersion: 'x', kind: 'ClusterGenerator', metadata: { name: 'c' }, spec: { kind: 'Password', generator: { stsSessionTokenSpec: { region: 'eu-west-1' } } } }).join('\n');
    expect(refused).toContain('spec.generator.passwordSpec is required for spec.kind Password');
  });
});
