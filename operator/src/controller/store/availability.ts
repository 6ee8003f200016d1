// Remembers, per store identity, that its AWS endpoint just did not answer (call deadline
// or connection failure), so the store's other ExternalSecrets fail fast for a short hold
// instead of each spending a worker on the same deadline. They are then reported not Ready
// (ProviderUnavailable) within seconds, keep their last good Secret, and retry with
// backoff; the first call after the hold probes the endpoint again. 5xx and throttling are
// answers, not silence: they do not open a hold.
import { ES_REASON } from '../../api/types.js';
import { ProviderError } from '../../api/provider.js';
import { systemClock, type Clock } from '../../platform/clock.js';

export interface StoreAvailabilityOptions {
  /** How long a silent endpoint is not called again. main.ts uses the AWS call deadline. */
  holdMs: number;
  /** Time source (platform/clock.ts); default the system clock, tests move it. */
  clock?: Clock;
}

interface Outage {
  until: number;
  at: number;
  error: ProviderError;
}

export class StoreAvailability {
  private readonly outages = new Map<string, Outage>();
  private readonly clock: Clock;

  constructor(private readonly options: StoreAvailabilityOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** The error to fail with while the identity's endpoint is held as silent; undefined to go ahead. */
  check(identityKey: string): ProviderError | undefined {
    const outage = this.outages.get(identityKey);
    if (!outage) return undefined;
    const now = this.clock.now();
    if (now >= outage.until) {
      this.outages.delete(identityKey);
      return undefined;
    }
    // The failure's time, not "n seconds ago": the message (and so the status) stays the same
    // for every pass during one outage.
    const at = new Date(outage.at).toISOString().replace(/\.\d+Z$/, 'Z');
    return new ProviderError(
      ES_REASON.ProviderUnavailable,
      `not called: the store's AWS endpoint failed at ${at} (${outage.error.message})`,
      { code: outage.error.code, retryable: true, unavailable: true, cause: outage.error },
    );
  }

  /** Outcomes of the calls just made for the identity: silence opens a hold, an answer closes it. */
  record(identityKey: string, outcomes: Iterable<unknown>): void {
    let silent: ProviderError | undefined;
    let answered = false;
    for (const outcome of outcomes) {
      if (outcome instanceof ProviderError && isSilence(outcome)) silent ??= outcome;
      else if (outcome !== undefined) answered = true;
    }
    const now = this.clock.now();
    // Outages of identities nobody asks about any more (deleted or changed stores) end here.
    for (const [key, outage] of this.outages) if (now >= outage.until) this.outages.delete(key);
    if (silent) {
      this.outages.set(identityKey, { at: now, until: now + this.options.holdMs, error: silent });
    } else if (answered) {
      this.outages.delete(identityKey);
    }
  }
}

/** No answer at all: the call deadline passed or the connection failed (ECONNREFUSED, ...). */
function isSilence(error: ProviderError): boolean {
  return error.unavailable && (error.code === 'TimeoutError' || /^E[A-Z]+$/.test(error.code ?? ''));
}
