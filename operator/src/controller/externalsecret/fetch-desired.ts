// Gathers every remote read an ExternalSecret needs — through the SharedFetcher, so
// identical reads across ExternalSecrets are shared and independent keys batched — and
// hands them to the pure builder. The only place where store, provider and sync meet.
// Each entry is read through its own store (ESO's sourceRef.storeRef; else spec.secretStoreRef),
// each store through its own provider and identity, and a dataFrom[].sourceRef.generatorRef
// entry runs its generator (every refresh, as ESO: generated values are never shared or cached).
import { readServiceOf, type AwsService, type SecretStore, type SecretStoreRef } from '../../api/types.js';
import { GeneratorError, GENERATOR_REASON, type GeneratorRunner } from '../../api/generator.js';
import type { DefaultedExternalSecret } from '../../api/defaults.js';
import type { SharedFetcher } from '../../aws/fetcher.js';
import { ProviderError, fetchRequestId, type FetchRequest, type RemoteSecret, type SecretsProvider } from '../../api/provider.js';
import { isCredentialRejection } from '../../aws/errors.js';
import { buildSecretData, type BuiltSecret, type FetchResult, type GeneratedResult } from '../../sync/build.js';
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
  /** The service of `reads` (the main store's; reads through a per-entry store of another service are left out). */
  readsService?: AwsService;
  /** The earliest expiry of the generated values (ECR / STS tokens): refresh before it. */
  generatedExpiresAt?: Date;
}

export interface FetchDesiredOptions {
  /** Bypass the shared read cache (force-sync). */
  fresh?: boolean;
  /** Share only reads started at or after this time (the refresh wave's start, refresh.ts). */
  notBefore?: number;
  /** Stops dataFrom.find listings: the pass's deadline, or its ExternalSecret or store deleted (reconcile-scope.ts). */
  signal?: AbortSignal;
  /**
   * The stores named by entries' sourceRef.storeRef, resolved (and access-checked) by the
   * reconciler, keyed by storeRefKey. Entries without one read through `store`.
   */
  entryStores?: ReadonlyMap<string, SecretStore>;
}

export interface SecretSource {
  /** `store`: spec.secretStoreRef's, undefined when no entry reads through it. */
  fetch(store: SecretStore | undefined, es: DefaultedExternalSecret, options?: FetchDesiredOptions): Promise<DesiredData>;
}

/** Key of a store reference in FetchDesiredOptions.entryStores. */
export function storeRefKey(ref: SecretStoreRef): string {
  return `${ref.kind ?? 'SecretStore'}/${ref.name}`;
}

/** One store's part of a pass: its provider and the entries read through it. */
interface StoreGroup {
  store: SecretStore;
  identityKey: string;
  provider: SecretsProvider;
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
    /** Runs dataFrom[].sourceRef.generatorRef (aws/generators/runner.ts). */
    private readonly generators?: GeneratorRunner,
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

