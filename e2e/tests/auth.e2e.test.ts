// How a store signs its AWS calls: static keys from a Secret, per-store IRSA (TokenRequest +
// AssumeRoleWithWebIdentity), and a role chain (additionalRoles, then role with externalID).
//
// Proof that the intended identity was used: LocalStack keeps one set of secrets per AWS
// account, and derives the account from the credentials (a 12-digit access key id is an
// account; assumed-role credentials belong to the role's account). Each identity here gets
// its own random account, and its secret exists only there: the operator's own identity
// (account 000000000000) cannot read it, so a synced value proves the store's identity
// signed the read. The STS calls themselves are counted with the operator's metrics.
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apply, kubectl, run, secretValue as readSecret } from '../lib/cli.js';
import { freshNamespace, harness, readyOf, secretValue, waitForReady } from '../lib/context.js';
import { applyExample } from '../lib/examples.js';
import { samples, waitForRefreshes } from '../lib/metrics.js';

let ns: string;
const otherNamespaces: string[] = [];
const metricsUrl = inject('rotorEnv').ROTOR_METRICS_URL;

/** A random AWS account id (12 digits, never LocalStack's default 000000000000). */
const randomAccount = () => String(randomInt(100_000_000_000, 999_999_999_999));

/** The AWS CLI signing as `account` (LocalStack reads the account from a 12-digit access key id). */
async function awsAs<T = any>(account: string, ...args: string[]): Promise<T> {
  const { stdout } = await run('env', [`AWS_ACCESS_KEY_ID=${account}`, 'aws', ...args, '--output', 'json']);
  return (stdout.trim() ? JSON.parse(stdout) : {}) as T;
}

async function createRole(account: string, name: string, trust: object): Promise<string> {
  const out = await awsAs<{ Role: { Arn: string } }>(account, 'iam', 'create-role', '--role-name', name, '--assume-role-policy-document', JSON.stringify(trust));
  return out.Role.Arn;
}

/** Sum of rotor_aws_api_calls_total for STS (or another service), optionally one operation. */
async function apiCalls(service: string, operation?: string): Promise<number> {
  return (await samples('rotor_aws_api_calls_total'))
    .filter((s) => s.labels.service === service && (operation === undefined || s.labels.operation === operation))
    .reduce((sum, s) => sum + s.value, 0);
}

function externalSecret(name: string, store: string, remoteKey: string, refreshInterval = '1h') {
  return `
apiVersion: rotor.dev/v1alpha1
kind: ExternalSecret
metadata: {name: ${name}, namespace: ${ns}}
spec:
  refreshInterval: ${refreshInterval}
  secretStoreRef: {name: ${store}, kind: SecretStore}
  target: {name: ${name}}
  data:
    - secretKey: password
      remoteRef: {key: ${remoteKey}, property: password}
`;
}

const waitReady = (kind: string, name: string, namespace = ns) => waitForReady(kind, name, namespace);

const waitNotReady = (kind: string, name: string, namespace = ns) => waitForReady(kind, name, namespace, 'False');

beforeAll(async () => {
  ns = await freshNamespace('e2e-auth');
  // The operator's own identity, for the "cannot read it without the store's identity" controls.
  await applyExample('secretstore-default-chain.yaml', { namespace: ns });
  await waitReady('secretstore', 'aws-secretsmanager');
});

// Stop this file's ExternalSecrets (some refresh every few seconds) from loading the operator for the next files.
afterAll(async () => {
  if (ns) await kubectl('delete', 'namespace', ns, ...otherNamespaces, '--wait=false');
});

