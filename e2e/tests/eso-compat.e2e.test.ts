// The ESO compatibility corpus (e2e/compat/eso-aws): manifests written for the External
// Secrets Operator's AWS provider, applied after changing only apiVersion, must give exactly
// the Secrets listed in each *.expect.yaml. The test bed's usual adaptations apply (a fresh
// namespace per file, stores pointed at LocalStack), as for examples/.
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { apply, aws, kubectl, kubectlJson } from '../lib/cli.js';
import { freshNamespace, harness, registerSecretValue, waitForReady } from '../lib/context.js';

const dir = resolve(import.meta.dirname, '../compat/eso-aws');
const corpus = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml') && !f.endsWith('.expect.yaml'))
  .sort();

interface Expectation {
  namespaceLabels?: Record<string, string>;
  remote?: Array<
    | { secret: string; string: string; tags?: Record<string, string>; versionId?: string }
    | { parameter: string; value: string; type?: string }
  >;
  secrets: Array<{ name: string; type?: string; data: Record<string, string>; labels?: Record<string, string>; annotations?: Record<string, string> }>;
  /** Non-Secret targets (target.manifest): ConfigMaps, data as text. */
  configMaps?: Array<{ name: string; data: Record<string, string>; labels?: Record<string, string> }>;
}

/** The only change an ESO user makes. */
export function swapApiVersion(text: string): string {
  return text.replace(/^apiVersion: external-secrets\.io\/v1(beta1)?\s*$/gm, 'apiVersion: rotor.dev/v1alpha1');
}

/**
 * Creates or updates the remote values of the whole corpus at once: one AWS CLI process per
 * remote name, in parallel (the CLI is slow to start); writes to one name stay in order.
 */
