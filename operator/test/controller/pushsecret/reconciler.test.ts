import { describe, expect, it } from 'vitest';
import { PushSecretReconciler } from '../../../src/controller/pushsecret/reconciler.js';
import { ReconcileFailure } from '../../../src/controller/externalsecret/reconciler.js';
import { PUSH_SECRET_FINALIZER, type PushSecret } from '../../../src/api/push-types.js';
import { PushError } from '../../../src/api/push.js';
import { GeneratorError, type GeneratorRunner } from '../../../src/api/generator.js';
import type { SecretStore } from '../../../src/api/types.js';
import { FakeEvents, FakeNamespaces, capturedLogger, secretStore } from '../fakes.js';
import { FakePushers, FakePushStatus, FakeSources, pushSecret } from './fakes.js';

const T0 = new Date('2026-12-01T12:00:00Z');

function setup(initial: PushSecret, options: { stores?: SecretStore[]; generators?: GeneratorRunner; namespaceLabels?: Record<string, Record<string, string>> } = {}) {
  let ps: PushSecret | undefined = structuredClone(initial);
  let now = T0;
  const stores = options.stores ?? [secretStore('SecretStore')];
  const sources = new FakeSources();
  const pushers = new FakePushers();
  const status = new FakePushStatus();
  const events = new FakeEvents();
  const namespaces = new FakeNamespaces(options.namespaceLabels ?? {});
  const log = capturedLogger();
  const reconciler = new PushSecretReconciler({
    get: () => ps,
    stores: {
      secretStore: (ns, name) => stores.find((s) => s.kind === 'SecretStore' && s.metadata.namespace === ns && s.metadata.name === name),
      clusterSecretStore: (name) => stores.find((s) => s.kind === 'ClusterSecretStore' && s.metadata.name === name),
      secretStores: (ns) => stores.filter((s) => s.kind === 'SecretStore' && s.metadata.namespace === ns),
      clusterSecretStores: () => stores.filter((s) => s.kind === 'ClusterSecretStore'),
    },
    namespaces,
    sources,
    pushers,
    ...(options.generators ? { generators: options.generators } : {}),
    status,
    finalizers: status,
    events,
    clock: { now: () => now.getTime() },
    logger: log.logger,
  });
  const key = `${initial.metadata.namespace}/${initial.metadata.name}`;
  const run = async () => {
    const result = await reconciler.reconcile(initial.metadata.namespace!, initial.metadata.name);
    // The next pass sees what this one wrote, as it would through the informer.
    if (ps) {
      const written = status.byKey.get(key);
      const finalizers = status.finalizers.get(key);
      ps = { ...ps, ...(written ? { status: written } : {}), metadata: { ...ps.metadata, ...(finalizers ? { finalizers } : {}) } };
    }
    return result;
  };
  return {
    reconciler,
    sources,
    pushers,
    stores,
    namespaces,
    status,
    events,
    log,
    run,
    remote: (kind = 'SecretStore', name = 'aws') => pushers.remote(kind, name),
    current: () => status.byKey.get(key)!,
    ps: () => ps!,
    edit: (change: (p: PushSecret) => PushSecret) => (ps = change(ps!)),
    advance: (ms: number) => (now = new Date(now.getTime() + ms)),
  };
}

