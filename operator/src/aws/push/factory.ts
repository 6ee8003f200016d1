// Turns a SecretStore into a ready SecretPusher (PushSecret's writer), the way
// aws/provider-factory.ts does for reads and through the same pieces (store-cache.ts): the
// chart's tenancy policy first (a refused store gets no credentials, no client, no request),
// then the store's credentials (CredentialResolver, referent authentication per namespace),
// then the SDK clients of AwsClientFactory — the same clients reads use, so writes get the same
// timeouts, call deadline, response-body cap and per-call metrics
// (rotor_aws_api_calls_total{operation="PutSecretValue"}…). Pushers are cached per identity.
//
// Writes go to the store's primary region only: failoverRegion serves reads, and a write to a
// replica region would fork the secret (Secrets Manager replicates from the primary itself;
// use metadata replicationLocations for that).
// Everything forStore throws is a PushError: InvalidStore for a spec the operator refuses,
// AccessDenied / ProviderError for credentials that cannot be had.
import { createHash } from 'node:crypto';
import { PUSH_REASON, PushError, type SecretPusher } from '../../api/push.js';
import { ProviderError } from '../../api/provider.js';
import { ES_REASON, type SecretStore } from '../../api/types.js';
import type { AwsClientFactory, AwsClientTarget } from '../clients.js';
import type { CredentialResolver } from '../credentials.js';
import { providerIdentityKey } from '../provider-factory.js';
import { StoreBoundCache, type StoreBinding } from '../store-cache.js';
import { defaultTenancy, type TenancyPolicy } from '../tenancy.js';
import { ParameterStorePusher } from './parameter-store-pusher.js';
import { SecretsManagerPusher } from './secrets-manager-pusher.js';

export interface PusherFactoryOptions {
  credentials: CredentialResolver;
  clients: AwsClientFactory;
  /** What a store may ask of the operator (endpoints, identity, audiences). Default: the chart's defaults for process.env. */
  tenancy?: TenancyPolicy;
}

export class PusherFactory {
  private readonly cache: StoreBoundCache<SecretPusher>;

  constructor(private readonly options: PusherFactoryOptions) {
    const tenancy = options.tenancy ?? defaultTenancy(process.env);
    this.cache = new StoreBoundCache({ credentials: options.credentials, clients: options.clients, tenancy }, pusherIdentityKey);
  }

  /**
   * `referentNamespace`: the namespace of the PushSecret being reconciled; used only when the
   * store authenticates by referent (a ClusterSecretStore whose secretRef has no namespace).
   */
  async forStore(store: SecretStore, referentNamespace?: string): Promise<SecretPusher> {
    try {
      const { value } = await this.cache.bind(store, referentNamespace, (binding) => this.build(binding));
      return value;
    } catch (err) {
      throw asPushError(err);
    }
  }

  /**
   * Drops the pushers, clients and credentials of a store: when it is deleted, or when AWS
   * rejected its credentials (the next forStore resolves them again).
   */
  forgetStore(store: Pick<SecretStore, 'kind' | 'metadata'>): void {
    this.cache.forgetStore(store);
  }

  private build({ aws, credentialKey, credentials, retry }: StoreBinding): SecretPusher {
    const target: AwsClientTarget = { region: aws.region, identityKey: credentialKey, credentials, ...(aws.endpoint ? { endpoint: aws.endpoint } : {}), ...(retry ? { retry } : {}) };
    const common = { region: aws.region, ...(aws.endpoint ? { endpoint: aws.endpoint } : {}), ...(aws.prefix ? { prefix: aws.prefix } : {}) };
    const { clients } = this.options;
    if (aws.service === 'SecretsManager') {
      return new SecretsManagerPusher({ client: () => clients.secretsManager(target), ...common, ...(aws.secretsManager ? { deletion: aws.secretsManager } : {}) });
    }
    return new ParameterStorePusher({ client: () => clients.ssm(target), ...common });
  }
}

/** The read identity plus what only writes use: the key prefix and the deletion settings. */
export function pusherIdentityKey({ credentialKey, aws, retry }: StoreBinding): string {
  const writeShaping = JSON.stringify([aws.prefix ?? '', aws.secretsManager ?? null]);
  return `${providerIdentityKey(credentialKey, aws, retry)}/push@${createHash('sha256').update(writeShaping).digest('hex').slice(0, 12)}`;
}

function asPushError(err: unknown): unknown {
  if (!(err instanceof ProviderError)) return err;
  const options = { ...(err.code ? { code: err.code } : {}), retryable: err.retryable, cause: err };
  if (err.reason === ES_REASON.InvalidSpec) return new PushError(PUSH_REASON.InvalidStore, err.message, options);
  if (err.reason === ES_REASON.AccessDenied) return new PushError(PUSH_REASON.AccessDenied, err.message, options);
  return new PushError(PUSH_REASON.ProviderError, err.message, options);
}
