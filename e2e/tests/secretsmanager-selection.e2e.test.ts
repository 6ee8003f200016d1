// Which part of a Secrets Manager secret lands in the Kubernetes Secret: a plain string, a
// binary secret byte for byte, JMESPath / JSONPath / dataFrom.extract selections, base64
// decoding, optional entries, and version stages (AWSPREVIOUS, a custom label) that Rotor
// follows as they move with put-secret-value and update-secret-version-stage. Every
// ExternalSecret here comes from examples/ (the store is secretstore-default-chain.yaml).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aws, kubectl, kubectlJson, secretValue as readSecret } from '../lib/cli.js';
import { freshNamespace, readyOf, registerSecretValue, secretValue, statusOf } from '../lib/context.js';
import { applyExample, type Manifest } from '../lib/examples.js';
import { waitFor } from '../lib/wait.js';

/** Refresh interval of the ExternalSecrets whose remote versions move in these tests. */
const REFRESH_SECONDS = 5;
/**
 * How long a change may take to show: one refresh interval, plus the time a pass takes
 * (reads, writes, status) and the polling of this test. Not a multiple of the interval.
 */
const FOLLOW_MS = REFRESH_SECONDS * 1000 + 4_000;

let ns: string;
/** The examples' remote names live under prod/; each run moves them under its namespace. */
const remote = (suffix: string) => `${ns}/${suffix}`;

interface SyncedVersion {
  key: string;
  remoteKey: string;
  versionId?: string;
}

function example(file: string, edit?: (doc: Manifest) => void) {
  return applyExample(file, { namespace: ns, replace: { 'prod/': `${ns}/` }, ...(edit ? { edit } : {}) });
}

/** Waits for Ready=True; fails at once on any Ready=False so the cause shows in the test output. */
async function waitSynced(name: string) {
  const ready = await waitFor(`ExternalSecret ${name} Ready`, async () => {
    const r = await readyOf('externalsecret', name, ns);
    return r && r.status !== 'Unknown' ? r : undefined;
  });
  if (ready.status !== 'True') throw new Error(`ExternalSecret ${name} is not Ready: ${ready.reason}: ${ready.message}`);
  return ready;
}

async function secretData(name: string): Promise<Record<string, Buffer>> {
  const secret = await kubectlJson<{ data?: Record<string, string> }>('get', 'secret', name, '-n', ns);
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
}

async function syncedVersions(name: string): Promise<Map<string, SyncedVersion>> {
  const status = await statusOf<{ syncedVersions?: SyncedVersion[] }>('externalsecret', name, ns);
  return new Map((status.syncedVersions ?? []).map((v) => [v.key, v]));
}

/** Polls until `key` of Secret `name` holds `expected`; returns how long it took. */
async function waitValue(name: string, key: string, expected: string, what: string): Promise<number> {
  const start = Date.now();
  await waitFor(what, async () => (await readSecret(ns, name, key).catch(() => undefined)) === expected, { timeoutMs: FOLLOW_MS, intervalMs: 250 });
  return Date.now() - start;
}

async function createSecret(name: string, ...valueArgs: string[]): Promise<string> {
  return (await aws<{ VersionId: string }>('secretsmanager', 'create-secret', '--name', name, ...valueArgs)).VersionId;
}

async function putValue(name: string, value: string, ...extra: string[]): Promise<string> {
  return (await aws<{ VersionId: string }>('secretsmanager', 'put-secret-value', '--secret-id', name, '--secret-string', value, ...extra)).VersionId;
}

beforeAll(async () => {
  ns = await freshNamespace('e2e-sel');
  await example('secretstore-default-chain.yaml');
  await waitFor('store Ready', async () => (await readyOf('secretstore', 'aws-secretsmanager', ns))?.status === 'True');
});

// Stop this file's ExternalSecrets (some refresh every few seconds) from loading the operator for the next files.
afterAll(async () => {
  if (ns) await kubectl('delete', 'namespace', ns, '--wait=false');
});

