// `rotor migrate --live` on the real bed: Secrets that ESO wrote (owner reference to ESO's
// ExternalSecret, ESO's labels and annotation) are handed to Rotor with no moment where one is
// missing or holds other data; then ESO's objects are deleted and the garbage collector, which
// deletes a control Secret still owned by ESO's ExternalSecret, leaves the handed-over ones.
// ESO's PushSecrets and generators move too: Rotor's PushSecret keeps pushing the remote secret
// ESO created (ESO's managed-by tag stays), and deleting ESO's leaves it in place.
// ESO's CRDs are stand-ins (e2e/compat/eso-test-crds.yaml); no ESO controller runs.
import { createHash, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, aws, bedEnv, kubectl, kubectlJson, run } from '../lib/cli.js';
import { freshNamespace, harness, secretValue } from '../lib/context.js';
import { waitFor } from '../lib/wait.js';

const repo = resolve(import.meta.dirname, '../..');
const ESO_CRDS = resolve(repo, 'e2e/compat/eso-test-crds.yaml');
const ESO_RESOURCES = ['secretstores', 'clustersecretstores', 'externalsecrets', 'clusterexternalsecrets', 'pushsecrets'].map((r) => `${r}.external-secrets.io`).join(',');
const rotor = (...args: string[]) => run(process.execPath, [resolve(repo, 'bin/rotor.mjs'), ...args], { allowFail: true });

interface SecretEvent {
  type: string;
  name: string;
  data: Record<string, string>;
}

/** Every event on the namespace's Secrets, with the decoded data, from before the handover on. */
async function watchSecrets(namespace: string): Promise<{ events: SecretEvent[]; stop: () => void }> {
  const events: SecretEvent[] = [];
  const kc = new KubeConfig();
  kc.loadFromFile(bedEnv().KUBECONFIG!);
  const controller = await new Watch(kc).watch(
    `/api/v1/namespaces/${namespace}/secrets`,
    {},
    (type: string, secret: { metadata?: { name?: string }; data?: Record<string, string> }) => {
      const data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      events.push({ type, name: secret.metadata?.name ?? '', data });
    },
    () => undefined,
  );
  return { events, stop: () => controller.abort() };
}

/** The Secret ESO's ExternalSecret `esName` leaves behind (creationPolicy Owner). */
function esoSecret(namespace: string, name: string, esName: string, esUid: string, data: Record<string, string>): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace,
      labels: { 'reconcile.external-secrets.io/managed': 'true', 'reconcile.external-secrets.io/created-by': createHash('md5').update(`${namespace}/${esName}`).digest('hex') },
      annotations: { 'reconcile.external-secrets.io/data-hash': createHash('md5').update(JSON.stringify(data)).digest('hex') },
      ownerReferences: [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: esName, uid: esUid, controller: true, blockOwnerDeletion: true }],
    },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  });
}

/**
 * The garbage collector learns new kinds from discovery every 30 s, and a dependent whose owner's
 * kind it cannot map yet is retried with a growing backoff (it once took longer than 90 s after
 * the owner went). So before any ESO-owned object exists, wait until it collects a fresh probe:
 * a ConfigMap owned by an ESO SecretStore that is then deleted. Each try uses new objects, so no
 * backoff carries over.
 */