describe('PushSecretReconciler', () => {
  it('pushes a Secret key to the store and records ESO\'s status map, Ready and an event', async () => {
    const t = setup(pushSecret());
    t.sources.put('app', 'source', { password: 's3cret-value' });
    expect(await t.run()).toEqual({ requeueAfterMs: 3_600_000 });
    expect(t.remote().values.get('team/db')).toBe('s3cret-value');
    // The store's writer is asked for the PushSecret's namespace (referent authentication).
    expect(t.pushers.requests).toEqual([{ store: 'SecretStore/aws', referent: 'app' }]);
    expect(t.current()).toMatchObject({
      refreshTime: T0.toISOString(),
      syncedPushSecrets: { 'SecretStore/aws': { 'team/db': { match: { secretKey: 'password', remoteRef: { remoteKey: 'team/db' } } } } },
      conditions: [{ type: 'Ready', status: 'True', reason: 'Synced', message: 'pushed 1 value(s) to 1 store(s)' }],
      observedGeneration: 1,
    });
    expect(t.current().syncedResourceVersion).toMatch(/^1-[0-9a-f]{56}$/);
    expect(t.events.reasons()).toEqual(['Normal/Synced', 'Normal/Pushed']);
  });

  it('pushes one property of a JSON remote, and the whole Secret as a JSON object', async () => {
    const t = setup(
      pushSecret({
        data: [
          { match: { secretKey: 'password', remoteRef: { remoteKey: 'team/db', property: 'pw' } } },
          { match: { remoteRef: { remoteKey: 'team/all' } } },
        ],
      }),
    );
    t.sources.put('app', 'source', { password: 'p1', user: 'u1' });
    await t.run();
    expect(JSON.parse(t.remote().values.get('team/db')!)).toEqual({ pw: 'p1' });
    expect(t.remote().values.get('team/all')).toBe('{"password":"p1","user":"u1"}');
    expect(Object.keys(t.current().syncedPushSecrets!['SecretStore/aws']!)).toEqual(['team/db/pw', 'team/all']);
  });

  it('waits for the interval, but re-pushes at once when the source Secret changed', async () => {
    const t = setup(pushSecret());
    t.sources.put('app', 'source', { password: 'one' });
    await t.run();
    t.sources.put('app', 'source', { password: 'two' });
    t.advance(60_000);
    expect(await t.run()).toEqual({ requeueAfterMs: 3_540_000 });
    expect(t.remote().values.get('team/db')).toBe('one');
    t.reconciler.markSourceChanged('app', 'push');
    await t.run();
    expect(t.remote().values.get('team/db')).toBe('two');
    expect(t.events.events.at(-1)).toMatchObject({ reason: 'Pushed', message: 'created 0, updated 1 remote value(s) (SecretStore/aws:team/db)' });
  });

  it('updatePolicy IfNotExists leaves an existing remote value as it is', async () => {
    const t = setup(pushSecret({ updatePolicy: 'IfNotExists' }));
    t.remote().values.set('team/db', 'kept');
    t.remote().managed.add('team/db');
    t.sources.put('app', 'source', { password: 'new' });
    await t.run();
    expect(t.remote().values.get('team/db')).toBe('kept');
    expect(t.current().conditions![0]).toMatchObject({ status: 'True', reason: 'Synced', message: expect.stringContaining('1 already existed and were left as they are (updatePolicy IfNotExists)') });
  });

  it('refuses to overwrite a remote secret Rotor did not create: NotManaged, no retry storm, value untouched', async () => {
    const t = setup(pushSecret());
    t.remote().values.set('team/db', 'someone-elses');
    t.sources.put('app', 'source', { password: 'mine' });
    expect(await t.run()).toEqual({ requeueAfterMs: 3_600_000 });
    expect(t.remote().values.get('team/db')).toBe('someone-elses');
    expect(t.current().conditions![0]).toMatchObject({ status: 'False', reason: 'NotManaged', message: 'SecretStore/aws: secret team/db exists and was not created by Rotor; left untouched' });
    expect(t.events.reasons()).toEqual(['Warning/NotManaged']);
  });

  it('backs off on a retryable writer error and keeps what was pushed before in status', async () => {
    const t = setup(pushSecret());
    t.sources.put('app', 'source', { password: 'x' });
    await t.run();
    t.remote().failNext = new PushError('ProviderError', 'Secrets Manager answered 503; retried', { retryable: true });
    t.reconciler.markSourceChanged('app', 'push');
    await expect(t.run()).rejects.toBeInstanceOf(ReconcileFailure);
    expect(t.current().syncedPushSecrets).toEqual({ 'SecretStore/aws': { 'team/db': expect.anything() } });
    expect(t.current().conditions![0]).toMatchObject({ status: 'False', reason: 'Errored' });
  });

  it('spec.dataTo: pushes the matched keys (renamed) and a bundle, explicit data wins, a key leaving the source is deleted (Delete)', async () => {
    const t = setup(
      pushSecret({
        deletionPolicy: 'Delete',
        data: [{ match: { secretKey: 'db-pass', remoteRef: { remoteKey: 'explicit/pass' } } }],
        dataTo: [
          { storeRef: { name: 'aws' }, match: { regexp: '^db-' }, rewrite: [{ regexp: { source: '^db-', target: 'app/db/' } }], metadata: { kind: 'PushSecretMetadata', spec: { tags: { t: 'v' } } } },
          { storeRef: { name: 'aws' }, match: { regexp: '^api' }, remoteKey: 'app/api' },
        ],
      }),
    );
    t.sources.put('app', 'source', { 'db-host': 'h', 'db-pass': 'p', apiKey: 'k', other: 'o' });
    await t.run();
    expect(Object.fromEntries(t.remote().values)).toEqual({ 'app/db/host': 'h', 'explicit/pass': 'p', 'app/api': '{"apiKey":"k"}' });
    const synced = t.current().syncedPushSecrets!['SecretStore/aws']!;
    expect(synced['app/db/host']).toEqual({ match: { secretKey: 'db-host', remoteRef: { remoteKey: 'app/db/host' } }, metadata: { kind: 'PushSecretMetadata', spec: { tags: { t: 'v' } } }, conversionStrategy: 'None' });
    expect(t.current().conditions![0]).toMatchObject({ reason: 'Synced', message: 'pushed 3 value(s) to 1 store(s)' });

    t.sources.put('app', 'source', { 'db-pass': 'p', apiKey: 'k' });
    t.advance(3_600_000);
    await t.run();
    expect([...t.remote().values.keys()].sort()).toEqual(['app/api', 'explicit/pass']);
  });

  it('spec.dataTo naming a store outside secretStoreRefs, or a duplicate remote, is InvalidSpec naming the field', async () => {
    const t = setup(pushSecret({ dataTo: [{ storeRef: { name: 'elsewhere' } }] }));
    t.sources.put('app', 'source', { password: 'x' });
    await t.run();
    expect(t.current().conditions![0]).toMatchObject({ reason: 'InvalidSpec', message: expect.stringContaining('spec.dataTo[0].storeRef.name: SecretStore "elsewhere" is not in spec.secretStoreRefs') });
    expect(t.sources.reads).toBe(0);
    const u = setup(pushSecret({ dataTo: [{ storeRef: { name: 'aws' }, rewrite: [{ regexp: { source: '.*', target: 'team/db' } }] }] }));
    u.sources.put('app', 'source', { other: 'x' });
    await u.run();
    expect(u.current().conditions![0]).toMatchObject({ reason: 'InvalidSpec', message: expect.stringContaining('writes remote "team/db", as spec.dataTo[0] does') });
    expect(u.remote().values.size).toBe(0);
  });

  it('deletionPolicy Delete: adds the finalizer, deletes a remote value whose entry left spec.data, and everything on deletion', async () => {
    const t = setup(
      pushSecret({
        deletionPolicy: 'Delete',
        data: [
          { match: { secretKey: 'a', remoteRef: { remoteKey: 'keep' } } },
          { match: { secretKey: 'b', remoteRef: { remoteKey: 'drop' } } },
        ],
      }),
    );
    t.sources.put('app', 'source', { a: '1', b: '2' });
    await t.run();
    expect(t.status.finalizers.get('app/push')).toEqual([PUSH_SECRET_FINALIZER]);
    expect([...t.remote().values.keys()].sort()).toEqual(['drop', 'keep']);

    t.edit((p) => ({ ...p, metadata: { ...p.metadata, generation: 2 }, spec: { ...p.spec, data: p.spec.data!.slice(0, 1) } }));
    await t.run();
    expect([...t.remote().values.keys()]).toEqual(['keep']);
    expect(Object.keys(t.current().syncedPushSecrets!['SecretStore/aws']!)).toEqual(['keep']);
    expect(t.events.reasons()).toContain('Normal/Deleted');

    t.edit((p) => ({ ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-12-01T13:00:00Z' } }));
    await t.run();
    expect(t.remote().values.size).toBe(0);
    expect(t.status.finalizers.get('app/push')).toEqual([]);
  });

  it('deletionPolicy Delete with its SecretStore gone: kept while the namespace lives, released with a Warning when the namespace is being deleted', async () => {
    const t = setup(pushSecret({ deletionPolicy: 'Delete', data: [{ match: { secretKey: 'a', remoteRef: { remoteKey: 'kept-in-aws' } } }] }));
    t.sources.put('app', 'source', { a: '1' });
    await t.run();
    expect([...t.remote().values.keys()]).toEqual(['kept-in-aws']);

    t.stores.splice(0, t.stores.length);
    t.edit((p) => ({ ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-12-01T13:00:00Z' } }));
    await expect(t.run()).rejects.toThrow(/cannot be deleted/);
    expect(t.status.finalizers.get('app/push')).toEqual([PUSH_SECRET_FINALIZER]);

    // kubectl delete namespace app: the store went first, and nothing can re-create it there.
    t.namespaces.deleting.add('app');
    await t.run();
    expect(t.status.finalizers.get('app/push')).toEqual([]);
    expect(t.events.reasons()).toContain('Warning/StoreNotFound');
    expect([...t.remote().values.keys()]).toEqual(['kept-in-aws']);
  });

  it('deletionPolicy None: removes a leftover finalizer and never deletes remote values', async () => {
    const t = setup(pushSecret({ deletionPolicy: 'None' }, { finalizers: [PUSH_SECRET_FINALIZER] }));
    t.sources.put('app', 'source', { password: 'x' });
    await t.run();
    expect(t.status.finalizers.get('app/push')).toEqual([]);
    t.edit((p) => ({ ...p, metadata: { ...p.metadata, generation: 2 }, spec: { ...p.spec, data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: 'other' } } }] } }));
    await t.run();
    expect([...t.remote().values.keys()].sort()).toEqual(['other', 'team/db']);
    expect(t.remote().calls.filter((c) => c.startsWith('delete'))).toEqual([]);
  });

  it('a deleted source Secret takes its pushed values with it under deletionPolicy Delete (ESO SourceDeleted)', async () => {
    const t = setup(pushSecret({ deletionPolicy: 'Delete' }));
    t.sources.put('app', 'source', { password: 'x' });
    await t.run();
    t.sources.secrets.clear();
    t.reconciler.markSourceChanged('app', 'push');
    await t.run();
    expect(t.remote().values.size).toBe(0);
    expect(t.current().syncedPushSecrets).toBeUndefined();
    expect(t.current().conditions![0]).toMatchObject({ status: 'False', reason: 'SourceDeleted' });
  });

  it('a missing source Secret (deletionPolicy None) is SourceNotFound, named with what to do', async () => {
    const t = setup(pushSecret());
    await t.run();
    expect(t.current().conditions![0]).toMatchObject({ reason: 'SourceNotFound', message: expect.stringContaining('Secret app/source (spec.selector.secret.name) does not exist') });
  });

  it('enforces ClusterSecretStore conditions, as for ExternalSecrets', async () => {
    const css = { ...secretStore('ClusterSecretStore', { conditions: [{ namespaces: ['team-a'] }] }), metadata: { name: 'shared', generation: 1 } };
    const t = setup(pushSecret({ secretStoreRefs: [{ name: 'shared', kind: 'ClusterSecretStore' }] }), { stores: [css] });
    t.sources.put('app', 'source', { password: 'x' });
    await t.run();
    expect(t.current().conditions![0]).toMatchObject({ reason: 'StoreNotAllowed', message: expect.stringContaining('ClusterSecretStore shared does not allow namespace app') });
    expect(t.pushers.requests).toEqual([]);
  });

  it('resolves stores by label, and refuses a named store that does not exist', async () => {
    const labelled = (name: string, labels: Record<string, string>) => ({ ...secretStore('SecretStore'), metadata: { name, namespace: 'app', labels, generation: 1 } });
    const t = setup(pushSecret({ secretStoreRefs: [{ labelSelector: { matchLabels: { push: 'yes' } } }] }), { stores: [labelled('one', { push: 'yes' }), labelled('two', { push: 'no' })] });
    t.sources.put('app', 'source', { password: 'x' });
    await t.run();
    expect(Object.keys(t.current().syncedPushSecrets!)).toEqual(['SecretStore/one']);

    const u = setup(pushSecret({ secretStoreRefs: [{ name: 'nope' }] }));
    u.sources.put('app', 'source', { password: 'x' });
    await u.run();
    expect(u.current().conditions![0]).toMatchObject({ reason: 'StoreNotFound', message: 'spec.secretStoreRefs[0]: SecretStore nope does not exist in namespace app; create it or fix the name' });
  });

  it('pushes every Secret a label selector matches, only from its own namespace', async () => {
    const t = setup(pushSecret({ selector: { secret: { selector: { matchLabels: { push: 'yes' } } } }, data: [{ match: { remoteRef: { remoteKey: 'bundle' } } }] }));
    t.sources.put('app', 's1', { k: '1' }, { push: 'yes' });
    t.sources.put('other', 's2', { k: 'other-namespace' }, { push: 'yes' });
    await t.run();
    expect(t.remote().values.get('bundle')).toBe('{"k":"1"}');
  });

  it('selector.generatorRef: refused with GeneratorUnavailable without a runner; pushes the generated values with one', async () => {
    const spec = { selector: { generatorRef: { apiVersion: 'generators.rotor.dev/v1alpha1', kind: 'Password', name: 'pw' } } };
    const t = setup(pushSecret(spec));
    await t.run();
    expect(t.current().conditions![0]).toMatchObject({ reason: 'GeneratorUnavailable', message: expect.stringContaining('spec.selector.generatorRef names Password pw, but this operator runs no generators') });

    const calls: string[] = [];
    const runner: GeneratorRunner = {
      generate: async (namespace, ref) => {
        calls.push(`${namespace}:${ref.kind}/${ref.name}`);
        return { data: { password: Buffer.from('generated-pw') } };
      },
    };
    const u = setup(pushSecret(spec), { generators: runner });
    await u.run();
    expect(calls).toEqual(['app:Password/pw']);
    expect(u.remote().values.get('team/db')).toBe('generated-pw');

    const failing = setup(pushSecret(spec), { generators: { generate: async () => Promise.reject(new GeneratorError('GeneratorNotFound', 'Password pw does not exist in namespace app')) } });
    await failing.run();
    expect(failing.current().conditions![0]).toMatchObject({ reason: 'GeneratorFailed' });
  });

  it('applies spec.template (engine v2) on top of the source keys before picking what to push', async () => {
    const t = setup(pushSecret({ template: { data: { url: 'postgres://{{ .user }}:{{ .password }}@db' } }, data: [{ match: { secretKey: 'url', remoteRef: { remoteKey: 'team/url' } } }, { match: { secretKey: 'user', remoteRef: { remoteKey: 'team/user' } } }] }));
    t.sources.put('app', 'source', { user: 'admin', password: 'pw' });
    await t.run();
    expect(t.remote().values.get('team/url')).toBe('postgres://admin:pw@db');
    expect(t.remote().values.get('team/user')).toBe('admin');
  }, 30_000);

  it('a missing source key is InvalidSpec naming the field; an invalid spec pushes nothing', async () => {
    const t = setup(pushSecret({ data: [{ match: { secretKey: 'nope', remoteRef: { remoteKey: 'k' } } }] }));
    t.sources.put('app', 'source', { password: 'x' });
    await t.run();
    expect(t.current().conditions![0]).toMatchObject({ reason: 'InvalidSpec', message: expect.stringContaining('spec.data[0].match.secretKey: the source has no key "nope"') });
    const u = setup(pushSecret({ refreshInterval: 'soon' }));
    await u.run();
    expect(u.current().conditions![0]).toMatchObject({ reason: 'InvalidSpec', message: expect.stringContaining('spec.refreshInterval') });
    expect(u.sources.reads).toBe(0);
  });

  it('never puts a value in status, events or logs', async () => {
    const secretValue = 'TOP-SECRET-7f3a9';
    const t = setup(pushSecret({ deletionPolicy: 'Delete', data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: 'team/db' } } }, { match: { remoteRef: { remoteKey: 'team/all' } } }] }));
    t.sources.put('app', 'source', { password: secretValue });
    await t.run();
    t.remote().values.set('team/other', 'x');
    t.edit((p) => ({ ...p, metadata: { ...p.metadata, generation: 2 }, spec: { ...p.spec, data: [{ match: { secretKey: 'missing', remoteRef: { remoteKey: 'team/other' } } }] } }));
    await t.run();
    const everything = JSON.stringify([[...t.status.byKey.values()], t.events.events]) + t.log.output();
    expect(everything).not.toContain(secretValue);
    expect(everything).not.toContain(Buffer.from(secretValue).toString('base64'));
    expect(t.log.output()).toContain('pushed');
  });
});
