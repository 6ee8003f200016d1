// ESO manifests -> Rotor manifests. Rotor keeps ESO's field names, so converting is mostly a
// change of apiVersion; the work is in saying exactly what does not carry over. Every ESO
// object is checked against Rotor's CRD schemas (crds/): a field the API server would drop
// silently is removed and reported, an object it would refuse (or that cannot work, such as a
// non-AWS store) is left out and reported with the message that says what to do instead.
// Pure: documents in, documents and findings out.
import { ANNOTATION_ADOPT_ESO, ESO_GROUP } from '../api/eso.js';
import type { RotorKind } from './crd-schemas.js';
import { checkAgainstSchema } from './schema-check.js';
import { jwtServiceAccountOf, migrationNotes, type JwtServiceAccount } from './notes.js';

/** ESO kinds Rotor has under the same name. */
export const CONVERTIBLE_KINDS = ['SecretStore', 'ClusterSecretStore', 'ExternalSecret', 'ClusterExternalSecret', 'PushSecret', 'ClusterPushSecret'] as const;
export type ConvertibleKind = (typeof CONVERTIBLE_KINDS)[number];
/** ESO's push kinds are still v1alpha1 in ESO 2.9; the read kinds are v1 (v1beta1 before 0.17). */
export const PUSH_KINDS: ReadonlySet<string> = new Set(['PushSecret', 'ClusterPushSecret']);
export function esoVersionsOf(kind: ConvertibleKind): readonly string[] {
  return PUSH_KINDS.has(kind) ? ['v1alpha1'] : ['v1', 'v1beta1'];
}
const GENERATORS_GROUP = `generators.${ESO_GROUP}`;
/** ESO's generator kinds Rotor serves in generators.rotor.dev (the AWS ones and Password). */
export const CONVERTIBLE_GENERATOR_KINDS = ['ECRAuthorizationToken', 'STSSessionToken', 'Password', 'ClusterGenerator'] as const;
export type ConvertibleGeneratorKind = (typeof CONVERTIBLE_GENERATOR_KINDS)[number];
const ROTOR_GENERATOR_API_VERSION = 'generators.rotor.dev/v1alpha1';
/** ESO's PushSecret finalizer (pkg/controllers/pushsecret): set while deletionPolicy is Delete. */
export const ESO_PUSH_SECRET_FINALIZER = 'pushsecret.externalsecrets.io/finalizer';

export type FindingLevel =
  /** The object is not in the output. */
  | 'not-converted'
  /** The object is in the output without this field. */
  | 'dropped'
  /** The converter changed the field so that Rotor behaves as ESO did. */
  | 'changed'
  /** Worth knowing; nothing lost. */
  | 'note';

export interface Finding {
  /** "ExternalSecret team-a/db" */
  object: string;
  /** Where it came from: "file.yaml#2" or "cluster". */
  source: string;
  level: FindingLevel;
  field?: string;
  message: string;
  /** What to do instead. */
  action?: string;
}

export interface InputDocument {
  source: string;
  object: unknown;
}

export type OutputDocument =
  | { source: string; status: 'converted'; object: Record<string, unknown>; from: Record<string, unknown> }
  | { source: string; status: 'passed-through'; object: unknown };

export interface ConversionResult {
  documents: OutputDocument[];
  findings: Finding[];
}