async function seed(remote: NonNullable<Expectation['remote']>): Promise<void> {
  const listed = await aws<{ SecretList?: Array<{ Name?: string }> }>('secretsmanager', 'list-secrets', '--filters', 'Key=name,Values=compat/');
  const existing = new Set((listed.SecretList ?? []).map((s) => s.Name));
  const write = async (r: NonNullable<Expectation['remote']>[number]) => {
    if (!('secret' in r)) {
      // --cli-input-json: the CLI would fetch a --value that looks like a URL.
      await aws('ssm', 'put-parameter', '--cli-input-json', JSON.stringify({ Name: r.parameter, Value: r.value, Type: r.type ?? 'String', Overwrite: true }));
      return;
    }
    const token = r.versionId ? ['--client-request-token', r.versionId] : [];
    if (existing.has(r.secret)) {
      await aws('secretsmanager', 'put-secret-value', '--secret-id', r.secret, '--secret-string', r.string, ...token);
      return;
    }
    const tags = Object.entries(r.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
    await aws('secretsmanager', 'create-secret', '--name', r.secret, '--secret-string', r.string, ...token, ...(tags.length ? ['--tags', JSON.stringify(tags)] : []));
    existing.add(r.secret);
  };
  const byName = new Map<string, typeof remote>();
  for (const r of remote) {
    const name = 'secret' in r ? `sm:${r.secret}` : `ssm:${r.parameter}`;
    byName.set(name, [...(byName.get(name) ?? []), r]);
  }
  const groups = [...byName.values()];
  // At most 6 CLI processes at a time (the test machine is small); one name's writes in order.
  const worker = async () => {
    for (let group = groups.shift(); group; group = groups.shift()) for (const r of group) await write(r);
  };
  await Promise.all(Array.from({ length: 6 }, worker));
}

const CLUSTER_SCOPED = new Set(['ClusterSecretStore', 'ClusterExternalSecret']);

function loadCorpusFile(file: string, namespace: string): Array<Record<string, any>> {
  const docs: Array<Record<string, any>> = [];
  for (const parsed of parseAllDocuments(swapApiVersion(readFileSync(resolve(dir, file), 'utf8')))) {
    const doc = parsed.toJS() as Record<string, any> | null;
    if (!doc) continue;
    if (!CLUSTER_SCOPED.has(doc.kind)) doc.metadata = { ...doc.metadata, namespace };
    const aws = doc.spec?.provider?.aws;
    if (aws && harness().awsEndpointForStores) aws.endpoint = harness().awsEndpointForStores;
    docs.push(doc);
  }
  return docs;
}

const expectationOf = (file: string) => parse(readFileSync(resolve(dir, file.replace(/\.yaml$/, '.expect.yaml')), 'utf8')) as Expectation;

describe('ESO compatibility corpus (AWS), apiVersion swapped only', () => {
  beforeAll(async () => {
    const expectations = corpus.map(expectationOf);
    // Values named compat-pw-* / compat-tok-* are secrets: the log scan checks none leaked.
    const values = expectations.flatMap((e) => [...e.secrets.flatMap((s) => Object.values(s.data)), ...(e.remote ?? []).map((r) => ('secret' in r ? r.string : r.value))]);
    for (const v of values) for (const hit of v.match(/compat-(pw|tok)-[\w-]+/g) ?? []) registerSecretValue(hit);
    await seed(expectations.flatMap((e) => e.remote ?? []));
  }, 300_000);

  it('every corpus file has an expectation and uses only external-secrets.io/v1 for ESO kinds', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(10);
    for (const file of corpus) {
      const text = readFileSync(resolve(dir, file), 'utf8');
      expect(text).not.toMatch(/apiVersion: rotor\.dev/);
      expect(() => readFileSync(resolve(dir, file.replace(/\.yaml$/, '.expect.yaml')))).not.toThrow();
    }
  });

  it.each(corpus)('%s', async (file) => {
    const expectation = expectationOf(file);
    const ns = await freshNamespace('e2e-eso');
    for (const [k, v] of Object.entries(expectation.namespaceLabels ?? {})) await kubectl('label', 'namespace', ns, `${k}=${v}`);
    const docs = loadCorpusFile(file, ns);
    await apply(docs.map((d) => stringify(d)).join('---\n'));
    for (const es of docs.filter((d) => d.kind === 'ExternalSecret')) await waitForReady('externalsecret', es.metadata.name as string, ns);
    // A ClusterExternalSecret's ExternalSecret, in the namespace its selector chose (this one).
    for (const ces of docs.filter((d) => d.kind === 'ClusterExternalSecret')) {
      await waitForReady('externalsecret', (ces.spec.externalSecretName ?? ces.metadata.name) as string, ns);
    }

    for (const want of expectation.secrets) {
      const secret = await kubectlJson<{ type: string; data?: Record<string, string>; metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } }>(
        'get',
        'secret',
        want.name,
        '-n',
        ns,
      );
      const data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      expect(secret.type, `${want.name} type`).toBe(want.type ?? 'Opaque');
      expect(Object.keys(data).sort(), `${want.name} keys`).toEqual(Object.keys(want.data).sort());
      for (const [k, v] of Object.entries(want.data)) expect(data[k] === v, `${want.name}.${k} has the expected bytes`).toBe(true);
      expect(secret.metadata.labels ?? {}).toMatchObject(want.labels ?? {});
      expect(secret.metadata.annotations ?? {}).toMatchObject(want.annotations ?? {});
    }
    for (const want of expectation.configMaps ?? []) {
      const cm = await kubectlJson<{ data?: Record<string, string>; metadata: { labels?: Record<string, string> } }>('get', 'configmap', want.name, '-n', ns);
      expect(Object.keys(cm.data ?? {}).sort(), `${want.name} keys`).toEqual(Object.keys(want.data).sort());
      for (const [k, v] of Object.entries(want.data)) expect(cm.data?.[k] === v, `${want.name}.${k} has the expected bytes`).toBe(true);
      expect(cm.metadata.labels ?? {}).toMatchObject(want.labels ?? {});
    }
    // Other runs' operators share this test bed: leave nothing of this file for them to reconcile.
    for (const ces of docs.filter((d) => d.kind === 'ClusterExternalSecret')) await kubectl('delete', 'clusterexternalsecret', ces.metadata.name as string, '--ignore-not-found');
    await kubectl('delete', 'namespace', ns, '--wait=false');
  });
});
