// The AWS identity an ECRAuthorizationToken or STSSessionToken generator signs with, resolved by
// the operator's one CredentialResolver under the chart's tenancy policy (never a copy of them).
//
// ESO's semantics (NewGeneratorSession): auth.secretRef / auth.jwt are read from the namespace of
// the object that runs the generator — the ExternalSecret's — whatever namespace the selectors
// name, for a ClusterGenerator too; no auth is the operator's own identity; `role` is assumed on
// top. So a generator is resolved as a store would be:
//   - a namespaced generator as a SecretStore in the caller's namespace (which is its own):
//     tenancy rules of a SecretStore apply (e.g. operatorIdentity ClusterSecretStoresOnly refuses
//     a generator without auth);
//   - a ClusterGenerator (written by a cluster admin) as a ClusterSecretStore with referent auth:
//     the credentials come from the caller's namespace, the identity key includes it, so no two
//     namespaces share credentials.
// Generators have no endpoint field (ESO has none): the SDK resolves the endpoint from the
// operator's own AWS_ENDPOINT_URL* settings, decided by the chart.
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { API_GROUP_VERSION, type AwsAuth, type SecretStore } from '../../api/types.js';
import type { GeneratorAwsAuth } from '../../api/generator-types.js';
import type { CredentialResolver } from '../credentials.js';
import { tenancyProblems, type TenancyPolicy } from '../tenancy.js';
import { GeneratorError, GENERATOR_REASON } from '../../api/generator.js';

export interface GeneratorIdentitySpec {
  region: string;
  role?: string;
  auth?: GeneratorAwsAuth;
}

/** Which generator object, and who runs it. */
export interface GeneratorOrigin {
  kind: string;
  name: string;
  /** Set for a namespaced generator (then equal to `callerNamespace`); unset for a ClusterGenerator. */
  namespace?: string;
  uid?: string;
  generation?: number;
  /** The namespace of the ExternalSecret / PushSecret running it: where its credentials are read. */
  callerNamespace: string;
  /** Spec path for messages, e.g. `spec` or `spec.generator.ecrAuthorizationTokenSpec`. */
  specPath: string;
}

export interface GeneratorIdentity {
  identityKey: string;
  credentials: AwsCredentialIdentityProvider;
}

/** The store a generator's identity is resolved as (see the top of this file). */
export function generatorStore(origin: GeneratorOrigin, spec: GeneratorIdentitySpec): SecretStore {
  const cluster = origin.namespace === undefined;
  const auth = withoutNamespaces(spec.auth);
  return {
    apiVersion: API_GROUP_VERSION,
    kind: cluster ? 'ClusterSecretStore' : 'SecretStore',
    metadata: {
      // Kind names are upper-case: no real store (DNS names) can share this key.
      name: `${origin.kind}.${origin.name}`,
      ...(cluster ? {} : { namespace: origin.callerNamespace }),
      ...(origin.uid ? { uid: origin.uid } : {}),
      ...(origin.generation !== undefined ? { generation: origin.generation } : {}),
    },
    spec: {
      provider: {
        aws: {
          // Unused for credentials; a store needs a service.
          service: 'SecretsManager',
          region: spec.region,
          ...(spec.role ? { role: spec.role } : {}),
          ...(auth ? { auth } : {}),
        },
      },
    },
  };
}

/** ESO ignores the selectors' namespaces for generators: drop them, so they cannot point elsewhere. */
function withoutNamespaces(auth: GeneratorAwsAuth | undefined): AwsAuth | undefined {
  if (!auth) return undefined;
  const out: AwsAuth = {};
  if (auth.jwt?.serviceAccountRef) {
    const { namespace: _ns, ...ref } = auth.jwt.serviceAccountRef;
    out.jwt = { serviceAccountRef: ref };
  }
  if (auth.secretRef) {
    const strip = <T extends { namespace?: string }>(ref: T): Omit<T, 'namespace'> => {
      const { namespace: _ns, ...rest } = ref;
      return rest;
    };
    const s = auth.secretRef;
    out.secretRef = {
      accessKeyIDSecretRef: strip(s.accessKeyIDSecretRef),
      secretAccessKeySecretRef: strip(s.secretAccessKeySecretRef),
      ...(s.sessionTokenSecretRef ? { sessionTokenSecretRef: strip(s.sessionTokenSecretRef) } : {}),
    };
  }
  return out;
}

/** Resolves (and caches, in the resolver) the identity; a tenancy refusal is an InvalidGenerator. */
export async function resolveGeneratorIdentity(
  credentials: Pick<CredentialResolver, 'forStore'>,
  tenancy: TenancyPolicy,
  origin: GeneratorOrigin,
  spec: GeneratorIdentitySpec,
): Promise<GeneratorIdentity> {
  const store = generatorStore(origin, spec);
  const refused = tenancyProblems(store, tenancy);
  if (refused.length > 0) {
    const message = refused.map((p) => p.replaceAll('spec.provider.aws.', `${origin.specPath}.`).replaceAll('for a SecretStore', `for a ${origin.kind}`)).join('; ');
    throw new GeneratorError(GENERATOR_REASON.InvalidGenerator, `${describeOrigin(origin)}: ${message}`);
  }
  const resolved = await credentials.forStore(store, origin.callerNamespace);
  return { identityKey: resolved.identityKey, credentials: resolved.credentials };
}

export function describeOrigin(origin: Pick<GeneratorOrigin, 'kind' | 'name' | 'namespace'>): string {
  return origin.namespace ? `${origin.kind} ${origin.namespace}/${origin.name}` : `ClusterGenerator ${origin.name} (${origin.kind})`;
}
