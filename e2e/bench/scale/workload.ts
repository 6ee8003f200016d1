// The scale bench's workload, shared by the Rotor run (scale.bench.ts) and the ESO run
// (eso.bench.ts) so both operators get the same bed contents: 100 Secrets Manager secrets, one
// SecretStore, N ExternalSecrets of one key each created 16 at a time, and one watch that
// says when the last of them turned Ready. Only the API group differs (ESO's ExternalSecret
// and SecretStore have the same spec under external-secrets.io/v1).
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { KubeApi } from './kube.js';

export const NS = 'scale';
export const STORE = 'aws';

/** The API group/version whose ExternalSecret and SecretStore a run creates. */
export interface EsApi {
  group: string;
  version: string;
  /** Whether the SecretStore's aws provider takes spec.provider.aws.endpoint (Rotor's does, ESO's reads its endpoint from the environment). */
  storeEndpoint: boolean;
}

export const ROTOR_API: EsApi = { group: 'rotor.dev', version: 'v1alpha1', storeEndpoint: true };
export const ESO_API: EsApi = { group: 'external-secrets.io', version: 'v1', storeEndpoint: false };

/** The namespaced collection path of `plural` (externalsecrets, secretstores) in the bench namespace. */
export function collectionPath(api: EsApi, plural: string): string {
  return `/apis/${api.group}/${api.version}/namespaces/${NS}/${plural}`;
}

export function secretStore(api: EsApi, awsEndpoint: string): object {
  return {
    apiVersion: `${api.group}/${api.version}`,
    kind: 'SecretStore',
    metadata: { name: STORE, namespace: NS },
    spec: { provider: { aws: { service: 'SecretsManager', region: 'us-east-1', ...(api.storeEndpoint ? { endpoint: awsEndpoint } : {}) } } },
  };
}

/** ExternalSecret i reads remote secret i mod `remoteSecrets` into key "value". */
export function externalSecrets(api: EsApi, size: number, remoteSecrets: number, refreshInterval: string): object[] {
  return Array.from({ length: size }, (_, i) => ({
    apiVersion: `${api.group}/${api.version}`,
    kind: 'ExternalSecret',
    metadata: { name: `app-${String(i).padStart(5, '0')}`, namespace: NS },
    spec: {
      refreshInterval,
      secretStoreRef: { name: STORE },
      data: [{ secretKey: 'value', remoteRef: { key: `${NS}/svc-${i % remoteSecrets}` } }],
    },
  }));
}

/** The remote secrets in LocalStack, the namespace and the store (the store last: its CRD must be installed). */
export async function seed(kube: KubeApi, api: EsApi, awsEndpoint: string, remoteSecrets: number): Promise<void> {
  const sm = new SecretsManagerClient({ endpoint: awsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  for (let i = 0; i < remoteSecrets; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, remoteSecrets - i) }, (_, j) =>
        sm.send(new CreateSecretCommand({ Name: `${NS}/svc-${i + j}`, SecretString: `bench-value-${i + j}` })),
      ),
    );
  }
  sm.destroy();
  await kube.create('/api/v1/namespaces', { metadata: { name: NS } });
  await kube.create(collectionPath(api, 'secretstores'), secretStore(api, awsEndpoint));
}

/** Resolves with the time the last of `size` ExternalSecrets turned Ready=True. */
export function watchReady(kube: KubeApi, api: EsApi, size: number): { done: Promise<number>; stop(): void; count(): number } {
  const ready = new Set<string>();
  let resolve!: (t: number) => void;
  const done = new Promise<number>((r) => (resolve = r));
  // Watching from "0" replays what exists; the namespace is empty before the benchmark creates anything.
  const watch = kube.watch(collectionPath(api, 'externalsecrets'), '0', (type, es) => {
    const name = es?.metadata?.name as string;
    if (type !== 'DELETED' && isReady(es)) ready.add(name);
    else ready.delete(name);
    if (ready.size === size) resolve(Date.now());
  });
  return { done, stop: () => watch.stop(), count: () => ready.size };
}

function isReady(es: { status?: { conditions?: { type: string; status: string }[] } } | undefined): boolean {
  return (es?.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
