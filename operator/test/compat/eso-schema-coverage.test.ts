// "Change the apiVersion" (DESIGN.md §9, issue #17) as a test: walks ESO 2.9's own CRD schemas
// (operator/test/fixtures/eso-2.9-crds, pruned to the AWS provider by its prune.mjs) for
// ExternalSecret, ClusterExternalSecret, SecretStore and ClusterSecretStore, and compares every
// field path with Rotor's CRDs in crds/. Each ESO path must exist in Rotor's schema with every
// enum member ESO allows, and every constraint Rotor adds on an ESO path (a CEL rule, a pattern,
// a required field, a minimum, a type) must be listed below with why. A new ESO release, or a
// Rotor CRD edit, that leaves an ESO field out or refuses what ESO accepts fails here until
// someone implements it or writes down why not. Entries that no longer match anything fail
// too, so the lists shrink as gaps close.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const esoDir = join(repoRoot, 'operator/test/fixtures/eso-2.9-crds');

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maxLength?: number;
  maxItems?: number;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-validations'?: Array<{ rule: string; message?: string }>;
}

interface Crd {
  spec: { names: { kind: string }; versions: Array<{ name: string; served: boolean; schema: { openAPIV3Schema: Schema } }> };
}

function served(file: string): Schema {
  const crd = parse(readFileSync(file, 'utf8')) as Crd;
  const version = crd.spec.versions.find((v) => v.served);
  if (!version) throw new Error(`${file}: no served version`);
  return version.schema.openAPIV3Schema;
}

/** Every schema node by path: `.spec.data[].remoteRef.key`, `{}` for map values. */
function paths(schema: Schema): Map<string, Schema> {
  const out = new Map<string, Schema>();
  const walk = (s: Schema, path: string) => {
    out.set(path || '.', s);
    for (const [name, child] of Object.entries(s.properties ?? {})) {
      // Other providers are out of scope (the fixture is pruned; a Rotor-only provider would be too).
      if (path === '.spec.provider' && name !== 'aws') continue;
      walk(child, `${path}.${name}`);
    }
    if (s.items) walk(s.items, `${path}[]`);
    if (typeof s.additionalProperties === 'object') walk(s.additionalProperties, `${path}{}`);
  };
  walk(schema, '');
  return out;
}

const KINDS = [
  { kind: 'ExternalSecret', plural: 'externalsecrets' },
  { kind: 'ClusterExternalSecret', plural: 'clusterexternalsecrets' },
  { kind: 'SecretStore', plural: 'secretstores' },
  { kind: 'ClusterSecretStore', plural: 'clustersecretstores' },
] as const;

/**
 * One spelling for the spec an ExternalSecret and a ClusterExternalSecret share, so each entry
 * below is written once: `.spec.externalSecretSpec.X` of a ClusterExternalSecret is `es:.spec.X`.
 */
function normalize(kind: string, path: string): string {
  if (kind === 'ClusterExternalSecret' && path.startsWith('.spec.externalSecretSpec')) return `es:.spec${path.slice('.spec.externalSecretSpec'.length)}`;
  if (kind === 'ExternalSecret' && path.startsWith('.spec')) return `es:${path}`;
  if (kind === 'SecretStore' || kind === 'ClusterSecretStore') return `store:${path}`;
  return `${kind}:${path}`;
}

// ------------------------------------------------------------------ the lists, each with why

/** ESO paths Rotor does not have (a prefix covers everything under it). */
const MISSING: Record<string, string> = {
  'es:.spec.data[].sourceRef.generatorRef': 'generators: being added by the generators helper (issue #17 item 9)',
};

/** ESO enum members Rotor's schema does not list, as `path=value`. */
const ENUM_GAPS: Record<string, string> = {};

/**
 * CEL rules Rotor puts on an ESO path, as `path: rule`. Each either mirrors a check ESO makes
 * elsewhere (its admission webhook or its controller, which fail the same object later) or
 * refuses, with the alternative in its message, something Rotor cannot honour.
 */
