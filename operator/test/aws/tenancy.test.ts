// Issue #15 items 2, 3 and 13: what a namespaced store may ask of the operator is decided by the
// chart. The endpoints here are real HTTP servers on loopback that count what reaches them.
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { STORE_REASON, type AwsProvider, type SecretStore, type SecretStoreStatus } from '../../src/api/types.js';
import { AwsClientFactory } from '../../src/aws/clients.js';
import { CredentialResolver } from '../../src/aws/credentials.js';
import { EndpointPolicy, isAwsServiceEndpoint, parseEndpointPattern } from '../../src/aws/endpoint-policy.js';
import { ProviderFactory } from '../../src/aws/provider-factory.js';
import { tenancyProblems, type TenancyPolicy } from '../../src/aws/tenancy.js';
import { StoreReconciler } from '../../src/controller/store/reconciler.js';
import { FakeCredentialSources, makeStore, silentLogger } from './helpers.js';
import { LocalEndpoint, json } from './local-endpoint.js';

function policy(overrides: Partial<TenancyPolicy> = {}, patterns: string[] = [], env: Record<string, string> = {}): TenancyPolicy {
  return { endpoints: new EndpointPolicy({ env, patterns }), operatorIdentity: 'AllStores', tokenAudiences: ['sts.amazonaws.com'], ...overrides };
}

describe('the endpoint allow-list', () => {
  it.each([
    'https://secretsmanager.eu-west-1.amazonaws.com',
    'https://secretsmanager-fips.us-gov-west-1.amazonaws.com',
    'https://ssm.cn-north-1.amazonaws.com.cn',
    'https://secretsmanager.us-east-1.api.aws',
    'https://vpce-0a1b2c3d4e5f-abcdefgh.secretsmanager.eu-west-1.vpce.amazonaws.com',
    'https://ssm.us-iso-east-1.c2s.ic.gov:443/',
  ])('allows AWS own endpoint %s', (endpoint) => {
    expect(isAwsServiceEndpoint(endpoint)).toBe(true);
    expect(new EndpointPolicy({ env: {}, patterns: [] }).allows(endpoint)).toBe(true);
  });

  it.each([
    ['plain http to an AWS host', 'http://secretsmanager.eu-west-1.amazonaws.com'],
    ['another port', 'https://secretsmanager.eu-west-1.amazonaws.com:8443'],
    ['an API Gateway (customer-run)', 'https://abc123.execute-api.eu-west-1.amazonaws.com'],
    ['an S3 bucket named like the service', 'https://secretsmanager.eu-west-1.s3.amazonaws.com'],
    ['a load balancer', 'https://secretsmanager-1.eu-west-1.elb.amazonaws.com'],
    ['a look-alike suffix', 'https://secretsmanager.eu-west-1.amazonaws.com.evil.example'],
    ['a tenant server', 'http://10.0.0.5:8080'],
    ['not a URL', 'secretsmanager.eu-west-1.amazonaws.com'],
  ])('refuses %s', (_what, endpoint) => {
    expect(new EndpointPolicy({ env: {}, patterns: [] }).allows(endpoint)).toBe(false);
  });

  it("allows the operator's own configured endpoints, by exact scheme, host and port", () => {
    const env = { AWS_ENDPOINT_URL: 'http://localstack.localstack.svc:4566', AWS_ENDPOINT_URL_SSM: 'https://ssm.corp.internal' };
    const endpoints = new EndpointPolicy({ env, patterns: [] });
    expect(endpoints.allows('http://localstack.localstack.svc:4566')).toBe(true);
    expect(endpoints.allows('http://LocalStack.localstack.svc:4566/')).toBe(true);
    expect(endpoints.allows('https://ssm.corp.internal:443')).toBe(true);
    expect(endpoints.allows('http://localstack.localstack.svc:4567')).toBe(false);
    expect(endpoints.allows('https://localstack.localstack.svc:4566')).toBe(false);
    expect(endpoints.allows('http://ssm.corp.internal')).toBe(false);
  });

  it('allows the chart patterns: exact origins, *. host wildcards, :* any port', () => {
    const endpoints = new EndpointPolicy({ env: {}, patterns: ['https://*.example.internal', 'http://127.0.0.1:*', 'https://vault.corp:8443'] });
    expect(endpoints.allows('https://sm.team-a.example.internal')).toBe(true);
    expect(endpoints.allows('https://example.internal')).toBe(false);
    expect(endpoints.allows('http://sm.example.internal')).toBe(false);
    expect(endpoints.allows('https://sm.example.internal.evil.example')).toBe(false);
    expect(endpoints.allows('http://127.0.0.1:1')).toBe(true);
    expect(endpoints.allows('http://127.0.0.2:1')).toBe(false);
    expect(endpoints.allows('https://vault.corp:8443')).toBe(true);
    expect(endpoints.allows('https://vault.corp')).toBe(false);
    expect(() => parseEndpointPattern('https://vault.corp/path')).toThrow(/not an endpoint pattern/);
  });
});

