// Gathers every remote read an ExternalSecret needs — through the SharedFetcher, so
// identical reads across ExternalSecrets are shared and independent keys batched — and
// hands them to the pure builder. The only place where store, provider and sync meet.
import type { SecretStore } from '../../api/types.js';
import type { DefaultedExternalSecret } from '../../api/defaults.js';
import type { SharedFetcher } from '../../aws/fetcher.js';
import { ProviderError, fetchRequestId, type FetchRequest, type RemoteSecret, type SecretsProvider } from '../../api/provider.js';
import { isCredentialRejection } from '../../aws/errors.js';
import { buildSecretData, type BuiltSecret, type FetchResult } from '../../sync/build.js';
import { SyncError } from '../../sync/errors.js';
import { NO_TEMPLATE_SOURCES, templateSourceNames, type TemplateSources } from '../../sync/template/apply.js';
import type { TemplateSourceClient } from '../../kube/ports.js';
import type { StoreAvailability } from '../store/availability.js';
import type { LearnedRead } from './event-index.js';

export interface DesiredData extends BuiltSecret {
  /** Region that served the reads when it was not the store's own (failover). */
  servedRegion?: string;
  /** Every remote value read (names, ARNs, regions; never values): the event index learns from them. */
  reads?: LearnedRead[];
}

export interface FetchDesiredOptions {
  /** Bypass the shared read cache (force-sync). */
  fresh?: boolean;
  /** Share only reads started at or after this time (the refresh wave's start, refresh.ts). */
  notBefore?: number;
  /** Stops dataFrom.find listings: the pass's deadline, or its ExternalSecret or store deleted (reconcile-scope.ts). */
  signal?: AbortSignal;
}

export interface SecretSource {
  fetch(store: SecretStore, es: DefaultedExternalSecret, options?: FetchDesiredOptions): Promise<DesiredData>;
}

export interface ProviderLookup {
  /** `referentNamespace`: the ExternalSecret's namespace, where a referent ClusterSecretStore's credentials live. */
  forStore(store: SecretStore, referentNamespace?: string): Promise<{ identityKey: string; provider: SecretsProvider }>;
  /** Drop the provider and cached credentials of an identity AWS has rejected. */
  invalidate?(identityKey: string): void;
}

export class FetchingSecretSource implements SecretSource {
  constructor(
    private readonly providers: ProviderLookup,
    private readonly fetcher: Pick<SharedFetcher, 'getMany' | 'invalidate'>,
    private readonly templateSources?: TemplateSourceClient,
    /** Fails fast while the store's endpoint is known not to answer (store-availability.ts). */
    private readonly availability?: StoreAvailability,
  ) {}

  /** The ConfigMaps and Secrets target.template.templateFrom names, from the ExternalSecret's namespace. */
  private async readTemplateSources(es: DefaultedExternalSecret): Promise<TemplateSources> {
    const names = templateSourceNames(es.spec.target.template);
    if (names.configMaps.length + names.secrets.length === 0) return NO_TEMPLATE_SOURCES;
    const client = this.templateSources;
    if (!client) throw new Error('templateFrom needs a TemplateSourceClient; none was configured');
    const namespace = es.metadata.namespace ?? '';
    const configMaps = new Map(await Promise.all(names.configMaps.map(async (n) => [n, await client.configMapData(namespace, n)] as const)));
    const secrets = new Map(await Promise.all(names.secrets.map(async (n) => [n, await client.secretData(namespace, n)] as const)));
    return { configMaps, secrets };
  }

