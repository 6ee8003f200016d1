// refreshPolicy (Periodic default, OnChange, CreatedOnce) and the rotor.dev/force-sync
// annotation. Four ExternalSecrets (examples/refresh-*.yaml) read one secret; after a rotation
// the Periodic one is the control: once it shows the new value, the others have had every
// chance to refresh, so "still the old value" means the policy held, not that we looked early.
import { beforeAll, describe, expect, it } from 'vitest';
import { aws, kubectl, kubectlJson, secretValue as readSecret } from '../lib/cli.js';
import { freshNamespace, readyOf, secretValue, statusOf } from '../lib/context.js';
import { applyExample } from '../lib/examples.js';
import { sleep, waitFor } from '../lib/wait.js';

let ns: string;
let remote: string;
const values: string[] = [];
const FAST = '3s';

const token = (target: string) => readSecret(ns, target, 'token');
const same = (a: string | undefined, b: string | undefined) => a !== undefined && a === b;

async function rotate(): Promise<string> {
  const next = secretValue(`token${values.length}`);
  await aws('secretsmanager', 'put-secret-value', '--secret-id', remote, '--secret-string', JSON.stringify({ token: next }));
  values.push(next);
  return next;
}

async function refreshTime(name: string): Promise<string | undefined> {
  return (await statusOf<{ refreshTime?: string }>('externalsecret', name, ns)).refreshTime;
}

/** Rotates, then waits until the Periodic control ExternalSecret has the new value, plus two more of its intervals. */
async function rotateAndLetTheControlFollow(): Promise<string> {
  const next = await rotate();
  await waitFor('control follows the rotation', async () => same(await token('api-token-periodic'), next), { timeoutMs: 30_000 });
  await sleep(2 * 3_000);
  return next;
}

beforeAll(async () => {
  ns = await freshNamespace('e2e-refresh');
  remote = `${ns}/app/api-token`;
  await applyExample('secretstore-default-chain.yaml', { namespace: ns });
  await waitFor('store Ready', async () => (await readyOf('secretstore', 'aws-secretsmanager', ns))?.status === 'True');
  const first = secretValue('token0');
  values.push(first);
  await aws('secretsmanager', 'create-secret', '--name', remote, '--secret-string', JSON.stringify({ token: first }));
  const fast = (doc: Record<string, any>) => {
    // Interval short enough that Periodic would refresh many times during the test.
    if (doc.spec.refreshPolicy !== undefined) doc.spec.refreshInterval = FAST;
  };
  for (const file of ['refresh-periodic.yaml', 'refresh-created-once.yaml', 'refresh-on-change.yaml', 'refresh-force-sync.yaml']) {
    await applyExample(file, { namespace: ns, replace: { 'prod/': `${ns}/` }, edit: fast });
  }
  for (const target of ['api-token-periodic', 'api-token-created-once', 'api-token-on-change', 'api-token']) {
    await waitFor(`${target} synced`, async () => same(await token(target).catch(() => undefined), first));
  }
});

describe('refreshPolicy and force-sync', () => {
  const before: Record<string, string | undefined> = {};

  it('after a rotation only Periodic (the default) refreshes; CreatedOnce, OnChange and a 1h interval keep the old value', async () => {
    for (const name of ['api-token-created-once', 'api-token-on-change', 'api-token']) before[name] = await refreshTime(name);
    const es = await kubectlJson('get', 'externalsecret', 'api-token', '-n', ns);
    // The example sets no refreshPolicy: the CRD's default fills in Periodic.
    expect(es.spec.refreshPolicy).toBe('Periodic');

    await rotateAndLetTheControlFollow();
    expect(same(await token('api-token-created-once'), values[0]), 'CreatedOnce keeps the first value').toBe(true);
    expect(same(await token('api-token-on-change'), values[0]), 'OnChange keeps the first value').toBe(true);
    expect(same(await token('api-token'), values[0]), 'a 1h Periodic keeps the first value until its interval').toBe(true);
    // Not even read: the last sync time did not move.
    for (const name of ['api-token-created-once', 'api-token-on-change', 'api-token']) expect(await refreshTime(name), name).toBe(before[name]);
  });

  it('rotor.dev/force-sync picks up the rotation right away despite a 1h refreshInterval', async () => {
    const started = Date.now();
    await kubectl('annotate', 'externalsecret', 'api-token', '-n', ns, `rotor.dev/force-sync=${Math.floor(Date.now() / 1000)}`, '--overwrite');
    await waitFor('forced refresh', async () => same(await token('api-token'), values[1]), { timeoutMs: 15_000 });
    console.log(`force-sync: Secret updated ${((Date.now() - started) / 1000).toFixed(1)} s after the annotation`);
    // Status is written right after the Secret.
    await waitFor('refreshTime moved', async () => (await refreshTime('api-token')) !== before['api-token'], { timeoutMs: 5_000 });
  });

  it('OnChange refreshes when the spec changes', async () => {
    await kubectl(
      'patch', 'externalsecret', 'api-token-on-change', '-n', ns, '--type', 'json', '-p',
      JSON.stringify([{ op: 'add', path: '/spec/data/-', value: { secretKey: 'token-copy', remoteRef: { key: remote, property: 'token' } } }]),
    );
    await waitFor('spec change refreshed', async () => same(await token('api-token-on-change'), values[1]), { timeoutMs: 15_000 });
    expect(same(await readSecret(ns, 'api-token-on-change', 'token-copy'), values[1]), 'new key synced').toBe(true);
  });

  it('CreatedOnce ignores spec edits and force-sync, but re-creates a deleted Secret from the current value', async () => {
    await kubectl('annotate', 'externalsecret', 'api-token-created-once', '-n', ns, `rotor.dev/force-sync=${Math.floor(Date.now() / 1000)}`, '--overwrite');
    await kubectl('patch', 'externalsecret', 'api-token-created-once', '-n', ns, '--type', 'merge', '-p', JSON.stringify({ spec: { target: { template: { metadata: { labels: { edited: 'yes' } } } } } }));
    await sleep(5_000);
    expect(same(await token('api-token-created-once'), values[0]), 'CreatedOnce keeps the first value').toBe(true);
    expect(await refreshTime('api-token-created-once')).toBe(before['api-token-created-once']);

    await kubectl('delete', 'secret', 'api-token-created-once', '-n', ns);
    await waitFor('re-created', async () => same(await token('api-token-created-once').catch(() => undefined), values[1]), { timeoutMs: 30_000 });
  });

  it('OnChange also honours force-sync', async () => {
    await rotateAndLetTheControlFollow();
    expect(same(await token('api-token-on-change'), values[1]), 'OnChange did not refresh on its own').toBe(true);
    await kubectl('annotate', 'externalsecret', 'api-token-on-change', '-n', ns, `rotor.dev/force-sync=${Math.floor(Date.now() / 1000)}`, '--overwrite');
    await waitFor('forced refresh', async () => same(await token('api-token-on-change'), values[2]), { timeoutMs: 15_000 });
  });
});
