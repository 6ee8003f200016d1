// spec.dataTo (ESO's bulk push): expansion per store, merge with spec.data, conflicts, and the
// checks the schema cannot make. Cases marked "ESO" are ESO 2.9's controller tests
// (pkg/controllers/pushsecret/pushsecret_controller_test.go), same inputs and expectations.
import { afterAll, describe, expect, it } from 'vitest';
import { dataToTargetsStore, planStoreEntries, unmatchedDataTo, validateDataTo, type PlannedEntry, type StoreIdentity } from '../../../src/controller/pushsecret/data-to.js';
import { PushValueError, valueFor } from '../../../src/controller/pushsecret/plan.js';
import type { PushSecretData, PushSecretDataTo } from '../../../src/api/push-types.js';
import { WasmGoEngine } from '../../../src/sync/template/go/engine.js';

const engine = new WasmGoEngine();
afterAll(() => engine.close());
const go = async () => engine;
const store: StoreIdentity = { kind: 'SecretStore', name: 'aws', labels: { env: 'prod' } };
const src = (o: Record<string, string>) => new Map(Object.entries(o).map(([k, v]) => [k, Buffer.from(v)]));
const rule = (r: Partial<PushSecretDataTo> = {}): PushSecretDataTo => ({ storeRef: { name: 'aws' }, ...r });
const plan = (dataTo: PushSecretDataTo[], source: Map<string, Buffer>, data?: PushSecretData[], s = store) => planStoreEntries({ dataTo, ...(data ? { data } : {}) }, s, source, go);
const pushed = (entries: PlannedEntry[], source: Map<string, Buffer>) =>
  Object.fromEntries(entries.map((e) => [e.data.match.remoteRef.remoteKey, valueFor(e.data, e.source ?? source, e.field).value.toString()]));
const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(PushValueError);
    return error as PushValueError;
  }
  throw new Error('expected a PushValueError');
};

