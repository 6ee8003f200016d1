// The GeneratorRunner (api/generator.ts) that ExternalSecret dataFrom[].sourceRef.generatorRef
// and PushSecret spec.selector.generatorRef call: reads the generator object, checks it, resolves
// its AWS identity with the operator's CredentialResolver under the chart's tenancy policy
// (identity.ts) and runs it. ESO's rules (runtime/esutils/resolvers/generator.go):
//   - apiVersion must be the generators group (Rotor's, or ESO's read as Rotor's);
//   - a namespaced kind is read from the caller's namespace;
//   - a ClusterGenerator is cluster-scoped and runs as a "virtual" generator of spec.kind in the
//     caller's namespace (its auth is read there);
//   - every run generates anew (no state, no cache: ESO's Password, ECR and STS keep none).
// Failures are GeneratorErrors whose messages name the object and field, never a value.
import type { GeneratedValues, GeneratorRef, GeneratorRunner } from '../../api/generator.js';
import { GeneratorError, GENERATOR_REASON } from '../../api/generator.js';
import {
  CLUSTER_GENERATOR_KIND,
  CLUSTER_GENERATOR_SPEC_KEY,
  ESO_GENERATOR_API_VERSION,
  GENERATOR_API_VERSION,
  GENERATOR_KINDS,
  type ECRAuthorizationTokenSpec,
  type GeneratorKind,
  type GeneratorSpecs,
  type PasswordSpec,
  type STSSessionTokenSpec,
} from '../../api/generator-types.js';
import { ProviderError } from '../../api/provider.js';
import { ES_REASON } from '../../api/types.js';
import type { GeneratorObjectClient } from '../../kube/generators.js';
import { generatePasswords, PasswordSpecError, type RandomInt } from '../../sync/password.js';
import type { CredentialResolver } from '../credentials.js';
import { defaultTenancy, type TenancyPolicy } from '../tenancy.js';
import { generateEcrToken, type EcrClients } from './ecr.js';
import { describeOrigin, resolveGeneratorIdentity, type GeneratorOrigin } from './identity.js';
import { generateSessionToken, type StsClients } from './sts.js';

export interface AwsGeneratorRunnerOptions {
  objects: GeneratorObjectClient;
  credentials: Pick<CredentialResolver, 'forStore'>;
  clients: EcrClients & StsClients;
  /** The chart's tenancy policy (the same object the ProviderFactory gets). Default: the chart's defaults. */
  tenancy?: TenancyPolicy;
  /** Password's random source (tests). Default node:crypto randomInt. */
  random?: RandomInt;
}

interface Resolved<K extends GeneratorKind = GeneratorKind> {
  kind: K;
  spec: GeneratorSpecs[K];
  origin: GeneratorOrigin;
}

export class AwsGeneratorRunner implements GeneratorRunner {
  private readonly tenancy: TenancyPolicy;

  constructor(private readonly options: AwsGeneratorRunnerOptions) {
    this.tenancy = options.tenancy ?? defaultTenancy(process.env);
  }

  async generate(namespace: string, ref: GeneratorRef, signal?: AbortSignal): Promise<GeneratedValues> {
    const resolved = await this.resolve(namespace, ref);
    signal?.throwIfAborted();
    try {
      return await this.run(resolved, signal);
    } catch (error) {
      if (error instanceof GeneratorError) throw error;
      if (error instanceof PasswordSpecError) {
        throw new GeneratorError(GENERATOR_REASON.InvalidGenerator, `${describeOrigin(resolved.origin)}: ${resolved.origin.specPath}.${error.field}: ${error.message}`);
      }
      if (error instanceof ProviderError) {
        // Credentials: a missing Secret / ServiceAccount is the spec's to fix; AWS refusals are failures.
        const reason = error.reason === ES_REASON.InvalidSpec ? GENERATOR_REASON.InvalidGenerator : GENERATOR_REASON.GeneratorFailed;
        const message = error.message.replaceAll('spec.provider.aws.', `${resolved.origin.specPath}.`);
        throw new GeneratorError(reason, `${describeOrigin(resolved.origin)}: ${message}`, { retryable: error.retryable, cause: error });
      }
      throw error;
    }
  }

