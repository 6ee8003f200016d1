// `rotor migrate --live`: moves a cluster from ESO to Rotor without a moment where a Secret is
// missing or holds other data. Order: Rotor's stores, then Rotor's ExternalSecrets carrying
// rotor.dev/adopt-eso=<ESO ExternalSecret>, so that the operator's first write to each Secret
// is the takeover itself (owner reference, label and annotations swapped in one update, data
// as fetched); wait until every Secret is Rotor's and its ExternalSecret Ready; only then, and
// only for those, delete ESO's objects (--delete-eso) or print the commands. Nothing here
// deletes or rewrites a Secret. All cluster access goes through the MigrateCluster port.
import { ANNOTATION_ADOPT_ESO, ESO_FINALIZER_CES_CLEANUP, ESO_FINALIZER_CLEANUP, ESO_GROUP, esoControllerOwner, hasEsoMarks, isEsoNamespaceFinalizerOf } from '../api/eso.js';
// ESO's kinds have the plurals of Rotor's kinds of the same name.
import { ANNOTATION_OWNER, PLURAL, mergesInto, type CreationPolicy } from '../api/types.js';
import { ESO_KINDS, type EsoKind, type KubeObject, type MigrateCluster } from './cluster.js';
import { CONVERTIBLE_GENERATOR_KINDS, convertDocuments, describeObject, markForAdoption, type Finding, type OutputDocument } from './convert.js';
import { checkPushHandover, deleteEsoPush, pushDeletionCommands, pushHandoverOf, pushStamper, type PushHandover } from './handover-push.js';
import type { RotorKind } from './crd-schemas.js';

export interface HandoverOptions {
  /** Only this namespace (ClusterExternalSecrets, being cluster-wide, are then left alone). */
  namespace?: string;
  dryRun: boolean;
  deleteEso: boolean;
  timeoutMs: number;
  pollMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Progress, one line per step (stderr). */
  log: (line: string) => void;
}

export interface HandoverResult {
  findings: Finding[];
  /** The Rotor objects (created, kept, or with --dry-run to be created). */
  rotorObjects: KubeObject[];
  converted: number;
  /** The handover did not finish (timeout, API error): exit 3. */
  failed: boolean;
  /** kubectl commands that delete ESO's handed-over objects, when --delete-eso was not given. */
  deleteCommands: string[];
}

/** One ESO ExternalSecret whose Secret Rotor takes over. */
interface Handover {
  namespace: string;
  name: string;
  secretName: string;
  creationPolicy: string;
  /** The ESO ClusterExternalSecret that stamped it, if any. */
  stampedBy?: string;
  eso: KubeObject;
  done: boolean;
  lastState: string;
}

