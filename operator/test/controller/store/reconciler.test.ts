import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/api/provider.js';
import { StoreReconciler } from '../../../src/controller/store/reconciler.js';
import type { SecretStore } from '../../../src/api/types.js';
import { FakeEvents, FakeProvider, FakeStatus, capturedLogger, secretStore } from '../fakes.js';

function setup(store: SecretStore | undefined, failWith?: ProviderError, key = { kind: store?.kind ?? 'SecretStore', namespace: store?.metadata.namespace, name: store?.metadata.name ?? 'gone' }) {
  const status = new FakeStatus();
  const forgotten: string[] = [];
  const events = new FakeEvents();
  const provider = new FakeProvider();
  provider.failWith = failWith;
  const reconciler = new StoreReconciler({
    get: () => store,
    providers: {
      forStore: async () => ({ identityKey: 'k', provider }),
      forgetStore: (s) => forgotten.push(`${s.kind}/${s.metadata.namespace ?? ''}/${s.metadata.name}`),
    },
    status,
    events,
    clock: { now: () => Date.parse('2026-03-01T00:00:00Z') },
    logger: capturedLogger().logger,
    revalidateAfterMs: 1_800_000,
    awsCallTimeoutMs: 5_000,
  });
  const ready = () => status.stores.get(`${key.kind}/${key.namespace ?? ''}/${key.name}`)?.conditions?.[0];
  return { reconciler, status, events, ready, forgotten, provider, run: () => reconciler.reconcile(key.kind, key.namespace, key.name) };
}

