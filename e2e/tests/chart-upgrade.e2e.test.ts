// The chart on a real API server (issue #19 items 3 and 4):
// - users bound to the built-in `edit` / `view` roles manage / see Rotor's kinds (aggregated roles);
// - upgrading from 0.1.0's chart (CRDs in its crds/ folder, which Helm never upgraded) to this one
//   with the documented command (docs/operations.md, "Upgrade") upgrades the CRDs: a field only the
//   new schema has is accepted, ExternalSecrets created under 0.1.0 survive, and `helm uninstall`
//   keeps the CRDs (crds.keep).
// The upgrade test deletes the CRDs to start from 0.1.0's; test files run one at a time, and it
// gives the bed back with this tree's chart (operator.sh chart) and the operator running again.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, kubectl, kubectlJson, run } from '../lib/cli.js';
import { freshNamespace, harness } from '../lib/context.js';
import { waitFor } from '../lib/wait.js';

const repo = resolve(import.meta.dirname, '../..');
const operatorScript = resolve(repo, 'e2e/testbed/operator.sh');
const ROTOR_CRDS = 'app.kubernetes.io/part-of=rotor';

const canI = async (ns: string, sa: string, verb: string, resource: string, ...extra: string[]) =>
  (await run('kubectl', ['auth', 'can-i', verb, resource, '-n', ns, '--as', `system:serviceaccount:${ns}:${sa}`, ...extra], { allowFail: true })).stdout.trim();

describe('aggregated roles: the built-in view / edit roles cover Rotor kinds', () => {
  let ns: string;
  beforeAll(async () => {
    ns = await freshNamespace('e2e-chart-rbac');
    for (const role of ['view', 'edit']) {
      await kubectl('create', 'serviceaccount', `${role}-user`, '-n', ns);
      await kubectl('create', 'rolebinding', `${role}-user`, '-n', ns, `--clusterrole=${role}`, `--serviceaccount=${ns}:${role}-user`);
    }
  });
  afterAll(async () => {
    if (ns) await kubectl('delete', 'namespace', ns, '--wait=false');
  });

  it('a user with `edit` in a namespace creates and deletes ExternalSecrets and SecretStores there, but not their status', async () => {
    // The clusterrole-aggregation controller fills `edit` shortly after the chart's roles appear.
    await waitFor('edit aggregates rotor.dev', async () => (await canI(ns, 'edit-user', 'create', 'externalsecrets.rotor.dev')) === 'yes', { timeoutMs: 60_000 });
    for (const resource of ['externalsecrets.rotor.dev', 'secretstores.rotor.dev']) {
      for (const verb of ['create', 'update', 'patch', 'delete', 'list']) expect(await canI(ns, 'edit-user', verb, resource), `edit ${verb} ${resource}`).toBe('yes');
    }
    expect(await canI(ns, 'edit-user', 'patch', 'externalsecrets.rotor.dev', '--subresource=status')).toBe('no');
    // Really, as that user: a SecretStore and an ExternalSecret are accepted.
    const as = ['--as', `system:serviceaccount:${ns}:edit-user`];
    await run('kubectl', ['apply', '-n', ns, ...as, '-f', '-'], {
      input: `apiVersion: rotor.dev/v1alpha1
kind: SecretStore
metadata: {name: aws}
spec: {provider: {aws: {service: SecretsManager, region: us-east-1}}}
---
apiVersion: rotor.dev/v1alpha1
kind: ExternalSecret
metadata: {name: db}
spec:
  secretStoreRef: {name: aws}
  data: [{secretKey: password, remoteRef: {key: e2e/chart-rbac}}]
`,
    });
    expect(await kubectl('get', 'externalsecrets.rotor.dev', 'db', '-n', ns, ...as, '-o', 'name')).toContain('db');
  });

  it('a user with `view` lists them and changes nothing', async () => {
    await waitFor('view aggregates rotor.dev', async () => (await canI(ns, 'view-user', 'list', 'externalsecrets.rotor.dev')) === 'yes', { timeoutMs: 60_000 });
    expect(await canI(ns, 'view-user', 'get', 'secretstores.rotor.dev')).toBe('yes');
    expect(await canI(ns, 'view-user', 'create', 'externalsecrets.rotor.dev')).toBe('no');
    expect(await canI(ns, 'view-user', 'delete', 'secretstores.rotor.dev')).toBe('no');
  });
});