export async function handover(cluster: MigrateCluster, kinds: Map<string, RotorKind>, options: HandoverOptions): Promise<HandoverResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const ns = options.namespace;
  const findings: Finding[] = [];
  const clusterFinding = (object: string, level: Finding['level'], message: string, action?: string): void => {
    findings.push({ object, source: 'cluster', level, message, ...(action ? { action } : {}) });
  };

  const [stores, allClusterStores, externalSecrets, allCes, pushSecrets, allCps, generatorLists] = await Promise.all([
    cluster.listEso('SecretStore', ns),
    cluster.listEso('ClusterSecretStore'),
    cluster.listEso('ExternalSecret', ns),
    cluster.listEso('ClusterExternalSecret'),
    cluster.listEso('PushSecret', ns),
    cluster.listEso('ClusterPushSecret'),
    Promise.all(CONVERTIBLE_GENERATOR_KINDS.map(async (kind) => (await cluster.listEso(kind, ns)).map((o) => withKind(o, kind)))),
  ]);
  const stamper = (es: KubeObject) =>
    es.metadata.ownerReferences?.find((r) => r.kind === 'ClusterExternalSecret' && r.apiVersion.startsWith(`${ESO_GROUP}/`))?.name;
  const clusterEs = ns === undefined ? allCes : [];
  if (ns !== undefined && allCes.length > 0) {
    for (const ces of allCes) {
      clusterFinding(describeObject(withKind(ces, 'ClusterExternalSecret')), 'note', 'left alone: a ClusterExternalSecret spans namespaces', 'run rotor migrate --live without --namespace to move it');
    }
  }
  const movedCes = new Set(clusterEs.map((c) => c.metadata.name));
  const direct: KubeObject[] = [];
  const stamped: KubeObject[] = [];
  for (const es of externalSecrets) {
    const by = stamper(es);
    if (by === undefined) direct.push(es);
    else if (movedCes.has(by)) stamped.push(es);
    else clusterFinding(describeObject(withKind(es, 'ExternalSecret')), 'note', `left alone: ESO's ClusterExternalSecret ${by} manages it`, 'run rotor migrate --live without --namespace to move the ClusterExternalSecret');
  }
  // PushSecrets: a ClusterPushSecret's move with it (and only without --namespace).
  const clusterPush = ns === undefined ? allCps : [];
  for (const cps of ns !== undefined ? allCps : []) {
    clusterFinding(describeObject(withKind(cps, 'ClusterPushSecret')), 'note', 'left alone: a ClusterPushSecret spans namespaces', 'run rotor migrate --live without --namespace to move it');
  }
  const movedCps = new Set(clusterPush.map((c) => c.metadata.name));
  const directPush: KubeObject[] = [];
  const stampedPush: KubeObject[] = [];
  for (const ps of pushSecrets) {
    const by = pushStamper(ps);
    if (by === undefined) directPush.push(ps);
    else if (movedCps.has(by)) stampedPush.push(ps);
    else clusterFinding(describeObject(withKind(ps, 'PushSecret')), 'note', `left alone: ESO's ClusterPushSecret ${by} manages it`, 'run rotor migrate --live without --namespace to move the ClusterPushSecret');
  }
  // With --namespace, only the ClusterSecretStores (and ClusterGenerators) the namespace uses.
  const usedClusterStores = new Set(
    [...direct, ...stamped].flatMap((es) => {
      const ref = (es.spec?.secretStoreRef ?? {}) as { kind?: string; name?: string };
      return ref.kind === 'ClusterSecretStore' && ref.name ? [ref.name] : [];
    }),
  );
  const pushStoreRefs = directPush.flatMap((ps) => (Array.isArray(ps.spec?.secretStoreRefs) ? (ps.spec.secretStoreRefs as Array<{ kind?: string; name?: string }>) : []));
  for (const ref of pushStoreRefs) if (ref.kind === 'ClusterSecretStore' && ref.name) usedClusterStores.add(ref.name);
  // A label-selected ClusterSecretStore may be any of them.
  const anyClusterStore = pushStoreRefs.some((ref) => ref.kind === 'ClusterSecretStore' && !ref.name);
  const clusterStores = ns === undefined || anyClusterStore ? allClusterStores : allClusterStores.filter((s) => usedClusterStores.has(s.metadata.name));
  const generators = generatorLists.flat();
  const usedClusterGenerators = new Set([...direct, ...directPush].flatMap((o) => generatorRefsOf(o).filter((r) => r.kind === 'ClusterGenerator').map((r) => r.name)));
  const movingGenerators = generators.filter((g) => g.kind !== 'ClusterGenerator' || ns === undefined || usedClusterGenerators.has(g.metadata.name));

  // Generators first: Rotor's ExternalSecrets and PushSecrets that use them need them at once.
  const inputs = [
    ...movingGenerators,
    ...stores.map((o) => withKind(o, 'SecretStore')),
    ...clusterStores.map((o) => withKind(o, 'ClusterSecretStore')),
    ...direct.map((o) => withKind(o, 'ExternalSecret')),
    ...clusterEs.map((o) => withKind(o, 'ClusterExternalSecret')),
    ...directPush.map((o) => withKind(o, 'PushSecret')),
    ...clusterPush.map((o) => withKind(o, 'ClusterPushSecret')),
  ].map((object) => ({ source: 'cluster', object }));
  const conversion = convertDocuments(inputs, kinds);
  findings.push(...conversion.findings);
  const converted = conversion.documents.filter((d): d is Extract<OutputDocument, { status: 'converted' }> => d.status === 'converted');

  const handovers: Handover[] = [];
  const pushHandovers: PushHandover[] = [];
  /** ESO's generators converted to Rotor's. */
  const movingGeneratorObjects: KubeObject[] = [];
  const rotorObjects: KubeObject[] = [];
  /** ESO's ClusterExternalSecrets whose Rotor counterpart will stamp the takeover annotation. */
  const movingCes: KubeObject[] = [];
  /** ESO's stores converted to Rotor's: the only stores that may be deleted. */
  const movingStores: KubeObject[] = [];
  for (const doc of converted) {
    const object = doc.object as unknown as KubeObject;
    const esoName = object.metadata.name;
    if (object.kind === 'SecretStore' || object.kind === 'ClusterSecretStore') movingStores.push(doc.from as unknown as KubeObject);
    if (!markForAdoption(doc.object, kinds)) {
      clusterFinding(describeObject(object), 'not-converted', "this Rotor's ClusterExternalSecret has no spec.externalSecretMetadata.annotations, so the ExternalSecrets it stamps cannot be told to take ESO's Secrets over", 'upgrade Rotor, or move these ExternalSecrets one by one');
      continue;
    }
    if (object.kind === 'ExternalSecret') handovers.push(handoverOf(doc.from as unknown as KubeObject));
    if (object.kind === 'PushSecret') pushHandovers.push(pushHandoverOf('PushSecret', doc.from as unknown as KubeObject));
    if (object.kind === 'ClusterPushSecret') pushHandovers.push(pushHandoverOf('ClusterPushSecret', doc.from as unknown as KubeObject, stampedPush.filter((p) => pushStamper(p) === esoName)));
    if ((CONVERTIBLE_GENERATOR_KINDS as readonly string[]).includes(object.kind!)) movingGeneratorObjects.push(doc.from as unknown as KubeObject);
    if (object.kind === 'ClusterExternalSecret') {
      for (const es of stamped.filter((e) => stamper(e) === esoName)) handovers.push({ ...handoverOf(es), stampedBy: esoName });
      movingCes.push(doc.from as unknown as KubeObject);
    }
    rotorObjects.push(object);
  }

  const result = (failed: boolean, deleteCommands: string[] = []): HandoverResult => ({ findings, rotorObjects, converted: rotorObjects.length, failed, deleteCommands });
  if (rotorObjects.length === 0) {
    options.log('no ESO objects to move');
    return result(false);
  }

  // Rotor must be installed before anything is created: an ExternalSecret nobody reconciles
  // hands nothing over.
  for (const kind of new Set(rotorObjects.map((o) => o.kind!))) {
    const rotorKind = kinds.get(kind)!;
    if (!(await cluster.rotorServed(rotorKind))) {
      clusterFinding(`${kind} (CRD)`, 'not-converted', `Rotor's ${rotorKind.plural}.${rotorKind.group} CRD is not installed in this cluster; nothing was changed`, 'install Rotor first (helm install rotor charts/rotor, or kubectl apply --server-side -f crds/), then run again');
      return result(true);
    }
  }

  // A running ESO controller keeps rewriting Orphan/Merge Secrets after Rotor took them over.
  for (const deployment of await cluster.runningEsoControllers()) {
    const [namespace, name] = deployment.split('/');
    clusterFinding(
      `Deployment ${deployment}`,
      'note',
      "ESO's controller is running: it keeps rewriting ESO's Orphan and Merge Secrets (and their labels) after Rotor has taken them over",
      `stop it first: kubectl -n ${namespace} scale deploy/${name} --replicas=0 (keep ESO's webhook until ESO's objects are deleted)`,
    );
    options.log(`warning: ESO's controller ${deployment} is running; stop it first (see the report)`);
  }

  let failed = false;
  for (const object of rotorObjects) {
    const kind = kinds.get(object.kind!)!;
    const label = describeObject(object);
    if (options.dryRun) {
      const exists = await cluster.getRotor(kind, object.metadata.namespace, object.metadata.name);
      options.log(exists ? `${label}: exists, would be kept` : `${label}: would be created`);
      continue;
    }
    try {
      const existing = await cluster.getRotor(kind, object.metadata.namespace, object.metadata.name);
      if (!existing) {
        await cluster.createRotor(kind, object);
        options.log(`${label}: created`);
      } else if (kind.kind === 'ExternalSecret' && existing.metadata.annotations?.[ANNOTATION_ADOPT_ESO] !== object.metadata.annotations?.[ANNOTATION_ADOPT_ESO]) {
        // Created earlier (by hand or an earlier run): only the opt-in is added.
        await cluster.annotateRotor(kind, object.metadata.namespace, object.metadata.name, { [ANNOTATION_ADOPT_ESO]: object.metadata.annotations![ANNOTATION_ADOPT_ESO]! });
        options.log(`${label}: exists; annotated ${ANNOTATION_ADOPT_ESO}=${object.metadata.annotations![ANNOTATION_ADOPT_ESO]}`);
      } else {
        options.log(`${label}: exists, kept`);
      }
    } catch (error) {
      failed = true;
      clusterFinding(label, 'not-converted', `could not be created: ${(error as Error).message}`, 'fix the cause and run rotor migrate --live again (it keeps what exists)');
      for (const h of [...handovers, ...pushHandovers]) if (h.namespace === object.metadata.namespace && h.name === object.metadata.name) h.lastState = 'not created';
    }
  }
  const scopeOf = (done: Handover[], pushDone: PushHandover[]): DeletionScope => ({
    done,
    all: handovers,
    movingStores,
    movingCes,
    externalSecrets,
    ns,
    pushDone,
    movingGenerators: movingGeneratorObjects,
    generatorUsers: [
      ...externalSecrets.map((o) => withKind(o, 'ExternalSecret')),
      ...pushSecrets.map((o) => withKind(o, 'PushSecret')),
      ...allCes.map((o) => withKind(o, 'ClusterExternalSecret')),
      ...allCps.map((o) => withKind(o, 'ClusterPushSecret')),
    ],
  });
  if (options.dryRun) {
    for (const h of handovers) options.log(`Secret ${h.namespace}/${h.secretName}: would be taken over from ESO's ExternalSecret ${h.name}`);
    for (const h of pushHandovers) options.log(`${h.kind} ${h.namespace ? `${h.namespace}/` : ''}${h.name}: Rotor's would push the same remote secrets; ESO's would be set to deletionPolicy None before it goes`);
    return result(false, deletionCommands(scopeOf(handovers, pushHandovers)));
  }

  // Wait for the operator to take every Secret over.
  const deadline = now() + options.timeoutMs;
  for (;;) {
    for (const h of handovers.filter((x) => !x.done)) {
      try {
        await checkHandover(cluster, kinds.get('ExternalSecret')!, h);
      } catch (error) {
        h.lastState = (error as Error).message;
      }
      if (h.done) options.log(`Secret ${h.namespace}/${h.secretName}: ${h.creationPolicy === 'None' ? 'Rotor ExternalSecret Ready (creationPolicy None)' : "now Rotor's"}`);
    }
    for (const h of pushHandovers.filter((x) => !x.done)) {
      try {
        await checkPushHandover(cluster, kinds.get(h.kind)!, h);
      } catch (error) {
        h.lastState = (error as Error).message;
      }
      if (h.done) options.log(`${h.kind} ${h.namespace ? `${h.namespace}/` : ''}${h.name}: Rotor's pushed (Ready)`);
    }
    if ((handovers.every((h) => h.done) && pushHandovers.every((h) => h.done)) || now() >= deadline) break;
    await sleep(options.pollMs ?? 500);
  }
  for (const h of handovers.filter((x) => !x.done)) {
    failed = true;
    clusterFinding(
      `ExternalSecret ${h.namespace}/${h.name}`,
      'not-converted',
      `the handover of Secret ${h.namespace}/${h.secretName} did not finish within ${+(options.timeoutMs / 1000).toFixed(1)}s (${h.lastState}); ESO's objects for it were left in place`,
      `kubectl describe externalsecrets.rotor.dev -n ${h.namespace} ${h.name}; fix what it says, then run rotor migrate --live again`,
    );
  }

  for (const h of pushHandovers.filter((x) => !x.done)) {
    failed = true;
    const label = `${h.kind} ${h.namespace ? `${h.namespace}/` : ''}${h.name}`;
    clusterFinding(
      label,
      'not-converted',
      `Rotor's ${h.kind} did not become Ready within ${+(options.timeoutMs / 1000).toFixed(1)}s (${h.lastState}); ESO's was left in place`,
      `kubectl describe ${ESO_KINDS[h.kind].plural}.rotor.dev${h.namespace ? ` -n ${h.namespace}` : ''} ${h.name}; fix what it says, then run rotor migrate --live again`,
    );
  }

  const scope = scopeOf(handovers.filter((h) => h.done), pushHandovers.filter((h) => h.done));
  if (!options.deleteEso) return result(failed, deletionCommands(scope));
  await deleteEso(cluster, scope, options.log).catch((error: unknown) => {
    failed = true;
    clusterFinding('ESO objects', 'not-converted', `deleting them stopped: ${(error as Error).message}`, 'run rotor migrate --live --delete-eso again');
  });
  return result(failed);
}

