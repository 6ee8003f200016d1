// SSM Parameter Store the way users fill it: `aws ssm put-parameter` (String, StringList,
// SecureString with the default KMS key) under a hierarchical path, labels with
// `aws ssm label-parameter-version`, and the Secrets Manager reference form. Every
// ExternalSecret here comes from examples/parameterstore-*.yaml.
import { beforeAll, describe, expect, it } from 'vitest';
import { aws, kubectl, kubectlJson, secretValue as readSecret } from '../lib/cli.js';
import { freshNamespace, readyOf, secretValue, statusOf } from '../lib/context.js';
import { applyExample } from '../lib/examples.js';
import { waitFor } from '../lib/wait.js';

let ns: string;
/** The examples' /production/ hierarchy, moved under this file's namespace. */
const param = (suffix: string) => `/${ns}/api/${suffix}`;
const example = (file: string, edit?: (doc: Record<string, any>) => void) =>
  applyExample(file, { namespace: ns, replace: { '/production/': `/${ns}/` }, ...(edit ? { edit } : {}) });

interface SyncedVersion {
  key: string;
  remoteKey: string;
  version?: number;
  versionId?: string;
}

async function putParameter(name: string, type: 'String' | 'StringList' | 'SecureString', value: string, overwrite = false): Promise<number> {
  const out = await aws<{ Version: number }>('ssm', 'put-parameter', '--name', name, '--type', type, '--value', value, ...(overwrite ? ['--overwrite'] : []));
  return out.Version;
}

async function waitSynced(name: string) {
  return waitFor(`${name} Ready`, async () => {
    const ready = await readyOf('externalsecret', name, ns);
    if (ready?.status === 'False') throw new Error(`${ready.reason}: ${ready.message}`);
    return ready?.status === 'True' ? ready : undefined;
  });
}

beforeAll(async () => {
  ns = await freshNamespace('e2e-ps');
  await example('parameterstore-secretstore.yaml');
  await waitFor('store Ready', async () => (await readyOf('secretstore', 'aws-parameterstore', ns))?.status === 'True');
});