describe('planStoreEntries (ESO expandDataTo + mergeDataEntries)', () => {
  it('ESO syncWithDataToMatchAll: no match pushes every key under its own name', async () => {
    const source = src({ key1: 'value1', key2: 'value2' });
    expect(pushed(await plan([rule()], source), source)).toEqual({ key1: 'value1', key2: 'value2' });
  });

  it('ESO syncWithDataToRegex: only keys the regexp finds (unanchored, RE2)', async () => {
    const source = src({ 'db-host': 'localhost', 'db-port': '5432', 'api-key': 'k' });
    expect(Object.keys(pushed(await plan([rule({ match: { regexp: '^db-' } })], source), source))).toEqual(['db-host', 'db-port']);
    expect(Object.keys(pushed(await plan([rule({ match: { regexp: 'port' } })], source), source))).toEqual(['db-port']);
  });

  it('ESO syncWithDataToRegexpRewrite: ^db- -> app/database/', async () => {
    const source = src({ 'db-host': 'localhost', 'db-port': '5432' });
    const out = await plan([rule({ match: { regexp: '^db-' }, rewrite: [{ regexp: { source: '^db-', target: 'app/database/' } }] })], source);
    expect(pushed(out, source)).toEqual({ 'app/database/host': 'localhost', 'app/database/port': '5432' });
    expect(out.map((e) => e.data.match.secretKey)).toEqual(['db-host', 'db-port']);
  });

  it('ESO syncWithDataToTransformRewrite: app/{{ .value | upper }}', async () => {
    const source = src({ username: 'admin' });
    expect(pushed(await plan([rule({ rewrite: [{ transform: { template: 'app/{{ .value | upper }}' } }] })], source), source)).toEqual({ 'app/USERNAME': 'admin' });
  });

  it('ESO syncDataToWithDataOverride: an explicit data entry wins for its source key', async () => {
    const source = src({ key1: 'value1', key2: 'value2' });
    const out = await plan([rule()], source, [{ match: { secretKey: 'key1', remoteRef: { remoteKey: 'override-key1' } } }]);
    expect(pushed(out, source)).toEqual({ key2: 'value2', 'override-key1': 'value1' });
    expect(out.map((e) => e.field)).toEqual(['spec.dataTo[0]', 'spec.data[0]']);
  });

  it('explicit data with ReverseUnicode is compared on the Secret\'s own key name', async () => {
    const source = src({ 'a_U0040_b': 'x', other: 'y' });
    const out = await plan([rule()], source, [{ match: { secretKey: 'a@b', remoteRef: { remoteKey: 'mine' } }, conversionStrategy: 'ReverseUnicode' }]);
    expect(out.map((e) => e.data.match.remoteRef.remoteKey)).toEqual(['other', 'mine']);
  });

  it('ESO failDataToInvalidRegex: the field is named, nothing is pushed', async () => {
    const error = await failure(plan([rule({ match: { regexp: '[invalid' } })], src({ a: '1' })));
    expect(error.field).toBe('spec.dataTo[0].match.regexp');
    expect(error.message).toMatch(/spec\.dataTo\[0\]\.match\.regexp is not a valid regular expression/);
  });

  it('a backtracking-only pattern is refused (RE2), not run', async () => {
    const error = await failure(plan([rule({ match: { regexp: '(?=a)' } })], src({ a: '1' })));
    expect(error.message).toMatch(/RE2 syntax/);
  });

  it('ESO syncWithDataToConversionStrategy: ReverseUnicode matches and rewrites converted names, reads the original key', async () => {
    const source = src({ 'a_U0040_b': 'at', normal: 'n' });
    const out = await plan([rule({ conversionStrategy: 'ReverseUnicode', match: { regexp: '@' } })], source);
    expect(out.map((e) => [e.data.match.secretKey, e.data.match.remoteRef.remoteKey, e.data.conversionStrategy])).toEqual([['a_U0040_b', 'a@b', 'None']]);
    expect(pushed(out, source)).toEqual({ 'a@b': 'at' });
  });

  it('remoteKey bundles the matched keys only, as one JSON object (ESO bundle mode)', async () => {
    const source = src({ DB_HOST: 'h', DB_USER: 'u', OTHER: 'o' });
    const out = await plan([rule({ remoteKey: 'app/db', match: { regexp: '^DB_' }, metadata: { apiVersion: 'kubernetes.external-secrets.io/v1alpha1', kind: 'PushSecretMetadata', spec: { tags: { a: 'b' } } } })], source);
    expect(out).toHaveLength(1);
    expect(out[0]!.data.match.secretKey).toBeUndefined();
    expect(out[0]!.data.metadata).toMatchObject({ spec: { tags: { a: 'b' } } });
    expect(pushed(out, source)).toEqual({ 'app/db': '{"DB_HOST":"h","DB_USER":"u"}' });
  });

  it('remoteKey with rewrite is refused (ESO: mutually exclusive)', async () => {
    const error = await failure(plan([rule({ remoteKey: 'x', rewrite: [{ regexp: { source: 'a', target: 'b' } }] })], src({ a: '1' })));
    expect(error.message).toMatch(/remoteKey and rewrite are mutually exclusive/);
  });

  it('a rule that matches no key pushes nothing (not an error)', async () => {
    expect(await plan([rule({ match: { regexp: '^nope$' } })], src({ a: '1' }))).toEqual([]);
  });

  it('ESO failDataToDuplicateAcrossEntries: two rules writing one remote key fail', async () => {
    const error = await failure(plan([rule({ match: { regexp: '^db-host$' } }), rule({ match: { regexp: '^db-host$' } })], src({ 'db-host': 'h' })));
    expect(error.message).toMatch(/remote key "db-host" is also written by spec\.dataTo\[0\]/);
  });

  it('two keys one rewrite makes the same fail, naming both', async () => {
    const error = await failure(plan([rule({ rewrite: [{ regexp: { source: '.*', target: 'same' } }] })], src({ a: '1', b: '2' })));
    expect(error.message).toMatch(/source keys "a" and "b" both become remote key "same"/);
  });

  it('a rewrite to an empty remote key fails', async () => {
    const error = await failure(plan([rule({ rewrite: [{ regexp: { source: '.*', target: '' } }] })], src({ a: '1' })));
    expect(error.message).toMatch(/becomes an empty remote key/);
  });

  it('ESO failDataToAndDataDuplicateRemoteKey: dataTo and data writing one remote fail', async () => {
    const source = src({ 'db-host': 'localhost', 'api-key': 'secret123' });
    const error = await failure(
      plan([rule({ match: { regexp: '^db-host$' }, rewrite: [{ regexp: { source: '.*', target: 'myapp/config' } }] })], source, [
        { match: { secretKey: 'api-key', remoteRef: { remoteKey: 'myapp/config' } } },
      ]),
    );
    expect(error.field).toBe('spec.data[0]');
    expect(error.message).toMatch(/writes remote "myapp\/config", as spec\.dataTo\[0\] does/);
  });

  it('ESO syncWithDataToStoreRef: a rule applies only to the stores it names or selects', async () => {
    const source = src({ a: '1' });
    const rules = [rule({ storeRef: { name: 'other' } }), rule({ storeRef: { labelSelector: { matchLabels: { env: 'prod' } } }, rewrite: [{ regexp: { source: '^', target: 'p/' } }] })];
    expect(Object.keys(pushed(await plan(rules, source), source))).toEqual(['p/a']);
    expect(await plan(rules, source, undefined, { kind: 'ClusterSecretStore', name: 'aws', labels: { env: 'prod' } })).toEqual([]);
  });
});

describe('dataToTargetsStore / validateDataTo / unmatchedDataTo', () => {
  it('kind defaults to SecretStore, by name or by labels', () => {
    expect(dataToTargetsStore(rule(), store)).toBe(true);
    expect(dataToTargetsStore(rule({ storeRef: { name: 'aws', kind: 'ClusterSecretStore' } }), store)).toBe(false);
    expect(dataToTargetsStore(rule({ storeRef: { labelSelector: { matchLabels: { env: 'dev' } } } }), store)).toBe(false);
  });

  it('ESO failDataToStoreRefNotInList: a named storeRef must be in secretStoreRefs', () => {
    expect(validateDataTo({ secretStoreRefs: [{ name: 'aws' }], dataTo: [rule({ storeRef: { name: 'nope' } })] })).toEqual([
      { field: 'spec.dataTo[0].storeRef.name', message: 'SecretStore "nope" is not in spec.secretStoreRefs; add it there or name a listed store' },
    ]);
    expect(validateDataTo({ secretStoreRefs: [{ name: 'aws' }], dataTo: [rule()] })).toEqual([]);
    expect(validateDataTo({ secretStoreRefs: [{ name: 'aws' }], dataTo: [rule({ storeRef: {} }), rule({ match: { regexp: '(' } })] }).map((p) => p.field)).toEqual([
      'spec.dataTo[0].storeRef',
      'spec.dataTo[1].match.regexp',
    ]);
  });

  it('a labelSelector rule selecting no resolved store is reported', () => {
    const dataTo = [rule({ storeRef: { labelSelector: { matchLabels: { env: 'dev' } } } }), rule()];
    expect(unmatchedDataTo(dataTo, [store])).toEqual([{ field: 'spec.dataTo[0].storeRef.labelSelector', message: 'selects none of the stores of spec.secretStoreRefs; fix the labels or the kind' }]);
  });
});