function withKind(o: KubeObject, kind: EsoKind): KubeObject {
  // List items may lack kind and apiVersion; the conversion needs both.
  return { ...o, kind, apiVersion: o.apiVersion ?? `${ESO_KINDS[kind].group}/${ESO_KINDS[kind].versions[0]}` };
}

/** The generators an ESO object uses (ExternalSecret dataFrom, PushSecret selector, and their cluster kinds' specs). */
function generatorRefsOf(o: KubeObject): Array<{ kind: string; name: string }> {
  const spec = (o.spec?.externalSecretSpec ?? o.spec?.pushSecretSpec ?? o.spec ?? {}) as { dataFrom?: unknown; selector?: { generatorRef?: { kind?: string; name?: string } } };
  const refs = [
    ...(Array.isArray(spec.dataFrom) ? spec.dataFrom : []).map((e: { sourceRef?: { generatorRef?: { kind?: string; name?: string } } }) => e?.sourceRef?.generatorRef),
    spec.selector?.generatorRef,
  ];
  return refs.flatMap((r) => (r?.kind && r.name ? [{ kind: r.kind, name: r.name }] : []));
}

function handoverOf(eso: KubeObject): Handover {
  const target = (eso.spec?.target ?? {}) as { name?: string; creationPolicy?: string };
  return {
    namespace: eso.metadata.namespace!,
    name: eso.metadata.name,
    secretName: target.name || eso.metadata.name,
    creationPolicy: target.creationPolicy ?? 'Owner',
    eso,
    done: false,
    lastState: 'not checked yet',
  };
}

