// Resolves the AWS identity a store signs with, and caches it.
//
// Base identity (spec.provider.aws.auth), exactly one of:
// - none: the SDK default chain (EKS Pod Identity, IRSA env, instance role), shared by
//   every such store and refreshed by the SDK itself;
// - jwt.serviceAccountRef: per-store IRSA — TokenRequest for the ServiceAccount, then
//   STS AssumeRoleWithWebIdentity with its eks.amazonaws.com/role-arn annotation;
// - secretRef: static keys read from a Kubernetes Secret.
// Then additionalRoles (in order) and finally role are assumed on top, each hop signed
// with the previous hop's credentials; externalID and session tags apply to `role`.
//
// Referent authentication (ESO's semantics): a ClusterSecretStore whose auth.secretRef or
// jwt.serviceAccountRef leaves out `namespace` reads that Secret / ServiceAccount from the
// namespace of the ExternalSecret being synced, so each tenant signs with what its own namespace
// holds. Such a store has no identity of its own: forStore needs the ExternalSecret's namespace,
// and the identity key includes it, so credentials (and everything keyed by them: clients,
// fetched values) are never shared between namespaces.
//
// Caching: one entry per identity key (store kind/namespace/name/generation + the auth
// and role-chain spec, so any spec change gets a fresh entry; + the referent namespace). An entry is reused until
// ~5 minutes (+ jitter) before its expiry; concurrent callers share one in-flight
// resolution. So a steady-state refresh makes no STS call. Static keys get a synthetic
// 10-minute lifetime so an edited credentials Secret is picked up without a restart.
//
// We call STS ourselves (rather than credential-providers' fromTemporaryCredentials /
// fromWebToken) so every call goes through our client factory: our timeouts, the API-call
// metric, and one cache policy.
//
// STS calls never go to the store's `endpoint` (issue #15 item 3): that URL may be a
// tenant's server, and AssumeRoleWithWebIdentity carries a ServiceAccount token, AssumeRole a
// request signed with the previous hop's credentials. They go to the operator's own STS
// endpoint (stsEndpoint; undefined: the SDK's, i.e. AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL
// as the admin set them, else the real regional STS).
import { createHash } from 'node:crypto';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, type Credentials } from '@aws-sdk/client-sts';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { Logger } from 'pino';
import { ES_REASON, type AwsProvider, type SecretKeySelector, type SecretStore, type SessionTag } from '../api/types.js';
import type { CredentialSourceClient } from '../kube/ports.js';
import type { AwsClientFactory } from './clients.js';
import { systemClock, type Clock } from '../platform/clock.js';
import { toProviderError } from './errors.js';
import { ProviderError } from '../api/provider.js';
import { errorForLog } from '../platform/error-for-log.js';

export const ROLE_ARN_ANNOTATION = 'eks.amazonaws.com/role-arn';
export const DEFAULT_TOKEN_AUDIENCES = ['sts.amazonaws.com'];

export interface StoreCredentials {
  /** Stable while the store's spec and identity are unchanged; keys every cache above this one. */
  identityKey: string;
  /** Hand to an SDK client; returns cached credentials and refreshes them near expiry. */
  credentials: AwsCredentialIdentityProvider;
}

export interface CredentialResolverOptions {
  sources: CredentialSourceClient;
  clients: AwsClientFactory;
  logger: Logger;
  clock?: Clock;
  /** The SDK default chain; created once (fromNodeProviderChain) unless injected. */
  defaultChain?: AwsCredentialIdentityProvider;
  /** Refresh this long before expiry. Default 5 minutes (matches the SDK's own margin). */
  refreshMarginMs?: number;
  /** Random extra margin so many stores do not refresh at the same instant. Default 60 s. */
  refreshJitterMs?: number;
  random?: () => number;
  /** Lifetime given to static keys so the Secret is re-read. Default 10 minutes. */
  staticLifetimeMs?: number;
  /** ServiceAccount token lifetime requested from the TokenRequest API. Default 3600. */
  tokenExpirationSeconds?: number;
  /**
   * Where every STS call goes, whatever the store's endpoint says. Undefined: the SDK's
   * resolution (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, else the regional STS endpoint).
   */
  stsEndpoint?: string;
  /** Audiences of a ServiceAccount token when the store names none. Default [sts.amazonaws.com]. */
  tokenAudiences?: string[];
  /**
   * One call per lookup of cached credentials (store validation, each fetch, each SDK signing):
   * `miss` when it starts a resolution (STS / TokenRequest / Secret read), `hit` otherwise.
   * The SDK default chain keeps its own cache and is not counted.
   */
  onCacheLookup?: (result: 'hit' | 'miss') => void;
}

