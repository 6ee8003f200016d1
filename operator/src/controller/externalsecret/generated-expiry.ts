// When an ExternalSecret holding generated values that expire (ECR authorization tokens: 12 h;
// STS session tokens: sessionDuration) must be refreshed, whatever its refreshInterval. Pure.
//
// Margin: a quarter of the value's lifetime, at most 1 hour. An ECR token generated at T is
// refreshed at T + 11 h (1 h before it expires): kubelets pulling images meanwhile always hold
// a token valid for at least an hour. A 15-minute STS session is refreshed after 11 min 15 s.
// The lifetime is measured from status.refreshTime, written in the same status write as
// status.generatedExpiresAt, so the deadline survives an operator restart.
import type { ExternalSecretStatus } from '../../api/types.js';

export const MAX_GENERATED_MARGIN_MS = 60 * 60_000;

/** The deadline for a value generated at `generatedAtMs` that expires at `expiresAtMs`. */
export function refreshDeadline(generatedAtMs: number | undefined, expiresAtMs: number): number {
  const lifetime = generatedAtMs !== undefined && generatedAtMs < expiresAtMs ? expiresAtMs - generatedAtMs : Infinity;
  return expiresAtMs - Math.min(MAX_GENERATED_MARGIN_MS, lifetime / 4);
}

/** The refresh deadline recorded in status, or undefined when the Secret holds nothing that expires. */
export function generatedRefreshBy(status: ExternalSecretStatus | undefined): number | undefined {
  const expires = status?.generatedExpiresAt ? Date.parse(status.generatedExpiresAt) : NaN;
  if (!Number.isFinite(expires)) return undefined;
  const generated = status?.refreshTime ? Date.parse(status.refreshTime) : NaN;
  return refreshDeadline(Number.isFinite(generated) ? generated : undefined, expires);
}
