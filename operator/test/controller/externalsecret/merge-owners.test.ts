// Two creationPolicy Merge ExternalSecrets on one Secret: one owner per key (the first to
// write it), recorded in the Secret; the other is not Ready and names the owner; nobody
// rewrites the Secret on every refresh.
import { describe, expect, it } from 'vitest';
import type { Secret } from '../../../src/kube/client/objects.js';
import { ANNOTATION_MERGE_OWNERS, type ExternalSecret } from '../../../src/api/types.js';
import { SharedFetcher } from '../../../src/aws/fetcher.js';
import { FetchingSecretSource } from '../../../src/controller/externalsecret/fetch-desired.js';
import { ExternalSecretReconciler, ReconcileFailure } from '../../../src/controller/externalsecret/reconciler.js';
import { keyConflicts, mergeOwnersOf, recordMergeOwner, releaseMergeKeys } from '../../../src/controller/externalsecret/merge-owners.js';
import { FakeEvents, FakeNamespaces, FakeProvider, FakeSecrets, FakeStatus, capturedLogger, externalSecret, secretStore } from '../fakes.js';
import { stableOffsetMs, waveStart } from '../../../src/controller/externalsecret/refresh.js';

const HOUR = 3_600_000;

function mergeInto(name: string, keys: Record<string, string>): ExternalSecret {
  return externalSecret(
    {
      target: { name: 'shared', creationPolicy: 'Merge' },
      data: Object.entries(keys).map(([secretKey, remote]) => ({ secretKey, remoteRef: { key: remote } })),
    },
    { name, uid: `uid-${name}` },
  );
}

function setup(list: ExternalSecret[]) {
  // On a start of the store's hourly refresh waves (refresh.ts), so the next one is an hour away.
  let now = waveStart(Date.parse('2026-03-01T00:00:00Z'), HOUR, stableOffsetMs('SecretStore/app/aws'));
  const objects = new Map(list.map((es) => [es.metadata.name, es]));
  const secrets = new FakeSecrets();
  secrets.store.set('app/shared', { metadata: { name: 'shared', namespace: 'app', resourceVersion: '1' }, type: 'Opaque', data: { mine: Buffer.from('x').toString('base64') } });
  const provider = new FakeProvider();
  provider.set('prod/a', 'from-a', 'va');
  provider.set('prod/b', 'from-b', 'vb');
  provider.set('prod/c', 'from-c', 'vc');
  const status = new FakeStatus((_ns, name, s) => objects.set(name, { ...objects.get(name)!, status: s }));
  const reconciler = new ExternalSecretReconciler({
    externalSecrets: { get: (_ns, name) => objects.get(name) },
    stores: { secretStore: () => secretStore(), clusterSecretStore: () => undefined },
    namespaces: new FakeNamespaces(),
    secrets,
    status,
    events: new FakeEvents(),
    source: new FetchingSecretSource({ forStore: async () => ({ identityKey: 'id', provider }) }, new SharedFetcher({ ttlMs: 0, batchWindowMs: 0 })),
    macKey: Buffer.alloc(32, 7),
    clock: { now: () => new Date(now).getTime() },
    logger: capturedLogger().logger,
  });
  const reconcile = async (name: string) => reconciler.reconcile('app', name).catch((e: unknown) => (e instanceof ReconcileFailure ? e : Promise.reject(e)));
  const ready = (name: string) => objects.get(name)!.status?.conditions?.find((c) => c.type === 'Ready');
  return { objects, secrets, provider, reconcile, ready, advance: (ms: number) => (now += ms) };
}

