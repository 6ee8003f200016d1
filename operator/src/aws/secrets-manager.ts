// Secrets Manager behind the SecretsProvider contract.
//
// Version rule (remoteRef.version): `uuid/<id>` (ESO's form) is sent as VersionId <id>. Besides
// that, a value of 32-64 characters made only of hex digits
// and dashes (the shape of a VersionId / ClientRequestToken, e.g. a UUID) is sent as
// VersionId; anything else — AWSCURRENT, AWSPREVIOUS, AWSPENDING, a custom label — is sent
// as VersionStage. No version means AWSCURRENT. (A custom label that itself looks like a
// UUID would be read as a VersionId; name labels with letters beyond a-f to avoid that.)
//
// Batching: BatchGetSecretValue (20 ids per call) serves requests for the current version;
// it cannot select another stage, so other versions use GetSecretValue. A role may be
// allowed GetSecretValue but not BatchGetSecretValue; the first denial switches this
// provider instance to individual reads for good, so the denied call is paid once.
import { readListed } from './read-listed.js';
import {
  BatchGetSecretValueCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  type BatchGetSecretValueCommandOutput,
  type Filter,
  type GetSecretValueCommandOutput,
  type SecretListEntry,
  type SecretsManagerClient,
  type SecretValueEntry,
} from '@aws-sdk/client-secrets-manager';
import type { Logger } from 'pino';
import { ES_REASON, type DataFromFind } from '../api/types.js';
import { chunk, mapWithConcurrency } from './concurrency.js';
import { awsErrorIdentity, isAuthorizationDenial, knownErrorCode, probeIdentity, readContext, toProviderError, type AwsErrorContext } from './errors.js';
import { compileFindQuery, nameMatches, tagsMatch } from './find-query.js';
import { MAX_BATCH_PAGES, walkFindListing, walkPages } from './paging.js';
import { ProviderError, fetchRequestId, tagsAsValue, type FetchRequest, type FindOptions, type RemoteSecret, type SecretsProvider } from '../api/provider.js';

export const BATCH_GET_LIMIT = 20;
/** Individual reads / batch chunks in flight at once. */
const PARALLEL_READS = 4;
const CURRENT_STAGE = 'AWSCURRENT';

const VERSION_ID_PATTERN = /^[0-9a-f-]{32,64}$/i;
/** ESO names a VersionId as `uuid/<VersionId>`. */
const VERSION_ID_PREFIX = 'uuid/';

/** How remoteRef.version is sent to GetSecretValue (see the rule at the top of this file). */
export function versionSelector(version: string | undefined): { VersionId?: string; VersionStage?: string } {
  if (!version) return {};
  if (version.startsWith(VERSION_ID_PREFIX)) return { VersionId: version.slice(VERSION_ID_PREFIX.length) };
  return VERSION_ID_PATTERN.test(version) ? { VersionId: version } : { VersionStage: version };
}

/** Errors meaning "this endpoint has no BatchGetSecretValue" (old emulators), not "denied". */
const BATCH_UNSUPPORTED = new Set(['UnknownOperationException', 'InvalidAction', 'NotImplemented', 'UnsupportedOperation']);

export interface SecretsManagerProviderOptions {
  client: SecretsManagerClient;
  region: string;
  endpoint?: string;
  logger: Logger;
}

type SecretPayload = Pick<GetSecretValueCommandOutput, 'Name' | 'ARN' | 'VersionId' | 'SecretString' | 'SecretBinary'>;

export class SecretsManagerProvider implements SecretsProvider {
  readonly service = 'SecretsManager' as const;
  /** Set once BatchGetSecretValue was denied or unsupported; individual reads from then on. */
  private batchDisabled = false;

  constructor(private readonly options: SecretsManagerProviderOptions) {}

  get batchGetDisabled(): boolean {
    return this.batchDisabled;
  }

  async get(request: FetchRequest): Promise<RemoteSecret> {
    if (request.tags) return this.tags(request);
    const ctx = this.context('GetSecretValue', request);
    let out: GetSecretValueCommandOutput;
    try {
      out = await this.options.client.send(new GetSecretValueCommand({ SecretId: request.key, ...versionSelector(request.version) }));
    } catch (err) {
      throw toProviderError(err, ctx);
    }
    return this.toRemote(out, request);
  }