// The operator runs as pods on the in-cluster tiers; this test swaps the CRDs under it, so only on the local bed.
describe.skipIf(harness().inCluster)('helm upgrade from the 0.1.0 chart', () => {
  const release = 'rotor-upgrade';
  let ns: string;
  let oldChart: string;
  const uids: Record<string, string> = {};

  /** An ExternalSecret using a field 0.1.0's CRD does not have, checked by the API server without being stored. */
  const newFieldDryRun = () =>
    run('kubectl', ['apply', '--server-side', '--dry-run=server', '--validate=strict', '--field-manager=e2e', '-n', ns, '-f', '-'], {
      allowFail: true,
      input: `apiVersion: rotor.dev/v1alpha1
kind: ExternalSecret
metadata: {name: new-field}
spec:
  secretStoreRef: {name: aws}
  target: {template: {metadata: {finalizers: [example.com/keep]}}}
  data: [{secretKey: password, remoteRef: {key: e2e/chart-upgrade}}]
`,
    });

  beforeAll(async () => {
    // 0.1.0 is the commit that added CHANGELOG.md's "## [0.1.0]" section (scripts/release.sh needs it).
    const commit = (await run('git', ['-C', repo, 'log', '--format=%H', '-S## [0.1.0]', '--', 'CHANGELOG.md'])).stdout.trim().split('\n').at(-1);
    expect(commit, 'the 0.1.0 commit (a shallow clone has no history: fetch it)').toMatch(/^[0-9a-f]{40}$/);
    const dir = mkdtempSync(join(tmpdir(), 'rotor-chart-0.1.0-'));
    await run('bash', ['-c', `git -C "${repo}" archive ${commit} charts/rotor | tar -x -C "${dir}"`]);
    oldChart = join(dir, 'charts/rotor');
    expect((await run('helm', ['show', 'chart', oldChart])).stdout).toMatch(/^version: 0\.1\.0$/m);

    ns = await freshNamespace('e2e-chart-upgrade');
    await run('bash', [operatorScript, 'stop']);
    // PushSecrets under deletionPolicy Delete (other files' leftovers) carry a finalizer only the
    // operator removes, and it is stopped: release them, or deleting their CRD waits for ever.
    for (const kind of ['pushsecrets.rotor.dev', 'clusterpushsecrets.rotor.dev']) {
      const listed = await run('kubectl', ['get', kind, '-A', '-o', 'jsonpath={range .items[*]}{.metadata.namespace}{" "}{.metadata.name}{"\\n"}{end}'], { allowFail: true });
      for (const line of listed.code === 0 ? listed.stdout.split('\n').filter(Boolean) : []) {
        const [namespace, name] = line.trim().split(' ');
        const where = name ? ['-n', namespace!, name] : [namespace!];
        await run('kubectl', ['patch', kind, ...where, '--type', 'merge', '-p', '{"metadata":{"finalizers":null}}'], { allowFail: true });
      }
    }
    // Start from what a 0.1.0 install left: its CRDs, installed from its crds/ folder.
    await kubectl('delete', 'crd', '-l', ROTOR_CRDS, '--wait=true', '--timeout=120s');
    await run('helm', ['install', release, oldChart, '-n', ns, '--set', 'replicaCount=0', '--wait', '--timeout', '2m']);
  }, 300_000);

  afterAll(async () => {
    await run('helm', ['uninstall', release, '-n', ns], { allowFail: true });
    if (ns) await kubectl('delete', 'namespace', ns, '--wait=false');
    // The bed's own release takes the CRDs back (--take-ownership) and the operator resumes.
    await run('bash', [operatorScript, 'chart']);
    await run('bash', [operatorScript, 'resume']);
  }, 300_000);

  it('0.1.0 installed its three CRDs without the new fields', async () => {
    const crds = (await kubectl('get', 'crd', '-l', ROTOR_CRDS, '-o', 'name')).trim().split('\n').sort();
    expect(crds).toEqual(['customresourcedefinition.apiextensions.k8s.io/clustersecretstores.rotor.dev', 'customresourcedefinition.apiextensions.k8s.io/externalsecrets.rotor.dev', 'customresourcedefinition.apiextensions.k8s.io/secretstores.rotor.dev']);
    await apply(`apiVersion: rotor.dev/v1alpha1
kind: SecretStore
metadata: {name: aws, namespace: ${ns}}
spec: {provider: {aws: {service: SecretsManager, region: us-east-1}}}
---
apiVersion: rotor.dev/v1alpha1
kind: ExternalSecret
metadata: {name: db, namespace: ${ns}}
spec:
  refreshInterval: 1h
  secretStoreRef: {name: aws}
  data: [{secretKey: password, remoteRef: {key: e2e/chart-upgrade, property: password}}]
`);
    for (const kind of ['secretstores.rotor.dev', 'externalsecrets.rotor.dev']) uids[kind] = await kubectl('get', kind, kind.startsWith('secret') ? 'aws' : 'db', '-n', ns, '-o', 'jsonpath={.metadata.uid}');
    const refused = await newFieldDryRun();
    expect(refused.code).not.toBe(0);
    // Server-side apply names the field the old schema does not declare.
    expect(refused.stderr).toMatch(/\.spec\.target\.template\.metadata\.finalizers: field not declared in schema/);
  });

  it('the documented upgrade command upgrades the CRDs and keeps the objects', async () => {
    // docs/operations.md, "Upgrade", from 0.1.x.
    await run('helm', ['upgrade', release, join(repo, 'charts/rotor'), '-n', ns, '--reset-then-reuse-values', '--take-ownership', '--wait', '--timeout', '2m']);
    const names = (await kubectl('get', 'crd', '-l', ROTOR_CRDS, '-o', 'jsonpath={.items[*].metadata.name}')).split(' ').sort();
    expect(names).toContain('clusterexternalsecrets.rotor.dev');
    const crd = await kubectlJson<{ metadata: { annotations: Record<string, string>; labels: Record<string, string> } }>('get', 'crd', 'externalsecrets.rotor.dev');
    expect(crd.metadata.annotations).toMatchObject({ 'helm.sh/resource-policy': 'keep', 'meta.helm.sh/release-name': release, 'meta.helm.sh/release-namespace': ns });
    const accepted = await newFieldDryRun();
    expect(accepted.stderr).toBe('');
    expect(accepted.code).toBe(0);
    for (const kind of ['secretstores.rotor.dev', 'externalsecrets.rotor.dev']) {
      expect(await kubectl('get', kind, kind.startsWith('secret') ? 'aws' : 'db', '-n', ns, '-o', 'jsonpath={.metadata.uid}'), kind).toBe(uids[kind]);
    }
  });

  it('helm uninstall keeps the CRDs and the ExternalSecrets (crds.keep)', async () => {
    const before = (await kubectl('get', 'crd', '-l', ROTOR_CRDS, '-o', 'name')).trim().split('\n').sort();
    expect(before.length).toBeGreaterThanOrEqual(4);
    const out = await run('helm', ['uninstall', release, '-n', ns, '--wait']);
    expect(out.stdout + out.stderr).toMatch(/kept due to the resource policy/);
    expect((await kubectl('get', 'crd', '-l', ROTOR_CRDS, '-o', 'name')).trim().split('\n').sort()).toEqual(before);
    expect(await kubectl('get', 'externalsecrets.rotor.dev', 'db', '-n', ns, '-o', 'jsonpath={.metadata.uid}')).toBe(uids['externalsecrets.rotor.dev']);
  });
});
