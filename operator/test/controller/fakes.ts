// In-memory fakes of the ports the reconcilers use. They implement the same interfaces
// as the real kube/ and aws/ modules, so the reconcilers run unchanged against them.
import { Writable } from 'node:stream';
import type { V1Secret } from '@kubernetes/client-node';
import type { DataFromFind, ExternalSecret, ExternalSecretStatus, SecretStore, SecretStoreStatus, StoreKind } from '../../src/api/types.js';
import { ProviderError, fetchRequestId, type FetchRequest, type RemoteSecret, type SecretsProvider } from '../../src/api/provider.js';
import type { EventRecorder, EventType, NamespaceClient, ObjectRef, SecretClient, StatusWriter } from '../../src/kube/ports.js';
import { createLogger, type Logger } from '../../src/log.js';

export class FakeSecrets implements SecretClient {
  readonly store = new Map<string, V1Secret>();
  writes = 0;
  private rv = 1;
  async get(namespace: string, name: string) {
    const s = this.store.get(`${namespace}/${name}`);
    return s ? structuredClone(s) : undefined;
  }
  async create(secret: V1Secret) {
    const key = `${secret.metadata!.namespace}/${secret.metadata!.name}`;
    if (this.store.has(key)) throw Object.assign(new Error('exists'), { code: 409 });
    return this.put(key, secret);
  }
  async replace(secret: V1Secret) {
    const key = `${secret.metadata!.namespace}/${secret.metadata!.name}`;
    const live = this.store.get(key);
    if (!live) throw Object.assign(new Error('not found'), { code: 404 });
    if (secret.metadata?.resourceVersion && secret.metadata.resourceVersion !== live.metadata?.resourceVersion) {
      throw Object.assign(new Error('conflict'), { code: 409 });
    }
    return this.put(key, secret);
  }
  async delete(namespace: string, name: string) {
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
  private put(key: string, secret: V1Secret) {
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
  constructor(readonly labelsByName: Record<string, Record<string, string>> = {}) {}
  async labels(name: string) {
    return this.labelsByName[name] ?? {};
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
