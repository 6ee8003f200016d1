// CredentialSourceClient on CoreApi: what per-store AWS credentials read from Kubernetes
// (static keys in Secrets, IRSA ServiceAccounts, TokenRequest). Failures become ProviderErrors
// whose message names the namespace/name/key and says what to do, never the value.
import type { CoreApi } from './client/api.js';
import type { TokenRequest } from './client/objects.js';
import { ES_REASON } from '../api/types.js';
import { ProviderError } from '../api/provider.js';
import { httpStatusOf, isNotFound, toKubeApiError } from './client/errors.js';
import type { CredentialSourceClient, ServiceAccountToken } from './ports.js';

type CoreCalls = Pick<CoreApi, 'readNamespacedSecret' | 'readNamespacedServiceAccount' | 'createNamespacedServiceAccountToken'>;

export class KubeCredentialSource implements CredentialSourceClient {
  constructor(private readonly core: CoreCalls) {}

  async readSecretKey(namespace: string, name: string, key: string, options: { allowEmpty?: boolean } = {}): Promise<string> {
    const where = `Secret ${namespace}/${name}`;
    let data: Record<string, string> | undefined;
    try {
      data = (await this.core.readNamespacedSecret({ namespace, name })).data;
    } catch (error) {
      throw kubeFailure(error, `read credentials ${where}`, {
        404: [ES_REASON.InvalidSpec, `${where} not found: create it or fix the store's secretRef`],
        403: [ES_REASON.AccessDenied, `the operator may not read ${where}: grant it get on secrets in namespace ${namespace}`],
      });
    }
    const encoded = data?.[key];
    if (encoded === undefined) {
      const present = Object.keys(data ?? {}).sort();
      const hint = present.length > 0 ? ` (it has: ${present.join(', ')})` : ' (it has no keys)';
      throw new ProviderError(ES_REASON.InvalidSpec, `key "${key}" not found in ${where}${hint}: fix the key in the store's secretRef`);
    }
    const value = Buffer.from(encoded, 'base64').toString('utf8');
    if (value.length === 0 && !options.allowEmpty) {
      throw new ProviderError(ES_REASON.InvalidSpec, `key "${key}" of ${where} is empty: put the credential in it`);
    }
    return value;
  }

  async serviceAccountAnnotations(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    try {
      const sa = await this.core.readNamespacedServiceAccount({ namespace, name });
      return sa.metadata?.annotations ?? {};
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw kubeFailure(error, `read ServiceAccount ${namespace}/${name}`, {
        403: [ES_REASON.AccessDenied, `the operator may not read ServiceAccount ${namespace}/${name}: ${perStoreIrsaHint(namespace, name)}`],
      });
    }
  }

  async requestToken(namespace: string, name: string, audiences: string[], expirationSeconds: number): Promise<ServiceAccountToken> {
    const where = `ServiceAccount ${namespace}/${name}`;
    let status: TokenRequest['status'];
    try {
      const response = await this.core.createNamespacedServiceAccountToken({
        namespace,
        name,
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences, expirationSeconds } },
      });
      status = response.status;
    } catch (error) {
      throw kubeFailure(error, `request a token for ${where}`, {
        404: [ES_REASON.InvalidSpec, `${where} not found: create it or fix the store's auth.jwt.serviceAccountRef`],
        403: [ES_REASON.AccessDenied, `the operator may not request tokens for ${where}: ${perStoreIrsaHint(namespace, name)}`],
      });
    }
    if (!status?.token) {
      throw new ProviderError(ES_REASON.SecretSyncedError, `the API server returned no token for ${where}`, { retryable: true });
    }
    // RFC 3339 from the API; fall back to the requested lifetime if it is missing or unreadable.
    const expires = status.expirationTimestamp ? new Date(status.expirationTimestamp) : undefined;
    const expiresAt = expires && !Number.isNaN(expires.getTime()) ? expires : new Date(Date.now() + expirationSeconds * 1000);
    return { token: status.token, expiresAt };
  }
}

type KnownFailures = Partial<Record<number, [ProviderError['reason'], string]>>;

/** Maps an API failure to a ProviderError: known codes get their message, others are retryable. */
function kubeFailure(error: unknown, what: string, known: KnownFailures): ProviderError {
  const code = httpStatusOf(error);
  const mapped = code !== undefined ? known[code] : undefined;
  if (mapped) return new ProviderError(mapped[0], mapped[1], { cause: error });
  const kubeError = toKubeApiError(error, what);
  return new ProviderError(ES_REASON.SecretSyncedError, kubeError.message, { retryable: kubeError.retryable, cause: kubeError });
}

/** Per-store IRSA needs get on the ServiceAccount and create on its token: a chart choice (values.yaml). */
function perStoreIrsaHint(namespace: string, name: string): string {
  return `per-store IRSA is not allowed for it; set the chart value rbac.perStoreIRSA.mode to scoped (listing {namespace: ${namespace}, name: ${name}} in rbac.perStoreIRSA.serviceAccounts) or cluster, or grant get on serviceaccounts and create on serviceaccounts/token`;
}