/** Done = the Rotor ExternalSecret is Ready for its current spec and the Secret is Rotor's, without ESO's marks. */
async function checkHandover(cluster: MigrateCluster, esKind: RotorKind, h: Handover): Promise<void> {
  const rotor = await cluster.getRotor(esKind, h.namespace, h.name);
  if (!rotor) {
    h.lastState = 'the Rotor ExternalSecret does not exist (yet)';
    return;
  }
  const ready = rotor.status?.conditions?.find((c) => c.type === 'Ready');
  const observed = rotor.status?.observedGeneration ?? ready?.observedGeneration ?? 0;
  if (ready?.status !== 'True' || observed < (rotor.metadata.generation ?? 0)) {
    h.lastState = ready ? `Rotor ExternalSecret Ready=${ready.status} ${ready.reason ?? ''}: ${ready.message ?? ''}`.trim() : 'Rotor ExternalSecret not reconciled yet (is the operator running?)';
    return;
  }
  if (h.creationPolicy === 'None') {
    h.done = true;
    return;
  }
  const secret = await cluster.getSecret(h.namespace, h.secretName);
  if (!secret) {
    h.lastState = `Secret ${h.namespace}/${h.secretName} does not exist`;
    return;
  }
  // Rotor's owner annotation is written in the same update that removes ESO's owner reference
  // and marks; a Merge target keeps ESO's marks if it had none Rotor recognises, which no longer
  // matters once no ESO object owns it.
  if (secret.metadata?.annotations?.[ANNOTATION_OWNER] !== `${h.namespace}/${h.name}` || esoControllerOwner(secret) !== undefined || (!mergesInto(h.creationPolicy as CreationPolicy) && hasEsoMarks(secret))) {
    h.lastState = `Secret ${h.namespace}/${h.secretName} still carries ESO's owner reference or marks`;
    return;
  }
  h.done = true;
}

