// In-memory fakes of the ports the reconcilers use. They implement the same interfaces
// as the real kube/ and aws/ modules, so the reconcilers run unchanged against them.
import { Writable } from 'node:stream';
import type { Secret } from '../../src/kube/client/objects.js';
import type { ClusterExternalSecret, ClusterExternalSecretStatus, DataFromFind, ExternalSecret, ExternalSecretStatus, SecretStore, SecretStoreStatus, StoreKind } from '../../src/api/types.js';
import { ProviderError, fetchRequestId, type FetchRequest, type RemoteSecret, type SecretsProvider } from '../../src/api/provider.js';
import type {
  ClusterExternalSecretStatusWriter,
  DeletePreconditions,
  EventRecorder,
  EventType,
  ExternalSecretWriter,
  NamespaceClient,
  ObjectRef,
  SecretClient,
  StatusWriter,
} from '../../src/kube/ports.js';
import { ConflictError, kubeApiErrorFor } from '../../src/kube/client/errors.js';
import { createLogger, type Logger } from '../../src/platform/log.js';

export class FakeSecrets implements SecretClient {
  readonly store = new Map<string, Secret>();
  writes = 0;
  /** API reads (get), as the API server would count them. */
  reads = 0;
  private rv = 1;
  async get(namespace: string, name: string) {
    this.reads++;
    const s = this.store.get(`${namespace}/${name}`);
    return s ? structuredClone(s) : undefined;
  }
  async create(secret: Secret) {
    const key = `${secret.metadata!.namespace}/${secret.metadata!.name}`;
    if (this.store.has(key)) throw kubeApiErrorFor(409, { reason: 'AlreadyExists', message: `secrets "${secret.metadata!.name}" already exists` }, `POST Secret ${key}`);
    return this.put(key, secret);
  }
  async replace(secret: Secret) {
    const key = `${secret.metadata!.namespace}/${secret.metadata!.name}`;
    const live = this.store.get(key);
    if (!live) throw kubeApiErrorFor(404, { reason: 'NotFound', message: `secrets "${secret.metadata!.name}" not found` }, `PUT Secret ${key}`);
    if (secret.metadata?.resourceVersion && secret.metadata.resourceVersion !== live.metadata?.resourceVersion) {
      throw kubeApiErrorFor(409, { reason: 'Conflict', message: 'the object has been modified' }, `PUT Secret ${key}`);
    }
    return this.put(key, secret);
  }
  /**
   * Honours the preconditions like the API server: 409 when the Secret is not the one expected.
   * Tests call it without any to play someone deleting the Secret.
   */
  async delete(namespace: string, name: string, expected: DeletePreconditions = {}) {
    const live = this.store.get(`${namespace}/${name}`);
    if (!live) return;
    if ((expected.uid && expected.uid !== live.metadata?.uid) || (expected.resourceVersion && expected.resourceVersion !== live.metadata?.resourceVersion)) {
      throw new ConflictError('precondition failed', 'Conflict');
    }
    this.store.delete(`${namespace}/${name}`);
  }
  /** A human editing the Secret behind the operator's back. */
  tamper(namespace: string, name: string, data: Record<string, string>) {
    const s = this.store.get(`${namespace}/${name}`)!;
    s.data = data;
    s.metadata!.resourceVersion = String(++this.rv);
  }
  value(namespace: string, name: string, key: string): string | undefined {
    const v = this.store.get(`${namespace}/${name}`)?.data?.[key];
    return v === undefined ? undefined : Buffer.from(v, 'base64').toString();
  }
  private put(key: string, secret: Secret) {
    this.writes++;
    const copy = structuredClone(secret);
    copy.metadata = { ...copy.metadata, resourceVersion: String(++this.rv) };
    this.store.set(key, copy);
    return structuredClone(copy);
  }
}

