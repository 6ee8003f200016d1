// In-memory fakes for the PushSecret reconcilers: a remote store with ESO's managed-by rule
// (what the AWS writers promise through api/push.ts), the source Secrets, status, finalizers.
import type { Secret } from '../../../src/kube/client/objects.js';
import { readServiceOf, type AwsService, type LabelSelector, type SecretStore } from '../../../src/api/types.js';
import type { PushSecret, PushSecretStatus } from '../../../src/api/push-types.js';
import { PushError, type DeleteOutcome, type PushDeleteRequest, type PushRemoteRef, type PushRequest, type PushResult, type SecretPusher } from '../../../src/api/push.js';
import type { PushSecretFinalizerWriter, PushSecretStatusWriter, PushSourceClient } from '../../../src/kube/push-secrets.js';
import { matchesLabelSelector } from '../../../src/api/label-selector.js';

/** One remote per store: key -> value, plus which keys Rotor created (the managed-by tag). */
export class FakeRemote implements SecretPusher {
  readonly values = new Map<string, string>();
  readonly managed = new Set<string>();
  readonly calls: string[] = [];
  failNext?: Error;
  constructor(readonly service: AwsService = 'SecretsManager') {}

  async push(request: PushRequest): Promise<PushResult> {
    this.calls.push(`push ${request.remoteKey}${request.property ? `/${request.property}` : ''}`);
    const error = this.failNext;
    this.failNext = undefined;
    if (error) throw error;
    const existing = this.values.get(request.remoteKey);
    // As the writers do (ESO's SecretExists comes first): IfNotExists leaves any existing value.
    if (existing !== undefined && request.updatePolicy === 'IfNotExists') return { outcome: 'exists' };
    if (existing !== undefined && !this.managed.has(request.remoteKey)) throw new PushError('NotManaged', `secret ${request.remoteKey} exists and was not created by Rotor; left untouched`);
    let next = request.value.toString();
    if (request.property) {
      const doc = existing ? (JSON.parse(existing) as Record<string, string>) : {};
      doc[request.property] = next;
      next = JSON.stringify(doc);
    }
    if (existing === next) return { outcome: 'unchanged' };
    this.values.set(request.remoteKey, next);
    this.managed.add(request.remoteKey);
    return { outcome: existing === undefined ? 'created' : 'updated', version: `v${this.calls.length}` };
  }

  async delete(request: PushDeleteRequest): Promise<DeleteOutcome> {
    this.calls.push(`delete ${request.remoteKey}${request.property ? `/${request.property}` : ''}`);
    if (!this.values.has(request.remoteKey)) return 'absent';
    if (!this.managed.has(request.remoteKey)) return 'notManaged';
    if (request.property) {
      const doc = JSON.parse(this.values.get(request.remoteKey)!) as Record<string, string>;
      delete doc[request.property];
      if (Object.keys(doc).length > 0) {
        this.values.set(request.remoteKey, JSON.stringify(doc));
        return 'deleted';
      }
    }
    this.values.delete(request.remoteKey);
    return 'deleted';
  }

  async exists(ref: PushRemoteRef): Promise<boolean> {
    return this.values.has(ref.remoteKey);
  }
}

export class FakePushers {
  readonly remotes = new Map<string, FakeRemote>();
  readonly requests: Array<{ store: string; referent?: string }> = [];
  remote(kind: string, name: string, service: AwsService = 'SecretsManager'): FakeRemote {
    const key = `${kind}/${name}`;
    let r = this.remotes.get(key);
    if (!r) this.remotes.set(key, (r = new FakeRemote(service)));
    return r;
  }
  async forStore(store: SecretStore, referentNamespace?: string): Promise<SecretPusher> {
    this.requests.push({ store: `${store.kind}/${store.metadata.name}`, ...(referentNamespace ? { referent: referentNamespace } : {}) });
    return this.remote(store.kind, store.metadata.name, readServiceOf(store.spec.provider.aws.service));
  }
}

export class FakeSources implements PushSourceClient {
  readonly secrets = new Map<string, Secret>();
  reads = 0;
  put(namespace: string, name: string, data: Record<string, string>, labels: Record<string, string> = {}): void {
    this.secrets.set(`${namespace}/${name}`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { namespace, name, labels },
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    } as Secret);
  }
  async get(namespace: string, name: string) {
    this.reads++;
    return structuredClone(this.secrets.get(`${namespace}/${name}`));
  }
  async list(namespace: string, selector: LabelSelector) {
    this.reads++;
    return [...this.secrets.values()].filter((s) => s.metadata?.namespace === namespace && matchesLabelSelector(selector, s.metadata?.labels)).map((s) => structuredClone(s));
  }
}

export class FakePushStatus implements PushSecretStatusWriter, PushSecretFinalizerWriter {
  readonly byKey = new Map<string, PushSecretStatus>();
  readonly finalizers = new Map<string, string[]>();
  writes = 0;
  async pushSecret(namespace: string, name: string, status: PushSecretStatus) {
    this.writes++;
    this.byKey.set(`${namespace}/${name}`, structuredClone(status));
  }
  async setFinalizers(namespace: string, name: string, finalizers: string[]) {
    this.finalizers.set(`${namespace}/${name}`, [...finalizers]);
  }
}

export function pushSecret(spec: Partial<PushSecret['spec']> = {}, meta: Partial<PushSecret['metadata']> = {}): PushSecret {
  return {
    apiVersion: 'rotor.dev/v1alpha1',
    kind: 'PushSecret',
    metadata: { name: 'push', namespace: 'app', uid: 'ps-uid', generation: 1, resourceVersion: '10', ...meta },
    spec: {
      secretStoreRefs: [{ name: 'aws', kind: 'SecretStore' }],
      selector: { secret: { name: 'source' } },
      data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: 'team/db' } } }],
      ...spec,
    },
  };
}

