// What a store may ask of the operator on a shared cluster (issue #15 items 2, 3 and 13),
// decided by the chart and checked before any credential is resolved or request sent:
// - a namespaced SecretStore's endpoint / failoverEndpoint must be allowed by the
//   EndpointPolicy (a ClusterSecretStore is written by a cluster admin and may name any);
// - a ServiceAccount token is only requested for the chart's audiences (every store kind);
// - with operator identity scope ClusterSecretStoresOnly, a SecretStore must bring its own
//   identity (auth.jwt or auth.secretRef): the operator's own AWS identity is not lent to tenants.
// Pure: returns the problems, the caller refuses the store with them.
import type { SecretStore } from '../api/types.js';
import { DEFAULT_TOKEN_AUDIENCES } from './credentials.js';
import { EndpointPolicy } from './endpoint-policy.js';

export const OPERATOR_IDENTITY_SCOPES = ['AllStores', 'ClusterSecretStoresOnly'] as const;
export type OperatorIdentityScope = (typeof OPERATOR_IDENTITY_SCOPES)[number];

export interface TenancyPolicy {
  endpoints: EndpointPolicy;
  operatorIdentity: OperatorIdentityScope;
  /** Audiences a store may request a ServiceAccount token for. */
  tokenAudiences: string[];
}

/** The defaults of the chart: AWS endpoints and the operator's own, every store may use the operator identity, sts.amazonaws.com. */
export function defaultTenancy(env: Record<string, string | undefined>): TenancyPolicy {
  return { endpoints: new EndpointPolicy({ env, patterns: [] }), operatorIdentity: 'AllStores', tokenAudiences: [...DEFAULT_TOKEN_AUDIENCES] };
}

/** Every way the store oversteps the policy, each naming the field and the chart value that decides it. */
export function tenancyProblems(store: SecretStore, policy: TenancyPolicy): string[] {
  const aws = store.spec?.provider?.aws;
  if (!aws) return [];
  const problems: string[] = [];
  if (store.kind === 'SecretStore') {
    for (const field of ['endpoint', 'failoverEndpoint'] as const) {
      const endpoint = aws[field];
      if (endpoint === undefined || policy.endpoints.allows(endpoint)) continue;
      problems.push(
        `spec.provider.aws.${field} "${endpoint}" is not allowed for a SecretStore: the operator sends requests only to AWS's own Secrets Manager/SSM endpoints, ` +
          `the endpoints it was configured with (AWS_ENDPOINT_URL*) and the patterns of the chart value tenancy.allowedEndpoints (--allowed-endpoint); ` +
          `remove the field, or ask the cluster admin to allow the endpoint or to provide a ClusterSecretStore`,
      );
    }
    if (policy.operatorIdentity === 'ClusterSecretStoresOnly' && !aws.auth?.jwt && !aws.auth?.secretRef) {
      problems.push(
        `spec.provider.aws.auth is required: this operator lends its own AWS identity only to ClusterSecretStores (chart value tenancy.operatorIdentity: ClusterSecretStoresOnly); ` +
          `set spec.provider.aws.auth.jwt (per-store IRSA) or spec.provider.aws.auth.secretRef${aws.role ? ' — spec.provider.aws.role alone is assumed with the operator identity' : ''}`,
      );
    }
  }
  const audiences = aws.auth?.jwt?.serviceAccountRef?.audiences ?? [];
  const refused = audiences.filter((a) => !policy.tokenAudiences.includes(a));
  if (aws.auth?.jwt && refused.length > 0) {
    problems.push(
      `spec.provider.aws.auth.jwt.serviceAccountRef.audiences: ${refused.map((a) => `"${a}"`).join(', ')} not allowed; the operator requests ServiceAccount tokens only for ` +
        `[${policy.tokenAudiences.join(', ')}] (chart value tenancy.tokenAudiences, --token-audience); remove the field or use one of those`,
    );
  }
  return problems;
}
