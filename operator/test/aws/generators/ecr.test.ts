// The ECRAuthorizationToken generator: ESO's output keys from a fake SDK client (private and
// public), its error mapping, and the SDK's wire format against a local HTTP endpoint
// (LocalStack 4.14's ECR is not in its free tier: docs/generators.md).
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { ECRPUBLICClient, GetAuthorizationTokenCommand as GetPublicTokenCommand } from '@aws-sdk/client-ecr-public';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsClientFactory } from '../../../src/aws/clients.js';
import { generateEcrToken } from '../../../src/aws/generators/ecr.js';
import { GeneratorError } from '../../../src/api/generator.js';
import { awsError } from '../helpers.js';
import { LocalEndpoint } from '../local-endpoint.js';

const identity = { identityKey: 'test-identity', credentials: async () => ({ accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }) };
const token = Buffer.from('AWS:the-registry-password').toString('base64');
const expiresAt = new Date('2030-01-01T12:00:00Z');

describe('ECRAuthorizationToken (fake SDK client)', () => {
  const ecr = mockClient(ECRClient);
  const ecrPublic = mockClient(ECRPUBLICClient);
  beforeEach(() => {
    ecr.reset();
    ecrPublic.reset();
  });
  afterAll(() => {
    ecr.restore();
    ecrPublic.restore();
  });

  it('private: username, password, proxy_endpoint, expires_at (Unix seconds) and expiresAt', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [{ authorizationToken: token, expiresAt, proxyEndpoint: 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com' }] });
    const out = await generateEcrToken(new AwsClientFactory(), identity, { region: 'eu-west-1' });
    expect(Object.fromEntries(Object.entries(out.data).map(([k, v]) => [k, v.toString()]))).toEqual({
      username: 'AWS',
      password: 'the-registry-password',
      proxy_endpoint: 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      expires_at: String(Date.parse('2030-01-01T12:00:00Z') / 1000),
    });
    expect(out.expiresAt).toEqual(expiresAt);
    expect(ecr.commandCalls(GetAuthorizationTokenCommand)).toHaveLength(1);
    expect(ecrPublic.calls()).toHaveLength(0);
  });

  it('public: ECR Public in us-east-1, no proxy_endpoint (as ESO)', async () => {
    ecrPublic.on(GetPublicTokenCommand).resolves({ authorizationData: { authorizationToken: token, expiresAt } });
    const clients = new AwsClientFactory();
    const spy = vi.spyOn(clients, 'ecrPublic');
    const out = await generateEcrToken(clients, identity, { region: 'eu-west-1', scope: 'public' });
    expect(Object.keys(out.data).sort()).toEqual(['expires_at', 'password', 'username']);
    expect(spy.mock.calls[0]![0].region).toBe('us-east-1');
    expect(ecr.calls()).toHaveLength(0);
  });

  it('refuses a token that is not "<user>:<password>" without quoting it', async () => {
    const bad = Buffer.from('no-colon-secret-value').toString('base64');
    ecr.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [{ authorizationToken: bad, expiresAt, proxyEndpoint: 'https://x' }] });
    const error = await generateEcrToken(new AwsClientFactory(), identity, { region: 'eu-west-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GeneratorError);
    expect((error as Error).message).not.toContain('no-colon-secret-value');
    expect((error as Error).message).not.toContain(bad);
  });

  it('refuses more or fewer than one authorization token (as ESO)', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [] });
    await expect(generateEcrToken(new AwsClientFactory(), identity, { region: 'eu-west-1' })).rejects.toThrow(/0 authorization tokens, expected 1/);
  });

  it('AccessDenied names the IAM action (ecr:GetAuthorizationToken); public adds sts:GetServiceBearerToken', async () => {
    ecr.on(GetAuthorizationTokenCommand).rejects(awsError('AccessDeniedException', 'not authorized', 400));
    const privateError = (await generateEcrToken(new AwsClientFactory(), identity, { region: 'eu-west-1' }).catch((e: unknown) => e)) as GeneratorError;
    expect(privateError.reason).toBe('GeneratorFailed');
    expect(privateError.message).toMatch(/ecr:GetAuthorizationToken/);
    ecrPublic.on(GetPublicTokenCommand).rejects(awsError('AccessDeniedException', 'not authorized', 400));
    const publicError = (await generateEcrToken(new AwsClientFactory(), identity, { region: 'eu-west-1', scope: 'public' }).catch((e: unknown) => e)) as GeneratorError;
    expect(publicError.message).toMatch(/ecr-public:GetAuthorizationToken/);
    expect(publicError.message).toMatch(/sts:GetServiceBearerToken/);
  });

  it('throttling is retryable', async () => {
    ecr.on(GetAuthorizationTokenCommand).rejects(awsError('ThrottlingException', 'slow down', 400));
    const error = (await generateEcrToken(new AwsClientFactory(), identity, { region: 'eu-west-1' }).catch((e: unknown) => e)) as GeneratorError;
    expect(error.retryable).toBe(true);
  });
});

describe('ECRAuthorizationToken on the wire (local endpoint playing ECR)', () => {
  let endpoint: LocalEndpoint;
  afterEach(async () => {
    vi.unstubAllEnvs();
    await endpoint?.close();
  });

  it('private: sends the JSON 1.1 GetAuthorizationToken, signed, and reads the answer', async () => {
    endpoint = await LocalEndpoint.start((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'req-1' });
      res.end(JSON.stringify({ authorizationData: [{ authorizationToken: token, expiresAt: 1893499200, proxyEndpoint: 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com' }] }));
    });
    vi.stubEnv('AWS_ENDPOINT_URL_ECR', endpoint.url);
    const out = await generateEcrToken(new AwsClientFactory(), identity, { region: 'eu-west-1' });
    expect(endpoint.requests).toHaveLength(1);
    expect(endpoint.requests[0]!.target).toBe('AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken');
    expect(endpoint.requests[0]!.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/ecr\/aws4_request/);
    expect(JSON.parse(endpoint.requests[0]!.body)).toEqual({});
    expect(out.data.password!.toString()).toBe('the-registry-password');
    expect(out.data.expires_at!.toString()).toBe('1893499200');
    expect(out.expiresAt!.getTime()).toBe(1893499200_000);
  });

  it('public: ecr-public service in us-east-1, authorizationData is one object', async () => {
    endpoint = await LocalEndpoint.start((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'req-2' });
      res.end(JSON.stringify({ authorizationData: { authorizationToken: token, expiresAt: 1893499200 } }));
    });
    vi.stubEnv('AWS_ENDPOINT_URL_ECR_PUBLIC', endpoint.url);
    const out = await generateEcrToken(new AwsClientFactory(), identity, { region: 'eu-west-1', scope: 'public' });
    expect(endpoint.requests[0]!.target).toBe('SpencerFrontendService.GetAuthorizationToken');
    expect(endpoint.requests[0]!.authorization).toMatch(/\/us-east-1\/ecr-public\/aws4_request/);
    expect(out.data.username!.toString()).toBe('AWS');
  });
});