const RULES: Record<string, string> = {
  'es:.spec: (has(self.data) && size(self.data) > 0) || (has(self.dataFrom) && size(self.dataFrom) > 0) || (has(self.target) && has(self.target.template) && ((has(self.target.template.data) && size(self.target.template.data) > 0) || (has(self.target.template.templateFrom) && size(self.target.template.templateFrom) > 0)))':
    "ESO's webhook refuses an ExternalSecret with neither data nor dataFrom; Rotor also admits a template-only one, so it refuses less than ESO",
  'es:.spec.data[].remoteRef: [has(self.property), has(self.jmesPath), has(self.jsonPath)].filter(x, x).size() <= 1': 'jmesPath/jsonPath are Rotor additions; the rule only concerns them',
  'es:.spec.dataFrom[]: has(self.sourceRef) && has(self.sourceRef.generatorRef) ? !has(self.extract) && !has(self.find) : has(self.extract) != has(self.find)':
    "ESO's webhook: a generator entry has neither extract nor find; any other entry exactly one of them (a storeRef entry reads through its store)",
  'es:.spec: has(self.secretStoreRef) || ((!has(self.data) || self.data.all(d, has(d.sourceRef) && has(d.sourceRef.storeRef))) && (!has(self.dataFrom) || self.dataFrom.all(d, has(d.sourceRef))))':
    'ESO admits an entry with no store at all and fails it at sync; Rotor refuses it at admission, naming the field',
  'es:.spec.data[].sourceRef: !has(self.generatorRef)': 'data[].sourceRef.generatorRef is deprecated by ESO and never implemented there (it fails at sync); refused, naming dataFrom[].sourceRef.generatorRef',
  'es:.spec.data[].sourceRef: has(self.storeRef)': 'as above: a data[] sourceRef can only name a store',
  'es:.spec.dataFrom[].sourceRef: has(self.storeRef) != has(self.generatorRef)': "ESO's webhook: a sourceRef names a store or a generator, not both",
  "es:.spec.dataFrom[].sourceRef.generatorRef: self.apiVersion in ['generators.rotor.dev/v1alpha1', 'generators.external-secrets.io/v1alpha1']":
    "Rotor's generators (and ESO's apiVersion, read as Rotor's); others are not AWS generators Rotor serves",
  "es:.spec.dataFrom[].sourceRef.generatorRef: self.kind in ['ECRAuthorizationToken', 'STSSessionToken', 'Password', 'ClusterGenerator']": 'the AWS generators and Password; other ESO generators reach non-AWS systems (out of scope)',
  'es:.spec.dataFrom[].extract: !(has(self.property) && has(self.jmesPath))': 'jmesPath is a Rotor addition',
  'es:.spec.dataFrom[].find: has(self.path) || has(self.name) || has(self.tags)': "ESO's AWS provider fails a find without name or tags at runtime (Secrets Manager: unexpected find operator); refused up front with the fix",
  'es:.spec.dataFrom[].rewrite[]: [has(self.merge), has(self.regexp), has(self.transform)].filter(x, x).size() == 1': "ESO applies only the first of merge/regexp/transform set in one entry (a switch) and nothing for an empty one; refused so the ignored part is not believed in",
  "es:.spec.target: !has(self.deletionPolicy) || self.deletionPolicy != 'Delete' || (has(self.creationPolicy) ? self.creationPolicy : 'Owner') in ['Owner', 'Orphan']":
    "ESO's webhook: deletionPolicy Delete is refused with Merge, None and CreateOrMerge (with Orphan it is admitted and the deletion fails at sync, as in Rotor)",
  "es:.spec.target: !has(self.deletionPolicy) || self.deletionPolicy != 'Merge' || (has(self.creationPolicy) ? self.creationPolicy : 'Owner') in ['Merge', 'CreateOrMerge']": "ESO's webhook refuses Merge only with None; with Owner/Orphan ESO rewrites the Secret without data when the remote secrets are gone. Rotor refuses those up front (use Retain or Delete): remaining difference, README",
  "es:.spec.syncWindows.windows[]: self.schedule.matches('^(@(annually|yearly|monthly|weekly|daily|midnight|hourly)|@every [^\\\\s]+.*|[^\\\\s]+( [^\\\\s]+){4})$')": "ESO's own pattern for schedule, as a rule with a message",
  "es:.spec.syncWindows.windows[]: self.duration.matches('^(0|(([0-9]+(\\\\.[0-9]+)?|\\\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$')": "a Go duration, checked at admission instead of failing ESO's decoder later (no sign: a negative window never opens)",
  "es:.spec.target.template: !has(self.engineVersion) || self.engineVersion != 'v1'": 'engine v1 is deprecated in ESO and has other function semantics; refused with v2 named as the fix',
  'es:.spec.target.template.templateFrom[]: has(self.configMap) || has(self.secret) || has(self.literal)': 'an empty templateFrom entry does nothing in ESO; refused so a typo in its keys is seen',
  "ClusterExternalSecret:.spec.namespaceSelector.matchExpressions[]: (self.operator in ['In', 'NotIn']) == (has(self.values) && size(self.values) > 0)": 'the label-selector rule the API server applies to every LabelSelector (ESO fails it at runtime)',
  "ClusterExternalSecret:.spec.namespaceSelectors[].matchExpressions[]: (self.operator in ['In', 'NotIn']) == (has(self.values) && size(self.values) > 0)": 'as above',
  'store:.spec: !has(self.conditions)': 'ESO ignores conditions on a namespaced SecretStore (only a ClusterSecretStore is shared); Rotor refuses instead of silently ignoring (§9), and the message says to remove them',
  "store:.spec: !has(self.controller) || self.controller in ['', 'default']":
    "Rotor is one controller of ESO's default class; a store for another class belongs to another ESO installation, so it is refused with that said rather than silently left unreconciled",
  'store:.spec.conditions[]: has(self.namespaceSelector) || has(self.namespaces) || has(self.namespaceRegexes)': 'an empty condition matches no namespace in ESO either; refused so the store is not unusable by accident',
  "store:.spec.provider.aws: self.service != 'CertificateManager'":
    "ESO 2.9's ACM provider (certificate export) needs an ACM client Rotor does not ship; refused with the alternative named (keep ESO for it, or keep the certificate in Secrets Manager)",
  'store:.spec.provider.aws: !has(self.externalID) || has(self.role)': 'ESO drops externalID without a role silently; refused so the user sees it does nothing',
  'store:.spec.provider.aws: !has(self.sessionTags) || has(self.role)': 'ESO drops sessionTags without a role silently; refused so the user sees they do nothing',
  "store:.spec.provider.aws: !has(self.transitiveTagKeys) || has(self.sessionTags) || (has(self.sessionTagsPolicy) && self.sessionTagsPolicy != 'None')": 'transitive keys without session tags do nothing in ESO either',
  "store:.spec.provider.aws: !has(self.customSessionTags) || !('esoNamespace' in self.customSessionTags || 'esoStoreName' in self.customSessionTags || 'esoStoreKind' in self.customSessionTags)": 'customSessionTags is a Rotor addition',
  'store:.spec.provider.aws: !has(self.failoverEndpoint) || has(self.failoverRegion)': 'failover is a Rotor addition',
  'store:.spec.provider.aws: !has(self.failoverRegion) || self.failoverRegion != self.region': 'failover is a Rotor addition',
  "store:.spec: !has(self.refreshInterval) || (type(self.refreshInterval) == int ? int(self.refreshInterval) >= 0 : string(self.refreshInterval).matches('^(0|(([0-9]+(\\\\.[0-9]+)?|\\\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$'))":
    "what ESO's GetRefreshInterval refuses (a negative value, a string that is not a duration), at admission instead of at every use",
  'store:.spec.provider.aws.auth: !(has(self.jwt) && has(self.secretRef))': 'ESO uses one and ignores the other; refused so the ignored one is not believed in',
};