  async getMany(requests: FetchRequest[]): Promise<Map<string, RemoteSecret | ProviderError>> {
    const results = new Map<string, RemoteSecret | ProviderError>();
    const unique = new Map<string, FetchRequest>();
    for (const request of requests) unique.set(fetchRequestId(request), request);

    const batchable: FetchRequest[] = [];
    const individual: FetchRequest[] = [];
    for (const request of unique.values()) {
      const current = !request.tags && (!request.version || request.version === CURRENT_STAGE);
      (current && !this.batchDisabled ? batchable : individual).push(request);
    }

    // Group by key: "db" and "db@AWSCURRENT" are one secret id in the batch.
    const byKey = new Map<string, FetchRequest[]>();
    for (const request of batchable) byKey.set(request.key, [...(byKey.get(request.key) ?? []), request]);
    const leftovers: FetchRequest[] = [];
    await mapWithConcurrency(chunk([...byKey.keys()], BATCH_GET_LIMIT), PARALLEL_READS, async (keys) => {
      const served = await this.batchGet(keys);
      if (served === 'disabled') {
        for (const key of keys) leftovers.push(...(byKey.get(key) ?? []));
        return;
      }
      for (const key of keys) {
        const outcome = served.get(key);
        const group = byKey.get(key) ?? [];
        if (outcome === undefined) leftovers.push(...group);
        else for (const request of group) results.set(fetchRequestId(request), outcome);
      }
    });

    await mapWithConcurrency([...individual, ...leftovers], PARALLEL_READS, async (request) => {
      results.set(fetchRequestId(request), await this.get(request).catch((err: unknown) => toProviderError(err, this.context('GetSecretValue', request))));
    });
    return results;
  }

  async find(query: DataFromFind, options: FindOptions = {}): Promise<RemoteSecret[]> {
    const criteria = compileFindQuery(query);
    const filters: Filter[] = [];
    if (criteria.path) filters.push({ Key: 'name', Values: [criteria.path] });
    for (const [key, value] of criteria.tags) {
      filters.push({ Key: 'tag-key', Values: [key] }, { Key: 'tag-value', Values: [value] });
    }

    const matches: SecretListEntry[] = [];
    await walkFindListing(
      this.context('ListSecrets'),
      options.signal,
      (nextToken, abortSignal) =>
        this.options.client.send(new ListSecretsCommand({ MaxResults: 100, ...(filters.length ? { Filters: filters } : {}), ...(nextToken ? { NextToken: nextToken } : {}) }), {
          abortSignal,
        }),
      (page) => {
        for (const entry of page.SecretList ?? []) {
          if (!entry.Name || entry.DeletedDate) continue;
          if (nameMatches(criteria, entry.Name) && tagsMatch(criteria, entry.Tags)) matches.push(entry);
        }
      },
    );

    // Read by ARN: unique even when names are ambiguous across partial-ARN forms.
    const requests = matches.map((entry) => ({ key: entry.ARN ?? (entry.Name as string) }));
    return readListed(this, requests);
  }

  /**
   * ListSecrets with MaxResults 1: the cheapest call that needs no secret name yet proves
   * the credentials, region and endpoint. A least-privilege role may lack
   * secretsmanager:ListSecrets; AccessDenied still means AWS authenticated the identity,
   * so it counts as valid (rejected credentials, network and 5xx errors do not).
   */
  async validate(): Promise<void> {
    await probeIdentity(() => this.options.client.send(new ListSecretsCommand({ MaxResults: 1 })), this.context('ListSecrets'), () =>
      this.options.logger.debug({ region: this.options.region }, 'validate: ListSecrets denied, identity authenticated'),
    );
  }

  /**
   * One BatchGetSecretValue round (all pages, at most MAX_BATCH_PAGES) for up to 20 keys;
   * per-key outcomes, or 'disabled'.
   */
  private async batchGet(keys: string[]): Promise<Map<string, RemoteSecret | ProviderError> | 'disabled'> {
    if (this.batchDisabled) return 'disabled';
    const served = new Map<string, RemoteSecret | ProviderError>();
    const tooMany = (maxPages: number) =>
      new ProviderError(ES_REASON.SecretSyncedError, `BatchGetSecretValue answered more than ${maxPages} pages for ${keys.length} secrets; check spec.provider.aws.endpoint`, {
        retryable: true,
      });
    let disabled = false;
    try {
      await walkPages({ operation: 'BatchGetSecretValue', maxPages: MAX_BATCH_PAGES, tooMany }, async (nextToken) => {
        const next = await this.batchPage(keys, nextToken, served);
        disabled = next === 'disabled';
        return next === 'disabled' ? undefined : next;
      });
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      for (const key of keys) if (!served.has(key)) served.set(key, error);
    }
    return disabled ? 'disabled' : served;
  }

