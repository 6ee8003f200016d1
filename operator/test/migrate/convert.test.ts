import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { convertDocuments, hasLosses, type Finding } from '../../src/migrate/convert.js';
import { loadRotorKinds, type RotorKind } from '../../src/migrate/crd-schemas.js';
import { parseDocuments } from '../../src/migrate/inputs.js';

const kinds = loadRotorKinds(resolve(import.meta.dirname, '../../../crds'));
const convert = (yaml: string, k: Map<string, RotorKind> = kinds) => convertDocuments(parseDocuments(yaml, 'in.yaml'), k);
const only = (findings: Finding[], level: Finding['level']) => findings.filter((f) => f.level === level);

const store = (apiVersion = 'external-secrets.io/v1', extra = '') => `
apiVersion: ${apiVersion}
kind: SecretStore
metadata: {name: aws, namespace: team-a}
spec:
  provider:
    aws: {service: SecretsManager, region: eu-west-1${extra}}
`;

describe('convertDocuments', () => {
  it('swaps the apiVersion of ESO v1 and v1beta1 objects and keeps every field Rotor has', () => {
    const yaml = `${store('external-secrets.io/v1beta1')}---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: db, namespace: team-a, labels: {app: x}}
spec:
  refreshInterval: 15m
  secretStoreRef: {name: aws, kind: SecretStore}
  target: {name: db-secret, creationPolicy: Owner, deletionPolicy: Retain}
  data:
    - secretKey: password
      remoteRef: {key: prod/db, property: password, version: uuid/0f3c, conversionStrategy: Default, decodingStrategy: None, metadataPolicy: None}
  dataFrom:
    - extract: {key: prod/app}
      rewrite: [{regexp: {source: "^", target: "app_"}}]
`;
    const { documents, findings } = convert(yaml);
    expect(findings).toEqual([]);
    expect(documents.map((d) => d.status)).toEqual(['converted', 'converted']);
    const [s, es] = documents.map((d) => d.object as Record<string, any>);
    expect(s!.apiVersion).toBe('rotor.dev/v1alpha1');
    expect(s!.spec).toEqual({ provider: { aws: { service: 'SecretsManager', region: 'eu-west-1' } } });
    expect(es!.apiVersion).toBe('rotor.dev/v1alpha1');
    expect(es!.metadata).toEqual({ name: 'db', namespace: 'team-a', labels: { app: 'x' } });
    expect(es!.spec).toEqual(parse(yaml.split('---')[1]!).spec);
  });

  it('converts the whole ESO compatibility corpus without losses', () => {
    const dir = resolve(import.meta.dirname, '../../../e2e/compat/eso-aws');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.endsWith('.expect.yaml'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const { documents, findings } = convertDocuments(parseDocuments(readFileSync(resolve(dir, file), 'utf8'), file), kinds);
      expect(hasLosses(findings), `${file}: ${JSON.stringify(findings)}`).toBe(false);
      expect(documents.some((d) => d.status === 'converted'), file).toBe(true);
      // Plain ConfigMaps and Secrets (templateFrom sources, referent credentials) pass through.
      expect(documents.every((d) => d.status === 'converted' || ['ConfigMap', 'Secret'].includes((d.object as { kind?: string }).kind ?? '')), file).toBe(true);
    }
  });

  it('converts ESO 2.9 rewrite merge and nullBytePolicy unchanged (no longer refused or dropped)', () => {
    const { documents, findings } = convert(`${store()}---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: merged, namespace: team-a}
spec:
  secretStoreRef: {name: aws}
  data: [{secretKey: a, remoteRef: {key: k, nullBytePolicy: Fail}}]
  dataFrom:
    - extract: {key: x, nullBytePolicy: Ignore}
    - find: {path: db/, nullBytePolicy: Fail}
      rewrite:
        - regexp: {source: "^db/", target: ""}
        - merge: {into: all, priority: [b], priorityPolicy: IgnoreNotFound, conflictPolicy: Ignore, strategy: JSON}
`);
    expect(findings).toEqual([]);
    expect((documents[1]!.object as Record<string, any>).spec.data[0].remoteRef.nullBytePolicy).toBe('Fail');
    expect((documents[1]!.object as Record<string, any>).spec.dataFrom[1].find.nullBytePolicy).toBe('Fail');
    expect((documents[1]!.object as Record<string, any>).spec.dataFrom[1].rewrite[1].merge).toEqual({ into: 'all', priority: ['b'], priorityPolicy: 'IgnoreNotFound', conflictPolicy: 'Ignore', strategy: 'JSON' });
  });

  it('converts the ESO 2.9 fields found by test/compat/eso-schema-coverage without losses', () => {
    const es = `
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: windows, namespace: team-a}
spec:
  secretStoreRef: {name: aws}
  syncWindows:
    kind: deny
    windows: [{schedule: "0 8 * * 1-5", duration: 10h}, {schedule: "@every 6h", duration: 30m}]
  target:
    template:
      engineVersion: v2
      templateFrom: [{literal: "ks: '{{ .a }}'", valuesDecodingStrategy: Base64}]
  data: [{secretKey: a, remoteRef: {key: k}}]
`;
    const css = `
apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata: {name: shared}
spec:
  controller: default
  refreshInterval: 5m
  provider:
    aws: {service: ParameterStore, region: eu-west-1}
`;
    const { documents, findings } = convert(`${store()}---${es}---${css}`);
    expect(findings).toEqual([]);
    expect((documents[1]!.object as Record<string, any>).spec).toEqual(parse(es).spec);
    expect((documents[2]!.object as Record<string, any>).spec).toEqual(parse(css).spec);
    // Integer seconds still work; another controller class and ACM are refused with the fix named.
    const refused = convert(`${store().replace('SecretsManager', 'CertificateManager')}---${css.replace('controller: default', 'controller: team-b').replace('5m', '300')}`);
    expect(only(refused.findings, 'not-converted').map((f) => [f.object, f.message])).toEqual([
      ['SecretStore team-a/aws', expect.stringContaining('keep ESO for ACM certificates')],
      ['ClusterSecretStore shared', expect.stringContaining('Rotor runs one controller class, default')],
    ]);
  });

  it('converts target.manifest (non-Secret targets): a ConfigMap as is, another kind with a note naming the chart value', () => {
    const { documents, findings } = convert(`
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: cm}
spec:
  secretStoreRef: {name: aws}
  target: {name: cm, manifest: {apiVersion: v1, kind: ConfigMap}}
  data: [{secretKey: a, remoteRef: {key: k}}]
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: app}
spec:
  secretStoreRef: {name: aws}
  target: {name: app, manifest: {apiVersion: argoproj.io/v1alpha1, kind: Application}}
  data: [{secretKey: a, remoteRef: {key: k}}]
`);
    expect(documents).toHaveLength(2);
    expect((documents[0]!.object as Record<string, any>).spec.target.manifest).toEqual({ apiVersion: 'v1', kind: 'ConfigMap' });
    expect(only(findings, 'not-converted')).toEqual([]);
    const notes = only(findings, 'note');
    expect(notes.map((f) => f.field)).toEqual(['spec.target.manifest']);
    expect(notes[0]!.action).toContain('targets.allowedKinds');
    expect(notes[0]!.message).toContain('Application.argoproj.io');
  });

  it('drops what the server would prune, and says so with what to do', () => {
    const { documents, findings } = convert(`
apiVersion: external-secrets.io/v1
kind: SecretStore
metadata: {name: aws}
spec:
  refreshIntervall: 1h
  provider:
    aws: {service: SecretsManager, region: eu-west-1, sessionTagsPolicy: Simple}
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: db}
spec:
  secretStoreRef: {name: aws}
  target:
    template:
      engineVersion: v2
      metadata: {finalizers: [x/y]}
  data: [{secretKey: a, remoteRef: {key: k}}]
`);
    expect(documents.map((d) => d.status)).toEqual(['converted', 'converted']);
    const dropped = only(findings, 'dropped');
    // template.metadata.finalizers carries over (ESO's field, issue #17 item 7), and so does
    // sessionTagsPolicy (ESO 2.9's automatic session tags, item 10). Every ESO 2.9 field exists
    // in Rotor's CRDs (test/compat/eso-schema-coverage), so only a field ESO lacks too is dropped.
    expect(dropped.map((f) => f.field)).toEqual(['spec.refreshIntervall']);
    expect(dropped[0]!.action).toMatch(/README's field tables/);
    const [s, es] = documents.map((d) => d.object as Record<string, any>);
    expect(s!.spec.refreshIntervall).toBeUndefined();
    expect(s!.spec.provider.aws).toEqual({ service: 'SecretsManager', region: 'eu-west-1', sessionTagsPolicy: 'Simple' });
    expect(es!.spec.target.template.metadata).toEqual({ finalizers: ['x/y'] });
    expect(hasLosses(findings)).toBe(true);
  });

  it('leaves out what Rotor refuses at admission, quoting the CRD message', () => {
    const { documents, findings } = convert(`
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: gen}
spec:
  secretStoreRef: {name: aws}
  data:
    - secretKey: pw
      remoteRef: {key: x}
      sourceRef: {generatorRef: {apiVersion: generators.external-secrets.io/v1alpha1, kind: Password, name: pw}}
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: old-engine}
spec:
  secretStoreRef: {name: aws}
  target: {template: {engineVersion: v1, data: {a: "{{ .x }}"}}}
  data: [{secretKey: x, remoteRef: {key: k}}]
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: bad-policy}
spec:
  secretStoreRef: {name: aws}
  target: {creationPolicy: Merge, deletionPolicy: Delete}
  data: [{secretKey: x, remoteRef: {key: k}}]
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: no-store}
spec:
  data: [{secretKey: x, remoteRef: {key: k}}]
`);
    expect(documents).toEqual([]);
    const refused = only(findings, 'not-converted');
    expect([...new Set(refused.map((f) => f.object))]).toEqual(['ExternalSecret gen', 'ExternalSecret old-engine', 'ExternalSecret bad-policy', 'ExternalSecret no-store']);
    // ESO never implemented data[].sourceRef.generatorRef (deprecated): still refused, with the alternative.
    expect(refused[0]!.message).toMatch(/spec\.data\[\]\.sourceRef\.generatorRef is not supported .* use spec\.dataFrom\[\]\.sourceRef\.generatorRef/);
    const of = (name: string) => refused.find((f) => f.object === `ExternalSecret ${name}`)!;
    expect(of('old-engine').message).toMatch(/engineVersion v1 .* use v2/);
    expect(of('bad-policy').message).toMatch(/deletionPolicy Delete requires spec\.target\.creationPolicy Owner/);
    expect(of('no-store').message).toMatch(/spec\.secretStoreRef is required unless every spec\.data\[\] entry has sourceRef\.storeRef/);
  });

  it('applies CRD defaults before the CEL rules, as the API server does', () => {
    const { documents, findings } = convert(`
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: del}
spec:
  secretStoreRef: {name: aws}
  target: {deletionPolicy: Delete}
  data: [{secretKey: x, remoteRef: {key: k}}]
`);
    expect(findings).toEqual([]);
    expect(documents).toHaveLength(1);
  });

  it('refuses enum, pattern and type violations naming the field', () => {
    const { findings } = convert(`
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: bad}
spec:
  refreshInterval: 1 hour
  secretStoreRef: {name: aws, kind: Vault}
  target: {immutable: "yes"}
  data: [{secretKey: "a b", remoteRef: {key: k}}]
`);
    const messages = only(findings, 'not-converted').map((f) => f.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/spec\.refreshInterval: does not match/),
        expect.stringMatching(/spec\.secretStoreRef\.kind: must be one of "SecretStore", "ClusterSecretStore"/),
        expect.stringMatching(/spec\.target\.immutable: must be true or false/),
        expect.stringMatching(/spec\.data\[0\]\.secretKey: does not match/),
      ]),
    );
  });

  it('sets engineVersion v2 on templates without one (ESO\'s engine) and reports the change', () => {
    const { documents, findings } = convert(`
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: t}
spec:
  secretStoreRef: {name: aws}
  target: {template: {data: {url: "{{ .user }}@db"}}}
  data: [{secretKey: user, remoteRef: {key: k}}]
`);
    expect((documents[0]!.object as any).spec.target.template.engineVersion).toBe('v2');
    expect(only(findings, 'changed')).toHaveLength(1);
    expect(hasLosses(findings)).toBe(false);
  });

  it('does not convert non-AWS stores, nor the ExternalSecrets that read through them', () => {
    const { documents, findings } = convert(`
apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata: {name: vault}
spec:
  provider: {vault: {server: "https://vault"}}
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: from-vault, namespace: a}
spec:
  secretStoreRef: {name: vault, kind: ClusterSecretStore}
  data: [{secretKey: x, remoteRef: {key: k}}]
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: same-name-other-kind, namespace: a}
spec:
  secretStoreRef: {name: vault, kind: SecretStore}
  data: [{secretKey: x, remoteRef: {key: k}}]
`);
    expect(only(findings, 'not-converted').map((f) => [f.object, f.message])).toEqual([
      ['ClusterSecretStore vault', expect.stringMatching(/provider vault is not supported/)],
      ['ExternalSecret a/from-vault', expect.stringMatching(/reads through ClusterSecretStore vault, which is not converted/)],
    ]);
    expect(documents.map((d) => (d.object as any).metadata.name)).toEqual(['same-name-other-kind']);
  });

  it('reports generators and ESO kinds Rotor lacks, and passes other objects through', () => {
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2, unknownField: true } };
    const { documents, findings } = convert(`
apiVersion: external-secrets.io/v1
kind: PushSecret
metadata: {name: push}
---
apiVersion: generators.external-secrets.io/v1alpha1
kind: VaultDynamicSecret
metadata: {name: vault}
---
apiVersion: generators.external-secrets.io/v1alpha1
kind: ClusterGenerator
metadata: {name: gh}
spec: {kind: GithubAccessToken, generator: {githubAccessTokenSpec: {}}}
---
apiVersion: external-secrets.io/v1alpha1
kind: ExternalSecret
metadata: {name: ancient}
---
${JSON.stringify(deployment)}
`);
    expect(only(findings, 'not-converted').map((f) => [f.object, f.message])).toEqual([
      ['PushSecret push', expect.stringMatching(/external-secrets.io\/v1 is not an ESO API version rotor migrate reads for PushSecret \(v1alpha1\)/)],
      ['VaultDynamicSecret vault', expect.stringMatching(/ESO generator VaultDynamicSecret is not served by Rotor/)],
      ['ClusterGenerator gh', expect.stringMatching(/ESO generator GithubAccessToken is not served by Rotor/)],
      ['ExternalSecret ancient', expect.stringMatching(/v1alpha1 is not an ESO API version/)],
    ]);
    expect(documents).toEqual([{ source: 'in.yaml#5', status: 'passed-through', object: deployment }]);
  });

  it('notes that a store with auth.jwt needs per-store IRSA in the chart, with the exact flags for every such store', () => {
    const yaml = `${store('external-secrets.io/v1', ', auth: {jwt: {serviceAccountRef: {name: reader}}}')}---
apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata: {name: shared}
spec:
  provider:
    aws: {service: SecretsManager, region: eu-west-1, auth: {jwt: {serviceAccountRef: {name: team-reader}}}}
`;
    const { documents, findings } = convert(yaml);
    expect(documents.map((d) => d.status)).toEqual(['converted', 'converted']);
    const notes = only(findings, 'note');
    expect(notes.map((n) => n.object)).toEqual(['SecretStore team-a/aws', 'ClusterSecretStore shared']);
    const flags = `--set rbac.perStoreIRSA.mode=scoped --set-json 'rbac.perStoreIRSA.serviceAccounts=[{"namespace":"team-a","name":"reader"},{"namespace":"NAMESPACE","name":"team-reader"}]'`;
    expect(notes[0]!.message).toMatch(/ServiceAccount team-a\/reader.*rbac\.perStoreIRSA\.mode=disabled.*AccessDenied/);
    expect(notes[0]!.action).toBe(`helm upgrade rotor <chart> -n rotor-system --reuse-values ${flags}`);
    expect(notes[1]!.message).toMatch(/each ExternalSecret's namespace/);
    expect(notes[1]!.action).toContain(flags);
    expect(hasLosses(findings)).toBe(false);
  });

  it("notes that ESO's force-sync annotation is kept and honoured, on ExternalSecrets and what a ClusterExternalSecret stamps", () => {
    const yaml = `${store()}---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: db, namespace: team-a, annotations: {external-secrets.io/force-sync: "1700000000"}}
spec:
  secretStoreRef: {name: aws, kind: SecretStore}
  data: [{secretKey: p, remoteRef: {key: prod/db}}]
---
apiVersion: external-secrets.io/v1
kind: ClusterExternalSecret
metadata: {name: shared}
spec:
  namespaceSelectors: [{matchLabels: {team: a}}]
  externalSecretMetadata: {annotations: {external-secrets.io/force-sync: "1"}}
  externalSecretSpec:
    secretStoreRef: {name: aws, kind: SecretStore}
    data: [{secretKey: p, remoteRef: {key: prod/db}}]
`;
    const { documents, findings } = convert(yaml);
    const es = documents[1]!.object as Record<string, any>;
    expect(es.metadata.annotations).toEqual({ 'external-secrets.io/force-sync': '1700000000' });
    const notes = only(findings, 'note').filter((n) => n.message.includes('force-sync'));
    expect(notes.map((n) => `${n.object} ${n.field}`)).toEqual([
      'ExternalSecret team-a/db metadata.annotations["external-secrets.io/force-sync"]',
      'ClusterExternalSecret shared spec.externalSecretMetadata.annotations["external-secrets.io/force-sync"]',
    ]);
    expect(notes[0]!.message).toMatch(/honours external-secrets\.io\/force-sync like its own rotor\.dev\/force-sync/);
  });

  it('converts a ClusterSecretStore credential reference without namespace (referent auth) unchanged', () => {
    const { documents, findings } = convert(`
apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata: {name: irsa}
spec:
  provider:
    aws:
      service: SecretsManager
      region: eu-west-1
      auth: {jwt: {serviceAccountRef: {name: reader}}}
`);
    expect(hasLosses(findings)).toBe(false);
    expect(documents.map((d) => d.status)).toEqual(['converted']);
    expect((documents[0]!.object as Record<string, any>).spec.provider.aws.auth).toEqual({ jwt: { serviceAccountRef: { name: 'reader' } } });
  });

  it('removes what the API server set, finalizers and ESO\'s ties from metadata, keeping the user\'s', () => {
    const { documents, findings } = convert(`
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: stamped
  namespace: a
  uid: 123
  resourceVersion: "9"
  generation: 2
  creationTimestamp: "2026-01-01T00:00:00Z"
  managedFields: [{manager: x}]
  finalizers: [externalsecrets.external-secrets.io/externalsecret-cleanup, other.io/keep]
  annotations: {kubectl.kubernetes.io/last-applied-configuration: "{}", team: a}
  ownerReferences:
    - {apiVersion: external-secrets.io/v1, kind: ClusterExternalSecret, name: ces, uid: u1}
    - {apiVersion: argoproj.io/v1alpha1, kind: Application, name: app, uid: u2}
spec:
  secretStoreRef: {name: aws}
  data: [{secretKey: x, remoteRef: {key: k}}]
status: {conditions: []}
`);
    const out = documents[0]!.object as any;
    expect(out.metadata).toEqual({
      name: 'stamped',
      namespace: 'a',
      annotations: { team: 'a' },
      ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', name: 'app', uid: 'u2' }],
    });
    expect(out.status).toBeUndefined();
    expect(findings).toEqual([expect.objectContaining({ level: 'note', field: 'metadata.finalizers', message: expect.stringMatching(/^metadata\.finalizers other\.io\/keep left out/) })]);
  });

  it('converts a ClusterExternalSecret, checking the nested ExternalSecret spec against Rotor\'s', async () => {
    const ces = (extra = '') => `
apiVersion: external-secrets.io/v1
kind: ClusterExternalSecret
metadata: {name: shared}
spec:
  externalSecretName: shared-db
  namespaceSelectors: [{matchLabels: {team: a}}]
  refreshTime: 1m
  externalSecretSpec:
    secretStoreRef: {name: aws, kind: ClusterSecretStore}
    target: {template: {data: {a: "{{ .x }}"}}}
    data: [{secretKey: x, remoteRef: {key: k}${extra}}]
`;
    const converted = convert(ces());
    expect(converted.findings.map((f) => f.level)).toEqual(['changed']);
    const out = converted.documents[0]!.object as any;
    expect(out.apiVersion).toBe('rotor.dev/v1alpha1');
    expect(out.spec.externalSecretSpec.target.template.engineVersion).toBe('v2');
    expect(out.spec.namespaceSelectors).toEqual([{ matchLabels: { team: 'a' } }]);
    const refused = convert(ces(', sourceRef: {generatorRef: {kind: Password, name: p}}'));
    expect(refused.documents).toEqual([]);
    expect(refused.findings[0]!.message).toMatch(/spec\.externalSecretSpec\.data\[\]\.sourceRef\.generatorRef is not supported/);
  });
});

