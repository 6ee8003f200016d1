// The Manager's per-kind dependencies as the manager tests build them: in-memory fakes, a
// shared fetcher without caching and real metrics. One copy, so a dependency the Manager gains
// is added once; each test overrides only what it inspects.
import type { RotorMetrics } from '../../src/metrics.js';
import { externalSecretMetrics } from '../../src/metrics.js';
import type { ManagerOptions } from '../../src/controller/manager.js';
import { SharedFetcher } from '../../src/aws/fetcher.js';
import { FetchingSecretSource, type ProviderLookup } from '../../src/controller/externalsecret/fetch-desired.js';
import { FakeEvents, FakeNamespaces, FakeSecrets, FakeStatus } from './fakes.js';

type Providers = ProviderLookup & ManagerOptions['storeDeps']['providers'];

export function externalSecretDeps(
  providers: Providers,
  metrics: RotorMetrics,
  overrides: Partial<ManagerOptions['externalSecretDeps']> = {},
): ManagerOptions['externalSecretDeps'] {
  return {
    namespaces: new FakeNamespaces(),
    secrets: new FakeSecrets(),
    status: new FakeStatus(),
    events: new FakeEvents(),
    source: new FetchingSecretSource(providers, new SharedFetcher({ ttlMs: 0, batchWindowMs: 0 })),
    macKey: Buffer.alloc(32, 1),
    clock: { now: () => Date.now() },
    ...externalSecretMetrics(metrics),
    ...overrides,
  };
}

export function storeDeps(providers: Providers, overrides: Partial<ManagerOptions['storeDeps']> = {}): ManagerOptions['storeDeps'] {
  return { providers, status: new FakeStatus(), events: new FakeEvents(), clock: { now: () => Date.now() }, revalidateAfterMs: 3_600_000, ...overrides };
}
