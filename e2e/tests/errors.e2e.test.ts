// What a user sees when something is wrong: a clear status message and a Warning event that
// name the field or endpoint to fix — never a secret value — while the last good Secret
// stays in place. And specs the API server itself refuses (CEL rules in crds/), using the
// CRD fixtures of operator/test/api/fixtures.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, aws, kubectl, run, secretValue as readSecret } from '../lib/cli.js';
import { freshNamespace, harness, secretValue, waitForReady } from '../lib/context.js';
import { waitFor } from '../lib/wait.js';

let ns: string;
const fixtures = resolve(import.meta.dirname, '../../operator/test/api/fixtures');

function store(name: string, endpoint: string) {
  return `
apiVersion: rotor.dev/v1alpha1
kind: SecretStore
metadata: {name: ${name}, namespace: ${ns}}
spec:
  provider:
    aws:
      service: SecretsManager
      region: us-east-1
      endpoint: ${endpoint}
`;
}

function externalSecret(name: string, storeName: string, remoteKey: string) {
  return `
apiVersion: rotor.dev/v1alpha1
kind: ExternalSecret
metadata: {name: ${name}, namespace: ${ns}}
spec:
  refreshInterval: 3s
  secretStoreRef: {name: ${storeName}, kind: SecretStore}
  target: {name: ${name}}
  data:
    - secretKey: password
      remoteRef: {key: ${remoteKey}, property: password}
`;
}

const waitCondition = (kind: string, name: string, status: 'True' | 'False', timeoutMs = 60_000) => waitForReady(kind, name, ns, status, { timeoutMs });