/** Patterns Rotor puts on an ESO path that ESO does not have (or has differently). */
const PATTERNS: Record<string, string> = {
  'es:.spec.refreshInterval': 'a Go duration, checked at admission instead of failing ESO\'s decoder later',
  'ClusterExternalSecret:.spec.refreshTime': 'as above',
  'store:.spec.retrySettings.retryInterval': 'as above',
  'store:.spec.provider.aws.region': 'an AWS region name; anything else fails at the first call',
  'store:.spec.provider.aws.role': 'an IAM role ARN, which is what STS AssumeRole takes',
  'store:.spec.provider.aws.additionalRoles[]': 'as above',
  'store:.spec.provider.aws.externalID': "STS's own character set for ExternalId",
};

/** Fields Rotor requires where ESO does not, as `path.field`. */
const REQUIRED: Record<string, string> = {
  'ExternalSecret:..spec': 'an ExternalSecret without a spec reads nothing; ESO fails it at runtime',
  'ClusterExternalSecret:..spec': 'as above',
  'store:..spec': 'a store without a spec has no provider; ESO fails it at runtime',
  'es:.spec.data[].sourceRef.storeRef.name': 'a store reference without a name reads nothing; ESO fails it at sync',
  'es:.spec.dataFrom[].sourceRef.storeRef.name': 'as above',
  'es:.spec.dataFrom[].sourceRef.generatorRef.apiVersion': 'which generator group: ESO defaults it; Rotor needs it to tell its own group from ESO\'s',
  'es:.spec.secretStoreRef.name': 'a store reference without a name resolves to nothing',
  'es:.spec.dataFrom[].find.name.regexp': 'find.name without its regexp matches nothing in ESO',
  'store:.spec.provider.aws': 'Rotor serves only the AWS provider',
  'store:.spec.provider.aws.auth.jwt.serviceAccountRef': 'ESO dereferences it unconditionally: jwt without it fails there',
  'store:.spec.provider.aws.auth.secretRef.accessKeyIDSecretRef': 'ESO cannot build credentials without it',
  'store:.spec.provider.aws.auth.secretRef.secretAccessKeySecretRef': 'as above',
  'store:.spec.provider.aws.auth.secretRef.accessKeyIDSecretRef.name': 'a key reference without a Secret name or key reads nothing',
  'store:.spec.provider.aws.auth.secretRef.accessKeyIDSecretRef.key': 'as above',
  'store:.spec.provider.aws.auth.secretRef.secretAccessKeySecretRef.name': 'as above',
  'store:.spec.provider.aws.auth.secretRef.secretAccessKeySecretRef.key': 'as above',
  'store:.spec.provider.aws.auth.secretRef.sessionTokenSecretRef.name': 'as above',
  'store:.spec.provider.aws.auth.secretRef.sessionTokenSecretRef.key': 'as above',
  'ExternalSecret:.status.conditions[].lastTransitionTime': 'status, written by Rotor only',
  'ExternalSecret:.status.conditions[].reason': 'as above',
  'ExternalSecret:.status.conditions[].message': 'as above',
  'ClusterExternalSecret:.status.conditions[].lastTransitionTime': 'as above',
  'ClusterExternalSecret:.status.conditions[].reason': 'as above',
  'ClusterExternalSecret:.status.conditions[].message': 'as above',
  'store:.status.conditions[].lastTransitionTime': 'as above',
  'store:.status.conditions[].reason': 'as above',
  'store:.status.conditions[].message': 'as above',
};