interface SecretKeyRef {
  namespace: string;
  name: string;
  key: string;
}

type BaseIdentity =
  | { kind: 'default' }
  | { kind: 'static'; accessKeyId: SecretKeyRef; secretAccessKey: SecretKeyRef; sessionToken?: SecretKeyRef }
  | { kind: 'webIdentity'; namespace: string; serviceAccount: string; audiences: string[] };

interface RoleHop {
  roleArn: string;
  externalId?: string;
  tags?: SessionTag[];
  transitiveTagKeys?: string[];
}

/** Everything needed to (re)build a store's credentials; derived from the spec alone. */
interface CredentialRecipe {
  region: string;
  base: BaseIdentity;
  hops: RoleHop[];
  sessionName: string;
}

interface CacheEntry {
  recipe: CredentialRecipe;
  credentials?: AwsCredentialIdentity;
  /** Clock time after which the next caller re-resolves. */
  refreshAt: number;
  inflight?: Promise<AwsCredentialIdentity>;
}

export class CredentialResolver {
  private readonly cache = new Map<string, CacheEntry>();
  /** store ref -> current identity key, to drop the old entry when a store's spec changes. */
  private readonly keyByStore = new Map<string, string>();
  private readonly clock: Clock;
  private defaultChainProvider?: AwsCredentialIdentityProvider;