/** Everything a user can read about an object: describe output and its events. */
async function visibleText(kind: string, name: string): Promise<string> {
  const described = await kubectl('describe', kind, name, '-n', ns);
  const events = await kubectl('get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${name}`, '-o', 'yaml');
  return `${described}\n${events}`;
}

beforeAll(async () => {
  ns = await freshNamespace('e2e-err');
  await apply(store('aws', harness().awsEndpointForStores));
  await waitCondition('secretstore', 'aws', 'True');
});

// Stop this file's ExternalSecrets (some refresh every few seconds) from loading the operator for the next files.
afterAll(async () => {
  if (ns) await kubectl('delete', 'namespace', ns, '--wait=false');
});

describe('errors', () => {
  it('invalid JSON with a property: names the field, leaks no value, keeps the last good Secret', async () => {
    const key = `${ns}/app/db`;
    const good = secretValue('good');
    await aws('secretsmanager', 'create-secret', '--name', key, '--secret-string', JSON.stringify({ password: good }));
    await apply(externalSecret('db', 'aws', key));
    await waitCondition('externalsecret', 'db', 'True');
    expect((await readSecret(ns, 'db', 'password')) === good, 'first sync').toBe(true);

    // Someone stores a non-JSON value (here with a secret in it) where JSON was expected.
    const leaked = secretValue('notjson');
    await aws('secretsmanager', 'put-secret-value', '--secret-id', key, '--secret-string', `password=${leaked}`);
    const ready = await waitCondition('externalsecret', 'db', 'False', 30_000);
    expect(ready.reason).toBe('SecretSyncedError');
    expect(ready.message).toContain('spec.data[0].remoteRef.property');
    expect(ready.message).toContain(key);
    expect(ready.message).toMatch(/not valid JSON/);
    const visible = await visibleText('externalsecret', 'db');
    expect(visible).toContain('SyncFailed');
    expect(visible.includes(leaked) || visible.includes(good), 'a secret value appears in describe/events').toBe(false);
    expect((await readSecret(ns, 'db', 'password')) === good, 'the last good value is kept').toBe(true);

    // Fixed in AWS: the next refresh heals it.
    const fixed = secretValue('fixed');
    await aws('secretsmanager', 'put-secret-value', '--secret-id', key, '--secret-string', JSON.stringify({ password: fixed }));
    await waitFor('fixed value synced', async () => (await readSecret(ns, 'db', 'password')) === fixed, { timeoutMs: 30_000 });
    expect((await waitCondition('externalsecret', 'db', 'True')).reason).toBe('SecretSynced');
  });

  it('a store whose endpoint is dead: store ProviderUnavailable, ExternalSecret says why, the Secret is kept', async () => {
    const key = `${ns}/app/api`;
    const good = secretValue('api');
    await aws('secretsmanager', 'create-secret', '--name', key, '--secret-string', JSON.stringify({ password: good }));
    await apply(store('flaky', harness().awsEndpointForStores));
    await waitCondition('secretstore', 'flaky', 'True');
    await apply(externalSecret('api', 'flaky', key));
    await waitCondition('externalsecret', 'api', 'True');
    expect((await readSecret(ns, 'api', 'password')) === good, 'first sync').toBe(true);

    const dead = harness().deadEndpoint;
    const deadHost = new URL(dead).host;
    await kubectl('patch', 'secretstore', 'flaky', '-n', ns, '--type', 'merge', '-p', JSON.stringify({ spec: { provider: { aws: { endpoint: dead } } } }));
    const storeReady = await waitCondition('secretstore', 'flaky', 'False');
    expect(storeReady.reason).toBe('ProviderUnavailable');
    expect(storeReady.message).toContain(deadHost);
    expect(storeReady.message).toMatch(/unreachable/);

    const esReady = await waitCondition('externalsecret', 'api', 'False', 30_000);
    expect(esReady.reason).toBe('ProviderUnavailable');
    expect(esReady.message).toContain(key);
    expect(esReady.message).toContain(deadHost);
    expect(esReady.message).toMatch(/unreachable .*retrying/);
    const visible = await visibleText('externalsecret', 'api');
    expect(visible.includes(good), 'a secret value appears in describe/events').toBe(false);
    expect((await readSecret(ns, 'api', 'password')) === good, 'the last good value is kept').toBe(true);
    const storeEvents = await kubectl('get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=flaky,reason=ProviderUnavailable', '-o', 'name');
    expect(storeEvents.trim().length, 'ProviderUnavailable event on the store').toBeGreaterThan(0);

    // Endpoint back: store and ExternalSecret recover without a restart.
    await kubectl('patch', 'secretstore', 'flaky', '-n', ns, '--type', 'merge', '-p', JSON.stringify({ spec: { provider: { aws: { endpoint: harness().awsEndpointForStores } } } }));
    expect((await waitCondition('secretstore', 'flaky', 'True')).reason).toBe('Valid');
    expect((await waitCondition('externalsecret', 'api', 'True', 30_000)).reason).toBe('SecretSynced');
  });

  it('a store created against a dead endpoint: ExternalSecrets using it explain, and no Secret is invented', async () => {
    await apply(store('dead', harness().deadEndpoint));
    const storeReady = await waitCondition('secretstore', 'dead', 'False');
    expect(storeReady.reason).toBe('ProviderUnavailable');
    await apply(externalSecret('orphaned', 'dead', `${ns}/app/db`));
    const esReady = await waitCondition('externalsecret', 'orphaned', 'False');
    expect(esReady.reason).toBe('ProviderUnavailable');
    expect(esReady.message).toContain(new URL(harness().deadEndpoint).host);
    await expect(kubectl('get', 'secret', 'orphaned', '-n', ns)).rejects.toThrow(/not found/i);
  });
});

describe('specs the API server rejects (CEL and schema rules in crds/)', () => {
  const invalid = readdirSync(join(fixtures, 'invalid')).filter((f) => f.endsWith('.yaml')).sort();
  const valid = readdirSync(join(fixtures, 'valid')).filter((f) => f.endsWith('.yaml')).sort();

  it('rejects deletionPolicy Delete with creationPolicy Merge, naming both fields', async () => {
    const out = await run('kubectl', ['apply', '-n', ns, '-f', join(fixtures, 'invalid/es-delete-without-owner.yaml')], { allowFail: true });
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('spec.target.deletionPolicy Delete requires spec.target.creationPolicy Owner');
    await expect(kubectl('get', 'externalsecret', 'es-delete-without-owner', '-n', ns)).rejects.toThrow(/not found/i);
  });

  it.each(invalid)('rejects invalid/%s with its expected message', async (file) => {
    const text = readFileSync(join(fixtures, 'invalid', file), 'utf8');
    const expected = (parse(text) as { metadata: { annotations: Record<string, string> } }).metadata.annotations['test.rotor.dev/expect-rejection'];
    expect(expected, 'fixture names the message it expects').toBeTruthy();
    const out = await run('kubectl', ['apply', '--dry-run=server', '-n', ns, '-f', join(fixtures, 'invalid', file)], { allowFail: true });
    expect(out.code, 'kubectl apply must fail').not.toBe(0);
    expect(out.stderr).toContain(expected);
  });

  it.each(valid)('accepts valid/%s', async (file) => {
    const out = await run('kubectl', ['apply', '--dry-run=server', '-n', ns, '-f', join(fixtures, 'valid', file)], { allowFail: true });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
  });
});