  private async run(resolved: Resolved, signal?: AbortSignal): Promise<GeneratedValues> {
    const { origin } = resolved;
    const prefix = (error: GeneratorError) => new GeneratorError(error.reason, `${describeOrigin(origin)}: ${error.message}`, error.options);
    try {
      switch (resolved.kind) {
        case 'Password':
          return { data: generatePasswords(resolved.spec as PasswordSpec, ...(this.options.random ? [this.options.random] : [])) };
        case 'ECRAuthorizationToken': {
          const spec = resolved.spec as ECRAuthorizationTokenSpec;
          const identity = await resolveGeneratorIdentity(this.options.credentials, this.tenancy, origin, spec);
          return await generateEcrToken(this.options.clients, identity, spec, signal);
        }
        case 'STSSessionToken': {
          const spec = resolved.spec as STSSessionTokenSpec;
          if (spec.auth?.jwt) {
            throw new GeneratorError(GENERATOR_REASON.InvalidGenerator, `${origin.specPath}.auth.jwt cannot be used: GetSessionToken needs IAM user keys (as in ESO); use auth.secretRef`);
          }
          const identity = await resolveGeneratorIdentity(this.options.credentials, this.tenancy, origin, spec);
          return await generateSessionToken(this.options.clients, identity, spec, signal);
        }
      }
    } catch (error) {
      // Identity errors already name the object; the generators' own do not.
      if (error instanceof GeneratorError && !error.message.startsWith(describeOrigin(origin))) throw prefix(error);
      throw error;
    }
  }

  /** The generator object behind `ref`, as the kind to run, its spec and where it came from. */
  private async resolve(namespace: string, ref: GeneratorRef): Promise<Resolved> {
    const apiVersion = ref.apiVersion || GENERATOR_API_VERSION;
    if (apiVersion !== GENERATOR_API_VERSION && apiVersion !== ESO_GENERATOR_API_VERSION) {
      throw new GeneratorError(GENERATOR_REASON.InvalidGenerator, `generatorRef.apiVersion ${JSON.stringify(apiVersion)} is not a generator group; use ${GENERATOR_API_VERSION}`);
    }
    if (ref.kind === CLUSTER_GENERATOR_KIND) {
      const object = await this.options.objects.cluster(ref.name);
      if (!object) throw new GeneratorError(GENERATOR_REASON.GeneratorNotFound, `ClusterGenerator ${ref.name} not found; create it or fix generatorRef.name`, { retryable: false });
      const kind = object.spec?.kind;
      if (!isKind(kind)) {
        throw new GeneratorError(GENERATOR_REASON.InvalidGenerator, `ClusterGenerator ${ref.name}: spec.kind ${JSON.stringify(kind)} is not one of ${GENERATOR_KINDS.join(', ')}`);
      }
      const key = CLUSTER_GENERATOR_SPEC_KEY[kind];
      const generator = object.spec.generator ?? {};
      const others = Object.keys(generator).filter((k) => k !== key);
      const spec = generator[key];
      if (!spec || others.length > 0) {
        throw new GeneratorError(
          GENERATOR_REASON.InvalidGenerator,
          `ClusterGenerator ${ref.name}: spec.generator must hold exactly spec.generator.${key} for spec.kind ${kind}${others.length ? ` (it also holds ${others.join(', ')})` : ''}`,
        );
      }
      return {
        kind,
        spec,
        origin: { kind, name: ref.name, callerNamespace: namespace, specPath: `spec.generator.${key}`, ...meta(object.metadata) },
      };
    }
    if (!isKind(ref.kind)) {
      throw new GeneratorError(GENERATOR_REASON.InvalidGenerator, `generatorRef.kind ${JSON.stringify(ref.kind)} is not served by Rotor; use one of ${[...GENERATOR_KINDS, CLUSTER_GENERATOR_KIND].join(', ')}`);
    }
    const object = await this.options.objects.namespaced(ref.kind, namespace, ref.name);
    if (!object) {
      throw new GeneratorError(GENERATOR_REASON.GeneratorNotFound, `${ref.kind} ${namespace}/${ref.name} not found; create it in this namespace, or reference a ClusterGenerator`, { retryable: false });
    }
    return {
      kind: ref.kind,
      spec: (object.spec ?? {}) as GeneratorSpecs[GeneratorKind],
      origin: { kind: ref.kind, name: ref.name, namespace, callerNamespace: namespace, specPath: 'spec', ...meta(object.metadata) },
    };
  }
}

function isKind(kind: unknown): kind is GeneratorKind {
  return typeof kind === 'string' && (GENERATOR_KINDS as readonly string[]).includes(kind);
}

function meta(metadata: { uid?: string; generation?: number } | undefined): Pick<GeneratorOrigin, 'uid' | 'generation'> {
  return { ...(metadata?.uid ? { uid: metadata.uid } : {}), ...(metadata?.generation !== undefined ? { generation: metadata.generation } : {}) };
}