describe('StoreReconciler', () => {
  it('releases a deleted store (clients, sockets, credentials) and writes nothing', async () => {
    const t = setup(undefined, undefined, { kind: 'SecretStore', namespace: 'app', name: 'aws' });
    expect(await t.run()).toEqual({});
    expect(t.forgotten).toEqual(['SecretStore/app/aws']);
    expect(t.status.writes).toBe(0);
    const c = setup(undefined, undefined, { kind: 'ClusterSecretStore', namespace: undefined, name: 'shared' });
    await c.run();
    expect(c.forgotten).toEqual(['ClusterSecretStore//shared']);
  });

  it('releases a store that is being deleted (a foreign finalizer holds it)', async () => {
    const store = secretStore();
    store.metadata.deletionTimestamp = '2026-03-01T00:00:00Z';
    const t = setup(store);
    await t.run();
    expect(t.forgotten).toEqual(['SecretStore/app/aws']);
  });

  it('a live store is not released', async () => {
    const t = setup(secretStore());
    await t.run();
    expect(t.forgotten).toEqual([]);
  });

  it('a referent ClusterSecretStore is accepted without resolving credentials (ESO): each ExternalSecret\'s namespace supplies them', async () => {
    const store = secretStore('ClusterSecretStore');
    store.spec.provider.aws.auth = { jwt: { serviceAccountRef: { name: 'reader' } } };
    const t = setup(store, new ProviderError('InvalidSpec', 'must not be called'));
    expect(await t.run()).toEqual({ requeueAfterMs: 1_800_000 });
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Valid', message: expect.stringContaining('referent authentication') });
    expect(t.provider.calls).toBe(0);
  });

  it('marks a working store Valid and re-checks it only on the slow timer', async () => {
    const t = setup(secretStore());
    expect(await t.run()).toEqual({ requeueAfterMs: 1_800_000 });
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Valid' });
    expect(t.events.reasons()).toEqual(['Normal/Valid']);
  });

  it('reports InvalidProviderConfig naming the field, without an AWS call', async () => {
    const t = setup(secretStore('SecretStore', { provider: { aws: { service: 'SecretsManager', region: 'mars' } } }));
    await t.run();
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'InvalidProviderConfig' });
    expect(t.ready()?.message).toMatch(/spec\.provider\.aws\.region/);
  });

  it('reports AuthFailed when the identity is denied', async () => {
    const t = setup(secretStore(), new ProviderError('AccessDenied', 'the role needs secretsmanager:ListSecrets', { code: 'AccessDeniedException' }));
    await t.run();
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'AuthFailed' });
  });

  it('retries with backoff when the endpoint is unreachable', async () => {
    const t = setup(secretStore(), new ProviderError('ProviderUnavailable', 'endpoint http://127.0.0.1:1 is unreachable', { retryable: true, unavailable: true }));
    await expect(t.run()).rejects.toMatchObject({ retryable: true });
    expect(t.ready()).toMatchObject({ status: 'False', reason: 'ProviderUnavailable' });
  });

  it('does not rewrite an unchanged status', async () => {
    const store = secretStore();
    const t = setup(store);
    await t.run();
    store.status = t.status.stores.get('SecretStore/app/aws');
    const writes = t.status.writes;
    await t.run();
    expect(t.status.writes).toBe(writes);
  });

  it("re-checks on ESO's store spec.refreshInterval (seconds) when it is set", async () => {
    const t = setup(secretStore('SecretStore', { provider: { aws: { service: 'SecretsManager', region: 'us-east-1' } }, refreshInterval: 300 }));
    expect(await t.run()).toEqual({ requeueAfterMs: 300_000 });
  });

  it("writes ESO's status.capabilities (ReadWrite for AWS) once the store validates, and keeps it when it later fails", async () => {
    const ok = setup(secretStore());
    await ok.run();
    expect(ok.status.stores.get('SecretStore/app/aws')?.capabilities).toBe('ReadWrite');
    const never = setup(secretStore(), new ProviderError('AccessDenied', 'denied'));
    await never.run().catch(() => undefined);
    expect(never.status.stores.get('SecretStore/app/aws')?.conditions?.[0]?.status).toBe('False');
    expect(never.status.stores.get('SecretStore/app/aws')?.capabilities).toBeUndefined();
    const before = secretStore();
    before.status = { capabilities: 'ReadWrite' };
    const later = setup(before, new ProviderError('AccessDenied', 'denied'));
    await later.run().catch(() => undefined);
    expect(later.status.stores.get('SecretStore/app/aws')?.capabilities).toBe('ReadWrite');
  });

  it('re-checks on a Go duration string spec.refreshInterval too (ESO 2.9 int-or-string)', async () => {
    const t = setup(secretStore('SecretStore', { provider: { aws: { service: 'SecretsManager', region: 'us-east-1' } }, refreshInterval: '5m30s' }));
    expect(await t.run()).toEqual({ requeueAfterMs: 330_000 });
    const zero = setup(secretStore('SecretStore', { provider: { aws: { service: 'SecretsManager', region: 'us-east-1' } }, refreshInterval: '0' }));
    const defaulted = setup(secretStore('SecretStore', { provider: { aws: { service: 'SecretsManager', region: 'us-east-1' } } }));
    expect(await zero.run()).toEqual(await defaulted.run());
  });

  it('accepts ESO secretsManager (PushSecret-only) settings and says in Ready that they are ignored', async () => {
    const t = setup(
      secretStore('SecretStore', { provider: { aws: { service: 'SecretsManager', region: 'us-east-1', secretsManager: { forceDeleteWithoutRecovery: true } } } }),
    );
    await t.run();
    expect(t.ready()).toMatchObject({ status: 'True', reason: 'Valid' });
    expect(t.ready()?.message).toMatch(/spec\.provider\.aws\.secretsManager is ignored.*PushSecret/);
  });

  it('notes in Ready when retrySettings waits longer than the per-call deadline allows', async () => {
    const aws = { service: 'SecretsManager' as const, region: 'us-east-1' };
    const long = setup(secretStore('SecretStore', { provider: { aws }, retrySettings: { maxRetries: 5, retryInterval: '10s' } }));
    await long.run();
    expect(long.ready()).toMatchObject({ status: 'True', reason: 'Valid' });
    expect(long.ready()?.message).toMatch(/spec\.retrySettings waits 50s.*--aws-call-timeout/);
    const fits = setup(secretStore('SecretStore', { provider: { aws }, retrySettings: { maxRetries: 2, retryInterval: '1s' } }));
    await fits.run();
    expect(fits.ready()?.message).toBe('store validated: SecretsManager in us-east-1');
  });
});