  async fetch(store: SecretStore | undefined, given: DefaultedExternalSecret, options: FetchDesiredOptions = {}): Promise<DesiredData> {
    const namespace = given.metadata.namespace ?? '';
    const entryStores = options.entryStores ?? new Map<string, SecretStore>();
    const storeOf = (ref: SecretStoreRef | undefined, field: string): SecretStore => {
      const found = ref ? entryStores.get(storeRefKey(ref)) : store;
      if (!found) throw new Error(`internal error: no store resolved for ${field}`);
      return found;
    };
    const dataStores = given.spec.data.map((d, i) => storeOf(d.sourceRef?.storeRef, `spec.data[${i}]`));
    const dataFromStores = given.spec.dataFrom.map((d, j) => (d.sourceRef?.generatorRef ? undefined : storeOf(d.sourceRef?.storeRef, `spec.dataFrom[${j}]`)));

    // One provider per distinct store. A referent ClusterSecretStore signs with this namespace's credentials (never another's).
    // spec.secretStoreRef's store is resolved when given, even with no entry (a template-only Secret still checks it).
    const distinct = [...new Set([...(store ? [store] : []), ...dataStores, ...dataFromStores.filter((s): s is SecretStore => s !== undefined)])];
    const groups = new Map<SecretStore, StoreGroup>(
      await Promise.all(
        distinct.map(async (s): Promise<[SecretStore, StoreGroup]> => {
          const { identityKey, provider } = await this.providers.forStore(s, namespace);
          return [s, { store: s, identityKey, provider }];
        }),
      ),
    );
    for (const group of groups.values()) {
      const silent = this.availability?.check(group.identityKey);
      if (silent) throw silent;
    }
    // Each entry's keys get its own store's prefix; messages then show the full name AWS saw.
    const es = withEntryPrefixes(
      given,
      (i) => dataStores[i]!.spec.provider.aws.prefix,
      (j) => dataFromStores[j]?.spec.provider.aws.prefix,
    );
    const spec = es.spec;
    const groupOfData = (i: number) => groups.get(dataStores[i]!)!;
    const groupOfDataFrom = (j: number) => groups.get(dataFromStores[j]!)!;

    // Keyed reads, batched per store identity through the SharedFetcher.
    const byGroup = new Map<StoreGroup, FetchRequest[]>();
    const want = (group: StoreGroup, request: FetchRequest) => {
      const list = byGroup.get(group) ?? [];
      list.push(request);
      byGroup.set(group, list);
    };
    spec.data.forEach((d, i) => want(groupOfData(i), dataRequest(d.remoteRef)));
    spec.dataFrom.forEach((d, j) => {
      if (d.extract) want(groupOfDataFrom(j), dataRequest(d.extract));
    });
    // A value read before this refresh's wave began could predate a rotation and hide it for
    // one more interval; without a wave (no periodic refresh) the fetcher's dedupe window applies.
    const fetchOptions = options.notBefore !== undefined ? { notBefore: options.notBefore } : {};
    const reads = new Map<StoreGroup, Map<string, RemoteSecret | ProviderError>>();
    await Promise.all(
      [...byGroup].map(async ([group, requests]) => {
        if (options.fresh) for (const request of requests) this.fetcher.invalidate(group.identityKey, request);
        const got = await this.fetcher.getMany(group.identityKey, group.provider, requests, fetchOptions);
        // Credentials AWS refused (expired session, rotated keys) must not be reused until expiry.
        if ([...got.values()].some((r) => r instanceof ProviderError && isCredentialRejection(r))) this.providers.invalidate?.(group.identityKey);
        reads.set(group, got);
      }),
    );
    const readOf = (group: StoreGroup, request: FetchRequest): FetchResult | undefined => reads.get(group)?.get(fetchRequestId(request));

    const data = spec.data.map((d, i) => readOf(groupOfData(i), dataRequest(d.remoteRef)));
    // find is a listing, not a keyed read: it always goes to the provider. A generator runs.
    const dataFrom = await Promise.all(
      spec.dataFrom.map(async (d, j): Promise<FetchResult | RemoteSecret[] | GeneratedResult | undefined> => {
        const generatorRef = d.sourceRef?.generatorRef;
        if (generatorRef) return this.generate(namespace, generatorRef, options.signal);
        const group = groupOfDataFrom(j);
        if (d.extract) return readOf(group, dataRequest(d.extract));
        if (!d.find) return undefined;
        try {
          return await group.provider.find(d.find, options.signal ? { signal: options.signal } : {});
        } catch (error) {
          if (error instanceof ProviderError) return error;
          throw error;
        }
      }),
    );
    for (const group of groups.values()) {
      const results: Array<FetchResult | RemoteSecret[] | undefined> = [...(reads.get(group)?.values() ?? [])];
      spec.dataFrom.forEach((d, j) => {
        const r = dataFrom[j];
        if (d.find && groupOfDataFrom(j) === group && (Array.isArray(r) || r instanceof ProviderError)) results.push(r);
      });
      this.availability?.record(group.identityKey, results);
    }
    const templateSources = await this.readTemplateSources(es);
    const built = await buildSecretData({ externalSecret: es, data, dataFrom, templateSources });

    // The event index learns the reads of one service: the main store's (the first entry's without one).
    const mainService = readServiceOf((store ?? distinct[0])?.spec.provider.aws.service);
    const regions = new Set<string>();
    const learned: LearnedRead[] = [];
    const served = (r: FetchResult | undefined, s: SecretStore) => {
      if (!r || r instanceof ProviderError) return;
      if (r.region !== s.spec.provider.aws.region) regions.add(r.region);
      if (s.spec.provider.aws.service === mainService) learned.push({ name: r.name, region: r.region, ...(r.arn ? { arn: r.arn } : {}) });
    };
    data.forEach((r, i) => served(r, dataStores[i]!));
    dataFrom.forEach((r, j) => {
      const s = dataFromStores[j];
      if (!s) return;
      for (const one of Array.isArray(r) ? r : [r]) if (!(one instanceof GeneratorError) && !(one && 'generated' in one)) served(one, s);
    });
    const servedRegion = [...regions][0];
    const expiries = dataFrom.flatMap((r) => (r && !Array.isArray(r) && 'generated' in r && r.generated.expiresAt ? [r.generated.expiresAt.getTime()] : []));
    return {
      ...built,
      ...(servedRegion ? { servedRegion } : {}),
      reads: learned,
      ...(mainService ? { readsService: mainService } : {}),
      ...(expiries.length ? { generatedExpiresAt: new Date(Math.min(...expiries)) } : {}),
    };
  }

  private async generate(namespace: string, ref: NonNullable<NonNullable<DefaultedExternalSecret['spec']['dataFrom'][number]['sourceRef']>['generatorRef']>, signal?: AbortSignal): Promise<GeneratedResult> {
    if (!this.generators) return new GeneratorError(GENERATOR_REASON.InvalidGenerator, 'this operator was started without generators');
    try {
      return { generated: await this.generators.generate(namespace, ref, signal) };
    } catch (error) {
      if (error instanceof GeneratorError) return error;
      if (error instanceof ProviderError) return new GeneratorError(GENERATOR_REASON.GeneratorFailed, error.message, { retryable: error.retryable, cause: error });
      throw error;
    }
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
  return withEntryPrefixes(es, () => prefix, () => prefix);
}

/** withStorePrefix with each entry's own store's prefix (sourceRef.storeRef). */
export function withEntryPrefixes(
  es: DefaultedExternalSecret,
  dataPrefix: (index: number) => string | undefined,
  dataFromPrefix: (index: number) => string | undefined,
): DefaultedExternalSecret {
  const spec = es.spec;
  const anyPrefix = spec.data.some((_, i) => dataPrefix(i)) || spec.dataFrom.some((_, j) => dataFromPrefix(j));
  if (!anyPrefix) return es;
  return {
    ...es,
    spec: {
      ...spec,
      data: spec.data.map((d, i) => {
        const prefix = dataPrefix(i);
        return prefix ? { ...d, remoteRef: { ...d.remoteRef, key: prefix + d.remoteRef.key } } : d;
      }),
      dataFrom: spec.dataFrom.map((d, j) => {
        const prefix = dataFromPrefix(j);
        if (!prefix) return d;
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