  async fetch(store: SecretStore, given: DefaultedExternalSecret, options: FetchDesiredOptions = {}): Promise<DesiredData> {
    // A referent ClusterSecretStore signs with this namespace's credentials (never another's).
    const { identityKey, provider } = await this.providers.forStore(store, given.metadata.namespace);
    const es = withStorePrefix(given, store.spec.provider.aws.prefix);
    const silent = this.availability?.check(identityKey);
    if (silent) throw silent;
    const spec = es.spec;
    const requests: FetchRequest[] = [...spec.data.map((d) => dataRequest(d.remoteRef)), ...spec.dataFrom.flatMap((d) => (d.extract ? [dataRequest(d.extract)] : []))];
    if (options.fresh) for (const request of requests) this.fetcher.invalidate(identityKey, request);
    // A value read before this refresh's wave began could predate a rotation and hide it for
    // one more interval; without a wave (no periodic refresh) the fetcher's dedupe window applies.
    const fetchOptions = options.notBefore !== undefined ? { notBefore: options.notBefore } : {};
    const reads = requests.length
      ? await this.fetcher.getMany(identityKey, provider, requests, fetchOptions)
      : new Map<string, RemoteSecret | ProviderError>();
    // Credentials AWS refused (expired session, rotated keys) must not be reused until expiry.
    if ([...reads.values()].some((r) => r instanceof ProviderError && isCredentialRejection(r))) this.providers.invalidate?.(identityKey);
    const readOf = (request: FetchRequest): FetchResult | undefined => reads.get(fetchRequestId(request));

    const data = spec.data.map((d) => readOf(dataRequest(d.remoteRef)));
    // find is a listing, not a keyed read: it always goes to the provider.
    const dataFrom = await Promise.all(
      spec.dataFrom.map(async (d): Promise<FetchResult | RemoteSecret[] | undefined> => {
        if (d.extract) return readOf(dataRequest(d.extract));
        if (!d.find) return undefined;
        try {
          return await provider.find(d.find, options.signal ? { signal: options.signal } : {});
        } catch (error) {
          if (error instanceof ProviderError) return error;
          throw error;
        }
      }),
    );
    this.availability?.record(identityKey, [...reads.values(), ...dataFrom]);
    const templateSources = await this.readTemplateSources(es);
    const built = await buildSecretData({ externalSecret: es, data, dataFrom, templateSources });
    const primary = store.spec.provider.aws.region;
    const regions = new Set<string>();
    const learned: LearnedRead[] = [];
    for (const r of [...data, ...dataFrom.flat()]) {
      if (!r || r instanceof ProviderError) continue;
      regions.add(r.region);
      learned.push({ name: r.name, region: r.region, ...(r.arn ? { arn: r.arn } : {}) });
    }
    const servedRegion = [...regions].find((r) => r !== primary);
    return { ...built, ...(servedRegion ? { servedRegion } : {}), reads: learned };
  }
}

/**
 * One error for all build problems, so a single status message lists everything to fix.
 * A provider failure that is worth retrying (throttling, 5xx) keeps its retryability.
 */
export function problemsError(problems: SyncError[]): ProviderError | SyncError {
  const first = problems[0]!;
  const message = problems.map((p) => p.message).join('; ');
  const cause = problems.map((p) => p.cause).find((c): c is ProviderError => c instanceof ProviderError && c.retryable);
  if (cause) return new ProviderError(cause.reason, message, { ...cause.options, cause });
  const notFound = problems.every((p) => p.notFound);
  // An AWS answer stays the cause: the reconciler backs off on those (nothing in the cluster sees them heal).
  const fromAws = problems.map((p) => p.cause).find((c) => c instanceof ProviderError);
  return new SyncError(first.reason, message, { field: first.field, notFound, ...(fromAws ? { cause: fromAws } : {}) });
}

/**
 * ESO's store `prefix`: prepended to every remote key the ExternalSecret names, and to
 * find.path (or used as the path when find has none). Messages then show the full name AWS saw.
 */
export function withStorePrefix(es: DefaultedExternalSecret, prefix: string | undefined): DefaultedExternalSecret {
  if (!prefix) return es;
  const spec = es.spec;
  return {
    ...es,
    spec: {
      ...spec,
      data: spec.data.map((d) => ({ ...d, remoteRef: { ...d.remoteRef, key: prefix + d.remoteRef.key } })),
      dataFrom: spec.dataFrom.map((d) => {
        if (d.extract) return { ...d, extract: { ...d.extract, key: prefix + d.extract.key } };
        if (d.find) return { ...d, find: { ...d.find, path: prefix + (d.find.path ?? '') } };
        return d;
      }),
    },
  };
}

/** The read a data[].remoteRef or dataFrom[].extract asks for: a value, or (metadataPolicy Fetch) tags. */
function dataRequest(ref: { key: string; version?: string; metadataPolicy?: string }): FetchRequest {
  const request: FetchRequest = { key: ref.key, version: ref.version };
  if (ref.metadataPolicy === 'Fetch') request.tags = true;
  return request;
}
