// ESO's STSSessionToken generator: STS GetSessionToken with the spec's requestParameters
// (sessionDuration, serialNumber + tokenCode for MFA). Output keys exactly as ESO:
// access_key_id, secret_access_key, session_token, expiration (Unix seconds). expiresAt tells the
// caller to refresh before the session ends (controller/externalsecret/refresh.ts). jwt auth is refused (as in
// ESO, and by the CRD): GetSessionToken needs IAM user keys, not a role session.
//
// The STS call goes where every operator STS call goes (the SDK's resolution of
// AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL, else the regional endpoint): a generator has no endpoint.
import { GetSessionTokenCommand, type GetSessionTokenCommandInput } from '@aws-sdk/client-sts';
import type { GeneratedValues } from '../../api/generator.js';
import type { STSSessionTokenSpec } from '../../api/generator-types.js';
import type { AwsClientFactory } from '../clients.js';
import { toProviderError } from '../errors.js';
import type { GeneratorIdentity } from './identity.js';
import { GeneratorError, GENERATOR_REASON } from '../../api/generator.js';

export type StsClients = Pick<AwsClientFactory, 'sts'>;

export function sessionTokenInput(spec: STSSessionTokenSpec): GetSessionTokenCommandInput {
  const p = spec.requestParameters;
  return {
    ...(p?.sessionDuration !== undefined ? { DurationSeconds: p.sessionDuration } : {}),
    ...(p?.serialNumber !== undefined ? { SerialNumber: p.serialNumber } : {}),
    ...(p?.tokenCode !== undefined ? { TokenCode: p.tokenCode } : {}),
  };
}

export async function generateSessionToken(clients: StsClients, identity: GeneratorIdentity, spec: STSSessionTokenSpec, signal?: AbortSignal): Promise<GeneratedValues> {
  const target = { region: spec.region, identityKey: `generator-sts/${identity.identityKey}`, credentials: identity.credentials };
  let out;
  try {
    out = await clients.sts(target).send(new GetSessionTokenCommand(sessionTokenInput(spec)), signal ? { abortSignal: signal } : {});
  } catch (error) {
    const provider = toProviderError(error, { service: 'STS', operation: 'GetSessionToken', region: spec.region });
    throw new GeneratorError(GENERATOR_REASON.GeneratorFailed, provider.message, { retryable: provider.retryable, cause: provider });
  }
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !(c.Expiration instanceof Date)) {
    throw new GeneratorError(GENERATOR_REASON.GeneratorFailed, 'STS GetSessionToken answered no credentials', { retryable: true });
  }
  return {
    data: {
      access_key_id: Buffer.from(c.AccessKeyId),
      expiration: Buffer.from(String(Math.floor(c.Expiration.getTime() / 1000))),
      secret_access_key: Buffer.from(c.SecretAccessKey),
      session_token: Buffer.from(c.SessionToken),
    },
    expiresAt: c.Expiration,
  };
}