describe('SSM Parameter Store -> Kubernetes Secret', () => {
  const passwords: string[] = [];

  it('reads String, StringList and SecureString by name, by version number and by label', async () => {
    for (let i = 0; i < 3; i++) passwords.push(secretValue(`pw${i + 1}`));
    expect(await putParameter(param('db-password'), 'SecureString', passwords[0]!)).toBe(1);
    expect(await putParameter(param('db-password'), 'SecureString', passwords[1]!, true)).toBe(2);
    expect(await putParameter(param('db-password'), 'SecureString', passwords[2]!, true)).toBe(3);
    await aws('ssm', 'label-parameter-version', '--name', param('db-password'), '--parameter-version', '2', '--labels', 'stable');
    await putParameter(param('db-host'), 'String', 'db.internal.example.com');
    await putParameter(param('allowed-hosts'), 'StringList', 'a.example.com,b.example.com');
    // Stored encrypted with the default key (alias/aws/ssm): without decryption AWS returns
    // ciphertext (LocalStack 4.14: "kms:alias/aws/ssm:<value>"), so the Secret holding the plain
    // value proves Rotor reads WithDecryption.
    const raw = await aws('ssm', 'get-parameter', '--name', param('db-password'));
    expect(raw.Parameter.Type).toBe('SecureString');
    expect(raw.Parameter.Value === passwords[2], 'get-parameter without --with-decryption returned the plain value').toBe(false);

    await example('parameterstore-externalsecret.yaml', (doc) => {
      doc.spec.refreshInterval = '5s';
    });
    await waitSynced('api');
    expect(await readSecret(ns, 'api-config', 'db-password')).toBe(passwords[2]);
    expect(await readSecret(ns, 'api-config', 'db-password-v1')).toBe(passwords[0]);
    expect(await readSecret(ns, 'api-config', 'db-password-stable')).toBe(passwords[1]);
    expect(await readSecret(ns, 'api-config', 'db-host')).toBe('db.internal.example.com');
    expect(await readSecret(ns, 'api-config', 'allowed-hosts')).toBe('a.example.com,b.example.com');

    const status = await statusOf<{ syncedVersions: SyncedVersion[] }>('externalsecret', 'api', ns);
    const versionOf = (key: string) => status.syncedVersions.find((v) => v.key === key);
    expect(versionOf('db-password')).toMatchObject({ remoteKey: param('db-password'), version: 3 });
    expect(versionOf('db-password-v1')?.version).toBe(1);
    expect(versionOf('db-password-stable')?.version).toBe(2);
    expect(versionOf('db-host')?.version).toBe(1);
    // The Version column (kubectl get -o wide): the first key's version, then how many others.
    const table = await kubectl('get', 'externalsecret', 'api', '-n', ns, '-o', 'wide');
    expect(table).toMatch(/VERSION/);
    expect(table).toMatch(/\sv3 \+4\s/);
  });

  it('follows a new parameter version within the refresh interval and records its number', async () => {
    const next = secretValue('pw4');
    expect(await putParameter(param('db-password'), 'SecureString', next, true)).toBe(4);
    const started = Date.now();
    await waitFor('new version synced', async () => (await readSecret(ns, 'api-config', 'db-password')) === next, { timeoutMs: 30_000 });
    // refreshInterval 5s + the operator's 10 s read cache bound the delay.
    expect(Date.now() - started).toBeLessThan(30_000);
    const status = await waitFor('version 4 in status', async () => {
      const s = await statusOf<{ syncedVersions?: SyncedVersion[] }>('externalsecret', 'api', ns);
      return s.syncedVersions?.find((v) => v.key === 'db-password')?.version === 4 ? s : undefined;
    });
    // Pinned version and label did not move.
    expect(status.syncedVersions!.find((v) => v.key === 'db-password-v1')?.version).toBe(1);
    expect(status.syncedVersions!.find((v) => v.key === 'db-password-stable')?.version).toBe(2);
    expect(await readSecret(ns, 'api-config', 'db-password-stable')).toBe(passwords[1]);
  });

  it('moving a label to another version is followed', async () => {
    await aws('ssm', 'label-parameter-version', '--name', param('db-password'), '--parameter-version', '4', '--labels', 'stable');
    await waitFor('label move followed', async () => (await readSecret(ns, 'api-config', 'db-password-stable')) === (await readSecret(ns, 'api-config', 'db-password')), {
      timeoutMs: 30_000,
    });
    await waitFor('label version 4 in status', async () => {
      const s = await statusOf<{ syncedVersions?: SyncedVersion[] }>('externalsecret', 'api', ns);
      return s.syncedVersions?.find((v) => v.key === 'db-password-stable')?.version === 4;
    });
  });

  it('reports a missing version or label clearly', async () => {
    await kubectl(
      'patch', 'externalsecret', 'api', '-n', ns, '--type', 'json', '-p',
      JSON.stringify([{ op: 'add', path: '/spec/data/-', value: { secretKey: 'nope', remoteRef: { key: param('db-password'), version: 'no-such-label' } } }]),
    );
    const ready = await waitFor('not Ready', async () => {
      const r = await readyOf('externalsecret', 'api', ns);
      return r?.status === 'False' ? r : undefined;
    });
    expect(ready.reason).toBe('SecretMissing');
    expect(ready.message).toContain(param('db-password'));
    expect(ready.message).toContain('no-such-label');
    // The last good Secret stays.
    expect(await readSecret(ns, 'api-config', 'db-host')).toBe('db.internal.example.com');
    await kubectl('patch', 'externalsecret', 'api', '-n', ns, '--type', 'json', '-p', JSON.stringify([{ op: 'remove', path: '/spec/data/5' }]));
    await waitSynced('api');
  });

  it('dataFrom.find.path reads a whole hierarchy (paginated) with keys from the names', async () => {
    // 12 parameters (more than one GetParametersByPath page of 10), nested two levels deep.
    const expected = new Map<string, string>();
    const names = ['log-level', 'timeout', 'feature-a', 'feature-b', 'feature-c', 'feature-d', 'feature-e', 'region', 'smtp/host', 'smtp/user', 'smtp/password', 'cache/redis/url'];
    await Promise.all(
      names.map(async (suffix, i) => {
        const value = suffix.includes('password') ? secretValue('smtp') : `value-${i}`;
        await putParameter(param(`config/${suffix}`), suffix.includes('password') ? 'SecureString' : 'String', value);
        expected.set(suffix.replaceAll('/', '_'), value);
      }),
    );
    // Outside the path (a sibling whose name only shares the prefix text): must not be picked up.
    await putParameter(param('configuration-extra'), 'String', 'outside');

    await example('parameterstore-find-path.yaml', (doc) => {
      doc.spec.refreshInterval = '5s';
    });
    await waitSynced('api-settings');
    const secret = await kubectlJson<{ data: Record<string, string> }>('get', 'secret', 'api-settings', '-n', ns);
    expect(Object.keys(secret.data).sort()).toEqual([...expected.keys()].sort());
    for (const [key, value] of expected) expect(Buffer.from(secret.data[key]!, 'base64').toString('utf8'), key).toBe(value);
    const status = await statusOf<{ syncedVersions: SyncedVersion[] }>('externalsecret', 'api-settings', ns);
    expect(status.syncedVersions).toHaveLength(names.length);
    expect(status.syncedVersions.find((v) => v.key === 'smtp_password')).toMatchObject({ remoteKey: param('config/smtp/password'), version: 1 });

    // A parameter added under the path later appears on the next refresh.
    await putParameter(param('config/added-later'), 'String', 'late');
    await waitFor('new parameter found', async () => (await readSecret(ns, 'api-settings', 'added-later')) === 'late', { timeoutMs: 30_000 });
  });

  it('reads a Secrets Manager secret through /aws/reference/secretsmanager/<name>', async () => {
    const password = secretValue('refpw');
    await aws('secretsmanager', 'create-secret', '--name', `${ns}/api/db`, '--secret-string', JSON.stringify({ username: 'api', password }));
    await example('parameterstore-secretsmanager-reference.yaml');
    await waitSynced('api-db-via-ssm');
    expect(await readSecret(ns, 'api-db', 'password')).toBe(password);
    expect(await readSecret(ns, 'api-db', 'username')).toBe('api');
    const status = await statusOf<{ syncedVersions: SyncedVersion[] }>('externalsecret', 'api-db-via-ssm', ns);
    expect(status.syncedVersions.map((v) => v.remoteKey)).toContain(`/aws/reference/secretsmanager/${ns}/api/db`);
  });
});