  constructor(private readonly options: CredentialResolverOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /**
   * `referentNamespace`: the namespace of the ExternalSecret being synced; used (and part of the
   * identity) only when the store uses referent authentication (isReferentAuth).
   */
  async forStore(store: SecretStore, referentNamespace?: string): Promise<StoreCredentials> {
    const referent = isReferentAuth(store) ? referentNamespace : undefined;
    const recipe = buildRecipe(store, this.options.tokenAudiences ?? DEFAULT_TOKEN_AUDIENCES, referent);
    const identityKey = credentialIdentityKey(store, referent);
    const slot = storeSlot(store, referent);
    const previous = this.keyByStore.get(slot);
    if (previous !== undefined && previous !== identityKey) this.invalidate(previous);
    this.keyByStore.set(slot, identityKey);

    if (recipe.base.kind === 'default' && recipe.hops.length === 0) {
      // The default chain memoizes and refreshes itself; wrapping it would only add a
      // second cache with a different notion of expiry.
      const chain = this.defaultChain();
      try {
        await chain();
      } catch (err) {
        throw toProviderError(err, { service: 'STS', operation: 'ResolveCredentials', region: recipe.region, endpoint: this.options.stsEndpoint });
      }
      return { identityKey, credentials: chain };
    }

    // Resolve now so a broken identity surfaces on the store, not on the first read.
    await this.credentialsFor(identityKey, recipe);
    return { identityKey, credentials: () => this.credentialsFor(identityKey, recipe) };
  }

  /** Forgets cached credentials, e.g. after AWS rejected them. The next use re-resolves. */
  invalidate(identityKey: string): void {
    this.cache.delete(identityKey);
  }

  /** Drops everything kept for a deleted store (for every referent namespace). */
  forgetStore(store: Pick<SecretStore, 'kind' | 'metadata'>): void {
    for (const [slot, key] of this.keyByStore) {
      if (!slotOfStore(slot, store)) continue;
      this.invalidate(key);
      this.keyByStore.delete(slot);
    }
  }

  private defaultChain(): AwsCredentialIdentityProvider {
    this.defaultChainProvider ??= this.options.defaultChain ?? fromNodeProviderChain();
    return this.defaultChainProvider;
  }

  private credentialsFor(identityKey: string, recipe: CredentialRecipe): Promise<AwsCredentialIdentity> {
    let entry = this.cache.get(identityKey);
    if (!entry) {
      entry = { recipe, refreshAt: 0 };
      this.cache.set(identityKey, entry);
    }
    if (entry.credentials && this.clock.now() < entry.refreshAt) {
      this.options.onCacheLookup?.('hit');
      return Promise.resolve(entry.credentials);
    }
    // Joining a resolution in flight costs no extra call: a hit.
    this.options.onCacheLookup?.(entry.inflight ? 'hit' : 'miss');
    if (entry.inflight) return entry.inflight;

    const current = entry;
    const inflight = this.resolve(current.recipe)
      .then((credentials) => {
        current.credentials = credentials;
        current.refreshAt = this.refreshTime(credentials);
        return credentials;
      })
      .catch((err: unknown) => {
        // A failed refresh must not take down a store whose credentials are still valid
        // (e.g. STS briefly unavailable): keep using them and retry shortly.
        const stillValid = current.credentials?.expiration && current.credentials.expiration.getTime() > this.clock.now();
        if (current.credentials && stillValid) {
          this.options.logger.warn({ identityKey, err: errorForLog(err) }, 'credential refresh failed; using the still-valid credentials');
          current.refreshAt = this.clock.now() + 30_000;
          return current.credentials;
        }
        throw err;
      })
      .finally(() => {
        current.inflight = undefined;
      });
    current.inflight = inflight;
    return inflight;
  }

  private refreshTime(credentials: AwsCredentialIdentity): number {
    if (!credentials.expiration) return Number.POSITIVE_INFINITY;
    const margin = this.options.refreshMarginMs ?? 5 * 60_000;
    const jitter = (this.options.refreshJitterMs ?? 60_000) * (this.options.random ?? Math.random)();
    return credentials.expiration.getTime() - margin - jitter;
  }

  private async resolve(recipe: CredentialRecipe): Promise<AwsCredentialIdentity> {
    let credentials = await this.baseCredentials(recipe);
    for (const [index, hop] of recipe.hops.entries()) {
      credentials = await this.assumeRole(recipe, hop, credentials, index === recipe.hops.length - 1);
    }
    return credentials;
  }

  private async baseCredentials(recipe: CredentialRecipe): Promise<AwsCredentialIdentity> {
    const base = recipe.base;
    switch (base.kind) {
      case 'default':
        try {
          return await this.defaultChain()();
        } catch (err) {
          throw toProviderError(err, { service: 'STS', operation: 'ResolveCredentials', region: recipe.region, endpoint: this.options.stsEndpoint });
        }
      case 'static':
        return this.staticCredentials(base);
      case 'webIdentity':
        return this.webIdentityCredentials(recipe, base);
    }
  }

  private async staticCredentials(base: Extract<BaseIdentity, { kind: 'static' }>): Promise<AwsCredentialIdentity> {
    const read = async (ref: SecretKeyRef, allowEmpty = false) => (await this.options.sources.readSecretKey(ref.namespace, ref.name, ref.key, { allowEmpty })).trim();
    const [accessKeyId, secretAccessKey, sessionToken] = await Promise.all([
      read(base.accessKeyId),
      read(base.secretAccessKey),
      // As ESO: an empty (or blank) sessionToken key means "no session token"; a missing key is still an error.
      base.sessionToken ? read(base.sessionToken, true) : Promise.resolve(undefined),
    ]);
    return {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
      // Synthetic: makes both our cache and the SDK's ask again, re-reading the Secret.
      expiration: new Date(this.clock.now() + (this.options.staticLifetimeMs ?? 10 * 60_000)),
    };
  }

  private async webIdentityCredentials(
    recipe: CredentialRecipe,
    base: Extract<BaseIdentity, { kind: 'webIdentity' }>,
  ): Promise<AwsCredentialIdentity> {
    const { namespace, serviceAccount, audiences } = base;
    const saName = `${namespace}/${serviceAccount}`;
    const annotations = await this.options.sources.serviceAccountAnnotations(namespace, serviceAccount);
    if (!annotations) {
      throw new ProviderError(
        ES_REASON.InvalidSpec,
        `ServiceAccount ${saName} named in spec.provider.aws.auth.jwt.serviceAccountRef does not exist; create it and annotate it with ${ROLE_ARN_ANNOTATION}`,
      );
    }
    const roleArn = annotations[ROLE_ARN_ANNOTATION]?.trim();
    if (!roleArn) {
      throw new ProviderError(
        ES_REASON.InvalidSpec,
        `ServiceAccount ${saName} has no ${ROLE_ARN_ANNOTATION} annotation; add it: kubectl annotate serviceaccount -n ${namespace} ${serviceAccount} ${ROLE_ARN_ANNOTATION}=arn:aws:iam::<account>:role/<role>`,
      );
    }
    let token: string;
    try {
      token = (await this.options.sources.requestToken(namespace, serviceAccount, audiences, this.options.tokenExpirationSeconds ?? 3600)).token;
    } catch (err) {
      if (err instanceof ProviderError) throw err;
      const detail = err instanceof Error ? err.message.slice(0, 200) : 'unknown error';
      throw new ProviderError(
        ES_REASON.AccessDenied,
        `could not request a token for ServiceAccount ${saName}: the operator needs create on serviceaccounts/token in namespace ${namespace} (${detail})`,
        { cause: err, retryable: true },
      );
    }
    // AssumeRoleWithWebIdentity is unsigned: the token is the credential.
    const sts = this.options.clients.sts({ region: recipe.region, endpoint: this.options.stsEndpoint, identityKey: 'unsigned' });
    try {
      const out = await sts.send(
        new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: recipe.sessionName, WebIdentityToken: token }),
      );
      this.options.logger.debug({ roleArn, serviceAccount: saName, expiration: out.Credentials?.Expiration }, 'assumed role with web identity');
      return toIdentity(out.Credentials, roleArn);
    } catch (err) {
      throw toProviderError(err, {
        service: 'STS',
        operation: 'AssumeRoleWithWebIdentity',
        key: roleArn,
        region: recipe.region,
        endpoint: this.options.stsEndpoint,
        hint: `The role's trust policy must trust the cluster's OIDC provider for system:serviceaccount:${namespace}:${serviceAccount} with audience ${audiences.join(',')}.`,
      });
    }
  }

  private async assumeRole(recipe: CredentialRecipe, hop: RoleHop, previous: AwsCredentialIdentity, last: boolean): Promise<AwsCredentialIdentity> {
    const sts = this.options.clients.ephemeralSts({ region: recipe.region, endpoint: this.options.stsEndpoint, credentials: previous });
    try {
      const out = await sts.send(
        new AssumeRoleCommand({
          RoleArn: hop.roleArn,
          RoleSessionName: recipe.sessionName,
          ...(hop.externalId ? { ExternalId: hop.externalId } : {}),
          ...(hop.tags?.length ? { Tags: hop.tags.map((t) => ({ Key: t.key, Value: t.value })) } : {}),
          ...(hop.transitiveTagKeys?.length ? { TransitiveTagKeys: hop.transitiveTagKeys } : {}),
        }),
      );
      this.options.logger.debug({ roleArn: hop.roleArn, expiration: out.Credentials?.Expiration }, 'assumed role');
      return toIdentity(out.Credentials, hop.roleArn);
    } catch (err) {
      const needs = [
        `The role's trust policy must allow the previous identity to call sts:AssumeRole`,
        hop.externalId ? ' with the configured spec.provider.aws.externalID' : '',
        hop.tags?.length ? ' and sts:TagSession (sessionTags are set)' : '',
        last ? '.' : ' (this role is in spec.provider.aws.additionalRoles).',
      ].join('');
      throw toProviderError(err, { service: 'STS', operation: 'AssumeRole', key: hop.roleArn, region: recipe.region, endpoint: this.options.stsEndpoint, hint: needs });
    } finally {
      sts.destroy();
    }
  }
}

