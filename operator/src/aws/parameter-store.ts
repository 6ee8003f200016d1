// SSM Parameter Store behind the SecretsProvider contract.
//
// remoteRef.version: digits select a parameter version (`name:3`), anything else a label
// (`name:label`). Values are always read WithDecryption, so String, StringList (returned
// as-is, comma-separated) and SecureString look the same to the caller; the parameter's
// version number goes into RemoteSecret.version (it drives rollouts).
//
// `/aws/reference/secretsmanager/<name>` reads a Secrets Manager secret through SSM. Only
// GetParameter supports that prefix, so such names never go into a GetParameters batch.
import { readListed } from './read-listed.js';
import {
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  ListTagsForResourceCommand,
  type Parameter,
  type ParameterStringFilter,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { Logger } from 'pino';
import { ES_REASON, type DataFromFind } from '../api/types.js';
import { mapWithConcurrency } from './concurrency.js';
import { probeIdentity, readContext, toProviderError, type AwsErrorContext } from './errors.js';
import { compileFindQuery, nameMatches, type FindCriteria } from './find-query.js';
import { walkFindListing } from './paging.js';
import { ProviderError, fetchRequestId, tagsAsValue, type FetchRequest, type FindOptions, type RemoteSecret, type SecretsProvider } from '../api/provider.js';

export const GET_PARAMETERS_LIMIT = 10;
export const SECRETS_MANAGER_REFERENCE_PREFIX = '/aws/reference/secretsmanager/';
const PARALLEL_READS = 4;

/** The name GetParameter(s) is asked for: `key`, `key:<version>` or `key:<label>`. */
export function parameterSelector(request: FetchRequest): string {
  return request.version ? `${request.key}:${request.version}` : request.key;
}

export function isSecretsManagerReference(key: string): boolean {
  return key.startsWith(SECRETS_MANAGER_REFERENCE_PREFIX);
}

export interface ParameterStoreProviderOptions {
  client: SSMClient;
  region: string;
  endpoint?: string;
  logger: Logger;
}

export class ParameterStoreProvider implements SecretsProvider {
  readonly service = 'ParameterStore' as const;

  constructor(private readonly options: ParameterStoreProviderOptions) {}

  async get(request: FetchRequest): Promise<RemoteSecret> {
    if (request.tags) return this.tags(request);
    let parameter: Parameter | undefined;
    try {
      const out = await this.options.client.send(new GetParameterCommand({ Name: parameterSelector(request), WithDecryption: true }));
      parameter = out.Parameter;
    } catch (err) {
      throw toProviderError(err, this.context('GetParameter', request));
    }
    if (!parameter) throw toProviderError({ name: 'ParameterNotFound', message: '' }, this.context('GetParameter', request));
    return this.toRemote(parameter, request);
  }

  async getMany(requests: FetchRequest[]): Promise<Map<string, RemoteSecret | ProviderError>> {
    const results = new Map<string, RemoteSecret | ProviderError>();
    const unique = new Map<string, FetchRequest>();
    for (const request of requests) unique.set(fetchRequestId(request), request);

    const batchable: FetchRequest[] = [];
    const individual: FetchRequest[] = [];
    for (const request of unique.values()) (request.tags || isSecretsManagerReference(request.key) ? individual : batchable).push(request);

    const leftovers: FetchRequest[] = [];
    await mapWithConcurrency(batchesOfDistinctNames(batchable, GET_PARAMETERS_LIMIT), PARALLEL_READS, async (group) => {
      const served = await this.getParameters(group);
      for (const request of group) {
        const outcome = served.get(fetchRequestId(request));
        if (outcome === undefined) leftovers.push(request);
        else results.set(fetchRequestId(request), outcome);
      }
    });

    await mapWithConcurrency([...individual, ...leftovers], PARALLEL_READS, async (request) => {
      results.set(fetchRequestId(request), await this.get(request).catch((err: unknown) => toProviderError(err, this.context('GetParameter', request))));
    });
    return results;
  }

  /**
   * With a path and no tags: GetParametersByPath (recursive, decrypted) returns names and
   * values in one paginated walk. Otherwise (tags, or only a name regexp) DescribeParameters
   * filters by path/tags server-side, then GetParameters reads the values.
   */
  async find(query: DataFromFind, options: FindOptions = {}): Promise<RemoteSecret[]> {
    const criteria = compileFindQuery(query);
    if (criteria.path && criteria.tags.length === 0) return this.findByPath(criteria, criteria.path, options.signal);

    const filters: ParameterStringFilter[] = [];
    if (criteria.path) filters.push({ Key: 'Path', Option: 'Recursive', Values: [criteria.path] });
    for (const [key, value] of criteria.tags) filters.push({ Key: `tag:${key}`, Values: [value] });

    const names: string[] = [];
    await walkFindListing(
      this.context('DescribeParameters'),
      options.signal,
      (nextToken, abortSignal) =>
        this.options.client.send(
          new DescribeParametersCommand({ MaxResults: 50, ...(filters.length ? { ParameterFilters: filters } : {}), ...(nextToken ? { NextToken: nextToken } : {}) }),
          { abortSignal },
        ),
      (page) => {
        for (const meta of page.Parameters ?? []) {
          if (meta.Name && nameMatches(criteria, meta.Name)) names.push(meta.Name);
        }
      },
    );

    const requests = names.map((key) => ({ key }));
    return readListed(this, requests);
  }

  /**
   * DescribeParameters with MaxResults 1: needs no parameter name, proves credentials,
   * region and endpoint. AccessDenied still means the identity authenticated (a
   * least-privilege role may lack ssm:DescribeParameters), so it counts as valid.
   */
  async validate(): Promise<void> {
    await probeIdentity(() => this.options.client.send(new DescribeParametersCommand({ MaxResults: 1 })), this.context('DescribeParameters'), () =>
      this.options.logger.debug({ region: this.options.region }, 'validate: DescribeParameters denied, identity authenticated'),
    );
  }

  private async findByPath(criteria: FindCriteria, path: string, signal: AbortSignal | undefined): Promise<RemoteSecret[]> {
    const found: RemoteSecret[] = [];
    // 10 parameters a page: the page cap allows 1,000 parameters, more than a Secret can hold.
    await walkFindListing(
      { ...this.context('GetParametersByPath'), key: path },
      signal,
      (nextToken, abortSignal) =>
        this.options.client.send(
          new GetParametersByPathCommand({ Path: path, Recursive: true, WithDecryption: true, MaxResults: 10, ...(nextToken ? { NextToken: nextToken } : {}) }),
          { abortSignal },
        ),
      (page) => {
        for (const parameter of page.Parameters ?? []) {
          if (parameter.Name && nameMatches(criteria, parameter.Name)) found.push(this.toRemote(parameter, { key: parameter.Name }));
        }
      },
    );
    return found;
  }

  /** One GetParameters call for up to 10 requests; outcomes keyed by fetchRequestId. */
  private async getParameters(group: FetchRequest[]): Promise<Map<string, RemoteSecret | ProviderError>> {
    const served = new Map<string, RemoteSecret | ProviderError>();
    const bySelector = new Map<string, FetchRequest>();
    for (const request of group) bySelector.set(parameterSelector(request), request);
    let out;
    try {
      out = await this.options.client.send(new GetParametersCommand({ Names: [...bySelector.keys()], WithDecryption: true }));
    } catch (err) {
      for (const request of group) served.set(fetchRequestId(request), toProviderError(err, this.context('GetParameters', request)));
      return served;
    }
    for (const parameter of out.Parameters ?? []) {
      const request = answeredRequest(bySelector, parameter);
      if (!request) continue;
      try {
        served.set(fetchRequestId(request), this.toRemote(parameter, request));
      } catch (err) {
        served.set(fetchRequestId(request), toProviderError(err, this.context('GetParameters', request)));
      }
    }
    for (const invalid of out.InvalidParameters ?? []) {
      const request = bySelector.get(invalid);
      if (!request) continue;
      const code = request.version ? 'ParameterVersionNotFound' : 'ParameterNotFound';
      served.set(fetchRequestId(request), toProviderError({ name: code, message: '' }, this.context('GetParameters', request)));
    }
    return served;
  }

  /** metadataPolicy Fetch: the parameter's tags (ListTagsForResource) as a JSON object. */
  private async tags(request: FetchRequest): Promise<RemoteSecret> {
    try {
      const out = await this.options.client.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: request.key }));
      return { name: request.key, value: tagsAsValue(out.TagList), binary: false, region: this.options.region };
    } catch (err) {
      throw toProviderError(err, this.context('ListTagsForResource', request));
    }
  }

  private toRemote(parameter: Parameter, request: FetchRequest): RemoteSecret {
    if (parameter.Value === undefined) {
      throw new ProviderError(ES_REASON.SecretMissing, `parameter ${request.key} has no value in region ${this.options.region}`, { notFound: true });
    }
    return {
      name: parameter.Name ?? request.key,
      value: Buffer.from(parameter.Value, 'utf8'),
      binary: false,
      ...(parameter.Version !== undefined ? { version: parameter.Version } : {}),
      ...(parameter.ARN ? { arn: parameter.ARN } : {}),
      region: this.options.region,
    };
  }

  private context(operation: string, request?: FetchRequest): AwsErrorContext {
    return readContext('ParameterStore', this.options, operation, request);
  }
}