export class FakeStatus implements StatusWriter {
  writes = 0;
  constructor(private readonly onEs: (ns: string, name: string, status: ExternalSecretStatus) => void = () => {}) {}
  readonly stores = new Map<string, SecretStoreStatus>();
  async externalSecret(namespace: string, name: string, status: ExternalSecretStatus) {
    this.writes++;
    this.onEs(namespace, name, structuredClone(status));
  }
  async store(kind: StoreKind, namespace: string | undefined, name: string, status: SecretStoreStatus) {
    this.writes++;
    this.stores.set(`${kind}/${namespace ?? ''}/${name}`, structuredClone(status));
  }
}

/** Status writes of ClusterExternalSecrets, by name (the last one). */
export class FakeCesStatus implements ClusterExternalSecretStatusWriter {
  writes = 0;
  readonly byName = new Map<string, ClusterExternalSecretStatus>();
  async clusterExternalSecret(name: string, status: ClusterExternalSecretStatus) {
    this.writes++;
    this.byName.set(name, structuredClone(status));
  }
}

/**
 * ExternalSecrets as the API server keeps them: create refuses an existing name, replace needs
 * the current resourceVersion, delete checks the uid. `onWrite` lets a test feed an informer.
 */
export class FakeExternalSecretStore implements ExternalSecretWriter {
  readonly objects = new Map<string, ExternalSecret>();
  readonly calls: string[] = [];
  private version = 100;
  failNext?: Error;
  constructor(private readonly onWrite: (type: 'put' | 'delete', es: ExternalSecret) => void = () => {}) {}

  put(es: ExternalSecret): ExternalSecret {
    const stored = structuredClone(es);
    stored.metadata.resourceVersion = String(++this.version);
    stored.metadata.uid ??= `uid-${stored.metadata.namespace}-${stored.metadata.name}-${this.version}`;
    stored.metadata.generation = (this.objects.get(key(es))?.metadata.generation ?? 0) + 1;
    this.objects.set(key(es), stored);
    this.onWrite('put', stored);
    return structuredClone(stored);
  }

  async create(es: ExternalSecret) {
    this.calls.push(`create ${key(es)}`);
    this.throwIfAsked();
    if (this.objects.has(key(es))) throw new ConflictError(`externalsecrets "${es.metadata.name}" already exists`, 'AlreadyExists');
    return this.put({ ...es, metadata: { ...es.metadata, uid: undefined } });
  }

  async replace(es: ExternalSecret) {
    this.calls.push(`replace ${key(es)}`);
    this.throwIfAsked();
    const current = this.objects.get(key(es));
    if (!current || current.metadata.resourceVersion !== es.metadata.resourceVersion) throw new ConflictError('the object has been modified', 'Conflict');
    return this.put({ ...es, metadata: { ...es.metadata, uid: current.metadata.uid } });
  }

  async delete(namespace: string, name: string, uid: string, resourceVersion?: string) {
    this.calls.push(`delete ${namespace}/${name}`);
    this.throwIfAsked();
    const current = this.objects.get(`${namespace}/${name}`);
    if (!current) return;
    if (current.metadata.uid !== uid) throw new ConflictError('Precondition failed: UID in precondition does not match', 'Conflict');
    if (resourceVersion && current.metadata.resourceVersion !== resourceVersion) throw new ConflictError('Precondition failed: ResourceVersion in precondition does not match', 'Conflict');
    this.objects.delete(`${namespace}/${name}`);
    this.onWrite('delete', current);
  }

  private throwIfAsked() {
    const error = this.failNext;
    this.failNext = undefined;
    if (error) throw error;
  }
}

const key = (es: ExternalSecret) => `${es.metadata.namespace}/${es.metadata.name}`;

export class FakeEvents implements EventRecorder {
  readonly events: { object: ObjectRef; type: EventType; reason: string; message: string }[] = [];
  async record(object: ObjectRef, type: EventType, reason: string, message: string) {
    this.events.push({ object, type, reason, message });
  }
  reasons() {
    return this.events.map((e) => `${e.type}/${e.reason}`);
  }
}