function toIdentity(credentials: Credentials | undefined, roleArn: string): AwsCredentialIdentity {
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
    throw new ProviderError(ES_REASON.AccessDenied, `STS returned no credentials for role ${roleArn}`, { retryable: true });
  }
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    ...(credentials.SessionToken ? { sessionToken: credentials.SessionToken } : {}),
    ...(credentials.Expiration ? { expiration: credentials.Expiration } : {}),
  };
}

export function storeRefOf(store: Pick<SecretStore, 'kind' | 'metadata'>): string {
  return `${store.kind}/${store.metadata.namespace ?? ''}/${store.metadata.name}`;
}

/** Per-store bookkeeping key: the store, plus the referent namespace for a referent store. */
export function storeSlot(store: Pick<SecretStore, 'kind' | 'metadata'>, referentNamespace: string | undefined): string {
  return `${storeRefOf(store)}|${referentNamespace ?? ''}`;
}

/** Whether a storeSlot belongs to `store` (any referent namespace). */
export function slotOfStore(slot: string, store: Pick<SecretStore, 'kind' | 'metadata'>): boolean {
  return slot.startsWith(`${storeRefOf(store)}|`);
}

/**
 * ESO's referent authentication: a ClusterSecretStore with an auth reference (the
 * ServiceAccount, or any of the Secret keys) that names no namespace. That reference is then
 * resolved in each ExternalSecret's namespace.
 */