/** What the deletion of ESO's objects may touch, and what it must keep. */
interface DeletionScope {
  /** Handed over: their ESO ExternalSecrets may go. */
  done: Handover[];
  all: Handover[];
  /** ESO stores converted to Rotor's (never one Rotor could not take). */
  movingStores: KubeObject[];
  /** ESO ClusterExternalSecrets moved to Rotor. */
  movingCes: KubeObject[];
  /** Every ESO ExternalSecret listed (moved or not): a store one of them uses stays. */
  externalSecrets: KubeObject[];
  ns: string | undefined;
  /** PushSecrets and ClusterPushSecrets whose Rotor counterpart pushed. */
  pushDone: PushHandover[];
  /** ESO generators converted to Rotor's. */
  movingGenerators: KubeObject[];
  /** Every ESO object listed that may use a generator (moved or not). */
  generatorUsers: KubeObject[];
}

/** Is this ESO object (ExternalSecret, PushSecret or their cluster kinds) going away with the handover? */
function handedOver(scope: DeletionScope, o: KubeObject): boolean {
  if (o.kind === 'ClusterExternalSecret') return deletableCes(scope).some((c) => c.metadata.name === o.metadata.name);
  if (o.kind === 'ExternalSecret') return scope.done.some((h) => sameObject(h.eso, o));
  return scope.pushDone.some((h) => (h.kind === o.kind && sameObject(h.eso, o)) || (o.kind === 'PushSecret' && h.stamped.some((p) => sameObject(p, o))));
}

