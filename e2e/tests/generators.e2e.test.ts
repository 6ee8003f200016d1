// ESO's generators (generators.rotor.dev) and per-entry stores (sourceRef.storeRef), from
// examples/generator-*.yaml and examples/externalsecret-multiple-stores.yaml:
//   - Password into a Secret (no AWS at all);
//   - STSSessionToken against LocalStack's STS (GetSessionToken with an IAM user's keys from a Secret);
//   - ECRAuthorizationToken: LocalStack 4.14 does not serve ECR (not in its free tier), so the
//     example is applied as users do and the ExternalSecret must report GeneratorFailed naming
//     the call, with no Secret written; the token's keys and the wire format are covered by
//     operator/test/aws/generators/ecr.test.ts against a local endpoint;
//   - one Secret from a Secrets Manager store and a Parameter Store store.
import { beforeAll, describe, expect, it } from 'vitest';
import { apply, aws, kubectl, kubectlJson } from '../lib/cli.js';
import { freshNamespace, readyOf, registerSecretValue, secretValue, statusOf, waitForReady } from '../lib/context.js';
import { applyExample } from '../lib/examples.js';
import { waitFor } from '../lib/wait.js';

let ns: string;

async function decoded(name: string): Promise<Record<string, string>> {
  const secret = await kubectlJson<{ type: string; data?: Record<string, string> }>('get', 'secret', name, '-n', ns);
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

beforeAll(async () => {
  ns = await freshNamespace('e2e-gen');
});

describe('generators', () => {
  it('Password: a generated password in a Secret, generated once with refreshInterval "0"', async () => {
    await applyExample('generator-password.yaml', { namespace: ns });
    await waitForReady('externalsecret', 'db-admin', ns);
    const data = await decoded('db-admin');
    registerSecretValue(data.password!);
    expect(Object.keys(data).sort()).toEqual(['password', 'username']);
    expect(data.username).toBe('admin');
    expect(data.password).toHaveLength(32);
    expect([...data.password!].filter((c) => /[0-9]/.test(c))).toHaveLength(6);
    expect([...data.password!].filter((c) => '-_.+'.includes(c))).toHaveLength(4);
    // Status carries no value; no generated expiry for a password.
    const status = await statusOf('externalsecret', 'db-admin', ns);
    expect(JSON.stringify(status)).not.toContain(data.password);
    expect(status.generatedExpiresAt).toBeUndefined();
  });

  it('STSSessionToken: GetSessionToken against LocalStack, keys from a Secret of the namespace', async () => {
    await kubectl('create', 'secret', 'generic', 'ci-user-keys', '-n', ns, '--from-literal=access-key-id=test', '--from-literal=secret-access-key=test');
    await applyExample('generator-sts-session-token.yaml', { namespace: ns });
    await waitForReady('externalsecret', 'ci-aws-session', ns);
    const data = await decoded('ci-aws-session');
    for (const v of Object.values(data)) registerSecretValue(v);
    expect(Object.keys(data).sort()).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']);
    expect(data.AWS_ACCESS_KEY_ID).toMatch(/^[A-Z0-9]{16,}$/);
    expect(data.AWS_SESSION_TOKEN!.length).toBeGreaterThan(10);
    // The session expires: status says when, and the refresh comes before it.
    const status = await statusOf('externalsecret', 'ci-aws-session', ns);
    expect(Date.parse(status.generatedExpiresAt)).toBeGreaterThan(Date.now());
  });

  it('ECRAuthorizationToken: LocalStack has no ECR, so GeneratorFailed names the call and no Secret is written', async () => {
    await applyExample('generator-ecr-dockerconfigjson.yaml', { namespace: ns });
    const ready = await waitFor('ecr-pull GeneratorFailed', async () => {
      const r = await readyOf('externalsecret', 'ecr-pull', ns);
      return r?.status === 'False' ? r : undefined;
    });
    expect(ready.reason).toBe('GeneratorFailed');
    expect(ready.message).toMatch(/spec\.dataFrom\[0\]\.sourceRef\.generatorRef: ECRAuthorizationToken .*\/ecr-login: .*GetAuthorizationToken/);
    const secrets = await kubectl('get', 'secrets', '-n', ns, '-o', 'name');
    expect(secrets).not.toContain('secret/ecr-pull');
  });

  it('an unknown generator is GeneratorNotFound, and the ExternalSecret syncs once it is created', async () => {
    await apply(
      JSON.stringify({
        apiVersion: 'rotor.dev/v1alpha1',
        kind: 'ExternalSecret',
        metadata: { name: 'late', namespace: ns },
        spec: { refreshInterval: '1h', dataFrom: [{ sourceRef: { generatorRef: { kind: 'Password', name: 'late-pw' } } }] },
      }),
    );
    const missing = await waitForReady('externalsecret', 'late', ns, 'False');
    expect(missing.reason).toBe('GeneratorNotFound');
    expect(missing.message).toContain(`Password ${ns}/late-pw not found`);
    await apply(JSON.stringify({ apiVersion: 'generators.rotor.dev/v1alpha1', kind: 'Password', metadata: { name: 'late-pw', namespace: ns }, spec: { length: 20 } }));
    // Generator objects are not watched: the failed pass is retried with backoff.
    await waitForReady('externalsecret', 'late', ns, 'True', { timeoutMs: 90_000 });
    expect((await decoded('late')).password).toHaveLength(20);
  });

  it('the API server refuses a Password that cannot be generated, naming the fields', async () => {
    const refused = await apply(
      JSON.stringify({ apiVersion: 'generators.rotor.dev/v1alpha1', kind: 'Password', metadata: { name: 'impossible', namespace: ns }, spec: { length: 8, digits: 5, symbols: 5 } }),
    ).catch((e: Error) => e.message);
    expect(refused).toContain('spec: digits + symbols must not exceed length');
  });
});

describe('sourceRef.storeRef', () => {
  it('one Secret from a Secrets Manager store and a Parameter Store store', async () => {
    await applyExample('secretstore-default-chain.yaml', { namespace: ns });
    await applyExample('parameterstore-secretstore.yaml', { namespace: ns });
    const password = secretValue('multi');
    await aws('secretsmanager', 'create-secret', '--name', `${ns}/app/db`, '--secret-string', JSON.stringify({ password }));
    await aws('ssm', 'put-parameter', '--name', `/${ns}/app/flags`, '--type', 'String', '--value', JSON.stringify({ beta: 'on' }));
    await applyExample('externalsecret-multiple-stores.yaml', { namespace: ns, replace: { 'prod/app/': `${ns}/app/` } });
    await waitForReady('externalsecret', 'app-config', ns);
    const data = await decoded('app-config');
    expect(Object.keys(data).sort()).toEqual(['DB_PASSWORD', 'beta']);
    expect(data.DB_PASSWORD === password, 'DB_PASSWORD from Secrets Manager').toBe(true);
    expect(data.beta).toBe('on');
    const status = await statusOf('externalsecret', 'app-config', ns);
    expect(status.syncedVersions.map((v: { remoteKey: string }) => v.remoteKey).sort()).toEqual([`/${ns}/app/flags`, `${ns}/app/db`]);
  });

  it('an entry naming a missing store fails with StoreNotFound naming the entry', async () => {
    await apply(
      JSON.stringify({
        apiVersion: 'rotor.dev/v1alpha1',
        kind: 'ExternalSecret',
        metadata: { name: 'bad-entry-store', namespace: ns },
        spec: { data: [{ secretKey: 'x', remoteRef: { key: 'k' }, sourceRef: { storeRef: { name: 'nope' } } }] },
      }),
    );
    const ready = await waitForReady('externalsecret', 'bad-entry-store', ns, 'False');
    expect(ready.reason).toBe('StoreNotFound');
    expect(ready.message).toContain('spec.data[0].sourceRef.storeRef');
  });
});
