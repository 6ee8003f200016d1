// Defaults for an ExternalSecret spec (ESO's), applied once per reconcile. Validation of what
// the CRD's schema cannot express lives in sync/validate.ts, beside the rules it checks.
import { parseDuration } from './duration.js';
import type {
  CreationPolicy,
  DecodingStrategy,
  DeletionPolicy,
  ExternalSecret,
  ExternalSecretData,
  ExternalSecretDataFrom,
  ExternalSecretSpec,
  ExternalSecretTarget,
  ExternalSecretTemplate,
  RefreshPolicy,
  RemoteRef,
  RolloutSpec,
  SecretStoreRef,
  TemplateMergePolicy,
} from './types.js';

export const DEFAULTS = {
  refreshInterval: '1h',
  refreshPolicy: 'Periodic',
  secretStoreKind: 'SecretStore',
  creationPolicy: 'Owner',
  deletionPolicy: 'Retain',
  decodingStrategy: 'None',
  mergePolicy: 'Replace',
  rolloutEnabled: true,
} as const;

/** A spec problem: `field` is a path such as `spec.data[2].remoteRef.jmesPath`. */
export interface SpecProblem {
  field: string;
  message: string;
}

export interface DefaultedRemoteRef extends RemoteRef {
  decodingStrategy: DecodingStrategy;
}

export interface DefaultedData extends ExternalSecretData {
  remoteRef: DefaultedRemoteRef;
}

export interface DefaultedTemplate extends ExternalSecretTemplate {
  mergePolicy: TemplateMergePolicy;
}

export interface DefaultedTarget extends ExternalSecretTarget {
  name: string;
  creationPolicy: CreationPolicy;
  deletionPolicy: DeletionPolicy;
  immutable: boolean;
  template?: DefaultedTemplate;
}

export interface DefaultedSpec extends ExternalSecretSpec {
  secretStoreRef: Required<SecretStoreRef>;
  refreshInterval: string;
  refreshPolicy: RefreshPolicy;
  target: DefaultedTarget;
  data: DefaultedData[];
  dataFrom: ExternalSecretDataFrom[];
  rollout: RolloutSpec & { enabled: boolean };
}

export interface DefaultedExternalSecret extends ExternalSecret {
  spec: DefaultedSpec;
}

/** A fully-defaulted deep copy; the input is not touched (it is usually an informer's cached object). */
export function withDefaults(es: ExternalSecret): DefaultedExternalSecret {
  const copy = structuredClone(es);
  const spec = copy.spec ?? ({} as ExternalSecretSpec);
  const target = spec.target ?? {};
  const template = target.template ? { ...target.template, mergePolicy: target.template.mergePolicy ?? DEFAULTS.mergePolicy } : undefined;
  const { template: _rawTemplate, ...targetFields } = target;
  const defaultedTarget: DefaultedTarget = {
    ...targetFields,
    name: target.name || copy.metadata.name,
    creationPolicy: target.creationPolicy ?? DEFAULTS.creationPolicy,
    deletionPolicy: target.deletionPolicy ?? DEFAULTS.deletionPolicy,
    immutable: target.immutable ?? false,
  };
  if (template) defaultedTarget.template = template;

  const defaultedSpec: DefaultedSpec = {
    ...spec,
    secretStoreRef: { name: spec.secretStoreRef?.name ?? '', kind: spec.secretStoreRef?.kind ?? DEFAULTS.secretStoreKind },
    refreshInterval: spec.refreshInterval ?? DEFAULTS.refreshInterval,
    refreshPolicy: spec.refreshPolicy ?? DEFAULTS.refreshPolicy,
    target: defaultedTarget,
    data: (spec.data ?? []).map((entry) => ({
      ...entry,
      remoteRef: { ...entry.remoteRef, decodingStrategy: entry.remoteRef?.decodingStrategy ?? DEFAULTS.decodingStrategy },
    })),
    dataFrom: (spec.dataFrom ?? []).map((entry) => {
      const out: ExternalSecretDataFrom = { ...entry };
      if (entry.extract) out.extract = { ...entry.extract, decodingStrategy: entry.extract.decodingStrategy ?? DEFAULTS.decodingStrategy };
      if (entry.find) out.find = { ...entry.find, decodingStrategy: entry.find.decodingStrategy ?? DEFAULTS.decodingStrategy };
      return out;
    }),
    rollout: { ...spec.rollout, enabled: spec.rollout?.enabled ?? DEFAULTS.rolloutEnabled },
  };
  return { ...copy, spec: defaultedSpec };
}

/**
 * The interval of a Periodic ExternalSecret's refresh timer, in ms; undefined when it never
 * refreshes on a timer (OnChange, CreatedOnce, interval 0, or an invalid interval: that one is
 * reported by validation). One reading for the metrics' overdue check and the rollout siblings.
 */
export function periodicIntervalMs(es: Pick<ExternalSecret, 'spec'>): number | undefined {
  if ((es.spec?.refreshPolicy ?? DEFAULTS.refreshPolicy) !== 'Periodic') return undefined;
  try {
    const ms = parseDuration(es.spec?.refreshInterval ?? DEFAULTS.refreshInterval);
    return ms > 0 ? ms : undefined;
  } catch {
    return undefined;
  }
}
