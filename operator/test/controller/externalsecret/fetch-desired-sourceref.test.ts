// ESO's sourceRef in FetchingSecretSource: each entry read through its own store's provider
// (sourceRef.storeRef), shared and batched per store identity, with its store's prefix; and
// dataFrom[].sourceRef.generatorRef run through the GeneratorRunner (a fake here), keys merged
// like any dataFrom entry (rewrite applies), a new run on every fetch.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withDefaults } from '../../../src/api/defaults.js';
import { SharedFetcher } from '../../../src/aws/fetcher.js';
import { FetchingSecretSource, storeRefKey } from '../../../src/controller/externalsecret/fetch-desired.js';
import { GeneratorError, type GeneratedValues, type GeneratorRef, type GeneratorRunner } from '../../../src/api/generator.js';
import type { SecretStore } from '../../../src/api/types.js';
import { ManualClock } from '../../aws/helpers.js';
import { FakeProvider, externalSecret, secretStore } from '../fakes.js';

class FakeRunner implements GeneratorRunner {
  readonly runs: Array<{ namespace: string; ref: GeneratorRef }> = [];
  next: () => GeneratedValues | GeneratorError = () => ({ data: { password: Buffer.from(`gen-${this.runs.length}`) } });
  async generate(namespace: string, ref: GeneratorRef): Promise<GeneratedValues> {
    this.runs.push({ namespace, ref });
    const out = this.next();
    if (out instanceof GeneratorError) throw out;
    return out;
  }
}

let clock: ManualClock;
let primary: FakeProvider;
let other: FakeProvider;
let runner: FakeRunner;
let source: FetchingSecretSource;
const otherStore: SecretStore = { ...secretStore('ClusterSecretStore'), metadata: { name: 'other', generation: 1 }, spec: { provider: { aws: { service: 'ParameterStore', region: 'eu-west-1', prefix: '/shared' } } } };

beforeEach(() => {
  vi.useFakeTimers();
  clock = new ManualClock();
  primary = new FakeProvider();
  other = new FakeProvider();
  primary.set('prod/db', JSON.stringify({ password: 'from-primary' }), 'v1');
  other.set('/shared/db', JSON.stringify({ password: 'from-other', user: 'admin' }), 'v7');
  runner = new FakeRunner();
  source = new FetchingSecretSource(
    { forStore: async (store) => (store.metadata.name === 'other' ? { identityKey: 'other', provider: other } : { identityKey: 'primary', provider: primary }) },
    new SharedFetcher({ clock, ttlMs: 10_000, batchWindowMs: 1 }),
    undefined,
    undefined,
    runner,
  );
});
afterEach(() => vi.useRealTimers());

async function run(es: ReturnType<typeof externalSecret>, store: SecretStore | undefined, entryStores = new Map<string, SecretStore>()) {
  const pending = source.fetch(store, withDefaults(es), { entryStores });
  await vi.advanceTimersByTimeAsync(1);
  return pending;
}

describe('sourceRef.storeRef', () => {
  it('reads each entry through its own store, with that store\'s prefix', async () => {
    const es = externalSecret({
      data: [
        { secretKey: 'a', remoteRef: { key: 'prod/db', property: 'password' } },
        { secretKey: 'b', remoteRef: { key: '/db', property: 'password' }, sourceRef: { storeRef: { name: 'other', kind: 'ClusterSecretStore' } } },
      ],
      dataFrom: [{ extract: { key: '/db' }, sourceRef: { storeRef: { name: 'other', kind: 'ClusterSecretStore' } } }],
    });
    const built = await run(es, secretStore(), new Map([[storeRefKey({ name: 'other', kind: 'ClusterSecretStore' }), otherStore]]));
    expect(built.problems).toEqual([]);
    expect(Object.fromEntries(Object.entries(built.data).map(([k, v]) => [k, v.toString()]))).toEqual({ a: 'from-primary', b: 'from-other', password: 'from-other', user: 'admin' });
    // One batched read per store identity; the two reads of /shared/db shared.
    expect(primary.calls).toBe(1);
    expect(other.calls).toBe(1);
  });

  it('needs no spec.secretStoreRef when every entry has a sourceRef', async () => {
    const es = externalSecret({
      secretStoreRef: undefined,
      data: [{ secretKey: 'b', remoteRef: { key: '/db', property: 'user' }, sourceRef: { storeRef: { name: 'other', kind: 'ClusterSecretStore' } } }],
    });
    const built = await run(es, undefined, new Map([[storeRefKey({ name: 'other', kind: 'ClusterSecretStore' }), otherStore]]));
    expect(built.data.b?.toString()).toBe('admin');
    expect(primary.calls).toBe(0);
  });

  it('an entry\'s failure names the entry', async () => {
    const es = externalSecret({ data: [{ secretKey: 'b', remoteRef: { key: '/missing' }, sourceRef: { storeRef: { name: 'other', kind: 'ClusterSecretStore' } } }] });
    const built = await run(es, secretStore(), new Map([[storeRefKey({ name: 'other', kind: 'ClusterSecretStore' }), otherStore]]));
    expect(built.problems.map((p) => p.field)).toEqual(['spec.data[0].remoteRef.key']);
    expect(built.problems[0]!.message).toContain('"/shared/missing"');
  });
});

