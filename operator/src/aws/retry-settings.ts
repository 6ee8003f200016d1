// A store's spec.retrySettings (ESO's field) as the retry policy of its AWS SDK clients. Pure.
//
// ESO's documented meaning, which Rotor follows: `maxRetries` retries after the first attempt,
// `retryInterval` a fixed wait between them (unset: the SDK's exponential backoff with jitter),
// and 3 retries when only retryInterval is given. Only errors the SDK deems retryable
// (throttling, 5xx, network) are retried; 4xx such as AccessDenied fail at once.
// The operator's per-call deadline (--aws-call-timeout) still bounds every attempt and wait of
// one call together, so a schedule longer than the deadline is cut short by it.
import { parseDuration } from '../api/duration.js';
import type { RetrySettings } from '../api/types.js';

/** ESO's value when retrySettings is set without maxRetries. */
export const DEFAULT_STORE_MAX_RETRIES = 3;

export interface AwsRetryPolicy {
  maxRetries: number;
  /** Fixed wait between attempts; undefined: the SDK's backoff. */
  retryIntervalMs?: number;
}

/** Undefined when the store sets no retrySettings (the operator's defaults apply). Throws InvalidDurationError. */
export function retryPolicyOf(settings: RetrySettings | undefined): AwsRetryPolicy | undefined {
  if (!settings) return undefined;
  const maxRetries = settings.maxRetries ?? DEFAULT_STORE_MAX_RETRIES;
  if (settings.retryInterval === undefined) return { maxRetries };
  const retryIntervalMs = parseDuration(settings.retryInterval, 'spec.retrySettings.retryInterval');
  return retryIntervalMs > 0 ? { maxRetries, retryIntervalMs } : { maxRetries };
}

/**
 * A note for the store's Ready message when the fixed-interval schedule cannot fit in the
 * per-call deadline: the later retries would never happen, and the user should know why.
 */
export function retryScheduleNote(policy: AwsRetryPolicy | undefined, callTimeoutMs: number): string {
  if (!policy?.retryIntervalMs || policy.maxRetries === 0) return '';
  const waitMs = policy.maxRetries * policy.retryIntervalMs;
  if (waitMs < callTimeoutMs) return '';
  const fits = Math.max(0, Math.ceil(callTimeoutMs / policy.retryIntervalMs) - 1);
  return (
    `; spec.retrySettings waits ${formatSeconds(waitMs)} in all between retries, but each AWS call has ` +
    `${formatSeconds(callTimeoutMs)} (the operator's --aws-call-timeout), so at most ${fits} of the ${policy.maxRetries} retries run: ` +
    `lower retryInterval or maxRetries, or raise --aws-call-timeout (chart value awsCallTimeout)`
  );
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}
