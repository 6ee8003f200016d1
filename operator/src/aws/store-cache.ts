// What every per-store AWS object (the readers of provider-factory.ts, the writers of
// push/factory.ts) needs before it can be built, and the cache that keeps it per identity:
// the store's spec is checked (service, the chart's tenancy policy: a refused store gets no
// credentials, no client and no request), its credentials resolved (CredentialResolver, with
// referent authentication per namespace), and the built object cached under a key that changes
// with anything that shapes its calls. A spec change yields a new key and the old object is
// dropped; its clients are closed once nothing else of this cache signs with that identity.
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { InvalidDurationError } from '../api/duration.js';
import { ProviderError } from '../api/provider.js';
import { ES_REASON, type AwsProvider, type SecretStore } from '../api/types.js';
import type { AwsClientFactory } from './clients.js';
import { isReferentAuth, slotOfStore, storeSlot, type CredentialResolver } from './credentials.js';
import { retryPolicyOf, type AwsRetryPolicy } from './retry-settings.js';
import { tenancyProblems, type TenancyPolicy } from './tenancy.js';

/** Everything a per-store object is built from. */
export interface StoreBinding {
  aws: AwsProvider;
  /** The credential identity (CredentialResolver's key); clients are shared per this key. */
  credentialKey: string;
  credentials: AwsCredentialIdentityProvider;
  retry: AwsRetryPolicy | undefined;
}

export interface StoreCacheDeps {
  credentials: CredentialResolver;
  clients: AwsClientFactory;
  tenancy: TenancyPolicy;
}

interface Cached<T> {
  value: T;
  credentialKey: string;
}

export class StoreBoundCache<T> {
  private readonly entries = new Map<string, Cached<T>>();
  private readonly keyByStore = new Map<string, string>();

  /**
   * `identityOf`: the cache key of one binding: the credential key plus everything else that
   * decides what the built object does (region, endpoint, retry settings…).
   */
  constructor(
    private readonly deps: StoreCacheDeps,
    private readonly identityOf: (binding: StoreBinding) => string,
  ) {}

  /**
   * The object for this store (and, with referent authentication, this namespace), built by
   * `build` on a miss. Throws ProviderError (InvalidSpec) for a spec the operator refuses.
   */
  async bind(store: SecretStore, referentNamespace: string | undefined, build: (binding: StoreBinding) => T): Promise<{ identityKey: string; value: T }> {
    const aws = store.spec?.provider?.aws;
    if (!aws) throw new ProviderError(ES_REASON.InvalidSpec, 'spec.provider.aws is required');
    if (aws.service !== 'SecretsManager' && aws.service !== 'ParameterStore') {
      throw new ProviderError(ES_REASON.InvalidSpec, `spec.provider.aws.service must be SecretsManager or ParameterStore, got "${String(aws.service)}"`);
    }
    const refused = tenancyProblems(store, this.deps.tenancy);
    if (refused.length > 0) {
      // Whatever the store held under an earlier, allowed spec must not be used either.
      this.forgetStore(store);
      throw new ProviderError(ES_REASON.InvalidSpec, refused.join('; '));
    }
    const retry = storeRetryPolicy(store);
    const referent = isReferentAuth(store) ? referentNamespace : undefined;
    const { identityKey: credentialKey, credentials } = await this.deps.credentials.forStore(store, referent);
    const binding: StoreBinding = { aws, credentialKey, credentials, retry };
    const identityKey = this.identityOf(binding);

    const slot = storeSlot(store, referent);
    const previous = this.keyByStore.get(slot);
    if (previous !== undefined && previous !== identityKey) this.drop(previous);
    this.keyByStore.set(slot, identityKey);

    const cached = this.entries.get(identityKey);
    if (cached) return { identityKey, value: cached.value };
    const value = build(binding);
    this.entries.set(identityKey, { value, credentialKey });
    return { identityKey, value };
  }

  /** Forget an identity AWS rejected: the object, its clients and its cached credentials. */
  invalidate(identityKey: string): void {
    const cached = this.entries.get(identityKey);
    this.drop(identityKey);
    if (cached) this.deps.credentials.invalidate(cached.credentialKey);
  }

  /** Drops the objects, clients and credentials of a deleted store. */
  forgetStore(store: Pick<SecretStore, 'kind' | 'metadata'>): void {
    for (const [slot, key] of this.keyByStore) {
      if (!slotOfStore(slot, store)) continue;
      this.drop(key);
      this.keyByStore.delete(slot);
    }
    this.deps.credentials.forgetStore(store);
  }

  private drop(identityKey: string): void {
    const cached = this.entries.get(identityKey);
    if (!cached) return;
    this.entries.delete(identityKey);
    // Other entries may share the credential identity only if they share the key too.
    const stillUsed = [...this.entries.values()].some((e) => e.credentialKey === cached.credentialKey);
    if (!stillUsed) this.deps.clients.evict(cached.credentialKey);
  }
}

function storeRetryPolicy(store: SecretStore): AwsRetryPolicy | undefined {
  try {
    return retryPolicyOf(store.spec.retrySettings);
  } catch (error) {
    if (error instanceof InvalidDurationError) throw new ProviderError(ES_REASON.InvalidSpec, error.message);
    throw error;
  }
}
