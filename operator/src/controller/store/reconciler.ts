// Reconciles SecretStore / ClusterSecretStore: validates the spec, proves the identity
// works with one cheap AWS call, and records Ready with Valid / InvalidProviderConfig /
// AuthFailed / ProviderUnavailable. Validation is repeated only on spec change and on a
// slow timer, so a healthy store costs almost no AWS calls.
import type { Logger } from 'pino';
import { API_GROUP_VERSION, STORE_REASON, type SecretStore, type SecretStoreStatus, type StoreKind } from '../../api/types.js';
import { parseDuration } from '../../api/duration.js';
import { ProviderError, type SecretsProvider } from '../../api/provider.js';
import { retryPolicyOf, retryScheduleNote } from '../../aws/retry-settings.js';
import { isReferentAuth } from '../../aws/credentials.js';
import type { EventRecorder, StatusWriter } from '../../kube/ports.js';
import { readyCondition, sameJson, setCondition } from '../runtime/conditions.js';
import { validateStoreSpec } from './validation.js';
import { ReconcileFailure, type ReconcileResult } from '../runtime/reconcile.js';
import type { Clock } from '../../platform/clock.js';

export interface ProviderSource {
  forStore(store: SecretStore): Promise<{ identityKey: string; provider: SecretsProvider }>;
  /** Releases what a deleted store held: SDK clients (their sockets), cached credentials. */
  forgetStore(store: Pick<SecretStore, 'kind' | 'metadata'>): void;
}

export interface StoreReconcilerDeps {
  get(kind: StoreKind, namespace: string | undefined, name: string): SecretStore | undefined;
  providers: ProviderSource;
  status: StatusWriter;
  events: EventRecorder;
  /** Time source (platform/clock.ts); tests pass a fixed or stepping one. */
  clock: Clock;
  logger: Logger;
  /** How often a Valid store is re-checked. */
  revalidateAfterMs: number;
  /** The per-call AWS deadline (--aws-call-timeout): a retrySettings schedule longer than it is noted in Ready. */
  awsCallTimeoutMs?: number;
}

export class StoreReconciler {
  constructor(private readonly deps: StoreReconcilerDeps) {}

  async reconcile(kind: StoreKind, namespace: string | undefined, name: string): Promise<ReconcileResult> {
    const store = this.deps.get(kind, namespace, name);
    if (!store || store.metadata.deletionTimestamp) {
      // Deleted: nothing will use its clients or credentials again (a re-created store gets new ones).
      this.deps.providers.forgetStore({ kind, metadata: { name, ...(namespace ? { namespace } : {}) } });
      return {};
    }
    const log = this.deps.logger.child({ [kind]: namespace ? `${namespace}/${name}` : name });

    const problems = validateStoreSpec(store);
    if (problems.length > 0) {
      const message = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
      await this.record(store, 'False', STORE_REASON.InvalidProviderConfig, message, log);
      return {};
    }
    if (isReferentAuth(store)) {
      // As ESO: a referent store has no identity of its own to check; each ExternalSecret's
      // sync uses (and reports problems with) the credentials of its own namespace.
      const aws = store.spec.provider.aws;
      const message = `store accepted: ${aws.service} in ${aws.region}; referent authentication: credentials are read from the namespace of each ExternalSecret that uses it and checked at its sync${ignoredFieldsNote(store)}`;
      await this.record(store, 'True', STORE_REASON.Valid, message, log);
      return { requeueAfterMs: this.revalidateAfterMs(store) };
    }
    try {
      const { provider } = await this.deps.providers.forStore(store);
      await provider.validate();
    } catch (error) {
      const { reason, message, retryable } = storeFailure(error);
      await this.record(store, 'False', reason, message, log);
      if (retryable) throw new ReconcileFailure(message, true);
      return { requeueAfterMs: this.revalidateAfterMs(store) };
    }
    const aws = store.spec.provider.aws;
    const notes = ignoredFieldsNote(store) + (this.deps.awsCallTimeoutMs ? retryScheduleNote(retryPolicyOf(store.spec.retrySettings), this.deps.awsCallTimeoutMs) : '');
    await this.record(store, 'True', STORE_REASON.Valid, `store validated: ${aws.service} in ${aws.region}${notes}`, log);
    return { requeueAfterMs: this.revalidateAfterMs(store) };
  }

  /** ESO's store spec.refreshInterval when set and above 0, else the operator's default. */
  private revalidateAfterMs(store: SecretStore): number {
    const ms = storeRefreshIntervalMs(store.spec.refreshInterval);
    return ms !== undefined && ms > 0 ? ms : this.deps.revalidateAfterMs;
  }

  private async record(store: SecretStore, ok: 'True' | 'False', reason: string, message: string, log: Logger): Promise<void> {
    // ESO writes capabilities once a store validates (its AWS provider: ReadWrite) and keeps them.
    const capabilities = ok === 'True' ? AWS_CAPABILITIES : store.status?.capabilities;
    const status: SecretStoreStatus = {
      conditions: setCondition(store.status?.conditions, readyCondition(ok, reason, message, new Date(this.deps.clock.now()), store.metadata.generation)),
      observedGeneration: store.metadata.generation,
      ...(capabilities ? { capabilities } : {}),
    };
    if (sameJson(store.status ?? {}, status)) return;
    await this.deps.status.store(store.kind, store.metadata.namespace, store.metadata.name, status);
    if (ok === 'False') log.warn({ reason, error: message }, 'store not ready');
    else log.info('store ready');
    const ref = { apiVersion: API_GROUP_VERSION, kind: store.kind, name: store.metadata.name, namespace: store.metadata.namespace, uid: store.metadata.uid };
    await this.deps.events.record(ref, ok === 'True' ? 'Normal' : 'Warning', ok === 'True' ? 'Valid' : reason, message);
  }
}

/** ESO's AWS provider Capabilities(): Secrets Manager and Parameter Store are read and written. */
const AWS_CAPABILITIES = 'ReadWrite' as const;

/**
 * ESO 2.9's SecretStoreSpec.GetRefreshInterval: an integer is seconds, a string a Go duration.
 * Undefined when unset or unreadable (the CRD's rule refuses both negative and malformed values).
 */
export function storeRefreshIntervalMs(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  try {
    return parseDuration(value, 'spec.refreshInterval');
  } catch {
    return undefined;
  }
}

function storeFailure(error: unknown): { reason: string; message: string; retryable: boolean } {
  if (error instanceof ProviderError) {
    if (error.unavailable) return { reason: STORE_REASON.ProviderUnavailable, message: error.message, retryable: true };
    if (error.reason === 'AccessDenied') return { reason: STORE_REASON.AuthFailed, message: error.message, retryable: false };
    if (error.reason === 'Throttled') return { reason: STORE_REASON.ProviderUnavailable, message: error.message, retryable: true };
    return { reason: STORE_REASON.InvalidProviderConfig, message: error.message, retryable: false };
  }
  return { reason: STORE_REASON.InvalidProviderConfig, message: 'could not build the AWS client for this store; see the operator log', retryable: true };
}

/**
 * Fields ESO users carry over that only matter to ESO's PushSecret: accepted so manifests
 * apply unchanged, and named in the Ready message so nobody believes they act.
 */
export function ignoredFieldsNote(store: SecretStore): string {
  if (store.spec.provider.aws.secretsManager === undefined) return '';
  return '; spec.provider.aws.secretsManager is ignored: it only configures deletion by ESO\'s PushSecret, and Rotor only reads';
}