export class FakeNamespaces implements NamespaceClient {
  /** Namespaces being deleted. */
  readonly deleting = new Set<string>();
  constructor(readonly labelsByName: Record<string, Record<string, string>> = {}) {}
  async labels(name: string) {
    return this.labelsByName[name] ?? {};
  }
  async terminating(name: string) {
    return this.deleting.has(name);
  }
}

/** A Secrets Manager in memory: values per key with version ids; counts calls. */
export class FakeProvider implements SecretsProvider {
  readonly service = 'SecretsManager' as const;
  readonly values = new Map<string, { value: string; versionId: string }>();
  calls = 0;
  failWith?: ProviderError;
  set(key: string, value: string, versionId: string) {
    this.values.set(key, { value, versionId });
  }
  async get(request: FetchRequest): Promise<RemoteSecret> {
    this.calls++;
    return this.read(request);
  }
  async getMany(requests: FetchRequest[]) {
    this.calls++;
    const out = new Map<string, RemoteSecret | ProviderError>();
    for (const r of requests) {
      try {
        out.set(fetchRequestId(r), this.read(r));
      } catch (error) {
        out.set(fetchRequestId(r), error as ProviderError);
      }
    }
    return out;
  }
  async find(_query: DataFromFind): Promise<RemoteSecret[]> {
    this.calls++;
    return [...this.values.keys()].map((key) => this.read({ key }));
  }
  async validate() {
    if (this.failWith) throw this.failWith;
  }
  private read(request: FetchRequest): RemoteSecret {
    if (this.failWith) throw this.failWith;
    const entry = this.values.get(request.key);
    if (!entry) throw new ProviderError('SecretMissing', `secret ${request.key} not found in region us-east-1`, { notFound: true, code: 'ResourceNotFoundException' });
    return { name: request.key, value: Buffer.from(entry.value), binary: false, versionId: entry.versionId, region: 'us-east-1' };
  }
}

export function capturedLogger(): { logger: Logger; output: () => string } {
  let text = '';
  const destination = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const logger = createLogger({ level: 'trace', destination });
  return { logger, output: () => text };
}

export function externalSecret(spec: Partial<ExternalSecret['spec']> = {}, meta: Partial<ExternalSecret['metadata']> = {}): ExternalSecret {
  return {
    apiVersion: 'rotor.dev/v1alpha1',
    kind: 'ExternalSecret',
    metadata: { name: 'db', namespace: 'app', uid: 'es-uid', generation: 1, ...meta },
    spec: {
      secretStoreRef: { name: 'aws', kind: 'SecretStore' },
      refreshInterval: '1h',
      data: [{ secretKey: 'password', remoteRef: { key: 'prod/db', property: 'password' } }],
      ...spec,
    },
  };
}

export function secretStore(kind: StoreKind = 'SecretStore', extra: Partial<SecretStore['spec']> = {}): SecretStore {
  return {
    apiVersion: 'rotor.dev/v1alpha1',
    kind,
    metadata: { name: 'aws', namespace: kind === 'SecretStore' ? 'app' : undefined, generation: 1 },
    spec: { provider: { aws: { service: 'SecretsManager', region: 'us-east-1' } }, ...extra },
  };
}

export function clusterExternalSecret(spec: Partial<ClusterExternalSecret['spec']> = {}, meta: Partial<ClusterExternalSecret['metadata']> = {}): ClusterExternalSecret {
  return {
    apiVersion: 'rotor.dev/v1alpha1',
    kind: 'ClusterExternalSecret',
    metadata: { name: 'shared-db', uid: 'ces-uid', generation: 1, ...meta },
    spec: {
      namespaceSelectors: [{ matchLabels: { shared: 'db' } }],
      externalSecretSpec: {
        secretStoreRef: { name: 'aws', kind: 'ClusterSecretStore' },
        refreshInterval: '1h',
        data: [{ secretKey: 'password', remoteRef: { key: 'prod/db', property: 'password' } }],
      },
      ...spec,
    },
  };
}