/** Generators no ESO object that stays still uses. */
function deletableGenerators(scope: DeletionScope): KubeObject[] {
  const remaining = scope.generatorUsers.filter((o) => !handedOver(scope, o));
  return scope.movingGenerators.filter(
    // With --namespace, users of other namespaces were not listed: ClusterGenerators stay.
    (g) => (g.kind !== 'ClusterGenerator' || scope.ns === undefined) && !remaining.some((o) => generatorRefsOf(o).some((r) => r.kind === g.kind && r.name === g.metadata.name && (g.kind === 'ClusterGenerator' || !o.metadata.namespace || o.metadata.namespace === g.metadata.namespace))),
  );
}

const sameObject = (a: KubeObject, b: KubeObject) => a.metadata.namespace === b.metadata.namespace && a.metadata.name === b.metadata.name;

/** Namespaces an ESO ClusterExternalSecret provisioned (its status, and where its ExternalSecrets are). */
function provisionedNamespaces(ces: KubeObject, scope: DeletionScope): string[] {
  const status = (ces.status ?? {}) as { provisionedNamespaces?: string[] };
  const stamped = scope.all.filter((h) => h.stampedBy === ces.metadata.name).map((h) => h.namespace);
  return [...new Set([...(status.provisionedNamespaces ?? []), ...stamped])].sort();
}

/** ClusterExternalSecrets whose every stamped ExternalSecret was handed over. */
function deletableCes(scope: DeletionScope): KubeObject[] {
  return scope.movingCes.filter((ces) => scope.all.filter((h) => h.stampedBy === ces.metadata.name).every((h) => scope.done.includes(h)));
}

/** Stores no ESO ExternalSecret that stays still uses. */
function deletableStores(scope: DeletionScope): Array<{ kind: EsoKind; o: KubeObject }> {
  // A PushSecret that stays pushes through its stores (named, or any of the kind by label).
  const pushing = scope.generatorUsers.filter((o) => (o.kind === 'PushSecret' || o.kind === 'ClusterPushSecret') && !handedOver(scope, o));
  const pushUses = (ps: KubeObject, kind: string, store: KubeObject) => {
    const spec = (ps.kind === 'ClusterPushSecret' ? ps.spec?.pushSecretSpec : ps.spec) as { secretStoreRefs?: Array<{ kind?: string; name?: string }> } | undefined;
    return (spec?.secretStoreRefs ?? []).some(
      (ref) => (ref.kind ?? 'SecretStore') === kind && (ref.name === undefined || ref.name === store.metadata.name) && (kind === 'ClusterSecretStore' || ps.kind === 'ClusterPushSecret' || ps.metadata.namespace === store.metadata.namespace),
    );
  };
  const remaining = scope.externalSecrets.filter((es) => !scope.done.some((h) => sameObject(h.eso, es)));
  const uses = (es: KubeObject, kind: string, store: KubeObject) => {
    const ref = (es.spec?.secretStoreRef ?? {}) as { kind?: string; name?: string };
    return (ref.kind ?? 'SecretStore') === kind && ref.name === store.metadata.name && (kind === 'ClusterSecretStore' || es.metadata.namespace === store.metadata.namespace);
  };
  return scope.movingStores
    .map((o) => ({ kind: o.kind as 'SecretStore' | 'ClusterSecretStore', o }))
    // With --namespace, ExternalSecrets of other namespaces were not listed: their ClusterSecretStores stay.
    .filter(({ kind, o }) => (kind === 'SecretStore' || scope.ns === undefined) && !remaining.some((es) => uses(es, kind, o)) && !pushing.some((ps) => pushUses(ps, kind, o)));
}

