// Reads from a replica region (spec.provider.aws.failoverRegion) when the primary region
// is unavailable — 5xx or a network error (ProviderError.unavailable). Permission,
// not-found and validation errors are answers, not outages: they are returned as-is so a
// replica never masks a policy problem.
//
// After a failure the primary is considered down for a short while (default 30 s): reads
// go straight to the replica instead of each waiting for the dead primary's connect
// timeout. When the window ends the next read probes the primary again.
// RemoteSecret.region says which region served each value.
import type { Logger } from 'pino';
import type { DataFromFind } from '../api/types.js';
import { systemClock, type Clock } from '../platform/clock.js';
import { ProviderError, fetchRequestId, type FetchRequest, type FindOptions, type RemoteSecret, type SecretsProvider } from '../api/provider.js';

export interface FailoverOptions {
  primaryRegion: string;
  replicaRegion: string;
  logger: Logger;
  clock?: Clock;
  /** How long reads skip the primary after it failed. Default 30 s. */
  primaryDownForMs?: number;
}

export class FailoverProvider implements SecretsProvider {
  readonly service: SecretsProvider['service'];
  private primaryDownUntil = 0;
  private readonly clock: Clock;

  constructor(
    private readonly primary: SecretsProvider,
    private readonly replica: SecretsProvider,
    private readonly options: FailoverOptions,
  ) {
    this.service = primary.service;
    this.clock = options.clock ?? systemClock;
  }

  get(request: FetchRequest): Promise<RemoteSecret> {
    return this.withFailover((provider) => provider.get(request));
  }

  find(query: DataFromFind, options?: FindOptions): Promise<RemoteSecret[]> {
    return this.withFailover((provider) => provider.find(query, options));
  }

  /** The store is usable when either region answers. */
  validate(): Promise<void> {
    return this.withFailover((provider) => provider.validate());
  }

  async getMany(requests: FetchRequest[]): Promise<Map<string, RemoteSecret | ProviderError>> {
    if (this.primaryIsDown()) return this.replicaMany(requests, undefined);
    let results: Map<string, RemoteSecret | ProviderError>;
    try {
      results = await this.primary.getMany(requests);
    } catch (err) {
      if (!isOutage(err)) throw err;
      this.markPrimaryDown(err);
      return this.replicaMany(requests, err);
    }
    const failed = requests.filter((request) => isOutage(results.get(fetchRequestId(request))));
    if (failed.length === 0) return results;
    const firstFailure = results.get(fetchRequestId(failed[0] as FetchRequest)) as ProviderError;
    this.markPrimaryDown(firstFailure);
    const fromReplica = await this.replicaMany(failed, firstFailure);
    for (const [id, outcome] of fromReplica) results.set(id, outcome);
    return results;
  }

  private async replicaMany(requests: FetchRequest[], primaryError: ProviderError | undefined): Promise<Map<string, RemoteSecret | ProviderError>> {
    let results: Map<string, RemoteSecret | ProviderError>;
    try {
      results = await this.replica.getMany(requests);
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      const combined = this.combine(primaryError, err);
      return new Map(requests.map((request) => [fetchRequestId(request), combined]));
    }
    for (const [id, outcome] of results) {
      if (outcome instanceof ProviderError) results.set(id, this.combine(primaryError, outcome));
    }
    return results;
  }

  private async withFailover<T>(operation: (provider: SecretsProvider) => Promise<T>): Promise<T> {
    if (this.primaryIsDown()) return this.onReplica(operation, undefined);
    try {
      return await operation(this.primary);
    } catch (err) {
      if (!isOutage(err)) throw err;
      this.markPrimaryDown(err);
      return this.onReplica(operation, err);
    }
  }

  private async onReplica<T>(operation: (provider: SecretsProvider) => Promise<T>, primaryError: ProviderError | undefined): Promise<T> {
    try {
      return await operation(this.replica);
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      throw this.combine(primaryError, err);
    }
  }

  private primaryIsDown(): boolean {
    return this.clock.now() < this.primaryDownUntil;
  }

  private markPrimaryDown(error: ProviderError): void {
    if (!this.primaryIsDown()) {
      this.options.logger.warn(
        { primaryRegion: this.options.primaryRegion, replicaRegion: this.options.replicaRegion, code: error.code },
        'primary region unavailable; reading from the failover region',
      );
    }
    this.primaryDownUntil = this.clock.now() + (this.options.primaryDownForMs ?? 30_000);
  }

  /**
   * The replica's error, prefixed so the user sees both regions were tried. The primary never
   * answered, so nothing is known for certain: a "not found" in the replica must not count as
   * final (it would drop optional keys or trigger deletionPolicy Delete); retry instead.
   */
  private combine(primaryError: ProviderError | undefined, replicaError: ProviderError): ProviderError {
    const primary = primaryError?.code ? ` (${primaryError.code})` : '';
    return new ProviderError(
      replicaError.reason,
      `primary region ${this.options.primaryRegion} is unavailable${primary}; failover region ${this.options.replicaRegion}: ${replicaError.message}`,
      { ...replicaError.options, notFound: false, retryable: true, unavailable: true },
    );
  }
}

function isOutage(value: unknown): value is ProviderError {
  return value instanceof ProviderError && value.unavailable;
}