  /** One page: fills `served`; returns the next token, or 'disabled' when the operation is denied/unsupported. */
  private async batchPage(keys: string[], nextToken: string | undefined, served: Map<string, RemoteSecret | ProviderError>): Promise<string | undefined | 'disabled'> {
    let page: BatchGetSecretValueCommandOutput;
    try {
      page = await this.options.client.send(new BatchGetSecretValueCommand({ SecretIdList: keys, ...(nextToken ? { NextToken: nextToken } : {}) }));
    } catch (err) {
      const mapped = toProviderError(err, this.context('BatchGetSecretValue'));
      const { name, status } = awsErrorIdentity(err);
      if (isAuthorizationDenial(mapped) || BATCH_UNSUPPORTED.has(name) || status === 501) {
        if (!this.batchDisabled) {
          this.options.logger.info(
            { region: this.options.region, code: knownErrorCode(name) },
            'BatchGetSecretValue not allowed for this store; using GetSecretValue per secret (grant secretsmanager:BatchGetSecretValue to save calls)',
          );
        }
        this.batchDisabled = true;
        return 'disabled';
      }
      // The whole call failed (throttled, unavailable, bad credentials): same outcome for every key.
      for (const key of keys) served.set(key, toProviderError(err, this.context('BatchGetSecretValue', { key })));
      return undefined;
    }
    for (const entry of page.SecretValues ?? []) {
      const key = matchKey(keys, entry);
      if (key === undefined) continue;
      try {
        served.set(key, this.toRemote(entry, { key }));
      } catch (err) {
        served.set(key, toProviderError(err, this.context('BatchGetSecretValue', { key })));
      }
    }
    for (const error of page.Errors ?? []) {
      const key = error.SecretId !== undefined && keys.includes(error.SecretId) ? error.SecretId : undefined;
      if (key === undefined) continue;
      const raw = { name: error.ErrorCode ?? 'UnknownError', message: error.Message ?? '' };
      served.set(key, toProviderError(raw, this.context('GetSecretValue', { key })));
    }
    return page.NextToken;
  }

  /** metadataPolicy Fetch: the secret's tags (DescribeSecret) as a JSON object. */
  private async tags(request: FetchRequest): Promise<RemoteSecret> {
    try {
      const out = await this.options.client.send(new DescribeSecretCommand({ SecretId: request.key }));
      return { name: out.Name ?? request.key, value: tagsAsValue(out.Tags), binary: false, region: this.options.region };
    } catch (err) {
      throw toProviderError(err, this.context('DescribeSecret', request));
    }
  }

  private toRemote(out: SecretPayload | SecretValueEntry, request: FetchRequest): RemoteSecret {
    const base = {
      name: out.Name ?? request.key,
      region: this.options.region,
      ...(out.VersionId ? { versionId: out.VersionId } : {}),
      // The event index learns the secret's ARN (and account) from it (issue #16).
      ...(out.ARN ? { arn: out.ARN } : {}),
    };
    if (out.SecretString !== undefined) return { ...base, value: Buffer.from(out.SecretString, 'utf8'), binary: false };
    if (out.SecretBinary !== undefined) return { ...base, value: Buffer.from(out.SecretBinary), binary: true };
    throw new ProviderError(ES_REASON.SecretMissing, `secret ${request.key} has no value in the requested version in region ${this.options.region}`, {
      notFound: true,
    });
  }

  private context(operation: string, request?: FetchRequest): AwsErrorContext {
    return readContext('SecretsManager', this.options, operation, request);
  }
}

/** Which requested id a batch entry answers: its name, its ARN, or a partial ARN (no random suffix). */
function matchKey(keys: string[], entry: SecretValueEntry): string | undefined {
  return keys.find(
    (key) => key === entry.Name || key === entry.ARN || (key.startsWith('arn:') && entry.ARN !== undefined && entry.ARN.startsWith(`${key}-`)),
  );
}