describe('tenancyProblems', () => {
  it('a ClusterSecretStore (made by an admin) may name any endpoint; a SecretStore may not, failoverEndpoint included', () => {
    const aws = { endpoint: 'http://10.0.0.5:8080', failoverRegion: 'eu-central-1', failoverEndpoint: 'http://10.0.0.6' };
    expect(tenancyProblems(makeStore(aws, { kind: 'ClusterSecretStore' }), policy())).toEqual([]);
    const problems = tenancyProblems(makeStore(aws), policy());
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('spec.provider.aws.endpoint "http://10.0.0.5:8080" is not allowed for a SecretStore');
    expect(problems[0]).toContain('tenancy.allowedEndpoints');
    expect(problems[1]).toContain('spec.provider.aws.failoverEndpoint');
  });

  it('ClusterSecretStoresOnly: a SecretStore without auth, or with only role, is refused naming the chart value; auth.jwt / auth.secretRef pass', () => {
    const only = policy({ operatorIdentity: 'ClusterSecretStoresOnly' });
    expect(tenancyProblems(makeStore({}), only)).toEqual([expect.stringContaining('tenancy.operatorIdentity: ClusterSecretStoresOnly')]);
    expect(tenancyProblems(makeStore({}), only)[0]).toContain('set spec.provider.aws.auth.jwt (per-store IRSA) or spec.provider.aws.auth.secretRef');
    expect(tenancyProblems(makeStore({ role: 'arn:aws:iam::1:role/r' }), only)[0]).toContain('role alone is assumed with the operator identity');
    expect(tenancyProblems(makeStore({}, { kind: 'ClusterSecretStore' }), only)).toEqual([]);
    expect(tenancyProblems(makeStore({ auth: { jwt: { serviceAccountRef: { name: 'sa' } } } }), only)).toEqual([]);
    expect(tenancyProblems(makeStore({}), policy())).toEqual([]);
  });

  it('a token audience outside the chart list is refused, naming the field and the chart value', () => {
    const store = makeStore({ auth: { jwt: { serviceAccountRef: { name: 'sa', audiences: ['sts.amazonaws.com', 'https://tenant.example'] } } } });
    expect(tenancyProblems(store, policy())).toEqual([expect.stringMatching(/^spec\.provider\.aws\.auth\.jwt\.serviceAccountRef\.audiences: "https:\/\/tenant\.example" not allowed.*tenancy\.tokenAudiences/)]);
    expect(tenancyProblems(store, policy({ tokenAudiences: ['sts.amazonaws.com', 'https://tenant.example'] }))).toEqual([]);
  });
});

// --- Real servers: the tenant's endpoint and the operator's own STS ---------------------------

let servers: LocalEndpoint[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function tenantServer(): Promise<LocalEndpoint> {
  const server = await LocalEndpoint.start((_req, res, _body) => json(res, 200, { SecretList: [] }));
  servers.push(server);
  return server;
}

function stsAnswer(res: ServerResponse, body: string): void {
  const action = new URLSearchParams(body).get('Action') ?? '';
  res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': 'sts-1' });
  res.end(
    `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result><Credentials>` +
      `<AccessKeyId>AKID${action.length}</AccessKeyId><SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>` +
      `</Credentials></${action}Result><ResponseMetadata><RequestId>sts-1</RequestId></ResponseMetadata></${action}Response>`,
  );
}

function factoryFor(tenancy: TenancyPolicy, stsEndpoint?: string) {
  const sources = new FakeCredentialSources().setServiceAccount('team-a', 'reader', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/reader' });
  const clients = new AwsClientFactory({ maxAttempts: 1 });
  const credentials = new CredentialResolver({
    sources,
    clients,
    logger: silentLogger,
    defaultChain: async () => ({ accessKeyId: 'OPERATOR', secretAccessKey: 'OPERATORSECRET' }),
    ...(stsEndpoint ? { stsEndpoint } : {}),
  });
  return { factory: new ProviderFactory({ credentials, clients, logger: silentLogger, tenancy }), sources, clients };
}

describe('a refused store sends nothing', () => {
  it("a SecretStore naming the tenant's endpoint: Ready=False InvalidProviderConfig naming the field and chart value; no request reaches it", async () => {
    const tenant = await tenantServer();
    const { factory, clients } = factoryFor(policy());
    const store = makeStore({ endpoint: tenant.url });
    const written: SecretStoreStatus[] = [];
    const reconciler = new StoreReconciler({
      get: () => store,
      providers: factory,
      status: { store: async (_k: unknown, _n: unknown, _name: unknown, status: SecretStoreStatus) => void written.push(status) } as never,
      events: { record: async () => undefined } as never,
      clock: { now: () => Date.now() },
      logger: silentLogger,
      revalidateAfterMs: 60_000,
    });
    await reconciler.reconcile('SecretStore', 'team-a', 'aws-store');
    const ready = written.at(-1)?.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: STORE_REASON.InvalidProviderConfig });
    expect(ready?.message).toContain(`spec.provider.aws.endpoint "${tenant.url}" is not allowed`);
    expect(ready?.message).toContain('tenancy.allowedEndpoints');
    expect(tenant.requests).toHaveLength(0);
    clients.destroy();
  });

  it('the same endpoint allowed by the chart is used (the server counts the request)', async () => {
    const tenant = await tenantServer();
    const { factory, clients } = factoryFor(policy({}, [tenant.url]));
    await (await factory.forStore(makeStore({ endpoint: tenant.url }))).provider.validate();
    expect(tenant.requests.map((r) => r.target)).toEqual(['secretsmanager.ListSecrets']);
    clients.destroy();
  });
});