async function waitForGarbageCollectorToKnowEsoKinds(): Promise<void> {
  const probeNs = await freshNamespace('e2e-migrate-gc');
  let attempt = 0;
  await waitFor(
    'the garbage collector to collect a dependent of an ESO kind',
    async () => {
      const name = `gc-probe-${++attempt}`;
      await apply(`{"apiVersion": "external-secrets.io/v1", "kind": "SecretStore", "metadata": {"name": "${name}", "namespace": "${probeNs}"}, "spec": {}}`);
      const uid = (await kubectlJson<{ metadata: { uid: string } }>('get', 'secretstores.external-secrets.io', name, '-n', probeNs)).metadata.uid;
      await apply(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: probeNs, ownerReferences: [{ apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', name, uid }] } }));
      await kubectl('delete', 'secretstores.external-secrets.io', name, '-n', probeNs, '--wait=true');
      const collected = await waitFor(`${name} collected`, async () => (await run('kubectl', ['get', 'configmap', name, '-n', probeNs], { allowFail: true })).code !== 0, { timeoutMs: 10_000 }).catch(() => false);
      if (!collected) await kubectl('delete', 'configmap', name, '-n', probeNs, '--ignore-not-found');
      return collected;
    },
    { timeoutMs: 120_000, intervalMs: 0 },
  );
  await kubectl('delete', 'namespace', probeNs, '--wait=false');
}

const rv = async (kind: string, name: string, ns: string) => (await kubectlJson<{ metadata: { resourceVersion: string } }>('get', kind, name, '-n', ns)).metadata.resourceVersion;

describe('rotor migrate --live', () => {
  let ns: string;
  /** Cluster-scoped Rotor objects and namespaces the ClusterExternalSecret case leaves (for afterAll). */
  const cleanup: string[][] = [];

  beforeAll(async () => {
    await kubectl('apply', '-f', ESO_CRDS);
    await kubectl('wait', '--for=condition=Established', '--timeout=60s', '-f', ESO_CRDS);
    // Established comes before the new resources' storage serves lists.
    await waitFor('ESO stand-in CRDs to serve', async () => (await run('kubectl', ['get', ESO_RESOURCES, '-A'], { allowFail: true })).code === 0, { timeoutMs: 30_000 });
    await waitForGarbageCollectorToKnowEsoKinds();
  });

  afterAll(async () => {
    // ESO's finalizers (nobody removes them here when a test failed half-way) would keep the
    // CRDs, and the namespaces, from going; the bed is shared with the next test files.
    const left = await run('kubectl', ['get', ESO_RESOURCES, '-A', '-o', 'jsonpath={range .items[*]}{.kind}.external-secrets.io {.metadata.namespace} {.metadata.name}{"\\n"}{end}'], { allowFail: true });
    for (const item of left.stdout.split('\n').filter(Boolean)) {
      const [kind, namespace, name] = item.split(' ');
      const where = namespace ? ['-n', namespace] : [];
      await run('kubectl', ['patch', kind!.toLowerCase().replace(/\.external/, 's.external'), ...where, name!, '--type=merge', '-p', '{"metadata":{"finalizers":null}}'], { allowFail: true });
    }
    for (const namespace of cleanup.filter((c) => c[0] === 'namespace').flatMap((c) => c.slice(1))) {
      await run('kubectl', ['patch', 'namespace', namespace, '--type=merge', '-p', '{"metadata":{"finalizers":null}}'], { allowFail: true });
    }
    // While they exist, `kubectl get externalsecret` in other test files would mean ESO's kind.
    await kubectl('delete', '-f', ESO_CRDS, '--ignore-not-found', '--wait=true', '--timeout=60s');
    // kubectl's discovery cache on disk still maps `externalsecret` and `secretstore` to ESO's
    // group (it ranks external-secrets.io first); refresh it so the next test files' kubectl
    // resolves them to rotor.dev again.
    await kubectl('api-resources', '--cached=false');
    if (ns) await kubectl('delete', 'namespace', ns, '--wait=false');
    for (const args of cleanup) await run('kubectl', ['delete', ...args, '--ignore-not-found', '--wait=false'], { allowFail: true });
  });

  it('moves a ClusterExternalSecret: Rotor\'s stamps ExternalSecrets that take each namespace\'s Secret over, and ESO\'s finalizers on namespaces go', async () => {
    const id = randomBytes(3).toString('hex');
    const name = `migrate-${id}`;
    const namespaces = [await freshNamespace('e2e-migrate-ces'), await freshNamespace('e2e-migrate-ces')];
    cleanup.push(['clusterexternalsecrets.rotor.dev', name], ['clustersecretstores.rotor.dev', name], ['namespace', ...namespaces]);
    const same = secretValue('migrate-ces');
    await aws('secretsmanager', 'create-secret', '--name', `${name}/shared`, '--secret-string', JSON.stringify({ password: same }));
    await apply(`
apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata: {name: ${name}}
spec:
  provider:
    aws: {service: SecretsManager, region: us-east-1, endpoint: ${harness().awsEndpointForStores}}
---
apiVersion: external-secrets.io/v1
kind: ClusterExternalSecret
metadata: {name: ${name}, finalizers: [externalsecrets.external-secrets.io/clusterexternalsecret-cleanup]}
spec:
  externalSecretName: shared
  namespaceSelectors: [{matchLabels: {rotor-migrate-e2e: "${id}"}}]
  refreshTime: 1m
  externalSecretSpec:
    refreshInterval: 1h
    secretStoreRef: {name: ${name}, kind: ClusterSecretStore}
    target: {name: shared}
    data:
      - secretKey: password
        remoteRef: {key: ${name}/shared, property: password}
`);
    const cesUid = (await kubectlJson<{ metadata: { uid: string } }>('get', 'clusterexternalsecrets.external-secrets.io', name)).metadata.uid;
    const watches = [];
    for (const n of namespaces) {
      // What ESO's ClusterExternalSecret controller leaves in each namespace it provisioned.
      await kubectl('label', 'namespace', n, `rotor-migrate-e2e=${id}`);
      await kubectl('patch', 'namespace', n, '--type=merge', '-p', JSON.stringify({ metadata: { finalizers: [`externalsecrets.external-secrets.io/ces-${name}`] } }));
      await apply(JSON.stringify({
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: {
          name: 'shared',
          namespace: n,
          finalizers: ['externalsecrets.external-secrets.io/externalsecret-cleanup'],
          ownerReferences: [{ apiVersion: 'external-secrets.io/v1', kind: 'ClusterExternalSecret', name, uid: cesUid, controller: true, blockOwnerDeletion: true }],
        },
        spec: { refreshInterval: '1h', secretStoreRef: { name, kind: 'ClusterSecretStore' }, target: { name: 'shared' }, data: [{ secretKey: 'password', remoteRef: { key: `${name}/shared`, property: 'password' } }] },
      }));
      const esUid = (await kubectlJson<{ metadata: { uid: string } }>('get', 'externalsecrets.external-secrets.io', 'shared', '-n', n)).metadata.uid;
      await apply(esoSecret(n, 'shared', 'shared', esUid, { password: same }));
      watches.push(await watchSecrets(n));
    }
    // A stand-in for ESO's controller Deployment (as ESO's chart labels it), still scaled up.
    await apply(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: external-secrets, namespace: ${namespaces[0]}, labels: {app.kubernetes.io/name: external-secrets}}
spec:
  replicas: 1
  selector: {matchLabels: {app: eso-stand-in}}
  template:
    metadata: {labels: {app: eso-stand-in}}
    spec: {containers: [{name: c, image: eso-controller-stand-in}]}
`);
    try {
      const result = await rotor('migrate', '--live', '--delete-eso', '--timeout', '60s');
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`warning: ESO's controller ${namespaces[0]}/external-secrets is running`);
      expect(result.stderr).toContain(`stop it first: kubectl -n ${namespaces[0]} scale deploy/external-secrets --replicas=0`);
      expect(result.stderr).toContain(`ClusterExternalSecret.external-secrets.io ${name}: deleted`);
      expect(result.stderr).toContain(`namespace ${namespaces[0]}: removed ESO's finalizer externalsecrets.external-secrets.io/ces-${name}`);
      for (const n of namespaces) {
        const es = await kubectlJson<{ metadata: { uid: string; ownerReferences?: Array<{ kind: string }> } }>('get', 'externalsecrets.rotor.dev', 'shared', '-n', n);
        expect(es.metadata.ownerReferences?.[0]?.kind).toBe('ClusterExternalSecret');
        const secret = await kubectlJson<{ metadata: { ownerReferences?: Array<{ uid: string }>; labels?: Record<string, string> } }>('get', 'secret', 'shared', '-n', n);
        expect(secret.metadata.ownerReferences?.map((r) => r.uid)).toEqual([es.metadata.uid]);
        expect(Object.keys(secret.metadata.labels ?? {}).filter((l) => l.includes('external-secrets.io'))).toEqual([]);
      }
      expect(await kubectl('get', 'clusterexternalsecrets.external-secrets.io,externalsecrets.external-secrets.io', '-A', '-o', 'name')).toBe('');
      // Without ESO's finalizer the namespace can be deleted (ESO's stopped controller would never remove it).
      const ns0 = await kubectlJson<{ metadata: { finalizers?: string[] } }>('get', 'namespace', namespaces[0]!);
      expect(ns0.metadata.finalizers ?? []).toEqual([]);
    } finally {
      for (const w of watches) w.stop();
    }
    for (const w of watches) {
      expect(w.events.map((e) => e.type)).not.toContain('DELETED');
      expect(w.events.filter((e) => e.name === 'shared').every((e) => e.data.password === same)).toBe(true);
      expect(w.events.filter((e) => e.name === 'shared').map((e) => e.type).slice(0, 2)).toEqual(['ADDED', 'MODIFIED']);
    }
  });

  it('hands ESO\'s Secrets to Rotor with no gap and no data change, then ESO\'s objects go without the garbage collector taking them', async () => {
    ns = await freshNamespace('e2e-migrate');
    const same = secretValue('migrate-same');
    const before = secretValue('migrate-old');
    const after = secretValue('migrate-new');
    await aws('secretsmanager', 'create-secret', '--name', `${ns}/db`, '--secret-string', JSON.stringify({ password: same }));
    await aws('secretsmanager', 'create-secret', '--name', `${ns}/api`, '--secret-string', after);

    // ESO's objects as an ESO user has them (the store pointed at LocalStack, as the bed does for every store).
    await apply(`
apiVersion: external-secrets.io/v1
kind: SecretStore
metadata: {name: aws, namespace: ${ns}}
spec:
  provider:
    aws: {service: SecretsManager, region: us-east-1, endpoint: ${harness().awsEndpointForStores}}
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: db, namespace: ${ns}, finalizers: [externalsecrets.external-secrets.io/externalsecret-cleanup]}
spec:
  refreshInterval: 1h
  secretStoreRef: {name: aws, kind: SecretStore}
  target: {name: db, creationPolicy: Owner, deletionPolicy: Retain}
  data:
    - secretKey: password
      remoteRef: {key: ${ns}/db, property: password, conversionStrategy: Default, decodingStrategy: None, metadataPolicy: None}
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: api, namespace: ${ns}, finalizers: [externalsecrets.external-secrets.io/externalsecret-cleanup]}
spec:
  refreshInterval: 1h
  secretStoreRef: {name: aws, kind: SecretStore}
  target: {name: api-token}
  data:
    - secretKey: token
      remoteRef: {key: ${ns}/api}
`);
    const uid = async (name: string) => (await kubectlJson<{ metadata: { uid: string } }>('get', 'externalsecrets.external-secrets.io', name, '-n', ns)).metadata.uid;
    const [dbUid, apiUid] = [await uid('db'), await uid('api')];
    await apply(esoSecret(ns, 'db', 'db', dbUid, { password: same }));
    await apply(esoSecret(ns, 'api-token', 'api', apiUid, { token: before }));
    // Still ESO's at the end: proves the garbage collector ran after ESO's ExternalSecret went.
    await apply(esoSecret(ns, 'gc-control', 'db', dbUid, { x: 'y' }));

    const watch = await watchSecrets(ns);
    try {
      const first = await rotor('migrate', '--live', '-n', ns, '--timeout', '60s');
      expect(first.code, first.stderr).toBe(0);
      expect(first.stderr).toContain(`Secret ${ns}/db: now Rotor's`);
      expect(first.stderr).toContain(`kubectl delete externalsecrets.external-secrets.io -n ${ns} db`);

      for (const name of ['db', 'api']) {
        const es = await kubectlJson<{ metadata: { uid: string }; status?: { conditions?: Array<{ type: string; status: string }> } }>('get', 'externalsecrets.rotor.dev', name, '-n', ns);
        expect(es.status?.conditions?.find((c) => c.type === 'Ready')?.status, name).toBe('True');
        const secret = await kubectlJson<{ metadata: { labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: Array<{ kind: string; uid: string; controller?: boolean }> } }>(
          'get', 'secret', name === 'db' ? 'db' : 'api-token', '-n', ns,
        );
        expect(secret.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'ExternalSecret', uid: es.metadata.uid, controller: true })]);
        expect(Object.keys(secret.metadata.labels ?? {}).filter((l) => l.includes('external-secrets.io'))).toEqual([]);
        expect(Object.keys(secret.metadata.annotations ?? {}).filter((a) => a.includes('external-secrets.io'))).toEqual([]);
      }

      // A second run changes nothing.
      const versions = [await rv('secret', 'db', ns), await rv('secret', 'api-token', ns), await rv('externalsecrets.rotor.dev', 'db', ns)];
      const second = await rotor('migrate', '--live', '-n', ns, '--timeout', '60s');
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr).toContain(`ExternalSecret ${ns}/db: exists, kept`);
      expect([await rv('secret', 'db', ns), await rv('secret', 'api-token', ns), await rv('externalsecrets.rotor.dev', 'db', ns)]).toEqual(versions);

      const third = await rotor('migrate', '--live', '-n', ns, '--delete-eso', '--timeout', '60s');
      expect(third.code, third.stderr).toBe(0);
      expect(third.stderr).toContain(`ExternalSecret.external-secrets.io ${ns}/db: deleted`);
      expect(third.stderr).toContain(`SecretStore.external-secrets.io ${ns}/aws: deleted`);
      // The garbage collector notices a new custom resource kind on its next discovery sync
      // (every 30 s), so right after the stand-in CRDs are installed this can take that long.
      await waitFor('the garbage collector to delete the control Secret', async () => watch.events.some((e) => e.type === 'DELETED' && e.name === 'gc-control') || undefined, { timeoutMs: 90_000 });
      expect(await kubectl('get', 'externalsecrets.external-secrets.io,secretstores.external-secrets.io', '-n', ns, '-o', 'name')).toBe('');
    } finally {
      watch.stop();
    }

    const of = (name: string) => watch.events.filter((e) => e.name === name);
    // The watch saw each Secret before the handover (ADDED) and the takeover write (MODIFIED).
    expect(of('db').map((e) => e.type).slice(0, 2)).toEqual(['ADDED', 'MODIFIED']);
    expect(of('api-token').map((e) => e.type).slice(0, 2)).toEqual(['ADDED', 'MODIFIED']);
    // db: never deleted, never other data than before.
    expect(of('db').map((e) => e.type)).not.toContain('DELETED');
    expect(of('db').every((e) => e.data.password === same && Object.keys(e.data).length === 1)).toBe(true);
    // api-token: never deleted; its data changed exactly once, to the value in AWS.
    expect(of('api-token').map((e) => e.type)).not.toContain('DELETED');
    const values = of('api-token').map((e) => e.data.token);
    const changes = values.filter((v, i) => i > 0 && v !== values[i - 1]);
    expect(values[0]).toBe(before);
    expect(changes).toEqual([after]);
    expect(await kubectl('get', 'secret', 'db', 'api-token', '-n', ns, '-o', 'name')).toBe('secret/db\nsecret/api-token\n');
    const remaining = await run('kubectl', ['get', 'secret', 'gc-control', '-n', ns], { allowFail: true });
    expect(remaining.code).not.toBe(0);
  });

  it('moves a PushSecret and a Password generator: Rotor keeps pushing the remote secret ESO created, and it outlives ESO\'s PushSecret', async () => {
    const pns = await freshNamespace('e2e-migrate-push');
    cleanup.push(['namespace', pns]);
    const old = secretValue('migrate-push-old');
    const fresh = secretValue('migrate-push-new');
    // The remote secret as ESO's PushSecret left it: ESO's managed-by tag, the value before.
    await aws('secretsmanager', 'create-secret', '--name', `${pns}/pushed`, '--secret-string', old, '--tags', 'Key=managed-by,Value=external-secrets');
    await apply(`
apiVersion: v1
kind: Secret
metadata: {name: src, namespace: ${pns}}
stringData: {token: ${fresh}}
---
apiVersion: external-secrets.io/v1
kind: SecretStore
metadata: {name: aws, namespace: ${pns}}
spec:
  provider:
    aws: {service: SecretsManager, region: us-east-1, endpoint: ${harness().awsEndpointForStores}}
---
apiVersion: generators.external-secrets.io/v1alpha1
kind: Password
metadata: {name: pw, namespace: ${pns}}
spec: {length: 24, digits: 4, symbols: 0, noUpper: false, allowRepeat: true}
---
apiVersion: external-secrets.io/v1alpha1
kind: PushSecret
metadata: {name: push, namespace: ${pns}, finalizers: [pushsecret.externalsecrets.io/finalizer]}
spec:
  refreshInterval: 1h
  updatePolicy: Replace
  deletionPolicy: Delete
  secretStoreRefs: [{name: aws, kind: SecretStore}]
  selector: {secret: {name: src}}
  data:
    - match: {secretKey: token, remoteRef: {remoteKey: ${pns}/pushed}}
      metadata: {apiVersion: kubernetes.external-secrets.io/v1alpha1, kind: PushSecretMetadata, spec: {secretPushFormat: string}}
---
apiVersion: external-secrets.io/v1alpha1
kind: PushSecret
metadata: {name: generated, namespace: ${pns}}
spec:
  refreshInterval: 1h
  secretStoreRefs: [{name: aws}]
  selector:
    generatorRef: {apiVersion: generators.external-secrets.io/v1alpha1, kind: Password, name: pw}
  data:
    - match: {secretKey: password, remoteRef: {remoteKey: ${pns}/generated}}
      metadata: {apiVersion: kubernetes.external-secrets.io/v1alpha1, kind: PushSecretMetadata, spec: {secretPushFormat: string}}
`);
    const result = await rotor('migrate', '--live', '-n', pns, '--delete-eso', '--timeout', '60s');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`Password ${pns}/pw: created`);
    expect(result.stderr).toContain(`PushSecret ${pns}/push: Rotor's pushed (Ready)`);
    expect(result.stderr).toContain(`PushSecret.external-secrets.io ${pns}/push: deleted (deletionPolicy None first: the remote secrets stay)`);
    expect(result.stderr).not.toMatch(/NOT CONVERTED|FIELD DROPPED/);

    const remote = async (name: string) => {
      const out = await aws<{ SecretString?: string; SecretBinary?: string }>('secretsmanager', 'get-secret-value', '--secret-id', name);
      return out.SecretString ?? Buffer.from(out.SecretBinary ?? '', 'base64').toString('utf8');
    };
    expect(await remote(`${pns}/pushed`)).toBe(fresh);
    const described = await aws<{ DeletedDate?: string; Tags?: Array<{ Key: string; Value: string }> }>('secretsmanager', 'describe-secret', '--secret-id', `${pns}/pushed`);
    expect(described.DeletedDate).toBeUndefined();
    expect(described.Tags).toContainEqual({ Key: 'managed-by', Value: 'external-secrets' });
    // The generator moved with it: Rotor's Password generated what Rotor's PushSecret pushed.
    expect(await remote(`${pns}/generated`)).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(await kubectl('get', 'passwords.generators.rotor.dev', 'pw', '-n', pns, '-o', 'name')).toBe('password.generators.rotor.dev/pw\n');
    expect(await kubectl('get', 'pushsecrets.external-secrets.io,passwords.generators.external-secrets.io,secretstores.external-secrets.io', '-n', pns, '-o', 'name')).toBe('');
  });

});
