// The PushSecret part of `rotor migrate --live`. ESO and Rotor can push the same remote secret
// without fighting: Rotor accepts ESO's `managed-by: external-secrets` tag as managed (so a
// converted PushSecret keeps updating what ESO created, and leaves the tag), while ESO refuses
// what Rotor creates (`managed-by: rotor`). The one hazard is the end of ESO's PushSecret: with
// deletionPolicy Delete, ESO's controller deletes the remote secrets when the object goes, the
// very values Rotor's PushSecret now maintains. So the safe order is: create Rotor's PushSecret,
// wait until it is Ready (it pushed), set ESO's PushSecret to deletionPolicy None, remove ESO's
// finalizer, and only then delete it. A ClusterPushSecret's PushSecrets are garbage-collected
// with it, so each gets the same treatment first. Cluster access goes through MigrateCluster.
import { ESO_GROUP } from '../api/eso.js';
import type { KubeObject, MigrateCluster } from './cluster.js';
import { ESO_KINDS } from './cluster.js';
import { ESO_PUSH_SECRET_FINALIZER } from './convert.js';
import type { RotorKind } from './crd-schemas.js';


export interface PushHandover {
  kind: 'PushSecret' | 'ClusterPushSecret';
  namespace: string | undefined;
  name: string;
  eso: KubeObject;
  /** For a ClusterPushSecret: ESO's PushSecrets it created (owner reference). */
  stamped: KubeObject[];
  done: boolean;
  lastState: string;
}

/** The ESO ClusterPushSecret that created a PushSecret, if any. */
export function pushStamper(ps: KubeObject): string | undefined {
  return ps.metadata.ownerReferences?.find((r) => r.kind === 'ClusterPushSecret' && r.apiVersion.startsWith(`${ESO_GROUP}/`))?.name;
}

export function pushHandoverOf(kind: PushHandover['kind'], eso: KubeObject, stamped: KubeObject[] = []): PushHandover {
  return { kind, namespace: eso.metadata.namespace, name: eso.metadata.name, eso, stamped, done: false, lastState: 'not checked yet' };
}

/** Done = Rotor's PushSecret (or ClusterPushSecret) is Ready for its current generation: it pushed. */
export async function checkPushHandover(cluster: MigrateCluster, kind: RotorKind, h: PushHandover): Promise<void> {
  const rotor = await cluster.getRotor(kind, h.namespace, h.name);
  if (!rotor) {
    h.lastState = `the Rotor ${h.kind} does not exist (yet)`;
    return;
  }
  const ready = rotor.status?.conditions?.find((c) => c.type === 'Ready');
  const observed = rotor.status?.observedGeneration ?? ready?.observedGeneration ?? 0;
  if (ready?.status !== 'True' || observed < (rotor.metadata.generation ?? 0)) {
    h.lastState = ready ? `Rotor ${h.kind} Ready=${ready.status} ${ready.reason ?? ''}: ${ready.message ?? ''}`.trim() : `Rotor ${h.kind} not reconciled yet (is the operator running?)`;
    return;
  }
  h.done = true;
}

const esoRef = (kind: PushHandover['kind']) => `${ESO_KINDS[kind].plural}.${ESO_KINDS[kind].group}`;
const nsFlag = (ns: string | undefined) => (ns ? ` -n ${ns}` : '');
const deletesRemote = (o: KubeObject, specPath: 'spec' | 'spec.pushSecretSpec') =>
  (specPath === 'spec' ? o.spec?.deletionPolicy : (o.spec?.pushSecretSpec as { deletionPolicy?: string } | undefined)?.deletionPolicy) === 'Delete';

/** kubectl commands that retire ESO's handed-over push objects without deleting a remote value. */
export function pushDeletionCommands(done: PushHandover[]): string[] {
  const commands: string[] = [];
  const retire = (o: KubeObject, comment: string) => {
    const ns = o.metadata.namespace;
    if (deletesRemote(o, 'spec')) commands.push(`kubectl patch ${esoRef('PushSecret')}${nsFlag(ns)} ${o.metadata.name} --type=merge -p '{"spec":{"deletionPolicy":"None"}}'   # ${comment}`);
    const at = o.metadata.finalizers?.indexOf(ESO_PUSH_SECRET_FINALIZER) ?? -1;
    if (at >= 0) commands.push(`kubectl patch ${esoRef('PushSecret')}${nsFlag(ns)} ${o.metadata.name} --type=json -p '[{"op":"remove","path":"/metadata/finalizers/${at}"}]'`);
  };
  for (const h of done) {
    if (h.kind === 'PushSecret') {
      retire(h.eso, 'first, or ESO deletes the remote secrets Rotor now pushes');
      commands.push(`kubectl delete ${esoRef('PushSecret')}${nsFlag(h.namespace)} ${h.name}`);
      continue;
    }
    if (deletesRemote(h.eso, 'spec.pushSecretSpec')) {
      commands.push(`kubectl patch ${esoRef('ClusterPushSecret')} ${h.name} --type=merge -p '{"spec":{"pushSecretSpec":{"deletionPolicy":"None"}}}'`);
    }
    for (const ps of h.stamped) retire(ps, 'its PushSecrets go with the ClusterPushSecret');
    commands.push(`kubectl delete ${esoRef('ClusterPushSecret')} ${h.name}`);
  }
  return commands;
}

/** Retires ESO's handed-over push objects in the safe order (see the file header). */
export async function deleteEsoPush(cluster: MigrateCluster, done: PushHandover[], log: (line: string) => void): Promise<void> {
  const retire = async (o: KubeObject) => {
    if (deletesRemote(o, 'spec')) await cluster.patchEsoSpec('PushSecret', o.metadata.namespace, o.metadata.name, { deletionPolicy: 'None' });
    await cluster.removeEsoFinalizers('PushSecret', o.metadata.namespace, o.metadata.name, [ESO_PUSH_SECRET_FINALIZER]);
  };
  for (const h of done) {
    if (h.kind === 'PushSecret') {
      await retire(h.eso);
      await cluster.deleteEso('PushSecret', h.namespace, h.name);
      log(`PushSecret.${ESO_GROUP} ${h.namespace}/${h.name}: deleted (deletionPolicy None first: the remote secrets stay)`);
      continue;
    }
    if (deletesRemote(h.eso, 'spec.pushSecretSpec')) await cluster.patchEsoSpec('ClusterPushSecret', undefined, h.name, { pushSecretSpec: { deletionPolicy: 'None' } });
    for (const ps of h.stamped) await retire(ps);
    await cluster.deleteEso('ClusterPushSecret', undefined, h.name);
    log(`ClusterPushSecret.${ESO_GROUP} ${h.name}: deleted (its PushSecrets set to deletionPolicy None first: the remote secrets stay)`);
  }
}