describe('Merge key ownership', () => {
  it('the first writer owns a key; the second is not Ready, names it, and the Secret stops flapping', async () => {
    const t = setup([mergeInto('first', { token: 'prod/a' }), mergeInto('second', { token: 'prod/b', extra: 'prod/c' })]);
    await t.reconcile('first');
    // TargetNotOwned heals only by a change of the other ExternalSecret: no backoff, the
    // periodic refresh looks again.
    expect(await t.reconcile('second')).toEqual({ requeueAfterMs: HOUR });
    expect(t.ready('second')).toMatchObject({ status: 'False', reason: 'TargetNotOwned' });
    expect(t.ready('second')?.message).toContain('key "token" of Secret app/shared is already written by ExternalSecret app/first');
    expect(t.ready('first')).toMatchObject({ status: 'True' });
    expect(t.secrets.value('app', 'shared', 'token')).toBe('from-a');
    expect(t.secrets.value('app', 'shared', 'extra')).toBeUndefined();
    expect(t.secrets.value('app', 'shared', 'mine')).toBe('x');

    const writes = t.secrets.writes;
    for (let i = 0; i < 5; i++) {
      t.advance(HOUR);
      await t.reconcile('first');
      await t.reconcile('second');
    }
    expect(t.secrets.writes).toBe(writes);
    expect(t.secrets.value('app', 'shared', 'token')).toBe('from-a');
  });

  it('writers of different keys share the Secret without rewriting it on every refresh', async () => {
    const t = setup([mergeInto('first', { token: 'prod/a' }), mergeInto('second', { other: 'prod/b' })]);
    await t.reconcile('first');
    await t.reconcile('second');
    expect(mergeOwnersOf(t.secrets.store.get('app/shared'))).toEqual({ first: ['token'], second: ['other'] });
    const writes = t.secrets.writes;
    for (let i = 0; i < 3; i++) {
      t.advance(HOUR);
      await t.reconcile('first');
      await t.reconcile('second');
    }
    expect(t.secrets.writes).toBe(writes);
    expect(t.ready('first')?.status).toBe('True');
    expect(t.ready('second')?.status).toBe('True');
  });

  it('a key is free again once its owner is deleted or stops merging into the Secret', async () => {
    const t = setup([mergeInto('first', { token: 'prod/a' }), mergeInto('second', { token: 'prod/b' })]);
    await t.reconcile('first');
    await t.reconcile('second');
    expect(t.ready('second')?.status).toBe('False');
    t.objects.delete('first');
    t.advance(HOUR);
    await t.reconcile('second');
    expect(t.ready('second')?.status).toBe('True');
    expect(t.secrets.value('app', 'shared', 'token')).toBe('from-b');
    expect(mergeOwnersOf(t.secrets.store.get('app/shared'))).toEqual({ second: ['token'] });
  });
});

describe('merge-owners annotation', () => {
  const secret = (owners: unknown, data: Record<string, string> = {}): Secret => ({
    metadata: { name: 's', namespace: 'app', annotations: { [ANNOTATION_MERGE_OWNERS]: typeof owners === 'string' ? owners : JSON.stringify(owners) } },
    data,
  });
  it('reads only well-formed entries; anything else counts as no owners', () => {
    expect(mergeOwnersOf(secret({ a: ['k', 1], b: 'x' }))).toEqual({ a: ['k'] });
    expect(mergeOwnersOf(secret('not json'))).toEqual({});
    expect(mergeOwnersOf(secret([]))).toEqual({});
  });
  it('reports conflicts by owner, ignoring owners that are gone', () => {
    const owners = { a: ['k1', 'k2'], b: ['k3'], gone: ['k4'] };
    expect([...keyConflicts(owners, 'me', ['k2', 'k3', 'k4', 'k5'], (n) => n !== 'gone')]).toEqual([
      ['a', ['k2']],
      ['b', ['k3']],
    ]);
  });
  it('records the writer and drops owners that are gone, in a stable order', () => {
    expect(recordMergeOwner({ z: ['k'], gone: ['g'] }, 'a', ['y', 'x'], (n) => n !== 'gone')).toBe('{"a":["x","y"],"z":["k"]}');
  });
  it('deletionPolicy Merge releases only the keys nobody else owns', () => {
    const b64 = (v: string) => Buffer.from(v).toString('base64');
    const { secret: released, removed } = releaseMergeKeys(secret({ me: ['a'], other: ['b'] }, { a: b64('1'), b: b64('2'), c: b64('3') }), 'me', ['a', 'b'], () => true);
    expect(Object.keys(released.data!)).toEqual(['b', 'c']);
    expect(removed).toBe(1);
    expect(mergeOwnersOf(released)).toEqual({ other: ['b'] });
  });
});
