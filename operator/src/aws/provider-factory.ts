// Turns a SecretStore into a ready SecretsProvider: credentials (CredentialResolver),
// SDK clients (AwsClientFactory), the service's provider, and failover when
// failoverRegion is set. Providers are cached per identity key, so the per-provider
// memory (e.g. "BatchGetSecretValue is denied") and the clients' sockets survive between
// reconciles; a spec change yields a new key and the old provider is dropped.
// The chart's tenancy policy (tenancy.ts) is checked first: a store it refuses gets no
// credentials, no client, and no request is ever sent to its endpoint.
import { createHash } from 'node:crypto';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { Logger } from 'pino';
import { InvalidDurationError } from '../api/duration.js';
import { ES_REASON, type AwsProvider, type SecretStore } from '../api/types.js';
import type { AwsClientFactory } from './clients.js';
import type { Clock } from '../platform/clock.js';
import { isReferentAuth, slotOfStore, storeSlot, type CredentialResolver } from './credentials.js';
import { FailoverProvider } from './failover.js';
import { ParameterStoreProvider } from './parameter-store.js';
import { retryPolicyOf, type AwsRetryPolicy } from './retry-settings.js';
import { SecretsManagerProvider } from './secrets-manager.js';
import { defaultTenancy, tenancyProblems, type TenancyPolicy } from './tenancy.js';
import { ProviderError, type SecretsProvider } from '../api/provider.js';

export interface StoreProvider {
  /** Keys the SharedFetcher and every other per-identity cache. */
  identityKey: string;
  provider: SecretsProvider;
}

export interface ProviderFactoryOptions {
  credentials: CredentialResolver;
  clients: AwsClientFactory;
  logger: Logger;
  clock?: Clock;
  /** How long failover skips a primary that just failed. Default 30 s. */
  primaryDownForMs?: number;
  /** What a store may ask of the operator (endpoints, identity, audiences). Default: the chart's defaults for process.env. */
  tenancy?: TenancyPolicy;
}

interface CachedProvider {
  provider: SecretsProvider;
  credentialKey: string;
}

export class ProviderFactory {
  private readonly providers = new Map<string, CachedProvider>();
  private readonly keyByStore = new Map<string, string>();

  private readonly tenancy: TenancyPolicy;

  constructor(private readonly options: ProviderFactoryOptions) {
    this.tenancy = options.tenancy ?? defaultTenancy(process.env);
  }

  /**
   * `referentNamespace`: the namespace of the ExternalSecret being synced. A ClusterSecretStore
   * with referent authentication (credentials.ts) gets one provider per namespace, each with that
   * namespace's credentials; every other store ignores it and has one provider.
   */
  async forStore(store: SecretStore, referentNamespace?: string): Promise<StoreProvider> {
    const aws = store.spec?.provider?.aws;
    if (!aws) throw new ProviderError(ES_REASON.InvalidSpec, 'spec.provider.aws is required');
    if (aws.service !== 'SecretsManager' && aws.service !== 'ParameterStore') {
      throw new ProviderError(ES_REASON.InvalidSpec, `spec.provider.aws.service must be SecretsManager or ParameterStore, got "${String(aws.service)}"`);
    }
    const refused = tenancyProblems(store, this.tenancy);
    if (refused.length > 0) {
      // Whatever the store held under an earlier, allowed spec must not be used either.
      this.forgetStore(store);
      throw new ProviderError(ES_REASON.InvalidSpec, refused.join('; '));
    }
    const retry = storeRetryPolicy(store);
    const referent = isReferentAuth(store) ? referentNamespace : undefined;
    const { identityKey: credentialKey, credentials } = await this.options.credentials.forStore(store, referent);
    const identityKey = providerIdentityKey(credentialKey, aws, retry);

    const slot = storeSlot(store, referent);
    const previous = this.keyByStore.get(slot);
    if (previous !== undefined && previous !== identityKey) this.drop(previous);
    this.keyByStore.set(slot, identityKey);

    const cached = this.providers.get(identityKey);
    if (cached) return { identityKey, provider: cached.provider };
    const provider = this.build(aws, credentialKey, credentials, retry);
    this.providers.set(identityKey, { provider, credentialKey });
    return { identityKey, provider };
  }

  /**
   * Forget everything about an identity after AWS rejected it (e.g. the role's trust
   * policy changed): provider, clients and cached credentials. The next forStore rebuilds.
   */
  invalidate(identityKey: string): void {
    const cached = this.providers.get(identityKey);
    this.drop(identityKey);
    if (cached) this.options.credentials.invalidate(cached.credentialKey);
  }

  /** Drops the provider, clients and credentials of a deleted store. */
  forgetStore(store: Pick<SecretStore, 'kind' | 'metadata'>): void {
    for (const [slot, key] of this.keyByStore) {
      if (!slotOfStore(slot, store)) continue;
      this.drop(key);
      this.keyByStore.delete(slot);
    }
    this.options.credentials.forgetStore(store);
  }

  private drop(identityKey: string): void {
    const cached = this.providers.get(identityKey);
    if (!cached) return;
    this.providers.delete(identityKey);
    // Other providers may share the credential identity only if they share the key too.
    const stillUsed = [...this.providers.values()].some((p) => p.credentialKey === cached.credentialKey);
    if (!stillUsed) this.options.clients.evict(cached.credentialKey);
  }

  private build(aws: AwsProvider, credentialKey: string, credentials: AwsCredentialIdentityProvider, retry: AwsRetryPolicy | undefined): SecretsProvider {
    const primary = this.regionalProvider(aws, aws.region, aws.endpoint, credentialKey, credentials, retry);
    if (!aws.failoverRegion) return primary;
    // The failover endpoint is explicit: a VPC endpoint URL is region-specific, so the
    // primary's endpoint is not reused for the replica region.
    const replica = this.regionalProvider(aws, aws.failoverRegion, aws.failoverEndpoint, credentialKey, credentials, retry);
    return new FailoverProvider(primary, replica, {
      primaryRegion: aws.region,
      replicaRegion: aws.failoverRegion,
      logger: this.options.logger,
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      ...(this.options.primaryDownForMs !== undefined ? { primaryDownForMs: this.options.primaryDownForMs } : {}),
    });
  }

  private regionalProvider(
    aws: AwsProvider,
    region: string,
    endpoint: string | undefined,
    identityKey: string,
    credentials: AwsCredentialIdentityProvider,
    retry: AwsRetryPolicy | undefined,
  ): SecretsProvider {
    const target = { region, identityKey, credentials, ...(endpoint ? { endpoint } : {}), ...(retry ? { retry } : {}) };
    const common = { region, logger: this.options.logger, ...(endpoint ? { endpoint } : {}) };
    return aws.service === 'SecretsManager'
      ? new SecretsManagerProvider({ client: this.options.clients.secretsManager(target), ...common })
      : new ParameterStoreProvider({ client: this.options.clients.ssm(target), ...common });
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

/**
 * Credential identity + everything else that decides what a read returns or how it is made
 * (stores with different retrySettings need their own clients, hence their own provider).
 */
export function providerIdentityKey(credentialKey: string, aws: AwsProvider, retry?: AwsRetryPolicy): string {
  const shaping = [credentialKey, aws.service, aws.region, aws.endpoint ?? null, aws.failoverRegion ?? null, aws.failoverEndpoint ?? null, ...(retry ? [retry] : [])];
  const digest = createHash('sha256').update(JSON.stringify(shaping)).digest('hex').slice(0, 12);
  return `${credentialKey}/${aws.service}@${digest}`;
}
