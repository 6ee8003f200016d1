import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/api/provider.js';
import { StoreReconciler } from '../../src/controller/store-reconciler.js';
import type { SecretStore } from '../../src/api/types.js';
import { FakeEvents, FakeProvider, FakeStatus, capturedLogger, secretStore } from './fakes.js';

function setup(store: SecretStore, failWith?: ProviderError) {
  const status = new FakeStatus();
  const events = new FakeEvents();
  const provider = new FakeProvider();
  provider.failWith = failWith;
  const reconciler = new StoreReconciler({
    get: () => store,
    providers: { forStore: async () => ({ identityKey: 'k', provider }) },
    status,
    events,
    now: () => new Date('2026-03-01T00:00:00Z'),
    logger: capturedLogger().logger,
    revalidateAfterMs: 1_800_000,
  });
  const ready = () => status.stores.get(`${store.kind}/${store.metadata.namespace ?? ''}/${store.metadata.name}`)?.conditions?.[0];
  return { reconciler, status, events, ready, run: () => reconciler.reconcile(store.kind, store.metadata.namespace, store.metadata.name) };
}

describe('StoreReconciler', () => {
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
});
