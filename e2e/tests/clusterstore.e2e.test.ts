// ClusterSecretStore conditions: who may use a cluster-wide store, by namespace labels or by
// a list of namespaces, checked on every reconcile — relabelling a namespace lets it in (or
// shuts it out) without touching the ExternalSecret. Objects come from
// examples/clustersecretstore-*.yaml.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aws, kubectl, kubectlJson, secretValue as readSecret } from '../lib/cli.js';
import { freshNamespace, readyOf, secretValue } from '../lib/context.js';
import { applyExample } from '../lib/examples.js';
import { sleep, waitFor } from '../lib/wait.js';

const id = `e2e-css-${randomBytes(3).toString('hex')}`;
const selectorStore = `shared-aws-${id}`;
const listStore = `aws-team-store-${id}`;
const accessLabel = 'secrets.example.com/access';
let allowedNs: string;
let refusedNs: string;
let password: string;

/** The examples' names made unique to this run (cluster-scoped stores, remote names). */
function replace(extra: Record<string, string> = {}): Record<string, string> {
  return { 'shared-aws': selectorStore, 'aws-team-store': listStore, 'prod/': `${id}/`, ...extra };
}

async function readyIn(namespace: string) {
  return readyOf('externalsecret', 'shared-db', namespace);
}

async function secretNames(namespace: string): Promise<string[]> {
  return (await kubectlJson<{ items: Array<{ metadata: { name: string } }> }>('get', 'secrets', '-n', namespace)).items.map((s) => s.metadata.name);
}

beforeAll(async () => {
  password = secretValue('shared');
  await aws('secretsmanager', 'create-secret', '--name', `${id}/shared/db`, '--secret-string', JSON.stringify({ username: 'app', password }));
  allowedNs = await freshNamespace('e2e-css-in');
  refusedNs = await freshNamespace('e2e-css-out');
  await kubectl('label', 'namespace', allowedNs, `${accessLabel}=${selectorStore}`);
});

afterAll(async () => {
  // Cluster-scoped stores outlive the namespaces; remove them and their users so later test
  // files do not share the operator with ExternalSecrets retrying against a missing store.
  for (const namespace of [allowedNs, refusedNs]) {
    if (namespace) await kubectl('delete', 'externalsecret', '--all', '-n', namespace, '--ignore-not-found');
  }
  await kubectl('delete', 'clustersecretstore', selectorStore, listStore, '--ignore-not-found');
});

describe('ClusterSecretStore conditions', () => {
  it('namespaceSelector: a labelled namespace syncs, another is refused with the rule named', async () => {
    await applyExample('clustersecretstore-namespace-selector.yaml', { namespace: allowedNs, replace: replace() });
    await waitFor('store Ready', async () => (await readyOf('clustersecretstore', selectorStore))?.status === 'True');
    for (const namespace of [allowedNs, refusedNs]) {
      await applyExample('clustersecretstore-externalsecret.yaml', { namespace, replace: replace(), edit: (doc) => (doc.spec.refreshInterval = '5s') });
    }

    await waitFor('allowed namespace synced', async () => (await readyIn(allowedNs))?.status === 'True');
    expect((await readSecret(allowedNs, 'shared-db', 'password')) === password, 'allowed namespace holds the password').toBe(true);

    const refused = await waitFor('refused', async () => {
      const r = await readyIn(refusedNs);
      return r?.status === 'False' ? r : undefined;
    });
    expect(refused.reason).toBe('StoreNotAllowed');
    expect(refused.message).toContain(`ClusterSecretStore ${selectorStore}`);
    expect(refused.message).toContain(`namespace ${refusedNs}`);
    expect(refused.message).toContain('spec.conditions[0]');
    expect(refused.message).toContain(`namespaceSelector {${accessLabel}=${selectorStore}}`);
    expect(await secretNames(refusedNs)).not.toContain('shared-db');
    const events = await kubectl('get', 'events', '-n', refusedNs, '--field-selector', 'involvedObject.name=shared-db,reason=SyncFailed');
    expect(events).toContain('SyncFailed');
  });

  it('labelling the refused namespace lets it sync without touching the ExternalSecret', async () => {
    const generation = (await kubectlJson('get', 'externalsecret', 'shared-db', '-n', refusedNs)).metadata.generation;
    // Let a few retries fail first, as they would in real life, so the backoff has grown.
    await sleep(5_000);
    const labelledAt = Date.now();
    await kubectl('label', 'namespace', refusedNs, `${accessLabel}=${selectorStore}`);
    // No namespace watch: the next retry of the failed ExternalSecret (exponential backoff from
    // 1 s, here well under 30 s) re-reads the labels.
    await waitFor('synced after relabel', async () => (await readyIn(refusedNs))?.status === 'True', { timeoutMs: 60_000 });
    const latencyMs = Date.now() - labelledAt;
    console.log(`ClusterSecretStore: namespace admitted ${(latencyMs / 1000).toFixed(1)} s after it was labelled`);
    expect((await readSecret(refusedNs, 'shared-db', 'password')) === password, 'relabelled namespace holds the password').toBe(true);
    expect((await kubectlJson('get', 'externalsecret', 'shared-db', '-n', refusedNs)).metadata.generation).toBe(generation);
  });

  it('removing the label stops the refreshes at the next reconcile and keeps the last Secret', async () => {
    await kubectl('label', 'namespace', refusedNs, `${accessLabel}-`);
    const refused = await waitFor('refused again', async () => {
      const r = await readyIn(refusedNs);
      return r?.status === 'False' ? r : undefined;
    }, { timeoutMs: 30_000 });
    expect(refused.reason).toBe('StoreNotAllowed');
    expect((await readSecret(refusedNs, 'shared-db', 'password')) === password, 'the last synced Secret stays').toBe(true);
  });

  it('namespaces: only the listed namespaces may use the store', async () => {
    await applyExample('clustersecretstore-namespaces.yaml', { namespace: allowedNs, replace: replace({ 'team-a': allowedNs, 'team-b': `${id}-absent` }) });
    await waitFor('store Ready', async () => (await readyOf('clustersecretstore', listStore))?.status === 'True');
    for (const namespace of [allowedNs, refusedNs]) {
      await applyExample('clustersecretstore-externalsecret.yaml', {
        namespace,
        replace: replace(),
        edit: (doc) => {
          doc.metadata.name = 'team-db';
          doc.spec.target.name = 'team-db';
          doc.spec.secretStoreRef.name = listStore;
        },
      });
    }
    await waitFor('listed namespace synced', async () => (await readyOf('externalsecret', 'team-db', allowedNs))?.status === 'True');
    expect((await readSecret(allowedNs, 'team-db', 'password')) === password, 'listed namespace holds the password').toBe(true);
    const refused = await waitFor('unlisted refused', async () => {
      const r = await readyOf('externalsecret', 'team-db', refusedNs);
      return r?.status === 'False' ? r : undefined;
    });
    expect(refused.reason).toBe('StoreNotAllowed');
    expect(refused.message).toContain(`spec.conditions[0]: namespace not in namespaces [${allowedNs}, ${id}-absent]`);
    expect(await secretNames(refusedNs)).not.toContain('team-db');
  });
});