describe('store authentication', () => {
  it('static keys: signs with the access keys in the store namespace Secret (secretstore-static-keys.yaml)', async () => {
    const account = randomAccount();
    const password = secretValue('static-pw');
    await awsAs(account, 'secretsmanager', 'create-secret', '--name', `${ns}/static/db`, '--secret-string', JSON.stringify({ password }));
    // LocalStack ignores the secret access key's value; it is still a credential, so treat it as one.
    await kubectl('create', 'secret', 'generic', 'aws-credentials', '-n', ns, `--from-literal=access-key-id=${account}`, `--from-literal=secret-access-key=${secretValue('sak')}`);
    await applyExample('secretstore-static-keys.yaml', { namespace: ns });
    const storeReady = await waitReady('secretstore', 'aws-static-keys');
    expect(storeReady.reason).toBe('Valid');

    await apply(externalSecret('static', 'aws-static-keys', `${ns}/static/db`));
    await waitReady('externalsecret', 'static');
    expect((await readSecret(ns, 'static', 'password')) === password, 'Secret holds the value read with the static keys').toBe(true);

    // Control: the operator's own identity does not see that account's secret.
    await apply(externalSecret('static-control', 'aws-secretsmanager', `${ns}/static/db`));
    const control = await waitNotReady('externalsecret', 'static-control');
    expect(control.reason).toBe('SecretMissing');
  });

  it('per-store IRSA: TokenRequest for the annotated ServiceAccount + AssumeRoleWithWebIdentity (secretstore-irsa.yaml)', async () => {
    const account = randomAccount();
    await createRole(account, 'app-secrets-reader', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity', Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/rotor-e2e` } }],
    });
    const password = secretValue('irsa-pw');
    await awsAs(account, 'secretsmanager', 'create-secret', '--name', `${ns}/irsa/db`, '--secret-string', JSON.stringify({ password }));
    const before = metricsUrl ? await apiCalls('STS', 'AssumeRoleWithWebIdentity') : 0;

    const docs = await applyExample('secretstore-irsa.yaml', { namespace: ns, replace: { '111122223333': account } });
    expect(docs.find((d) => d.kind === 'ServiceAccount')!.metadata.annotations['eks.amazonaws.com/role-arn']).toBe(`arn:aws:iam::${account}:role/app-secrets-reader`);
    expect((await waitReady('secretstore', 'aws-irsa')).reason).toBe('Valid');
    await apply(externalSecret('irsa', 'aws-irsa', `${ns}/irsa/db`));
    await waitReady('externalsecret', 'irsa');
    // Only the role's account holds this secret: the value proves the assumed role signed the read.
    expect((await readSecret(ns, 'irsa', 'password')) === password, 'Secret holds the value read as the IRSA role').toBe(true);
    if (metricsUrl) expect(await apiCalls('STS', 'AssumeRoleWithWebIdentity')).toBeGreaterThan(before);
  });

  it('per-store IRSA: a SecretStore naming a ServiceAccount of another namespace is refused, with no STS call', async () => {
    const other = await freshNamespace('e2e-auth-other');
    otherNamespaces.push(other);
    await kubectl('create', 'serviceaccount', 'borrowed', '-n', other);
    await kubectl('annotate', 'serviceaccount', 'borrowed', '-n', other, 'eks.amazonaws.com/role-arn=arn:aws:iam::000000000000:role/borrowed');
    const before = metricsUrl ? await apiCalls('STS', 'AssumeRoleWithWebIdentity') : 0;
    await apply(`
apiVersion: rotor.dev/v1alpha1
kind: SecretStore
metadata: {name: foreign-sa, namespace: ${ns}}
spec:
  provider:
    aws:
      service: SecretsManager
      region: us-east-1
      endpoint: ${harness().awsEndpointForStores}
      auth:
        jwt:
          serviceAccountRef: {name: borrowed, namespace: ${other}}
`);
    const store = await waitNotReady('secretstore', 'foreign-sa');
    expect(store.reason).toBe('InvalidProviderConfig');
    expect(store.message).toContain('spec.provider.aws.auth.jwt.serviceAccountRef.namespace');
    expect(store.message).toContain(`own namespace (${ns})`);

    await apply(externalSecret('foreign', 'foreign-sa', `${ns}/irsa/db`));
    const es = await waitNotReady('externalsecret', 'foreign');
    expect(es.message).toContain('serviceAccountRef.namespace');
    expect(es.message).toContain(ns);
    await expect(kubectl('get', 'secret', 'foreign', '-n', ns)).rejects.toThrow(/not found/i);
    if (metricsUrl) expect(await apiCalls('STS', 'AssumeRoleWithWebIdentity')).toBe(before);
  });

  it('role chain: additionalRoles then role with externalID (secretstore-assume-role.yaml)', async () => {
    const hopAccount = randomAccount();
    const targetAccount = randomAccount();
    const hopArn = await createRole(hopAccount, 'rotor-hop', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: 'arn:aws:iam::000000000000:root' } }],
    });
    const targetArn = await createRole(targetAccount, 'secrets-reader', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: hopArn }, Condition: { StringEquals: { 'sts:ExternalId': 'rotor-payments-7f3a' } } }],
    });
    const password = secretValue('chain-pw');
    await awsAs(targetAccount, 'secretsmanager', 'create-secret', '--name', `${ns}/chain/db`, '--secret-string', JSON.stringify({ password }));
    const before = metricsUrl ? await apiCalls('STS', 'AssumeRole') : 0;

    const [store] = await applyExample('secretstore-assume-role.yaml', {
      namespace: ns,
      replace: { '111122223333': hopAccount, '444455556666': targetAccount },
    });
    expect(store!.spec.provider.aws).toMatchObject({ additionalRoles: [hopArn], role: targetArn, externalID: 'rotor-payments-7f3a' });
    expect((await waitReady('secretstore', 'aws-cross-account')).reason).toBe('Valid');
    await apply(externalSecret('chain', 'aws-cross-account', `${ns}/chain/db`, '2s'));
    await waitReady('externalsecret', 'chain');
    // Only the last role's account holds the secret: the whole chain ran.
    expect((await readSecret(ns, 'chain', 'password')) === password, 'Secret holds the value read at the end of the chain').toBe(true);
    if (metricsUrl) expect((await apiCalls('STS', 'AssumeRole')) - before).toBeGreaterThanOrEqual(2);
  });

  it.runIf(metricsUrl)('credentials are cached: refreshes in steady state make no STS call', async () => {
    // The stores above (static keys, IRSA, role chain) are resolved; "chain" refreshes every 2 s.
    const stsBefore = await apiCalls('STS');
    const readsBefore = await apiCalls('SecretsManager');
    // Several refreshes (counted by the operator: unchanged refreshes write no status).
    await waitForRefreshes(ns, 'chain', 3, 2_000);
    expect(await readyOf('externalsecret', 'chain', ns)).toMatchObject({ status: 'True' });
    expect(await apiCalls('SecretsManager'), 'refreshes read from AWS').toBeGreaterThan(readsBefore);
    expect(await apiCalls('STS'), 'STS calls during steady-state refreshes').toBe(stsBefore);
  });
});