/** True when something could not be carried over (objects left out, fields dropped). */
export function hasLosses(findings: Finding[]): boolean {
  return findings.some((f) => f.level === 'not-converted' || f.level === 'dropped');
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function describeObject(object: object): string {
  const o = object as Obj;
  const meta = isObj(o.metadata) ? o.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '(unnamed)';
  const ns = typeof meta.namespace === 'string' ? `${meta.namespace}/` : '';
  return `${String(o.kind ?? '(no kind)')} ${ns}${name}`;
}

interface StoreKey {
  kind: string;
  name: string;
  namespace: string | undefined;
}

export function convertDocuments(inputs: InputDocument[], kinds: Map<string, RotorKind>): ConversionResult {
  const findings: Finding[] = [];
  const documents: OutputDocument[] = [];
  // Stores that cannot come along (non-AWS): the ExternalSecrets using them cannot either.
  const lostStores: Array<StoreKey & { why: string }> = [];
  // Per-store IRSA ServiceAccounts of all stores: each store's note gives the complete chart flags.
  const jwtAccounts: JwtServiceAccount[] = [];
  for (const input of inputs) {
    const o = input.object;
    if (isObj(o) && isEso(o) && (o.kind === 'SecretStore' || o.kind === 'ClusterSecretStore')) {
      const why = nonAwsProvider(o);
      if (why) lostStores.push({ kind: String(o.kind), name: String((o.metadata as Obj | undefined)?.name ?? ''), namespace: namespaceOf(o), why });
      const account = why ? undefined : jwtServiceAccountOf(o);
      if (account) jwtAccounts.push(account);
    }
  }
  for (const input of inputs) {
    const result = convertDocument(input, kinds, lostStores, jwtAccounts);
    findings.push(...result.findings);
    if (result.document) documents.push(result.document);
  }
  return { documents, findings };
}

function isEso(o: Obj): boolean {
  return typeof o.apiVersion === 'string' && o.apiVersion.startsWith(`${ESO_GROUP}/`);
}

function namespaceOf(o: Obj): string | undefined {
  const ns = (o.metadata as Obj | undefined)?.namespace;
  return typeof ns === 'string' ? ns : undefined;
}

function convertDocument(
  input: InputDocument,
  kinds: Map<string, RotorKind>,
  lostStores: Array<StoreKey & { why: string }>,
  jwtAccounts: JwtServiceAccount[],
): { document?: OutputDocument; findings: Finding[] } {
  const o = input.object;
  if (!isObj(o) || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
    return { document: { source: input.source, status: 'passed-through', object: o }, findings: [] };
  }
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/', 2) : ['', o.apiVersion];
  const finding = (level: FindingLevel, message: string, action?: string, field?: string): Finding => ({
    object: describeObject(o),
    source: input.source,
    level,
    message,
    ...(field ? { field } : {}),
    ...(action ? { action } : {}),
  });
  if (group === GENERATORS_GROUP) return convertGenerator(input, o, version!, kinds, finding);
  if (group !== ESO_GROUP) return { document: { source: input.source, status: 'passed-through', object: o }, findings: [] };
  if (!(CONVERTIBLE_KINDS as readonly string[]).includes(o.kind)) {
    return { findings: [finding('not-converted', `ESO kind ${o.kind} has no Rotor equivalent`, 'keep ESO for it')] };
  }
  const versions = esoVersionsOf(o.kind as ConvertibleKind);
  if (!versions.includes(version!)) {
    return {
      findings: [
        finding(
          'not-converted',
          `${o.apiVersion} is not an ESO API version rotor migrate reads for ${o.kind} (${versions.join(', ')})`,
          `read the object back from a cluster running ESO (kubectl get -o yaml returns ${versions[0]}) and convert that`,
        ),
      ],
    };
  }
  const rotor = kinds.get(o.kind);
  if (!rotor) {
    return { findings: [finding('not-converted', `this Rotor release has no ${o.kind} (no CRD for it)`, `keep ESO for it, or upgrade Rotor`)] };
  }
  const findings: Finding[] = [];
  if (o.kind === 'SecretStore' || o.kind === 'ClusterSecretStore') {
    const why = nonAwsProvider(o);
    if (why) return { findings: [finding('not-converted', why, 'keep ESO for this store and the ExternalSecrets that use it')] };
  }
  const specPrefix = o.kind === 'ClusterExternalSecret' ? 'spec.externalSecretSpec' : o.kind === 'ClusterPushSecret' ? 'spec.pushSecretSpec' : 'spec';
  if (PUSH_KINDS.has(o.kind)) {
    // A PushSecret writes through every store it names: one Rotor cannot take keeps it with ESO.
    const refs = specAt(o, specPrefix)?.secretStoreRefs;
    const list = Array.isArray(refs) ? refs : [];
    for (const [i, ref] of list.entries()) {
      if (!isObj(ref) || typeof ref.name !== 'string') continue;
      const refKind = typeof ref.kind === 'string' ? ref.kind : 'SecretStore';
      const lost = lostStores.find((s) => s.kind === refKind && s.name === ref.name && (refKind === 'ClusterSecretStore' || o.kind === 'ClusterPushSecret' || s.namespace === namespaceOf(o) || !s.namespace || !namespaceOf(o)));
      if (lost) {
        return { findings: [finding('not-converted', `it pushes through ${refKind} ${ref.name}, which is not converted: ${lost.why}`, 'keep ESO for it', `${specPrefix}.secretStoreRefs[${i}]`)] };
      }
    }
  }
  if (o.kind === 'ExternalSecret' || o.kind === 'ClusterExternalSecret') {
    const spec = specAt(o, specPrefix);
    // spec.secretStoreRef and every entry's sourceRef.storeRef (ESO's per-entry stores).
    const refs: Array<[Obj, string]> = [];
    if (isObj(spec?.secretStoreRef)) refs.push([spec.secretStoreRef, `${specPrefix}.secretStoreRef`]);
    for (const list of ['data', 'dataFrom'] as const) {
      const entries = Array.isArray(spec?.[list]) ? (spec[list] as unknown[]) : [];
      entries.forEach((entry, i) => {
        const storeRef = isObj(entry) && isObj(entry.sourceRef) && isObj(entry.sourceRef.storeRef) ? entry.sourceRef.storeRef : undefined;
        if (storeRef) refs.push([storeRef, `${specPrefix}.${list}[${i}].sourceRef.storeRef`]);
      });
    }
    for (const [ref, field] of refs) {
      const refKind = typeof ref.kind === 'string' ? ref.kind : 'SecretStore';
      const lost = lostStores.find(
        (s) => s.kind === refKind && s.name === ref.name && (refKind === 'ClusterSecretStore' || o.kind === 'ClusterExternalSecret' || s.namespace === namespaceOf(o) || !s.namespace || !namespaceOf(o)),
      );
      if (lost) {
        return { findings: [finding('not-converted', `it reads through ${refKind} ${String(ref.name)}, which is not converted: ${lost.why}`, 'keep ESO for it', field)] };
      }
    }
  }

  const converted: Obj = {
    ...structuredClone(o),
    apiVersion: `${rotor.group}/${rotor.version}`,
    metadata: cleanMetadata(o.metadata),
  };
  const foreignFinalizers = ((isObj(o.metadata) && Array.isArray(o.metadata.finalizers) ? o.metadata.finalizers : []) as unknown[]).filter((f) => typeof f === 'string' && !f.includes(ESO_GROUP) && f !== ESO_PUSH_SECRET_FINALIZER);
  if (foreignFinalizers.length > 0) {
    findings.push(finding('note', `metadata.finalizers ${foreignFinalizers.join(', ')} left out: a finalizer belongs to the controller that put it on ESO's object, and nothing would remove it from Rotor's`, undefined, 'metadata.finalizers'));
  }
  delete converted.status;
  if (o.kind === 'ExternalSecret' || o.kind === 'ClusterExternalSecret') {
    const template = templateAt(converted, specPrefix);
    if (template && template.engineVersion === undefined && (template.data !== undefined || template.templateFrom !== undefined)) {
      // ESO's default engine is v2 (Go text/template + sprig); Rotor picks by parsing when unset.
      template.engineVersion = 'v2';
      findings.push(finding('changed', `set ${specPrefix}.target.template.engineVersion: v2 (ESO's default engine; Rotor would otherwise choose by parsing the templates)`, undefined, `${specPrefix}.target.template.engineVersion`));
    }
    const dataFrom = specAt(converted, specPrefix)?.dataFrom;
    (Array.isArray(dataFrom) ? dataFrom : []).forEach((entry: unknown, i) => {
      const ref = isObj(entry) && isObj(entry.sourceRef) && isObj(entry.sourceRef.generatorRef) ? entry.sourceRef.generatorRef : undefined;
      // ESO's default apiVersion when unset; Rotor's generators live in generators.rotor.dev.
      if (!ref || (ref.apiVersion !== undefined && ref.apiVersion !== `${GENERATORS_GROUP}/v1alpha1`)) return;
      ref.apiVersion = ROTOR_GENERATOR_API_VERSION;
      const field = `${specPrefix}.dataFrom[${i}].sourceRef.generatorRef.apiVersion`;
      findings.push(finding('changed', `set ${field}: ${ROTOR_GENERATOR_API_VERSION} (Rotor's generators; convert the ${String(ref.kind)} ${String(ref.name)} too)`, undefined, field));
    });
  }
  if (PUSH_KINDS.has(o.kind)) findings.push(...adaptPushSpec(specAt(converted, specPrefix), specPrefix, finding));
  const checked = checkAgainstSchema(converted, rotor.schema);
  const refusals = checked.problems.filter((p) => p.kind === 'invalid');
  if (refusals.length > 0) {
    return {
      findings: [
        ...findings.filter((f) => f.level !== 'changed'),
        ...refusals.map((p) => finding('not-converted', `Rotor's API server would refuse it: ${p.message}`, adviceFor(p.path, 'invalid'), p.path)),
      ],
    };
  }
  for (const note of migrationNotes(o, jwtAccounts)) findings.push(finding('note', note.message, note.action, note.field));
  for (const p of checked.problems) {
    if (p.kind === 'unknown') findings.push(finding('dropped', `${p.path} is not a Rotor field (the API server would drop it silently)`, adviceFor(p.path, 'unknown'), p.path));
    else findings.push(finding('note', p.message, undefined, p.path));
  }
  return { document: { source: input.source, status: 'converted', object: checked.value as Obj, from: o }, findings };
}

/**
 * ESO's generators (generators.external-secrets.io/v1alpha1): the kinds Rotor serves become
 * generators.rotor.dev/v1alpha1 objects with the same spec, checked against Rotor's generator
 * CRDs; the others (non-AWS generators, a ClusterGenerator of such a kind) are reported.
 */
function convertGenerator(
  input: InputDocument,
  o: Obj,
  version: string,
  kinds: Map<string, RotorKind>,
  finding: (level: FindingLevel, message: string, action?: string, field?: string) => Finding,
): { document?: OutputDocument; findings: Finding[] } {
  const kind = String(o.kind);
  const spec = isObj(o.spec) ? o.spec : {};
  const served = (CONVERTIBLE_GENERATOR_KINDS as readonly string[]).filter((k) => k !== 'ClusterGenerator');
  const innerKind = kind === 'ClusterGenerator' ? String(spec.kind ?? '') : kind;
  if (!(CONVERTIBLE_GENERATOR_KINDS as readonly string[]).includes(kind) || !served.includes(innerKind)) {
    return {
      findings: [
        finding(
          'not-converted',
          `ESO generator ${innerKind || kind} is not served by Rotor (it serves ${served.join(', ')} and ClusterGenerators of those kinds)`,
          'keep ESO for this generator and the ExternalSecrets that use it',
        ),
      ],
    };
  }
  if (version !== 'v1alpha1') {
    return { findings: [finding('not-converted', `${String(o.apiVersion)} is not an ESO generator API version rotor migrate reads (v1alpha1)`, 'read the object back from a cluster running ESO and convert that')] };
  }
  const rotor = kinds.get(kind);
  if (!rotor || rotor.group !== 'generators.rotor.dev') {
    return { findings: [finding('not-converted', `this Rotor release has no ${kind} generator (no CRD for it)`, 'keep ESO for it, or upgrade Rotor')] };
  }
  const converted: Obj = { ...structuredClone(o), apiVersion: `${rotor.group}/${rotor.version}`, metadata: cleanMetadata(o.metadata) };
  delete converted.status;
  const findings: Finding[] = [];
  const innerSpec = kind === 'ClusterGenerator' ? specAt(converted, 'spec.generator') : specAt(converted, 'spec');
  // The auth blocks: spec.auth, or spec.generator.<kind>Spec.auth of a ClusterGenerator.
  const auths: Array<[string, unknown]> =
    kind === 'ClusterGenerator' ? Object.entries(innerSpec ?? {}).map(([k, v]): [string, unknown] => [`spec.generator.${k}.auth`, isObj(v) ? v.auth : undefined]) : [['spec.auth', innerSpec?.auth]];
  for (const [field, auth] of auths) {
    if (isObj(auth) && auth.jwt !== undefined && auth.secretRef !== undefined) {
      // ESO's AWS session builds the jwt credentials, then replaces them with secretRef's.
      delete auth.jwt;
      findings.push(finding('changed', `removed ${field}.jwt: with both set ESO authenticates with ${field}.secretRef, and Rotor accepts only one`, undefined, `${field}.jwt`));
    }
  }
  const checked = checkAgainstSchema(converted, rotor.schema);
  const refusals = checked.problems.filter((p) => p.kind === 'invalid');
  if (refusals.length > 0) {
    return { findings: refusals.map((p) => finding('not-converted', `Rotor's API server would refuse it: ${p.message}`, adviceFor(p.path, 'invalid'), p.path)) };
  }
  for (const p of checked.problems) {
    if (p.kind === 'unknown') findings.push(finding('dropped', `${p.path} is not a Rotor field (the API server would drop it silently)`, adviceFor(p.path, 'unknown'), p.path));
    else findings.push(finding('note', p.message, undefined, p.path));
  }
  return { document: { source: input.source, status: 'converted', object: checked.value as Obj, from: o }, findings };
}

/**
 * What a PushSecret spec needs so that Rotor does what ESO did: the generator (ESO's default
 * apiVersion when unset) is Rotor's, and a template without engineVersion keeps ESO's default v2.
 * Everything else is ESO's field set as Rotor's push CRDs define it; the schema check reports
 * what they refuse, with its message (spec.dataTo converts as is: Rotor pushes it as ESO does).
 */
function adaptPushSpec(spec: Obj | undefined, prefix: string, finding: (level: FindingLevel, message: string, action?: string, field?: string) => Finding): Finding[] {
  const findings: Finding[] = [];
  const selector = isObj(spec?.selector) ? spec.selector : undefined;
  if (selector && isObj(selector.secret) && isObj(selector.generatorRef)) {
    // ESO reads secret.name first, then generatorRef, then secret.selector, ignoring the rest;
    // Rotor's CRD asks for exactly one, so keep the one ESO used.
    const byName = typeof selector.secret.name === 'string' && selector.secret.name !== '';
    const ignored = byName ? 'generatorRef' : 'secret';
    delete selector[ignored];
    findings.push(finding('changed', `removed ${prefix}.selector.${ignored}: ESO ignores it when ${byName ? 'selector.secret.name' : 'selector.generatorRef'} is set, and Rotor accepts only one source`, undefined, `${prefix}.selector.${ignored}`));
  }
  const ref = isObj(selector?.generatorRef) ? selector.generatorRef : undefined;
  if (ref && (ref.apiVersion === undefined || ref.apiVersion === `${GENERATORS_GROUP}/v1alpha1`)) {
    ref.apiVersion = ROTOR_GENERATOR_API_VERSION;
    const field = `${prefix}.selector.generatorRef.apiVersion`;
    findings.push(finding('changed', `set ${field}: ${ROTOR_GENERATOR_API_VERSION} (Rotor's generators; convert the ${String(ref.kind)} ${String(ref.name)} too)`, undefined, field));
  }
  const data = Array.isArray(spec?.data) ? (spec.data as unknown[]) : [];
  data.forEach((entry, i) => {
    const metadata = isObj(entry) ? entry.metadata : undefined;
    // ESO's AWS provider reads metadata only inside its envelope and fails the push otherwise
    // (ESO's own docs have such an example); Rotor does the same: say so before it is applied.
    if (isObj(metadata) && (metadata.apiVersion !== 'kubernetes.external-secrets.io/v1alpha1' || metadata.kind !== 'PushSecretMetadata')) {
      const field = `${prefix}.data[${i}].metadata`;
      findings.push(
        finding(
          'note',
          `${field} is not wrapped in apiVersion: kubernetes.external-secrets.io/v1alpha1, kind: PushSecretMetadata, spec: {...}; ESO refuses it at push time and so does Rotor (InvalidMetadata)`,
          'move its fields under spec: and add that apiVersion and kind',
          field,
        ),
      );
    }
  });
  const template = isObj(spec?.template) ? spec.template : undefined;
  if (template && template.engineVersion === undefined && (template.data !== undefined || template.templateFrom !== undefined)) {
    template.engineVersion = 'v2';
    findings.push(finding('changed', `set ${prefix}.template.engineVersion: v2 (ESO's default engine; Rotor would otherwise choose by parsing the templates)`, undefined, `${prefix}.template.engineVersion`));
  }
  return findings;
}

function specAt(o: Obj, prefix: string): Obj | undefined {
  let node: unknown = o;
  for (const part of prefix.split('.')) node = isObj(node) ? node[part] : undefined;
  return isObj(node) ? node : undefined;
}

function templateAt(o: Obj, prefix: string): Obj | undefined {
  const target = specAt(o, prefix)?.target;
  return isObj(target) && isObj(target.template) ? target.template : undefined;
}

/** Why a store cannot be converted, when its provider is not AWS. */
function nonAwsProvider(store: Obj): string | undefined {
  const spec = isObj(store.spec) ? store.spec : {};
  const provider = isObj(spec.provider) ? spec.provider : {};
  const names = Object.keys(provider);
  if (names.length === 1 && names[0] === 'aws') {
    const service = isObj(provider.aws) ? provider.aws.service : undefined;
    // ESO's third AWS service (PushSecret to ACM): outside Rotor's scope, which the CRD's enum enforces.
    if (service === 'CertificateManager') return 'AWS Certificate Manager (service: CertificateManager) is not served: Rotor reads and writes Secrets Manager and Parameter Store only; keep ESO for ACM certificates, or keep the certificate in Secrets Manager';
    return undefined;
  }
  const others = names.filter((n) => n !== 'aws');
  if (names.length === 0) return 'it has no spec.provider';
  return `provider ${others.join(', ')} is not supported: Rotor reads AWS Secrets Manager and Parameter Store only`;
}

const SERVER_SET_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink'];

/** The user's metadata without what the API server set and without ties to ESO's objects. */
export function cleanMetadata(metadata: unknown): Obj {
  const meta: Obj = isObj(metadata) ? structuredClone(metadata) : {};
  for (const key of SERVER_SET_METADATA) delete meta[key];
  if (isObj(meta.annotations)) {
    delete meta.annotations['kubectl.kubernetes.io/last-applied-configuration'];
    if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
  }
  if (Array.isArray(meta.ownerReferences)) {
    // An ESO ExternalSecret stamped by a ClusterExternalSecret is owned by it; Rotor's is not.
    meta.ownerReferences = meta.ownerReferences.filter((ref) => !(isObj(ref) && typeof ref.apiVersion === 'string' && ref.apiVersion.startsWith(`${ESO_GROUP}/`)));
    if ((meta.ownerReferences as unknown[]).length === 0) delete meta.ownerReferences;
  }
  // Finalizers are the state of the controllers that added them (ESO's cleanup, ...).
  delete meta.finalizers;
  return meta;
}

/**
 * Marks a converted ExternalSecret (or the ExternalSecrets a ClusterExternalSecret stamps) to
 * take over the Secret of ESO's ExternalSecret of the same name: rotor.dev/adopt-eso. False
 * when this Rotor's ClusterExternalSecret has no externalSecretMetadata.annotations to carry it.
 */
export function markForAdoption(object: Obj, kinds: Map<string, RotorKind>): boolean {
  const meta = (isObj(object.metadata) ? object.metadata : (object.metadata = {})) as Obj;
  const name = String(meta.name ?? '');
  if (object.kind === 'ExternalSecret') {
    meta.annotations = { ...(isObj(meta.annotations) ? meta.annotations : {}), [ANNOTATION_ADOPT_ESO]: name };
    return true;
  }
  if (object.kind !== 'ClusterExternalSecret') return true;
  if (kinds.get('ClusterExternalSecret')?.schema.properties?.spec?.properties?.externalSecretMetadata?.properties?.annotations === undefined) return false;
  const spec = (isObj(object.spec) ? object.spec : (object.spec = {})) as Obj;
  const stampedName = typeof spec.externalSecretName === 'string' && spec.externalSecretName ? spec.externalSecretName : name;
  const metadata = isObj(spec.externalSecretMetadata) ? spec.externalSecretMetadata : {};
  const annotations = isObj(metadata.annotations) ? metadata.annotations : {};
  spec.externalSecretMetadata = { ...metadata, annotations: { ...annotations, [ANNOTATION_ADOPT_ESO]: stampedName } };
  return true;
}

/** What to do about a field, by its path with list indexes removed. */
const ADVICE: Array<[RegExp, string]> = [
  [/^spec\.controller$/, 'Rotor is one controller of class default: remove spec.controller or set it to default; a store for another ESO controller class stays with that ESO installation'],
  [/\.secretStoreRef$/, 'set spec.secretStoreRef, or give every data[] entry a sourceRef.storeRef and every dataFrom[] entry a sourceRef'],
];

function adviceFor(path: string, kind: 'unknown' | 'invalid'): string | undefined {
  const normalized = path.replace(/\[\d+\]/g, '');
  const hit = ADVICE.find(([pattern]) => pattern.test(normalized));
  if (hit) return hit[1];
  return kind === 'unknown' ? "see the README's field tables for an equivalent; without one, remove it" : undefined;
}