/** Other differences of type or range on an ESO path. */
const OTHER: Record<string, string> = {
  'store:.spec.retrySettings.maxRetries minimum 0': 'a negative retry count means nothing',
};

/**
 * Length and count caps (maxLength, maxItems) and minLength 1 Rotor sets where ESO sets none are
 * one deliberate class, not listed path by path: the API server needs them to bound CEL cost,
 * each is at or above what AWS itself allows for that value, and an empty string is a value ESO
 * accepts only to fail on it at runtime. The test still fails if Rotor caps below ESO's own cap.
 */

// ------------------------------------------------------------------ the walk

interface Finding {
  list: 'MISSING' | 'ENUM_GAPS' | 'RULES' | 'PATTERNS' | 'REQUIRED' | 'OTHER';
  key: string;
  where: string;
}

function findings(): Finding[] {
  const out: Finding[] = [];
  for (const { kind, plural } of KINDS) {
    const eso = paths(served(join(esoDir, `external-secrets.io_${plural}.yaml`)));
    const rotor = paths(served(join(repoRoot, 'crds', `rotor.dev_${plural}.yaml`)));
    for (const [path, e] of eso) {
      const key = normalize(kind, path);
      const where = `${kind} ${path}`;
      const r = rotor.get(path);
      if (!r) {
        out.push({ list: 'MISSING', key, where });
        continue;
      }
      if (e.enum && r.enum) for (const v of e.enum) if (!r.enum.includes(v)) out.push({ list: 'ENUM_GAPS', key: `${key}=${String(v)}`, where });
      for (const v of r['x-kubernetes-validations'] ?? []) out.push({ list: 'RULES', key: `${key}: ${v.rule}`, where });
      if (r.pattern !== undefined && r.pattern !== e.pattern) out.push({ list: 'PATTERNS', key, where });
      for (const f of r.required ?? []) if (!(e.required ?? []).includes(f)) out.push({ list: 'REQUIRED', key: `${key}.${f}`, where });
      const esoInt = e['x-kubernetes-int-or-string'] === true;
      const rotorInt = r['x-kubernetes-int-or-string'] === true;
      if (esoInt !== rotorInt || (!esoInt && (e.type ?? 'any') !== (r.type ?? 'any'))) out.push({ list: 'OTHER', key: `${key} type ${esoInt ? 'int-or-string' : e.type} vs ${rotorInt ? 'int-or-string' : r.type}`, where });
      if (r.minimum !== undefined && r.minimum !== e.minimum) out.push({ list: 'OTHER', key: `${key} minimum ${r.minimum}`, where });
      if (e.maxLength !== undefined && (r.maxLength ?? Infinity) < e.maxLength) out.push({ list: 'OTHER', key: `${key} maxLength ${r.maxLength}`, where });
      if (e.maxItems !== undefined && (r.maxItems ?? Infinity) < e.maxItems) out.push({ list: 'OTHER', key: `${key} maxItems ${r.maxItems}`, where });
    }
  }
  return out;
}

