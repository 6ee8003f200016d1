// An in-memory cluster for `rotor migrate --live` tests, whose "operator" stamps Rotor
// ClusterExternalSecrets and takes Secrets over with the real planTargetWrite, as the
// reconciler does.
import type { Secret } from '../../src/kube/client/objects.js';
import { ANNOTATION_ADOPT_ESO, ESO_ANNOTATION_DATA_HASH, ESO_FINALIZER_CLEANUP, ESO_LABEL_CREATED_BY, ESO_LABEL_MANAGED } from '../../src/api/eso.js';
import { planTargetWrite } from '../../src/controller/externalsecret/target-plan.js';
import type { KubeObject, MigrateCluster } from '../../src/migrate/cluster.js';
import type { ConvertibleKind } from '../../src/migrate/convert.js';
import type { RotorKind } from '../../src/migrate/crd-schemas.js';

const key = (kind: string, ns: string | undefined, name: string) => `${kind}/${ns ?? ''}/${name}`;

export class FakeCluster implements MigrateCluster {
  eso = new Map<string, KubeObject>();
  rotor = new Map<string, KubeObject>();
  secrets = new Map<string, Secret>();
  served = true;
  /** When false, the fake operator never reconciles (a handover that times out). */
  operatorRunning = true;
  calls: string[] = [];
  private uid = 0;

  addEso(kind: ConvertibleKind, object: Omit<KubeObject, 'kind' | 'apiVersion'>): KubeObject {
    const o = { apiVersion: 'external-secrets.io/v1', kind, ...object, metadata: { uid: `eso-${++this.uid}`, ...object.metadata } } as KubeObject;
    this.eso.set(key(kind, o.metadata.namespace, o.metadata.name), o);
    return o;
  }