export function isReferentAuth(store: Pick<SecretStore, 'kind' | 'spec'>): boolean {
  if (store.kind !== 'ClusterSecretStore') return false;
  const auth = store.spec?.provider?.aws?.auth;
  if (auth?.jwt?.serviceAccountRef && !auth.jwt.serviceAccountRef.namespace) return true;
  const s = auth?.secretRef;
  if (!s) return false;
  return [s.accessKeyIDSecretRef, s.secretAccessKeySecretRef, s.sessionTokenSecretRef].some((ref) => ref !== undefined && !ref.namespace);
}

/** RoleSessionName: shows up in CloudTrail, so make it say which store it was. */
export function roleSessionName(store: SecretStore, referentNamespace?: string): string {
  // A referent store's session names the tenant namespace whose credentials signed, too.
  const raw = ['rotor', store.metadata.namespace, store.metadata.name, referentNamespace].filter(Boolean).join('-');
  return raw.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

/**
 * The cache key of a store's identity: who the store is (kind, namespace, name,
 * generation) and everything that shapes its credentials. Readable prefix for logs,
 * hash for the spec.
 */
export function credentialIdentityKey(store: SecretStore, referentNamespace?: string): string {
  const aws = store.spec.provider.aws;
  const shaping = [
    store.kind,
    store.metadata.namespace ?? '',
    store.metadata.name,
    store.metadata.generation ?? 0,
    aws.auth ?? null,
    aws.role ?? null,
    aws.externalID ?? null,
    aws.sessionTags ?? null,
    aws.transitiveTagKeys ?? null,
    aws.additionalRoles ?? null,
    aws.region,
    aws.endpoint ?? null,
    referentNamespace ?? null,
  ];
  const digest = createHash('sha256').update(JSON.stringify(shaping)).digest('hex').slice(0, 16);
  const scope = store.metadata.namespace ? `${store.metadata.namespace}/${store.metadata.name}` : store.metadata.name;
  // Readable in logs: which namespace's credentials a referent store is using.
  const referent = referentNamespace !== undefined ? `[${referentNamespace}]` : '';
  return `${store.kind}/${scope}${referent}@${digest}`;
}

function invalidSpec(message: string): ProviderError {
  return new ProviderError(ES_REASON.InvalidSpec, message);
}

/**
 * Where an auth reference may point. A SecretStore reads only its own namespace (the
 * namespace boundary of §5); a ClusterSecretStore reads the namespace it names, else (referent
 * authentication, as ESO) the namespace of the ExternalSecret being synced: the tenant's own.
 */
function refNamespace(store: SecretStore, requested: string | undefined, field: string, referentNamespace: string | undefined): string {
  if (store.kind === 'SecretStore') {
    const own = store.metadata.namespace;
    if (!own) throw invalidSpec(`SecretStore ${store.metadata.name} has no namespace`);
    if (requested && requested !== own) {
      throw invalidSpec(
        `${field} is "${requested}", but a SecretStore may only use objects in its own namespace "${own}"; remove ${field} or use a ClusterSecretStore`,
      );
    }
    return own;
  }
  if (requested) return requested;
  if (referentNamespace) return referentNamespace;
  // Only reachable without an ExternalSecret (store validation skips referent stores).
  throw invalidSpec(`${field} is not set: this ClusterSecretStore uses referent authentication, resolved in the namespace of each ExternalSecret that uses it`);
}

function secretKeyRef(store: SecretStore, selector: SecretKeySelector, field: string, referentNamespace: string | undefined): SecretKeyRef {
  return { namespace: refNamespace(store, selector.namespace, `${field}.namespace`, referentNamespace), name: selector.name, key: selector.key };
}

function baseIdentity(store: SecretStore, aws: AwsProvider, defaultAudiences: string[], referentNamespace: string | undefined): BaseIdentity {
  const auth = aws.auth;
  if (auth?.jwt && auth.secretRef) {
    throw invalidSpec('spec.provider.aws.auth: set at most one of jwt or secretRef');
  }
  if (auth?.jwt) {
    const ref = auth.jwt.serviceAccountRef;
    const field = 'spec.provider.aws.auth.jwt.serviceAccountRef';
    return {
      kind: 'webIdentity',
      namespace: refNamespace(store, ref.namespace, `${field}.namespace`, referentNamespace),
      serviceAccount: ref.name,
      audiences: ref.audiences?.length ? ref.audiences : defaultAudiences,
    };
  }
  if (auth?.secretRef) {
    const field = 'spec.provider.aws.auth.secretRef';
    const s = auth.secretRef;
    return {
      kind: 'static',
      accessKeyId: secretKeyRef(store, s.accessKeyIDSecretRef, `${field}.accessKeyIDSecretRef`, referentNamespace),
      secretAccessKey: secretKeyRef(store, s.secretAccessKeySecretRef, `${field}.secretAccessKeySecretRef`, referentNamespace),
      ...(s.sessionTokenSecretRef ? { sessionToken: secretKeyRef(store, s.sessionTokenSecretRef, `${field}.sessionTokenSecretRef`, referentNamespace) } : {}),
    };
  }
  return { kind: 'default' };
}

function buildRecipe(store: SecretStore, defaultAudiences: string[], referentNamespace: string | undefined): CredentialRecipe {
  const aws = store.spec?.provider?.aws;
  if (!aws) throw invalidSpec('spec.provider.aws is required');
  if (!aws.region) throw invalidSpec('spec.provider.aws.region is required');
  const hops: RoleHop[] = (aws.additionalRoles ?? []).map((roleArn) => ({ roleArn }));
  if (aws.role) {
    hops.push({ roleArn: aws.role, externalId: aws.externalID, tags: aws.sessionTags, transitiveTagKeys: aws.transitiveTagKeys });
  }
  return {
    region: aws.region,
    base: baseIdentity(store, aws, defaultAudiences, referentNamespace),
    hops,
    sessionName: roleSessionName(store, referentNamespace),
  };
}
