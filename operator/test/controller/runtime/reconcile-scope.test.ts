// The reconcile hands its AWS reads an AbortSignal that fires when its ExternalSecret is deleted
// (issue #15 item 2b): a listing an endpoint keeps alive must end with the object that started it.
import { describe, expect, it } from 'vitest';
import type { ExternalSecret } from '../../../src/api/types.js';
import { ExternalSecretReconciler } from '../../../src/controller/externalsecret/reconciler.js';
import type { SecretSource } from '../../../src/controller/externalsecret/fetch-desired.js';
import { FakeEvents, FakeNamespaces, FakeSecrets, FakeStatus, capturedLogger, externalSecret, secretStore } from '../fakes.js';

describe('the reconcile signal', () => {
  it('aborts the fetch when the ExternalSecret disappears from the cache during the pass', async () => {
    let current: ExternalSecret | undefined = externalSecret({ dataFrom: [{ find: { name: { regexp: '.*' } } }], data: [] });
    const store = { ...secretStore(), metadata: { ...secretStore().metadata, uid: 'store-uid' } };
    let seen: AbortSignal | undefined;
    const source: SecretSource = {
      fetch: (_store, _es, options) =>
        new Promise((_resolve, reject) => {
          seen = options?.signal;
          // The "listing" runs until told to stop, as one against an endless NextToken would.
          seen?.addEventListener('abort', () => reject(new Error(`stopped: ${(seen?.reason as Error).message}`)));
          setTimeout(() => (current = undefined), 50);
        }),
    };
    const reconciler = new ExternalSecretReconciler({
      externalSecrets: { get: () => current },
      stores: { secretStore: () => store, clusterSecretStore: () => undefined },
      namespaces: new FakeNamespaces(),
      secrets: new FakeSecrets(),
      status: new FakeStatus(),
      events: new FakeEvents(),
      source,
      macKey: Buffer.alloc(32, 7),
      clock: { now: () => Date.now() },
      logger: capturedLogger().logger,
    });
    await reconciler.reconcile('app', 'db').catch(() => undefined);
    expect(seen?.aborted).toBe(true);
    expect((seen?.reason as Error).message).toBe('the ExternalSecret was deleted');
  }, 10_000);
});
