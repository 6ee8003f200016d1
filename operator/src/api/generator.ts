// The contract between whoever needs generated values (ExternalSecret dataFrom[].sourceRef.
// generatorRef, PushSecret spec.selector.generatorRef) and the generators themselves (ESO's
// generators.external-secrets.io kinds, served by Rotor as generators.rotor.dev). Callers see
// only this shape, so each is unit-tested with a fake runner.

/** ESO's generatorRef: which generator object to run. */
export interface GeneratorRef {
  /** `generators.rotor.dev/v1alpha1` (ESO's `generators.external-secrets.io/v1alpha1` after migration). */
  apiVersion: string;
  /** ECRAuthorizationToken, STSSessionToken, Password, or ClusterGenerator. */
  kind: string;
  name: string;
}

/** What one run produced: key → bytes. Never logged, never in status or events. */
export interface GeneratedValues {
  data: Record<string, Buffer>;
  /**
   * When the values stop being valid (ECR tokens after 12 h, STS session tokens): the caller
   * refreshes before then even when its refreshInterval is longer.
   */
  expiresAt?: Date;
}

export interface GeneratorRunner {
  /**
   * Runs the generator named by `ref` for an object in `namespace` (namespaced generators are
   * read from that namespace; ClusterGenerator is cluster-scoped). Throws GeneratorError.
   */
  generate(namespace: string, ref: GeneratorRef, signal?: AbortSignal): Promise<GeneratedValues>;
}

export const GENERATOR_REASON = {
  GeneratorNotFound: 'GeneratorNotFound',
  InvalidGenerator: 'InvalidGenerator',
  GeneratorFailed: 'GeneratorFailed',
} as const;
export type GeneratorReason = (typeof GENERATOR_REASON)[keyof typeof GENERATOR_REASON];

/** A generator failure a user can act on. `message` never contains a generated value. */
export class GeneratorError extends Error {
  constructor(
    readonly reason: GeneratorReason,
    message: string,
    readonly options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'GeneratorError';
  }
  get retryable(): boolean {
    return this.options.retryable ?? false;
  }
}
