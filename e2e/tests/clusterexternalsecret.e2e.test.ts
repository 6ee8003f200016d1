// ClusterExternalSecret (ESO's kind): one ExternalSecret stamped into every namespace its
// selectors choose, followed as namespaces are labelled and unlabelled, never overwriting an
// ExternalSecret it does not own, and removed by the garbage collector with it.
// Objects come from examples/clusterexternalsecret.yaml and clustersecretstore-*.yaml.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aws, kubectl, kubectlJson, run, secretValue as readSecret } from '../lib/cli.js';
import { freshNamespace, secretValue } from '../lib/context.js';
import { applyExample } from '../lib/examples.js';
import { waitFor } from '../lib/wait.js';

const id = `e2e-ces-${randomBytes(3).toString('hex')}`;
const store = `shared-aws-${id}`;
const ces = `shared-db-${id}`;
const accessLabel = 'secrets.example.com/access';
let password: string;
let [first, second, later, taken] = ['', '', '', ''];

const replace = { 'shared-aws': store, 'prod/': `${id}/` };

interface CesStatus {
  externalSecretName?: string;
  provisionedNamespaces?: string[];
  failedNamespaces?: Array<{ namespace: string; reason?: string }>;
  conditions?: Array<{ type: string; status: string; reason: string; message: string }>;
}

const cesStatus = async () => ((await kubectlJson('get', 'clusterexternalsecret', ces)).status ?? {}) as CesStatus;
const esExists = async (namespace: string) => (await run('kubectl', ['get', 'externalsecret', 'shared-db', '-n', namespace], { allowFail: true })).code === 0;

beforeAll(async () => {
  password = secretValue('ces');
  await aws('secretsmanager', 'create-secret', '--name', `${id}/shared/db`, '--secret-string', JSON.stringify({ username: 'app', password }));
  [first, second, later, taken] = (await Promise.all(['e2e-ces-a', 'e2e-ces-b', 'e2e-ces-c', 'e2e-ces-d'].map((p) => freshNamespace(p)))) as [string, string, string, string];
  for (const ns of [first, second, taken]) await kubectl('label', 'namespace', ns, `${accessLabel}=${store}`);
  // An ExternalSecret of the same name that someone else made: the ClusterExternalSecret must leave it be.
  await applyExample('clustersecretstore-externalsecret.yaml', { namespace: taken, replace, edit: (doc) => (doc.spec.refreshInterval = '7m') });
  await applyExample('clustersecretstore-namespace-selector.yaml', { namespace: first, replace });
});

afterAll(async () => {
  await kubectl('delete', 'clusterexternalsecret', ces, '--ignore-not-found');
  for (const ns of [first, second, later, taken]) if (ns) await kubectl('delete', 'namespace', ns, '--wait=false');
  await kubectl('delete', 'clustersecretstore', store, '--ignore-not-found');
});

describe('ClusterExternalSecret', () => {
  it('stamps the ExternalSecret into every labelled namespace, and each syncs its Secret', async () => {
    await applyExample('clusterexternalsecret.yaml', { namespace: first, replace, edit: (doc) => (doc.metadata.name = ces) });
    const status = await waitFor('two namespaces provisioned', async () => {
      const s = await cesStatus();
      return s.provisionedNamespaces?.length === 2 && s.failedNamespaces?.length === 1 ? s : undefined;
    });
    expect(status.provisionedNamespaces).toEqual([first, second].sort());
    expect(status.externalSecretName).toBe('shared-db');
    for (const ns of [first, second]) {
      await waitFor(`Secret in ${ns}`, async () => (await readSecret(ns, 'shared-db', 'password')) === password);
      const es = await kubectlJson('get', 'externalsecret', 'shared-db', '-n', ns);
      expect(es.metadata.labels).toMatchObject({ 'app.kubernetes.io/part-of': 'shared-db', 'rotor.dev/cluster-external-secret': ces });
      expect(es.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'ClusterExternalSecret', name: ces, controller: true })]);
    }
    expect(await esExists(later)).toBe(false);
  });

  it('leaves a pre-existing ExternalSecret it does not own untouched and reports its namespace', async () => {
    const status = await cesStatus();
    expect(status.failedNamespaces).toEqual([{ namespace: taken, reason: expect.stringContaining(`ExternalSecret ${taken}/shared-db already exists`) }]);
    expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'NamespacesFailed' });
    const foreign = await kubectlJson('get', 'externalsecret', 'shared-db', '-n', taken);
    expect(foreign.spec.refreshInterval).toBe('7m');
    expect(foreign.spec.dataFrom).toBeDefined();
    expect(foreign.metadata.ownerReferences).toBeUndefined();
  });

  it('follows namespace labels: a newly labelled namespace gets it, an unlabelled one loses it', async () => {
    await kubectl('label', 'namespace', later, `${accessLabel}=${store}`);
    await kubectl('label', 'namespace', first, `${accessLabel}-`);
    await waitFor('labelled namespace provisioned', async () => esExists(later), { timeoutMs: 15_000 });
    await waitFor('unlabelled namespace cleaned', async () => !(await esExists(first)), { timeoutMs: 15_000 });
    await waitFor('status follows', async () => JSON.stringify((await cesStatus()).provisionedNamespaces) === JSON.stringify([second, later].sort()), { timeoutMs: 15_000 });
  });

  it('deleting the ClusterExternalSecret removes its ExternalSecrets (garbage collector), not the foreign one', async () => {
    await kubectl('delete', 'clusterexternalsecret', ces);
    await waitFor('owned ExternalSecrets collected', async () => !(await esExists(second)) && !(await esExists(later)), { timeoutMs: 30_000 });
    expect(await esExists(taken)).toBe(true);
  });
});