const LISTS = { MISSING, ENUM_GAPS, RULES, PATTERNS, REQUIRED, OTHER };

function listed(f: Finding): boolean {
  const list: Record<string, string> = LISTS[f.list];
  if (f.list === 'MISSING') return Object.keys(list).some((p) => f.key === p || f.key.startsWith(`${p}.`) || f.key.startsWith(`${p}[`) || f.key.startsWith(`${p}{`));
  return f.key in list;
}

describe("ESO 2.9's AWS-relevant schema against Rotor's CRDs", () => {
  const all = findings();

  it('reads the ESO 2.9 fixture', () => {
    const header = readFileSync(join(esoDir, 'external-secrets.io_externalsecrets.yaml'), 'utf8').split('\n')[0];
    expect(header).toMatch(/^# ESO v2\.9\./);
    // Enough of ESO's tree to mean something: the walk reaches the AWS provider and the template.
    const store = paths(served(join(esoDir, 'external-secrets.io_secretstores.yaml')));
    expect(store.has('.spec.provider.aws.auth.jwt.serviceAccountRef.name')).toBe(true);
    expect(paths(served(join(esoDir, 'external-secrets.io_externalsecrets.yaml'))).has('.spec.target.template.templateFrom[].literal')).toBe(true);
  });

  it('every ESO field exists in Rotor or is listed with why', () => {
    const unlisted = all.filter((f) => f.list === 'MISSING' && !listed(f)).map((f) => f.where);
    expect(unlisted, 'ESO fields Rotor neither has nor lists in MISSING').toEqual([]);
  });

  it('every enum value ESO accepts is accepted by Rotor or listed with why', () => {
    const unlisted = all.filter((f) => f.list === 'ENUM_GAPS' && !listed(f)).map((f) => f.key);
    expect(unlisted, 'enum values ESO accepts that Rotor refuses, not in ENUM_GAPS').toEqual([]);
  });

  it('every constraint Rotor adds on an ESO field is listed with why', () => {
    const unlisted = all.filter((f) => f.list !== 'MISSING' && f.list !== 'ENUM_GAPS' && !listed(f)).map((f) => `${f.list}: ${f.key}`);
    expect([...new Set(unlisted)], 'constraints on ESO fields not explained in the lists above').toEqual([]);
  });

  it('no list entry is stale (each still matches a difference)', () => {
    const stale: string[] = [];
    for (const [name, list] of Object.entries(LISTS)) {
      for (const key of Object.keys(list)) {
        const used = all.some((f) => f.list === name && (f.key === key || (name === 'MISSING' && (f.key.startsWith(`${key}.`) || f.key.startsWith(`${key}[`) || f.key.startsWith(`${key}{`)))));
        if (!used) stale.push(`${name}: ${key}`);
      }
    }
    expect(stale, 'entries that no longer match a difference: remove them').toEqual([]);
  });
});