  /** A Secret as ESO writes it for an ExternalSecret with creationPolicy Owner. */
  addEsoSecret(es: KubeObject, data: Record<string, string>): void {
    const ns = es.metadata.namespace!;
    this.secrets.set(`${ns}/${es.metadata.name}`, {
      metadata: {
        name: es.metadata.name,
        namespace: ns,
        resourceVersion: '1',
        labels: { [ESO_LABEL_MANAGED]: 'true', [ESO_LABEL_CREATED_BY]: 'hash' },
        annotations: { [ESO_ANNOTATION_DATA_HASH]: 'h' },
        ownerReferences: [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: es.metadata.name, uid: es.metadata.uid!, controller: true }],
      },
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    });
  }

  async listEso(kind: ConvertibleKind, namespace?: string): Promise<KubeObject[]> {
    return [...this.eso.values()].filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace)).map((o) => structuredClone(o));
  }
  async removeEsoFinalizers(kind: ConvertibleKind, namespace: string | undefined, name: string, finalizers: string[]): Promise<void> {
    const o = this.eso.get(key(kind, namespace, name));
    if (o) o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => !finalizers.includes(f));
  }
  async deleteEso(kind: ConvertibleKind, namespace: string | undefined, name: string): Promise<void> {
    const o = this.eso.get(key(kind, namespace, name));
    if (o?.metadata.finalizers?.length) throw new Error(`${name} still has finalizers`);
    this.calls.push(`delete ${kind} ${namespace ?? ''}/${name}`);
    this.eso.delete(key(kind, namespace, name));
    // The garbage collector: Secrets whose controller is this object go with it.
    for (const [k, s] of this.secrets) if (s.metadata?.ownerReferences?.some((r) => r.uid === o?.metadata.uid)) this.secrets.delete(k);
  }
  async rotorServed(): Promise<boolean> {
    return this.served;
  }
  async getRotor(kind: RotorKind, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    this.reconcile();
    const o = this.rotor.get(key(kind.kind, namespace, name));
    return o && structuredClone(o);
  }
  async createRotor(kind: RotorKind, object: KubeObject): Promise<KubeObject> {
    this.calls.push(`create ${kind.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`);
    const created = { ...structuredClone(object), metadata: { ...structuredClone(object.metadata), uid: `rotor-${++this.uid}`, generation: 1 } };
    this.rotor.set(key(kind.kind, object.metadata.namespace, object.metadata.name), created);
    return created;
  }
  async annotateRotor(kind: RotorKind, namespace: string | undefined, name: string, annotations: Record<string, string>): Promise<void> {
    this.calls.push(`annotate ${kind.kind} ${namespace ?? ''}/${name}`);
    const o = this.rotor.get(key(kind.kind, namespace, name))!;
    o.metadata.annotations = { ...o.metadata.annotations, ...annotations };
  }
  async getSecret(namespace: string, name: string): Promise<Secret | undefined> {
    return this.secrets.get(`${namespace}/${name}`);
  }
  /** ESO controller Deployments that run ("namespace/name"). */
  esoControllers: string[] = [];
  async runningEsoControllers(): Promise<string[]> {
    return this.esoControllers;
  }
  namespaceFinalizers = new Map<string, string[]>();
  async removeNamespaceFinalizers(namespace: string, match: (f: string) => boolean): Promise<string[]> {
    const current = this.namespaceFinalizers.get(namespace) ?? [];
    this.namespaceFinalizers.set(namespace, current.filter((f) => !match(f)));
    return current.filter(match);
  }

  /** The operator: a Rotor ClusterExternalSecret stamps its ExternalSecrets, every Rotor ExternalSecret writes its Secret through the real plan. */
  private reconcile(): void {
    if (!this.operatorRunning) return;
    for (const ces of [...this.rotor.values()].filter((o) => o.kind === 'ClusterExternalSecret')) {
      const spec = ces.spec as { externalSecretName?: string; externalSecretMetadata?: { annotations?: Record<string, string> }; externalSecretSpec: Record<string, unknown> };
      const name = spec.externalSecretName ?? ces.metadata.name;
      for (const ns of this.namespaceFinalizers.keys()) {
        if (this.rotor.has(key('ExternalSecret', ns, name))) continue;
        this.rotor.set(key('ExternalSecret', ns, name), {
          apiVersion: 'rotor.dev/v1alpha1',
          kind: 'ExternalSecret',
          metadata: { name, namespace: ns, uid: `rotor-${++this.uid}`, generation: 1, annotations: { ...spec.externalSecretMetadata?.annotations } },
          spec: structuredClone(spec.externalSecretSpec),
        });
      }
    }
    for (const es of this.rotor.values()) {
      if (es.kind !== 'ExternalSecret') continue;
      const ns = es.metadata.namespace!;
      const target = ((es.spec?.target ?? {}) as { name?: string }).name ?? es.metadata.name;
      const existing = this.secrets.get(`${ns}/${target}`);
      const plan = planTargetWrite(
        existing,
        { namespace: ns, name: target, type: 'Opaque', data: { password: Buffer.from('remote-value') }, labels: {}, annotations: {}, immutable: false, mac: 'm', versions: 'v' },
        'Owner',
        { namespace: ns, name: es.metadata.name, uid: es.metadata.uid! },
        es.metadata.annotations?.[ANNOTATION_ADOPT_ESO] ? { adoptFromEso: es.metadata.annotations[ANNOTATION_ADOPT_ESO] } : {},
      );
      if (plan.action === 'refuse') {
        es.status = { conditions: [{ type: 'Ready', status: 'False', reason: plan.reason, message: plan.message }], observedGeneration: 1 };
        continue;
      }
      if (plan.action !== 'none') this.secrets.set(`${ns}/${target}`, { ...plan.secret, metadata: { ...plan.secret.metadata, resourceVersion: '2' } });
      es.status = { conditions: [{ type: 'Ready', status: 'True', reason: 'SecretSynced' }], observedGeneration: 1 };
    }
  }
}

export function esoCluster(): { c: FakeCluster; es: KubeObject } {
  const c = new FakeCluster();
  c.addEso('SecretStore', { metadata: { name: 'aws', namespace: 'a' }, spec: { provider: { aws: { service: 'SecretsManager', region: 'us-east-1' } } } });
  const es = c.addEso('ExternalSecret', {
    metadata: { name: 'db', namespace: 'a', finalizers: [ESO_FINALIZER_CLEANUP] },
    spec: { secretStoreRef: { name: 'aws', kind: 'SecretStore' }, data: [{ secretKey: 'password', remoteRef: { key: 'db' } }] },
  });
  c.addEsoSecret(es, { password: 'remote-value' });
  return { c, es };
}