/**
 * Splits requests into GetParameters calls of at most `size` names in which no parameter
 * name appears twice. GetParameters answers `name:3` with the plain Name, and the `Selector`
 * that tells ":3" from ":label" from the current version is not returned by every endpoint
 * (LocalStack 4.14 omits it); with one selector per name per call, the Name alone says which
 * request a returned parameter answers.
 */
export function batchesOfDistinctNames(requests: FetchRequest[], size: number): FetchRequest[][] {
  const batches: Array<{ names: Set<string>; requests: FetchRequest[] }> = [];
  for (const request of requests) {
    let batch = batches.find((b) => b.requests.length < size && !b.names.has(request.key));
    if (!batch) {
      batch = { names: new Set(), requests: [] };
      batches.push(batch);
    }
    batch.names.add(request.key);
    batch.requests.push(request);
  }
  return batches.map((b) => b.requests);
}

/**
 * Which request of one GetParameters call (distinct names, see batchesOfDistinctNames) a
 * returned parameter answers: AWS returns the plain Name (or the ARN for shared parameters)
 * and, where it does, a `Selector` (":3" / ":label") that must then agree with the request.
 */
function answeredRequest(bySelector: Map<string, FetchRequest>, parameter: Parameter): FetchRequest | undefined {
  const selector = parameter.Selector ? (parameter.Selector.startsWith(':') ? parameter.Selector : `:${parameter.Selector}`) : undefined;
  for (const id of [parameter.Name, parameter.ARN]) {
    if (!id) continue;
    for (const request of bySelector.values()) {
      if (request.key !== id) continue;
      if (selector !== undefined && selector !== (request.version ? `:${request.version}` : '')) continue;
      return request;
    }
  }
  return undefined;
}