function deletionCommands(scope: DeletionScope): string[] {
  const commands: string[] = pushDeletionCommands(scope.pushDone);
  const esoRef = (kind: EsoKind) => `${ESO_KINDS[kind].plural}.${ESO_KINDS[kind].group}`;
  for (const ces of deletableCes(scope)) {
    // Only ESO's controller removes its finalizers (on the ClusterExternalSecret and on each namespace it provisioned).
    const at = ces.metadata.finalizers?.indexOf(ESO_FINALIZER_CES_CLEANUP) ?? -1;
    if (at >= 0) commands.push(`kubectl patch ${esoRef('ClusterExternalSecret')} ${ces.metadata.name} --type=json -p '[{"op":"remove","path":"/metadata/finalizers/${at}"}]'`);
    for (const ns of provisionedNamespaces(ces, scope)) {
      commands.push(`kubectl edit namespace ${ns}   # remove the finalizer externalsecrets.external-secrets.io/ces-${ces.metadata.name}, or the namespace can never be deleted`);
    }
    commands.push(`kubectl delete ${esoRef('ClusterExternalSecret')} ${ces.metadata.name}`);
  }
  for (const h of scope.done) {
    const at = h.eso.metadata.finalizers?.indexOf(ESO_FINALIZER_CLEANUP) ?? -1;
    // Only ESO's controller removes its finalizer; with the controller stopped, remove it by hand.
    if (at >= 0) commands.push(`kubectl patch ${esoRef('ExternalSecret')} -n ${h.namespace} ${h.name} --type=json -p '[{"op":"remove","path":"/metadata/finalizers/${at}"}]'`);
    if (!h.stampedBy) commands.push(`kubectl delete ${esoRef('ExternalSecret')} -n ${h.namespace} ${h.name}`);
  }
  for (const g of deletableGenerators(scope)) commands.push(`kubectl delete ${esoRef(g.kind as EsoKind)}${g.metadata.namespace ? ` -n ${g.metadata.namespace}` : ''} ${g.metadata.name}`);
  for (const { kind, o } of deletableStores(scope)) {
    commands.push(`kubectl delete ${esoRef(kind)}${o.metadata.namespace ? ` -n ${o.metadata.namespace}` : ''} ${o.metadata.name}`);
  }
  return commands;
}

async function deleteEso(cluster: MigrateCluster, scope: DeletionScope, log: (line: string) => void): Promise<void> {
  // PushSecrets first: nothing else touches a remote secret.
  await deleteEsoPush(cluster, scope.pushDone, log);
  for (const ces of deletableCes(scope)) {
    // ESO's stopped controller would never remove these; a namespace left with one can never be deleted.
    await cluster.removeEsoFinalizers('ClusterExternalSecret', undefined, ces.metadata.name, [ESO_FINALIZER_CES_CLEANUP]);
    for (const ns of provisionedNamespaces(ces, scope)) {
      const removed = await cluster.removeNamespaceFinalizers(ns, (f) => isEsoNamespaceFinalizerOf(f, ces.metadata.name));
      if (removed.length > 0) log(`namespace ${ns}: removed ESO's finalizer ${removed.join(', ')}`);
    }
    await cluster.deleteEso('ClusterExternalSecret', undefined, ces.metadata.name);
    log(`ClusterExternalSecret.${ESO_GROUP} ${ces.metadata.name}: deleted`);
  }
  for (const h of scope.done) {
    // ESO's cleanup finalizer is only ever removed by ESO's controller, which should be
    // stopped by now; the Secret is no longer ESO's, so there is nothing left to clean up.
    await cluster.removeEsoFinalizers('ExternalSecret', h.namespace, h.name, [ESO_FINALIZER_CLEANUP]);
    await cluster.deleteEso('ExternalSecret', h.namespace, h.name);
    log(`ExternalSecret.${ESO_GROUP} ${h.namespace}/${h.name}: deleted`);
  }
  for (const g of deletableGenerators(scope)) {
    await cluster.deleteEso(g.kind as EsoKind, g.metadata.namespace, g.metadata.name);
    log(`${g.kind}.${ESO_KINDS[g.kind as EsoKind].group} ${g.metadata.namespace ? `${g.metadata.namespace}/` : ''}${g.metadata.name}: deleted`);
  }
  for (const { kind, o } of deletableStores(scope)) {
    await cluster.deleteEso(kind, o.metadata.namespace, o.metadata.name);
    log(`${kind}.${ESO_GROUP} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}: deleted`);
  }
}
