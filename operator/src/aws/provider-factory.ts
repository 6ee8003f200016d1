// Turns a SecretStore into a ready SecretsProvider: credentials (CredentialResolver),
// SDK clients (AwsClientFactory), the service's provider, and failover when
// failoverRegion is set. Providers are cached per identity key (store-cache.ts), so the
// per-provider memory (e.g. "BatchGetSecretValue is denied") and the clients' sockets survive
// between reconciles; a spec change yields a new key and the old provider is dropped.
// The chart's tenancy policy (tenancy.ts) is checked first: a store it refuses gets no
// credentials, no client, and no request is ever sent to its endpoint.
import { createHash } from 'node:crypto';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { Logger } from 'pino';
import type { AwsProvider, SecretStore } from '../api/types.js';
import type { AwsClientFactory } from './clients.js';
import type { Clock } from '../platform/clock.js';
import type { CredentialResolver } from './credentials.js';
import { FailoverProvider } from './failover.js';
import { ParameterStoreProvider } from './parameter-store.js';
import type { AwsRetryPolicy } from './retry-settings.js';
import { SecretsManagerProvider } from './secrets-manager.js';
import { StoreBoundCache } from './store-cache.js';
import { defaultTenancy, type TenancyPolicy } from './tenancy.js';
import type { SecretsProvider } from '../api/provider.js';

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

export class ProviderFactory {
  private readonly cache: StoreBoundCache<SecretsProvider>;

  constructor(private readonly options: ProviderFactoryOptions) {
    const tenancy = options.tenancy ?? defaultTenancy(process.env);
    this.cache = new StoreBoundCache({ credentials: options.credentials, clients: options.clients, tenancy }, ({ credentialKey, aws, retry }) =>
      providerIdentityKey(credentialKey, aws, retry),
    );
  }

  /**
   * `referentNamespace`: the namespace of the ExternalSecret being synced. A ClusterSecretStore
   * with referent authentication (credentials.ts) gets one provider per namespace, each with that
   * namespace's credentials; every other store ignores it and has one provider.
   */
  async forStore(store: SecretStore, referentNamespace?: string): Promise<StoreProvider> {
    const { identityKey, value: provider } = await this.cache.bind(store, referentNamespace, ({ aws, credentialKey, credentials, retry }) =>
      this.build(aws, credentialKey, credentials, retry),
    );
    return { identityKey, provider };
  }

  /**
   * Forget everything about an identity after AWS rejected it (e.g. the role's trust
   * policy changed): provider, clients and cached credentials. The next forStore rebuilds.
   */
  invalidate(identityKey: string): void {
    this.cache.invalidate(identityKey);
  }

  /** Drops the provider, clients and credentials of a deleted store. */
  forgetStore(store: Pick<SecretStore, 'kind' | 'metadata'>): void {
    this.cache.forgetStore(store);
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

/**
 * Credential identity + everything else that decides what a read returns or how it is made
 * (stores with different retrySettings need their own clients, hence their own provider).
 */
export function providerIdentityKey(credentialKey: string, aws: AwsProvider, retry?: AwsRetryPolicy): string {
  const shaping = [credentialKey, aws.service, aws.region, aws.endpoint ?? null, aws.failoverRegion ?? null, aws.failoverEndpoint ?? null, ...(retry ? [retry] : [])];
  const digest = createHash('sha256').update(JSON.stringify(shaping)).digest('hex').slice(0, 12);
  return `${credentialKey}/${aws.service}@${digest}`;
}
