// ESO's ECRAuthorizationToken generator: GetAuthorizationToken, the login of the account's
// private registries (scope private, the default) or of ECR Public (scope public). Output keys
// exactly as ESO: username, password, proxy_endpoint (private only), expires_at (Unix seconds).
// The token decodes to "<username>:<password>" (AWS:<token>) and is valid 12 hours: expiresAt
// tells the caller to refresh before then (controller/externalsecret/refresh.ts).
//
// ECR Public lives in us-east-1 only; its GetAuthorizationToken needs
// ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken (docs/iam/). ESO calls it in the
// spec's region; Rotor calls it in us-east-1, where the API exists.
import { GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { GetAuthorizationTokenCommand as GetPublicAuthorizationTokenCommand } from '@aws-sdk/client-ecr-public';
import type { GeneratedValues } from '../../api/generator.js';
import type { ECRAuthorizationTokenSpec } from '../../api/generator-types.js';
import type { AwsClientFactory } from '../clients.js';
import { toProviderError } from '../errors.js';
import type { GeneratorIdentity } from './identity.js';
import { GeneratorError, GENERATOR_REASON } from '../../api/generator.js';

export const ECR_PUBLIC_REGION = 'us-east-1';

export type EcrClients = Pick<AwsClientFactory, 'ecr' | 'ecrPublic'>;

export async function generateEcrToken(clients: EcrClients, identity: GeneratorIdentity, spec: ECRAuthorizationTokenSpec, signal?: AbortSignal): Promise<GeneratedValues> {
  const options = signal ? { abortSignal: signal } : {};
  if (spec.scope === 'public') {
    const target = { region: ECR_PUBLIC_REGION, identityKey: identity.identityKey, credentials: identity.credentials };
    let out;
    try {
      out = await clients.ecrPublic(target).send(new GetPublicAuthorizationTokenCommand({}), options);
    } catch (error) {
      throw failed(error, 'ECRPublic', ECR_PUBLIC_REGION, ' ECR Public also needs sts:GetServiceBearerToken.');
    }
    const data = out.authorizationData;
    const { username, password } = splitToken(data?.authorizationToken);
    const expiresAt = expiry(data?.expiresAt);
    return { data: { username, password, expires_at: Buffer.from(String(unixSeconds(expiresAt))) }, expiresAt };
  }
  const target = { region: spec.region, identityKey: identity.identityKey, credentials: identity.credentials };
  let out;
  try {
    out = await clients.ecr(target).send(new GetAuthorizationTokenCommand({}), options);
  } catch (error) {
    throw failed(error, 'ECR', spec.region, '');
  }
  const all = out.authorizationData ?? [];
  if (all.length !== 1) {
    throw new GeneratorError(GENERATOR_REASON.GeneratorFailed, `ECR GetAuthorizationToken answered ${all.length} authorization tokens, expected 1`, { retryable: true });
  }
  const data = all[0]!;
  const { username, password } = splitToken(data.authorizationToken);
  const expiresAt = expiry(data.expiresAt);
  return {
    data: {
      username,
      password,
      proxy_endpoint: Buffer.from(data.proxyEndpoint ?? ''),
      expires_at: Buffer.from(String(unixSeconds(expiresAt))),
    },
    expiresAt,
  };
}

/** "AWS:<token>" in base64, as ESO splits it: exactly one ":". The token never reaches a message. */
function splitToken(token: string | undefined): { username: Buffer; password: Buffer } {
  const decoded = Buffer.from(token ?? '', 'base64').toString('utf8');
  const parts = decoded.split(':');
  if (!token || parts.length !== 2) throw new GeneratorError(GENERATOR_REASON.GeneratorFailed, 'ECR answered an authorization token that is not "<user>:<password>" in base64', { retryable: true });
  return { username: Buffer.from(parts[0]!), password: Buffer.from(parts[1]!) };
}

function expiry(value: Date | undefined): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new GeneratorError(GENERATOR_REASON.GeneratorFailed, 'ECR answered an authorization token without expiresAt', { retryable: true });
  return value;
}

function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function failed(error: unknown, service: 'ECR' | 'ECRPublic', region: string, hint: string): GeneratorError {
  const provider = toProviderError(error, { service, operation: 'GetAuthorizationToken', region, ...(hint ? { hint: hint.trim() } : {}) });
  return new GeneratorError(GENERATOR_REASON.GeneratorFailed, provider.message, { retryable: provider.retryable, cause: provider });
}