describe('generators and sourceRef (issue #17 items 9, 10)', () => {
  it("converts ESO's AWS generators and Password to generators.rotor.dev, a ClusterGenerator of those kinds too", () => {
    const { documents, findings } = convert(`
apiVersion: generators.external-secrets.io/v1alpha1
kind: ECRAuthorizationToken
metadata: {name: ecr, namespace: team-a, uid: abc, resourceVersion: "7"}
spec: {region: eu-west-1, role: "arn:aws:iam::123456789012:role/puller", auth: {}}
---
apiVersion: generators.external-secrets.io/v1alpha1
kind: STSSessionToken
metadata: {name: sts, namespace: team-a}
spec: {region: eu-west-1, requestParameters: {sessionDuration: 900}}
---
apiVersion: generators.external-secrets.io/v1alpha1
kind: Password
metadata: {name: pw, namespace: team-a}
spec: {length: 32, digits: 5, symbols: 5, noUpper: false, allowRepeat: true, encoding: hex}
---
apiVersion: generators.external-secrets.io/v1alpha1
kind: ClusterGenerator
metadata: {name: pw-all}
spec: {kind: Password, generator: {passwordSpec: {length: 16}}}
`);
    expect(only(findings, 'not-converted')).toEqual([]);
    expect(documents.map((d) => [(d.object as any).apiVersion, (d.object as any).kind])).toEqual([
      ['generators.rotor.dev/v1alpha1', 'ECRAuthorizationToken'],
      ['generators.rotor.dev/v1alpha1', 'STSSessionToken'],
      ['generators.rotor.dev/v1alpha1', 'Password'],
      ['generators.rotor.dev/v1alpha1', 'ClusterGenerator'],
    ]);
    expect((documents[0]!.object as any).metadata).toEqual({ name: 'ecr', namespace: 'team-a' });
    expect((documents[2]!.object as any).spec.encoding).toBe('hex');
  });

  it('a generator Rotor would refuse is reported with the CRD message', () => {
    const { documents, findings } = convert(`
apiVersion: generators.external-secrets.io/v1alpha1
kind: Password
metadata: {name: pw}
spec: {length: 8, digits: 5, symbols: 5}
`);
    expect(documents).toEqual([]);
    expect(only(findings, 'not-converted')[0]!.message).toMatch(/digits \+ symbols must not exceed length/);
  });

  it('keeps sourceRef.storeRef and sourceRef.generatorRef, rewriting the generator apiVersion; no store is needed then', () => {
    const { documents, findings } = convert(`
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: multi, namespace: team-a}
spec:
  data:
    - secretKey: a
      remoteRef: {key: k}
      sourceRef: {storeRef: {name: other, kind: ClusterSecretStore}}
  dataFrom:
    - sourceRef: {generatorRef: {apiVersion: generators.external-secrets.io/v1alpha1, kind: ECRAuthorizationToken, name: ecr}}
    - extract: {key: k2}
      sourceRef: {storeRef: {name: aws}}
`);
    expect(only(findings, 'not-converted')).toEqual([]);
    const out = documents[0]!.object as any;
    expect(out.spec.dataFrom[0].sourceRef.generatorRef).toEqual({ apiVersion: 'generators.rotor.dev/v1alpha1', kind: 'ECRAuthorizationToken', name: 'ecr' });
    expect(out.spec.data[0].sourceRef.storeRef).toEqual({ name: 'other', kind: 'ClusterSecretStore' });
    expect(only(findings, 'changed').map((f) => f.field)).toEqual(['spec.dataFrom[0].sourceRef.generatorRef.apiVersion']);
  });

  it('an entry reading through a store that is not converted keeps the ExternalSecret with ESO', () => {
    const { findings } = convert(`
apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata: {name: vault}
spec: {provider: {vault: {}}}
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: mixed, namespace: a}
spec:
  secretStoreRef: {name: aws}
  data:
    - secretKey: a
      remoteRef: {key: k}
      sourceRef: {storeRef: {name: vault, kind: ClusterSecretStore}}
`);
    const lost = only(findings, 'not-converted').find((f) => f.object === 'ExternalSecret a/mixed')!;
    expect(lost.field).toBe('spec.data[0].sourceRef.storeRef');
    expect(lost.message).toMatch(/reads through ClusterSecretStore vault, which is not converted/);
  });
});