describe.concurrent('Secrets Manager selection', () => {
  it('applies externalsecret-basic.yaml: two properties of a JSON secret', async () => {
    const password = secretValue('basic-pw');
    await createSecret(remote('db'), '--secret-string', JSON.stringify({ username: 'app', password }));
    await example('externalsecret-basic.yaml');
    await waitSynced('db');
    const data = await secretData('db-credentials');
    expect(Object.keys(data).sort()).toEqual(['password', 'username']);
    expect(data.username!.toString()).toBe('app');
    expect(data.password!.toString() === password, 'password key holds the JSON property').toBe(true);
  });

  it('plain string, JMESPath, JSONPath, Base64 decoding and optional entries (externalsecret-selection.yaml)', async () => {
    const token = secretValue('token');
    const primary = secretValue('primary');
    const replica = secretValue('replica');
    // Bytes that are not UTF-8 prove the decoded value is written raw, not re-encoded as text.
    const tlsKey = Buffer.concat([Buffer.from([0x00, 0xff, 0x80, 0x0a]), Buffer.from(secretValue('tls'))]);
    registerSecretValue(tlsKey.toString('base64'));
    await createSecret(remote('api/token'), '--secret-string', token);
    const configVersion = await createSecret(
      remote('api/config'),
      '--secret-string',
      JSON.stringify({
        db: { hosts: [{ role: 'primary', password: primary }, { role: 'replica', password: replica }] },
        tls: { key: tlsKey.toString('base64') },
      }),
    );
    await example('externalsecret-selection.yaml');
    const ready = await waitSynced('api');

    const data = await secretData('api-secrets');
    // Both optional entries are absent in AWS (a missing property, a missing secret): left out.
    expect(Object.keys(data).sort()).toEqual(['primary-password', 'replica-password', 'tls.key', 'token']);
    expect(data.token!.toString() === token, 'token = the whole plain-string secret').toBe(true);
    expect(data['primary-password']!.toString() === primary, 'primary-password = the JMESPath selection').toBe(true);
    expect(data['replica-password']!.toString() === replica, 'replica-password = the JSONPath selection, unquoted').toBe(true);
    expect(data['tls.key']!.equals(tlsKey), 'tls.key = the base64-decoded bytes').toBe(true);

    expect(ready.reason).toBe('SecretSynced');
    expect(ready.message).toMatch(/optional keys not found and left out: .*feature-flag/);
    expect(ready.message).toMatch(/left out: .*overrides/);
    const versions = await syncedVersions('api');
    expect(versions.get('primary-password')).toMatchObject({ remoteKey: remote('api/config'), versionId: configVersion });
    expect(versions.has('feature-flag')).toBe(false);
  });

  it('copies a binary secret byte for byte (externalsecret-binary.yaml)', async () => {
    const bytes = Buffer.concat([randomBytes(64), Buffer.from([0x00, 0xff, 0xfe, 0x00]), Buffer.from(secretValue('bin'))]);
    registerSecretValue(bytes.toString('base64'));
    const file = join(mkdtempSync(join(tmpdir(), 'rotor-e2e-')), 'keystore.p12');
    writeFileSync(file, bytes);
    const versionId = await createSecret(remote('tls/keystore'), '--secret-binary', `fileb://${file}`);
    await example('externalsecret-binary.yaml');
    await waitSynced('keystore');
    const data = await secretData('tls-keystore');
    expect(Object.keys(data)).toEqual(['keystore.p12']);
    expect(data['keystore.p12']!.length).toBe(bytes.length);
    expect(data['keystore.p12']!.equals(bytes), 'keystore.p12 holds the exact SecretBinary bytes').toBe(true);
    expect((await syncedVersions('keystore')).get('keystore.p12')?.versionId).toBe(versionId);
  });

  it('turns a JSON object into keys with dataFrom.extract (externalsecret-extract.yaml)', async () => {
    const url = secretValue('dburl');
    const apiToken = secretValue('apitok');
    const versionId = await createSecret(remote('app/env'), '--secret-string', JSON.stringify({ DATABASE_URL: url, API_TOKEN: apiToken, PORT: 8080, LIMITS: { rps: 5 } }));
    await example('externalsecret-extract.yaml');
    await waitSynced('app-env');
    const data = await secretData('app-env');
    expect(Object.keys(data).sort()).toEqual(['API_TOKEN', 'DATABASE_URL', 'LIMITS', 'PORT']);
    expect(data.DATABASE_URL!.toString() === url, 'DATABASE_URL').toBe(true);
    expect(data.API_TOKEN!.toString() === apiToken, 'API_TOKEN').toBe(true);
    expect(data.PORT!.toString()).toBe('8080');
    expect(JSON.parse(data.LIMITS!.toString())).toEqual({ rps: 5 });
    const versions = await syncedVersions('app-env');
    expect([...versions.keys()].sort()).toEqual(['API_TOKEN', 'DATABASE_URL', 'LIMITS', 'PORT']);
    for (const v of versions.values()) expect(v).toMatchObject({ remoteKey: remote('app/env'), versionId });
  });

  it('reads AWSPREVIOUS and a custom stage label, and follows put-secret-value and update-secret-version-stage (externalsecret-versions.yaml)', async () => {
    const key = remote('db/master');
    const v = [secretValue('v1'), secretValue('v2'), secretValue('v3')];
    const id1 = await createSecret(key, '--secret-string', v[0]!);
    const id2 = await putValue(key, v[1]!);
    await aws('secretsmanager', 'update-secret-version-stage', '--secret-id', key, '--version-stage', 'STABLE', '--move-to-version-id', id1);
    await example('externalsecret-versions.yaml', (doc) => {
      doc.spec.refreshInterval = `${REFRESH_SECONDS}s`;
    });
    await waitSynced('db-master');
    let data = await secretData('db-master');
    expect(data.password!.toString() === v[1], 'password = AWSCURRENT (v2)').toBe(true);
    expect(data['previous-password']!.toString() === v[0], 'previous-password = AWSPREVIOUS (v1)').toBe(true);
    expect(data['stable-password']!.toString() === v[0], 'stable-password = STABLE (v1)').toBe(true);
    let versions = await syncedVersions('db-master');
    expect(versions.get('password')?.versionId).toBe(id2);
    expect(versions.get('previous-password')?.versionId).toBe(id1);
    expect(versions.get('stable-password')?.versionId).toBe(id1);

    // Rotation with put-secret-value: AWSCURRENT -> v3, AWSPREVIOUS -> v2; STABLE stays on v1.
    const id3 = await putValue(key, v[2]!);
    await waitValue('db-master', 'password', v[2]!, 'password follows put-secret-value');
    await waitValue('db-master', 'previous-password', v[1]!, 'previous-password follows AWSPREVIOUS');
    versions = await waitFor('syncedVersions show the new VersionIds', async () => {
      const now = await syncedVersions('db-master');
      return now.get('password')?.versionId === id3 && now.get('previous-password')?.versionId === id2 ? now : undefined;
    });
    expect(versions.get('stable-password')?.versionId).toBe(id1);
    expect((await secretData('db-master'))['stable-password']!.toString() === v[0], 'stable-password still v1').toBe(true);

    // Promote v3 to STABLE: only the custom label moves.
    await aws('secretsmanager', 'update-secret-version-stage', '--secret-id', key, '--version-stage', 'STABLE', '--move-to-version-id', id3, '--remove-from-version-id', id1);
    await waitValue('db-master', 'stable-password', v[2]!, 'stable-password follows the moved STABLE label');
    await waitFor('STABLE VersionId in status', async () => (await syncedVersions('db-master')).get('stable-password')?.versionId === id3);

    // Roll back: move AWSCURRENT to the older v2 (AWS moves AWSPREVIOUS to v3 with it).
    await aws('secretsmanager', 'update-secret-version-stage', '--secret-id', key, '--version-stage', 'AWSCURRENT', '--move-to-version-id', id2, '--remove-from-version-id', id3);
    await waitValue('db-master', 'password', v[1]!, 'password follows AWSCURRENT moved back to an older version');
    versions = await waitFor('rolled-back VersionIds in status', async () => {
      const now = await syncedVersions('db-master');
      return now.get('password')?.versionId === id2 && now.get('previous-password')?.versionId === id3 ? now : undefined;
    });
    data = await secretData('db-master');
    expect(data['previous-password']!.toString() === v[2], 'previous-password = v3 after the rollback').toBe(true);
    const ready = await readyOf('externalsecret', 'db-master', ns);
    expect(ready).toMatchObject({ status: 'True', reason: 'SecretSynced' });
    const events = await kubectl('get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=db-master,reason=Updated', '-o', 'name');
    expect(events.trim().length, 'Updated events on the ExternalSecret').toBeGreaterThan(0);
  });
});
