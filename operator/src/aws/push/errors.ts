// PushSecret's AWS failures as PushErrors a user can act on. The classification (throttled,
// unreachable, 5xx, not AWS, denied, rejected credentials) is aws/errors.ts's, so reads and
// writes agree on what an error is and how it is retried; the words are the writer's: which
// IAM action on which secret or parameter ARN is missing, which metadata field AWS refused.
//
// Two rules from aws/errors.ts hold here too: from an endpoint that is not AWS's own, no
// server text is shown (shownAwsDetail), and no message carries a secret value. Unlike a read,
// a write sends the value, so a server echoing it back (a validation message quoting the
// input) is possible: every message is scrubbed of the values of the call before it leaves.
import { PUSH_REASON, PushError } from '../../api/push.js';
import { ES_REASON, type AwsService } from '../../api/types.js';
import { isAuthorizationDenial, shownAwsDetail, toProviderError, type AwsErrorContext } from '../errors.js';

export interface PushCallContext {
  service: AwsService;
  /** API operation, e.g. PutSecretValue. */
  operation: string;
  /** Secret or parameter name (with the store's prefix). */
  key: string;
  /** Its ARN when known (DescribeSecret / GetParameter told us). */
  arn?: string;
  region: string;
  endpoint?: string;
  /** The KMS key the call encrypts with, for KMS failures. */
  kmsKeyId?: string;
  /** Extra advice for access denied (e.g. CreateSecret with tags also needs TagResource). */
  deniedHint?: string;
  /** Every value the call carried: scrubbed from any message. */
  values?: ReadonlyArray<string>;
}

const NOUN: Record<AwsService, string> = { SecretsManager: 'secret', ParameterStore: 'parameter' };
const PREFIX: Record<AwsService, string> = { SecretsManager: 'secretsmanager', ParameterStore: 'ssm' };
const KMS_VIA: Record<AwsService, string> = { SecretsManager: 'secretsmanager', ParameterStore: 'ssm' };
const POLICY_DOC: Record<AwsService, string> = { SecretsManager: 'docs/iam/secretsmanager-push.json', ParameterStore: 'docs/iam/parameterstore-push.json' };
const RACE = new Set(['ResourceExistsException', 'ParameterAlreadyExists', 'TooManyUpdates']);
const POLICY_REFUSED = new Set(['MalformedPolicyDocumentException', 'PublicPolicyException']);
/** Shorter values are not scrubbed: they would garble the message and reveal nothing. */
const MIN_SCRUBBED_LENGTH = 4;

/** Removes every occurrence of the call's values from a message. */
export function scrubValues(message: string, values: ReadonlyArray<string> = []): string {
  let out = message;
  for (const value of values) if (value.length >= MIN_SCRUBBED_LENGTH) out = out.split(value).join('[value hidden]');
  return out;
}

export function toPushError(err: unknown, ctx: PushCallContext): PushError {
  if (err instanceof PushError) return err;
  const awsCtx: AwsErrorContext = { service: ctx.service, operation: ctx.operation, key: ctx.key, region: ctx.region, ...(ctx.endpoint ? { endpoint: ctx.endpoint } : {}) };
  const mapped = toProviderError(err, awsCtx);
  const { code, detail, kms } = shownAwsDetail(err, awsCtx);
  const resource = `${NOUN[ctx.service]} ${ctx.key}${ctx.arn ? ` (${ctx.arn})` : ''}`;
  const where = ctx.endpoint ? `in region ${ctx.region} (endpoint ${ctx.endpoint})` : `in region ${ctx.region}`;
  const fail = (reason: PushError['reason'], message: string, retryable: boolean) =>
    new PushError(reason, scrubValues(message, ctx.values), { code: mapped.code ?? code, retryable, cause: err });

  if (RACE.has(code)) {
    return fail(PUSH_REASON.Conflict, `${resource} ${where} changed while ${ctx.operation} ran (${code}): another writer created or updated it; retrying`, true);
  }
  if (code === 'InvalidRequestException' && mapped.reason === ES_REASON.SecretMissing) {
    return fail(
      PUSH_REASON.Conflict,
      `${resource} ${where} is scheduled for deletion, so ${ctx.operation} cannot write it: restore it (aws secretsmanager restore-secret --secret-id ${ctx.key}) or wait until the recovery window ends; retrying`,
      true,
    );
  }
  if (kms) {
    const key = ctx.kmsKeyId ? `the KMS key ${ctx.kmsKeyId}` : `the ${NOUN[ctx.service]}'s KMS key`;
    return fail(
      PUSH_REASON.AccessDenied,
      `${ctx.operation} on ${resource} ${where} could not use ${key}: the store's IAM identity needs kms:GenerateDataKey and kms:Decrypt on it (through ${KMS_VIA[ctx.service]}), and the key must exist and be enabled — check data[].metadata.spec.kmsKeyId (${detail})`,
      false,
    );
  }
  if (isAuthorizationDenial(mapped)) {
    const action = `${PREFIX[ctx.service]}:${ctx.operation}`;
    const hint = ctx.deniedHint ? ` ${ctx.deniedHint}` : '';
    return fail(
      PUSH_REASON.AccessDenied,
      `access denied: the store's IAM identity needs ${action} on ${resource} ${where}.${hint} Grant it in the role's policy (example: ${POLICY_DOC[ctx.service]}) (${detail})`,
      false,
    );
  }
  if (mapped.reason === ES_REASON.AccessDenied) return fail(PUSH_REASON.AccessDenied, mapped.message, mapped.retryable);
  if (POLICY_REFUSED.has(code)) {
    return fail(PUSH_REASON.InvalidMetadata, `Secrets Manager refused the resource policy for ${resource} (${code}): fix the policy JSON that data[].metadata.spec.resourcePolicy.policySourceRef names (${detail})`, false);
  }
  if (mapped.notFound) {
    return fail(PUSH_REASON.NotFound, `${resource} ${where} disappeared during ${ctx.operation} (deleted by someone else meanwhile); retrying`, true);
  }
  if (mapped.retryable) return fail(PUSH_REASON.ProviderError, mapped.message, true);
  if (mapped.reason === ES_REASON.InvalidSpec) {
    return fail(
      PUSH_REASON.ProviderError,
      `${ctx.service === 'SecretsManager' ? 'Secrets Manager' : 'SSM Parameter Store'} rejected ${ctx.operation} for ${resource}: check remoteRef.remoteKey and data[].metadata (${detail})`,
      false,
    );
  }
  return fail(PUSH_REASON.ProviderError, mapped.message, true);
}

/** Runs one SDK call; a failure becomes a PushError naming the action and the resource. */
export async function guardedCall<O>(ctx: PushCallContext, call: () => Promise<O>): Promise<O> {
  try {
    return await call();
  } catch (err) {
    throw toPushError(err, ctx);
  }
}

/** The refusal to change what Rotor (or ESO) did not create. */
export function notManagedError(service: AwsService, name: string, managedByTag: string, rotorValue: string, esoValue: string): PushError {
  return new PushError(
    PUSH_REASON.NotManaged,
    `${NOUN[service]} ${name} exists and was not created by Rotor or ESO (no tag ${managedByTag}: ${rotorValue} or ${esoValue}), so it is left unchanged; push to another remoteKey, or tag it ${managedByTag}=${rotorValue} to hand it over`,
  );
}
