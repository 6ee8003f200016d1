// The live handover against an in-memory cluster (fake-cluster.ts) whose "operator" takes
// Secrets over with the real planTargetWrite, as the reconciler does.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANNOTATION_ADOPT_ESO, ESO_FINALIZER_CLEANUP, ESO_LABEL_MANAGED } from '../../src/api/eso.js';
import { loadRotorKinds } from '../../src/migrate/crd-schemas.js';
import { handover, type HandoverOptions } from '../../src/migrate/handover.js';
import { FakeCluster, esoCluster as cluster } from './fake-cluster.js';

const kinds = loadRotorKinds(resolve(import.meta.dirname, '../../../crds'));

const options = (over: Partial<HandoverOptions> = {}) => {
  const lines: string[] = [];
  let t = 0;
  return { lines, options: { dryRun: false, deleteEso: false, timeoutMs: 2000, pollMs: 100, now: () => t, sleep: async (ms: number) => void (t += ms), log: (l: string) => void lines.push(l), ...over } };
};

describe('handover', () => {
  it('creates the store and the annotated ExternalSecret, waits for the takeover, then deletes ESO\'s objects without the Secret going', async () => {
    const { c } = cluster();
    const before = c.secrets.get('a/db')!.data;
    const { lines, options: o } = options({ deleteEso: true });
    const result = await handover(c, kinds, o);
    expect(result.failed).toBe(false);
    expect(result.findings).toEqual([]);
    expect(c.calls).toEqual(['create SecretStore a/aws', 'create ExternalSecret a/db', 'delete ExternalSecret a/db', 'delete SecretStore a/aws']);
    expect(c.rotor.get('ExternalSecret/a/db')!.metadata.annotations).toEqual({ [ANNOTATION_ADOPT_ESO]: 'db' });
    const secret = c.secrets.get('a/db')!;
    expect(secret.data).toEqual(before);
    expect(secret.metadata?.ownerReferences).toEqual([expect.objectContaining({ apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', name: 'db' })]);
    expect(secret.metadata?.labels).toEqual({ 'rotor.dev/managed': 'true' });
    expect(c.eso.size).toBe(0);
    expect(lines).toContain("Secret a/db: now Rotor's");
  });

  it('is harmless when run again: keeps what exists and deletes nothing more', async () => {
    const { c } = cluster();
    await handover(c, kinds, options().options);
    c.calls = [];
    const second = await handover(c, kinds, options().options);
    expect(second.failed).toBe(false);
    expect(c.calls).toEqual([]);
    expect(second.deleteCommands).toEqual([
      `kubectl patch externalsecrets.external-secrets.io -n a db --type=json -p '[{"op":"remove","path":"/metadata/finalizers/0"}]'`,
      'kubectl delete externalsecrets.external-secrets.io -n a db',
      'kubectl delete secretstores.external-secrets.io -n a aws',
    ]);
  });

  it('adds the opt-in to a Rotor ExternalSecret that already exists without it', async () => {
    const { c } = cluster();
    c.rotor.set('ExternalSecret/a/db', { apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', metadata: { name: 'db', namespace: 'a', uid: 'u', generation: 1 }, spec: {} });
    const result = await handover(c, kinds, options().options);
    expect(result.failed).toBe(false);
    expect(c.calls).toEqual(['create SecretStore a/aws', 'annotate ExternalSecret a/db']);
  });

  it('on timeout reports where it stopped and leaves ESO\'s objects (and so the Secret) in place', async () => {
    const { c } = cluster();
    c.operatorRunning = false;
    const result = await handover(c, kinds, options({ deleteEso: true }).options);
    expect(result.failed).toBe(true);
    expect(result.findings).toEqual([
      expect.objectContaining({ object: 'ExternalSecret a/db', level: 'not-converted', message: expect.stringMatching(/did not finish within 2s \(Rotor ExternalSecret not reconciled yet/) }),
    ]);
    expect(c.eso.size).toBe(2);
    expect(c.secrets.get('a/db')!.metadata?.labels?.[ESO_LABEL_MANAGED]).toBe('true');
  });

  it('warns, with the command, when ESO\'s controller still runs', async () => {
    const { c } = cluster();
    c.esoControllers = ['external-secrets/external-secrets'];
    const { lines, options: o } = options();
    const result = await handover(c, kinds, o);
    expect(result.failed).toBe(false);
    expect(result.findings).toEqual([
      expect.objectContaining({ object: 'Deployment external-secrets/external-secrets', level: 'note', action: expect.stringMatching(/^stop it first: kubectl -n external-secrets scale deploy\/external-secrets --replicas=0/) }),
    ]);
    expect(lines[0]).toMatch(/^warning: ESO's controller external-secrets\/external-secrets is running/);
  });

  it('changes nothing when Rotor is not installed', async () => {
    const { c } = cluster();
    c.served = false;
    const result = await handover(c, kinds, options().options);
    expect(result.failed).toBe(true);
    expect(result.findings[0]!.message).toMatch(/CRD is not installed in this cluster; nothing was changed/);
    expect(c.calls).toEqual([]);
  });

  it('--dry-run creates nothing and says what it would do', async () => {
    const { c } = cluster();
    const { lines, options: o } = options({ dryRun: true, deleteEso: true });
    const result = await handover(c, kinds, o);
    expect(c.calls).toEqual([]);
    expect(result.rotorObjects.map((r) => r.kind)).toEqual(['SecretStore', 'ExternalSecret']);
    expect(lines).toEqual(['SecretStore a/aws: would be created', 'ExternalSecret a/db: would be created', "Secret a/db: would be taken over from ESO's ExternalSecret db"]);
  });

  it('leaves ESO what Rotor cannot take, and the stores those still use', async () => {
    const { c } = cluster();
    c.addEso('ExternalSecret', {
      metadata: { name: 'gen', namespace: 'a' },
      spec: { secretStoreRef: { name: 'aws' }, data: [{ secretKey: 'x', remoteRef: { key: 'k' }, sourceRef: { generatorRef: { kind: 'Password', name: 'p' } } }] },
    });
    c.addEso('ClusterSecretStore', { metadata: { name: 'vault' }, spec: { provider: { vault: {} } } });
    const result = await handover(c, kinds, options({ deleteEso: true }).options);
    expect(result.failed).toBe(false);
    expect([...new Set(result.findings.map((f) => `${f.object}|${f.level}`))]).toEqual(['ClusterSecretStore vault|not-converted', 'ExternalSecret a/gen|not-converted']);
    // db was handed over and deleted; the SecretStore stays for gen, the vault store was never Rotor's.
    expect(c.calls.filter((x) => x.startsWith('delete'))).toEqual(['delete ExternalSecret a/db']);
    expect([...c.eso.keys()].sort()).toEqual(['ClusterSecretStore//vault', 'ExternalSecret/a/gen', 'SecretStore/a/aws']);
  });

  it('moves a ClusterExternalSecret: the Rotor one stamps ExternalSecrets that take each namespace\'s Secret over; ESO\'s finalizers go with it', async () => {
    const c = new FakeCluster();
    c.addEso('ClusterSecretStore', { metadata: { name: 'aws' }, spec: { provider: { aws: { service: 'SecretsManager', region: 'us-east-1' } } } });
    const ces = c.addEso('ClusterExternalSecret', {
      metadata: { name: 'shared', finalizers: ['externalsecrets.external-secrets.io/clusterexternalsecret-cleanup'] },
      spec: { namespaceSelectors: [{ matchLabels: { team: 'x' } }], externalSecretSpec: { secretStoreRef: { name: 'aws', kind: 'ClusterSecretStore' }, data: [{ secretKey: 'password', remoteRef: { key: 'k' } }] } },
    });
    for (const ns of ['a', 'b']) {
      c.namespaceFinalizers.set(ns, ['externalsecrets.external-secrets.io/ces-shared', 'kubernetes']);
      const es = c.addEso('ExternalSecret', {
        metadata: { name: 'shared', namespace: ns, finalizers: [ESO_FINALIZER_CLEANUP], ownerReferences: [{ apiVersion: 'external-secrets.io/v1', kind: 'ClusterExternalSecret', name: 'shared', uid: ces.metadata.uid!, controller: true }] },
        spec: (ces.spec as { externalSecretSpec: Record<string, unknown> }).externalSecretSpec,
      });
      c.addEsoSecret(es, { password: 'remote-value' });
    }
    const { lines, options: o } = options({ deleteEso: true });
    const result = await handover(c, kinds, o);
    expect(result.findings.filter((f) => f.level !== 'changed')).toEqual([]);
    expect(result.failed).toBe(false);
    const rotorCes = c.rotor.get('ClusterExternalSecret//shared')!;
    expect((rotorCes.spec as any).externalSecretMetadata).toEqual({ annotations: { [ANNOTATION_ADOPT_ESO]: 'shared' } });
    for (const ns of ['a', 'b']) {
      expect(c.secrets.get(`${ns}/shared`)!.metadata?.ownerReferences?.[0]?.apiVersion).toBe('rotor.dev/v1alpha1');
      expect(c.namespaceFinalizers.get(ns)).toEqual(['kubernetes']);
    }
    expect(c.eso.size).toBe(0);
    expect(lines).toContain('namespace a: removed ESO\'s finalizer externalsecrets.external-secrets.io/ces-shared');
    expect(c.calls.filter((x) => x.startsWith('delete'))).toEqual([
      'delete ClusterExternalSecret /shared',
      'delete ExternalSecret a/shared',
      'delete ExternalSecret b/shared',
      'delete ClusterSecretStore /aws',
    ]);
  });

  it('with --namespace leaves ClusterExternalSecrets and the ExternalSecrets they stamped alone', async () => {
    const { c } = cluster();
    c.addEso('ClusterExternalSecret', { metadata: { name: 'shared' }, spec: { externalSecretSpec: { secretStoreRef: { name: 'aws' }, data: [] } } });
    c.addEso('ExternalSecret', {
      metadata: { name: 'stamped', namespace: 'a', ownerReferences: [{ apiVersion: 'external-secrets.io/v1', kind: 'ClusterExternalSecret', name: 'shared', uid: 'x' }] },
      spec: { secretStoreRef: { name: 'aws' }, data: [{ secretKey: 'x', remoteRef: { key: 'k' } }] },
    });
    const result = await handover(c, kinds, options({ namespace: 'a' }).options);
    expect(result.failed).toBe(false);
    expect(result.findings.map((f) => [f.object, f.level, f.message])).toEqual([
      ['ClusterExternalSecret shared', 'note', 'left alone: a ClusterExternalSecret spans namespaces'],
      ['ExternalSecret a/stamped', 'note', "left alone: ESO's ClusterExternalSecret shared manages it"],
    ]);
    expect(c.calls).toEqual(['create SecretStore a/aws', 'create ExternalSecret a/db']);
  });
});

describe('handover of PushSecrets and generators (issue #17 item 11)', () => {
  const awsStore = { provider: { aws: { service: 'SecretsManager', region: 'us-east-1' } } };
  const gen = 'generators.external-secrets.io/v1alpha1';

  it('creates generators first, then the PushSecret; retires ESO\'s with deletionPolicy None and no finalizer before deleting it, so the remote secret stays', async () => {
    const c = new FakeCluster();
    c.addEso('SecretStore', { metadata: { name: 'aws', namespace: 'a' }, spec: awsStore });
    c.addEso('Password', { metadata: { name: 'pw', namespace: 'a' }, spec: { length: 24, noUpper: false, allowRepeat: true } }, gen);
    c.addEso('PushSecret', {
      metadata: { name: 'push', namespace: 'a', finalizers: ['pushsecret.externalsecrets.io/finalizer'] },
      spec: { deletionPolicy: 'Delete', secretStoreRefs: [{ name: 'aws' }], selector: { generatorRef: { apiVersion: gen, kind: 'Password', name: 'pw' } }, data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: 'app/pw' } } }] },
    }, 'external-secrets.io/v1alpha1');
    const { lines, options: o } = options({ deleteEso: true });
    const result = await handover(c, kinds, o);
    expect(result.findings.filter((f) => f.level !== 'changed')).toEqual([]);
    expect(result.failed).toBe(false);
    expect(c.calls).toEqual([
      'create Password a/pw',
      'create SecretStore a/aws',
      'create PushSecret a/push',
      'patch PushSecret a/push {"deletionPolicy":"None"}',
      'delete PushSecret a/push (deletionPolicy None)',
      'delete Password a/pw',
      'delete SecretStore a/aws',
    ]);
    expect(c.rotor.get('PushSecret/a/push')!.apiVersion).toBe('rotor.dev/v1alpha1');
    expect((c.rotor.get('PushSecret/a/push')!.spec as any).selector.generatorRef.apiVersion).toBe('generators.rotor.dev/v1alpha1');
    expect(c.rotor.get('Password/a/pw')!.apiVersion).toBe('generators.rotor.dev/v1alpha1');
    expect(c.eso.size).toBe(0);
    expect(lines).toContain("PushSecret a/push: Rotor's pushed (Ready)");
  });

  it('without --delete-eso prints the same safe order as commands; keeps a generator an ESO ExternalSecret that stays still uses', async () => {
    const c = new FakeCluster();
    c.addEso('SecretStore', { metadata: { name: 'aws', namespace: 'a' }, spec: awsStore });
    c.addEso('ClusterSecretStore', { metadata: { name: 'vault' }, spec: { provider: { vault: {} } } });
    c.addEso('ECRAuthorizationToken', { metadata: { name: 'ecr', namespace: 'a' }, spec: { region: 'us-east-1' } }, gen);
    c.addEso('ExternalSecret', { metadata: { name: 'stays', namespace: 'a' }, spec: { secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' }, dataFrom: [{ sourceRef: { generatorRef: { apiVersion: gen, kind: 'ECRAuthorizationToken', name: 'ecr' } } }] } });
    c.addEso('PushSecret', {
      metadata: { name: 'push', namespace: 'a', finalizers: ['pushsecret.externalsecrets.io/finalizer'] },
      spec: { deletionPolicy: 'Delete', secretStoreRefs: [{ name: 'aws' }], selector: { secret: { name: 'src' } }, data: [{ match: { remoteRef: { remoteKey: 'app/all' } } }] },
    }, 'external-secrets.io/v1alpha1');
    const result = await handover(c, kinds, options().options);
    expect(result.failed).toBe(false);
    expect(result.deleteCommands).toEqual([
      `kubectl patch pushsecrets.external-secrets.io -n a push --type=merge -p '{"spec":{"deletionPolicy":"None"}}'   # first, or ESO deletes the remote secrets Rotor now pushes`,
      `kubectl patch pushsecrets.external-secrets.io -n a push --type=json -p '[{"op":"remove","path":"/metadata/finalizers/0"}]'`,
      'kubectl delete pushsecrets.external-secrets.io -n a push',
      'kubectl delete secretstores.external-secrets.io -n a aws',
    ]);
    expect(c.calls.filter((x) => !x.startsWith('create'))).toEqual([]);
  });

  it('moves a ClusterPushSecret: its ESO PushSecrets get deletionPolicy None and lose the finalizer before the garbage collector takes them', async () => {
    const c = new FakeCluster();
    c.addEso('ClusterSecretStore', { metadata: { name: 'aws' }, spec: awsStore });
    const pushSecretSpec = { deletionPolicy: 'Delete', secretStoreRefs: [{ name: 'aws', kind: 'ClusterSecretStore' }], selector: { secret: { name: 'src' } }, data: [{ match: { remoteRef: { remoteKey: 'shared' } } }] };
    const cps = c.addEso('ClusterPushSecret', { metadata: { name: 'shared' }, spec: { namespaceSelectors: [{ matchLabels: { t: 'x' } }], pushSecretSpec } }, 'external-secrets.io/v1alpha1');
    c.addEso('PushSecret', {
      metadata: { name: 'shared', namespace: 'a', finalizers: ['pushsecret.externalsecrets.io/finalizer'], ownerReferences: [{ apiVersion: 'external-secrets.io/v1alpha1', kind: 'ClusterPushSecret', name: 'shared', uid: cps.metadata.uid!, controller: true }] },
      spec: structuredClone(pushSecretSpec),
    }, 'external-secrets.io/v1alpha1');
    const result = await handover(c, kinds, options({ deleteEso: true }).options);
    expect(result.findings.filter((f) => f.level !== 'changed')).toEqual([]);
    expect(c.calls).toEqual([
      'create ClusterSecretStore /aws',
      'create ClusterPushSecret /shared',
      'patch ClusterPushSecret /shared {"pushSecretSpec":{"deletionPolicy":"None"}}',
      'patch PushSecret a/shared {"deletionPolicy":"None"}',
      'delete ClusterPushSecret /shared',
      'gc PushSecret a/shared (deletionPolicy None)',
      'delete ClusterSecretStore /aws',
    ]);
    expect(c.eso.size).toBe(0);
  });

  it('with --namespace leaves ClusterPushSecrets and their PushSecrets alone', async () => {
    const c = new FakeCluster();
    c.addEso('ClusterPushSecret', { metadata: { name: 'shared' }, spec: { pushSecretSpec: {} } }, 'external-secrets.io/v1alpha1');
    c.addEso('PushSecret', { metadata: { name: 'shared', namespace: 'a', ownerReferences: [{ apiVersion: 'external-secrets.io/v1alpha1', kind: 'ClusterPushSecret', name: 'shared', uid: 'x' }] }, spec: {} }, 'external-secrets.io/v1alpha1');
    const result = await handover(c, kinds, options({ namespace: 'a' }).options);
    expect(result.findings.map((f) => [f.object, f.message])).toEqual([
      ['ClusterPushSecret shared', 'left alone: a ClusterPushSecret spans namespaces'],
      ['PushSecret a/shared', "left alone: ESO's ClusterPushSecret shared manages it"],
    ]);
    expect(c.calls).toEqual([]);
  });
});