describe('dataFrom[].sourceRef.generatorRef', () => {
  const generatorEntry = { sourceRef: { generatorRef: { apiVersion: 'generators.rotor.dev/v1alpha1', kind: 'Password', name: 'pw' } } };

  it('runs the generator in the ExternalSecret namespace on every fetch, merging its keys (data[] overrides)', async () => {
    const es = externalSecret({ secretStoreRef: undefined, data: [], dataFrom: [generatorEntry] });
    const first = await run(es, undefined);
    const second = await run(es, undefined);
    expect(first.data.password?.toString()).toBe('gen-1');
    expect(second.data.password?.toString()).toBe('gen-2');
    expect(runner.runs).toEqual([
      { namespace: 'app', ref: generatorEntry.sourceRef.generatorRef },
      { namespace: 'app', ref: generatorEntry.sourceRef.generatorRef },
    ]);
    // No version: regenerated values never change the version fingerprint (no rollout).
    expect(first.syncedVersions).toEqual([{ key: 'password', remoteKey: 'Password/pw' }]);
  });

  it('applies rewrites to the generated keys, and a template can build a dockerconfigjson', async () => {
    runner.next = () => ({ data: { username: Buffer.from('AWS'), password: Buffer.from('tok'), proxy_endpoint: Buffer.from('https://r.example'), expires_at: Buffer.from('1') }, expiresAt: new Date(5_000_000) });
    const es = externalSecret({
      secretStoreRef: undefined,
      data: [],
      dataFrom: [{ ...generatorEntry, rewrite: [{ regexp: { source: '^(.*)$', target: 'ecr_$1' } }] }],
      target: { template: { type: 'kubernetes.io/dockerconfigjson', engineVersion: 'v2', data: { '.dockerconfigjson': '{"auths":{"{{ .ecr_proxy_endpoint }}":{"username":"{{ .ecr_username }}","password":"{{ .ecr_password }}"}}}' } } },
    });
    const built = await run(es, undefined);
    expect(built.problems).toEqual([]);
    expect(built.type).toBe('kubernetes.io/dockerconfigjson');
    expect(JSON.parse(built.data['.dockerconfigjson']!.toString())).toEqual({ auths: { 'https://r.example': { username: 'AWS', password: 'tok' } } });
    expect(built.generatedExpiresAt).toEqual(new Date(5_000_000));
  });

  it('a generator failure is a problem naming the entry, retried with backoff, without values', async () => {
    runner.next = () => new GeneratorError('GeneratorNotFound', 'Password app/pw not found; create it in this namespace, or reference a ClusterGenerator');
    const built = await run(externalSecret({ secretStoreRef: undefined, data: [], dataFrom: [generatorEntry] }), undefined);
    expect(built.problems).toHaveLength(1);
    expect(built.problems[0]!.reason).toBe('GeneratorNotFound');
    expect(built.problems[0]!.field).toBe('spec.dataFrom[0].sourceRef.generatorRef');
    expect((built.problems[0]!.cause as { retryable: boolean }).retryable).toBe(true);
  });

  it('without a runner, the entry fails with InvalidGenerator', async () => {
    const bare = new FetchingSecretSource({ forStore: async () => ({ identityKey: 'p', provider: primary }) }, new SharedFetcher({ clock, ttlMs: 0, batchWindowMs: 1 }));
    const pending = bare.fetch(undefined, withDefaults(externalSecret({ secretStoreRef: undefined, data: [], dataFrom: [generatorEntry] })));
    await vi.advanceTimersByTimeAsync(1);
    expect((await pending).problems[0]!.reason).toBe('InvalidGenerator');
  });
});