describe('STS calls never go to the store endpoint', () => {
  const irsa: Partial<AwsProvider> = { auth: { jwt: { serviceAccountRef: { name: 'reader' } } }, role: 'arn:aws:iam::2:role/next' };

  it("per-store IRSA + role on an allowed tenant endpoint: the token and AssumeRole go to the operator's STS, only the signed read to the endpoint", async () => {
    const tenant = await tenantServer();
    const sts = await LocalEndpoint.start((_req, res, body) => stsAnswer(res, body));
    servers.push(sts);
    // Worst case: the admin allowed the tenant's endpoint. The token must still not go there.
    const { factory, clients, sources } = factoryFor(policy({}, [tenant.url]), sts.url);
    const store: SecretStore = makeStore({ ...irsa, endpoint: tenant.url });
    await (await factory.forStore(store)).provider.validate();

    expect(sources.tokenRequests).toEqual([expect.objectContaining({ audiences: ['sts.amazonaws.com'] })]);
    expect(sts.requests.map((r) => new URLSearchParams(r.body).get('Action'))).toEqual(['AssumeRoleWithWebIdentity', 'AssumeRole']);
    expect(sts.requests[0]?.body).toContain('token-for-team-a-reader');
    // The tenant saw one read, signed with the final role's credentials, and nothing token-bearing.
    expect(tenant.requests).toHaveLength(1);
    expect(tenant.requests[0]?.target).toBe('secretsmanager.ListSecrets');
    expect(tenant.requests[0]?.authorization).toContain('Credential=AKID10/');
    for (const r of tenant.requests) {
      expect(r.body).not.toContain('token-for-');
      expect(r.body).not.toContain('AssumeRole');
    }
    clients.destroy();
  });

  it('a ClusterSecretStore with an endpoint: STS still goes to STS', async () => {
    const tenant = await tenantServer();
    const sts = await LocalEndpoint.start((_req, res, body) => stsAnswer(res, body));
    servers.push(sts);
    const { factory, clients } = factoryFor(policy(), sts.url);
    const store = makeStore({ ...irsa, auth: { jwt: { serviceAccountRef: { name: 'reader', namespace: 'team-a' } } }, endpoint: tenant.url }, { kind: 'ClusterSecretStore' });
    await (await factory.forStore(store)).provider.validate();
    expect(sts.requests).toHaveLength(2);
    expect(tenant.requests.map((r) => r.target)).toEqual(['secretsmanager.ListSecrets']);
    clients.destroy();
  });

  it('a store asking for another audience gets no token at all', async () => {
    const sts = await LocalEndpoint.start((_req, res, body) => stsAnswer(res, body));
    servers.push(sts);
    const { factory, clients, sources } = factoryFor(policy(), sts.url);
    const store = makeStore({ auth: { jwt: { serviceAccountRef: { name: 'reader', audiences: ['https://tenant.example'] } } } });
    await expect(factory.forStore(store)).rejects.toThrow(/serviceAccountRef\.audiences: "https:\/\/tenant\.example" not allowed/);
    expect(sources.tokenRequests).toHaveLength(0);
    expect(sts.requests).toHaveLength(0);
    clients.destroy();
  });
});