describe('PushSecret, ClusterPushSecret and generator fields ESO resolves (issue #17 item 11)', () => {
  const push = (spec: string, kind = 'PushSecret') => `${store()}---
apiVersion: external-secrets.io/v1alpha1
kind: ${kind}
metadata: {name: p${kind === 'PushSecret' ? ', namespace: team-a' : ''}}
spec:
${spec}`;

  it('converts a PushSecret to rotor.dev keeping ESO\'s fields, its generator to generators.rotor.dev', () => {
    const { documents, findings } = convert(
      push(`  secretStoreRefs: [{name: aws}]
  updatePolicy: IfNotExists
  deletionPolicy: Delete
  selector: {generatorRef: {kind: Password, name: pw}}
  data: [{match: {secretKey: password, remoteRef: {remoteKey: app/pw, property: p}}, metadata: {tags: {a: b}}}]`),
    );
    expect(only(findings, 'not-converted')).toEqual([]);
    expect(only(findings, 'dropped')).toEqual([]);
    const out = documents[1]!.object as any;
    expect(out.apiVersion).toBe('rotor.dev/v1alpha1');
    expect(out.spec).toEqual({
      secretStoreRefs: [{ name: 'aws' }],
      updatePolicy: 'IfNotExists',
      deletionPolicy: 'Delete',
      selector: { generatorRef: { apiVersion: 'generators.rotor.dev/v1alpha1', kind: 'Password', name: 'pw' } },
      data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: 'app/pw', property: 'p' } }, metadata: { tags: { a: 'b' } } }],
    });
    expect(only(findings, 'changed').map((f) => f.field)).toEqual(['spec.selector.generatorRef.apiVersion']);
  });

  it('keeps the source ESO used when a selector names both a Secret and a generator', () => {
    const byName = convert(`${store()}---
apiVersion: external-secrets.io/v1alpha1
kind: ClusterPushSecret
metadata: {name: p}
spec:
  namespaceSelectors: [{matchLabels: {a: b}}]
  pushSecretSpec:
    secretStoreRefs: [{name: aws, kind: ClusterSecretStore}]
    selector: {secret: {name: src}, generatorRef: {kind: Password, name: pw}}
`);
    expect(only(byName.findings, 'not-converted')).toEqual([]);
    expect((byName.documents[1]!.object as any).spec.pushSecretSpec.selector).toEqual({ secret: { name: 'src' } });
    expect(only(byName.findings, 'changed').map((f) => f.field)).toEqual(['spec.pushSecretSpec.selector.generatorRef']);
    const bySelector = convert(push(`  secretStoreRefs: [{name: aws}]\n  selector: {secret: {selector: {matchLabels: {a: b}}}, generatorRef: {kind: Password, name: pw}}`));
    expect((bySelector.documents[1]!.object as any).spec.selector).toEqual({ generatorRef: { apiVersion: 'generators.rotor.dev/v1alpha1', kind: 'Password', name: 'pw' } });
  });

  it('converts spec.dataTo as is (ESO\'s bulk push); reports a refused one, a non-AWS store and a wrong API version precisely', () => {
    const rule = `{storeRef: {name: aws}, match: {regexp: '^db-'}, rewrite: [{regexp: {source: '^db-', target: 'app/'}}, {transform: {template: '{{ .value | upper }}'}}], metadata: {kind: PushSecretMetadata, spec: {tags: {a: b}}}}`;
    const dataTo = convert(push(`  secretStoreRefs: [{name: aws}]\n  selector: {secret: {name: src}}\n  dataTo: [${rule}, {storeRef: {labelSelector: {matchLabels: {a: b}}}, remoteKey: app/all}]`));
    expect(dataTo.findings.filter((f) => f.level !== 'note')).toEqual([]);
    expect((dataTo.documents[1]!.object as any).spec.dataTo).toEqual([
      { storeRef: { name: 'aws' }, match: { regexp: '^db-' }, rewrite: [{ regexp: { source: '^db-', target: 'app/' } }, { transform: { template: '{{ .value | upper }}' } }], metadata: { kind: 'PushSecretMetadata', spec: { tags: { a: 'b' } } } },
      { storeRef: { labelSelector: { matchLabels: { a: 'b' } } }, remoteKey: 'app/all' },
    ]);
    const refused = convert(push(`  secretStoreRefs: [{name: aws}]\n  selector: {secret: {name: src}}\n  dataTo: [{storeRef: {name: aws}, remoteKey: x, rewrite: [{transform: {template: y}}]}]`));
    expect(only(refused.findings, 'not-converted').map((f) => f.message)).toEqual([expect.stringMatching(/spec\.dataTo\[\]: remoteKey and rewrite are mutually exclusive/)]);
    const vault = convert(`apiVersion: external-secrets.io/v1
kind: SecretStore
metadata: {name: vault, namespace: team-a}
spec: {provider: {vault: {server: x}}}
---
${push(`  secretStoreRefs: [{name: aws}, {name: vault}]\n  selector: {secret: {name: src}}`).split('---\n')[1]}`);
    expect(only(vault.findings, 'not-converted').map((f) => [f.object, f.field, f.message])).toEqual([
      ['SecretStore team-a/vault', undefined, expect.stringMatching(/provider vault is not supported/)],
      ['PushSecret team-a/p', 'spec.secretStoreRefs[1]', expect.stringMatching(/pushes through SecretStore vault, which is not converted/)],
    ]);
    expect(only(convert(push('  selector: {}').replace('v1alpha1', 'v1beta1')).findings, 'not-converted')[0]!.message).toMatch(/not an ESO API version rotor migrate reads for PushSecret \(v1alpha1\)/);
  });

  it('notes PushSecret metadata outside ESO\'s PushSecretMetadata envelope, which ESO and Rotor refuse at push time', () => {
    const { documents, findings } = convert(push(`  secretStoreRefs: [{name: aws}]
  selector: {secret: {name: src}}
  data:
    - {match: {remoteRef: {remoteKey: a}}, metadata: {secretPushFormat: string}}
    - {match: {remoteRef: {remoteKey: b}}, metadata: {apiVersion: kubernetes.external-secrets.io/v1alpha1, kind: PushSecretMetadata, spec: {secretPushFormat: string}}}`));
    expect(documents).toHaveLength(2);
    expect(only(findings, 'note').map((f) => [f.field, f.action])).toEqual([['spec.data[0].metadata', 'move its fields under spec: and add that apiVersion and kind']]);
  });

  it('a CertificateManager store and the PushSecrets through it are reported as out of scope', () => {
    const { documents, findings } = convert(`${store('external-secrets.io/v1', ', service: CertificateManager').replace('service: SecretsManager, ', '')}---
apiVersion: external-secrets.io/v1alpha1
kind: PushSecret
metadata: {name: cert, namespace: team-a}
spec: {secretStoreRefs: [{name: aws}], selector: {secret: {name: tls}}, data: [{match: {remoteRef: {remoteKey: c}}}]}
`);
    expect(documents).toEqual([]);
    expect(only(findings, 'not-converted').map((f) => [f.object, f.message])).toEqual([
      ['SecretStore team-a/aws', expect.stringMatching(/AWS Certificate Manager \(service: CertificateManager\) is not served/)],
      ['PushSecret team-a/cert', expect.stringMatching(/pushes through SecretStore aws, which is not converted: AWS Certificate Manager/)],
    ]);
  });

  it('a generator with both auth.jwt and auth.secretRef keeps secretRef, as ESO does', () => {
    const { documents, findings } = convert(`apiVersion: generators.external-secrets.io/v1alpha1
kind: ClusterGenerator
metadata: {name: ecr}
spec:
  kind: ECRAuthorizationToken
  generator:
    ecrAuthorizationTokenSpec:
      region: eu-west-1
      auth:
        jwt: {serviceAccountRef: {name: sa}}
        secretRef: {accessKeyIDSecretRef: {name: c, key: id}, secretAccessKeySecretRef: {name: c, key: s}}
`);
    expect(only(findings, 'not-converted')).toEqual([]);
    expect((documents[0]!.object as any).spec.generator.ecrAuthorizationTokenSpec.auth).toEqual({ secretRef: { accessKeyIDSecretRef: { name: 'c', key: 'id' }, secretAccessKeySecretRef: { name: 'c', key: 's' } } });
    expect(only(findings, 'changed').map((f) => f.field)).toEqual(['spec.generator.ecrAuthorizationTokenSpec.auth.jwt']);
  });
});
