// KubeCredentialSource through the real API calls against the fake API server.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/api/provider.js';
import type { PluginLogger } from '../../src/kube/client/auth.js';
import { makeKubeClients, type KubeConfig } from '../../src/kube/client/clients.js';
import { KubeCredentialSource } from '../../src/kube/credential-source.js';
import { FakeApiServer, status } from './fake-apiserver.js';

const ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('KubeCredentialSource', () => {
  let server: FakeApiServer;
  let source: KubeCredentialSource;
  beforeEach(async () => {
    server = await FakeApiServer.start();
    source = new KubeCredentialSource(makeKubeClients(server.kubeConfig()).core);
  });
  afterEach(async () => {
    await server.close();
  });

  describe('readSecretKey', () => {
    beforeEach(() => {
      server.reply('GET', '/api/v1/namespaces/team-a/secrets/aws-creds', {
        status: 200,
        body: {
          kind: 'Secret',
          metadata: { name: 'aws-creds', namespace: 'team-a' },
          data: { 'secret-access-key': Buffer.from(ACCESS_KEY).toString('base64'), empty: '' },
        },
      });
    });

    it('returns the decoded value', async () => {
      expect(await source.readSecretKey('team-a', 'aws-creds', 'secret-access-key')).toBe(ACCESS_KEY);
    });

    it('a missing key is InvalidSpec naming the Secret, the key and the keys present, never a value', async () => {
      const error = (await source.readSecretKey('team-a', 'aws-creds', 'access-key').catch((e: unknown) => e)) as ProviderError;
      expect(error).toBeInstanceOf(ProviderError);
      expect(error.reason).toBe('InvalidSpec');
      expect(error.message).toBe('key "access-key" not found in Secret team-a/aws-creds (it has: empty, secret-access-key): fix the key in the store\'s secretRef');
      expect(error.message).not.toContain(ACCESS_KEY);
    });

    it('an empty value is returned when the caller allows it (sessionToken)', async () => {
      expect(await source.readSecretKey('team-a', 'aws-creds', 'empty', { allowEmpty: true })).toBe('');
    });
    it('an empty value is InvalidSpec', async () => {
      const error = (await source.readSecretKey('team-a', 'aws-creds', 'empty').catch((e: unknown) => e)) as ProviderError;
      expect(error.reason).toBe('InvalidSpec');
      expect(error.message).toContain('key "empty" of Secret team-a/aws-creds is empty');
    });

    it('a missing Secret is InvalidSpec, a forbidden one AccessDenied, a 5xx retryable', async () => {
      let error = (await source.readSecretKey('team-a', 'nope', 'k').catch((e: unknown) => e)) as ProviderError;
      expect(error.reason).toBe('InvalidSpec');
      expect(error.message).toBe("Secret team-a/nope not found: create it or fix the store's secretRef");

      server.reply('GET', '/api/v1/namespaces/team-b/secrets/creds', { status: 403, body: status(403, 'Forbidden', 'forbidden') });
      error = (await source.readSecretKey('team-b', 'creds', 'k').catch((e: unknown) => e)) as ProviderError;
      expect(error.reason).toBe('AccessDenied');
      expect(error.message).toContain('may not read Secret team-b/creds');

      server.reply('GET', '/api/v1/namespaces/team-b/secrets/flaky', { status: 503, body: status(503, 'ServiceUnavailable', 'etcd unavailable') });
      error = (await source.readSecretKey('team-b', 'flaky', 'k').catch((e: unknown) => e)) as ProviderError;
      expect(error).toBeInstanceOf(ProviderError);
      expect(error.retryable).toBe(true);
      expect(error.message).toBe('read credentials Secret team-b/flaky: etcd unavailable');
    });
  });

  it('serviceAccountAnnotations returns annotations, or undefined when the SA is missing', async () => {
    server.reply('GET', '/api/v1/namespaces/team-a/serviceaccounts/app', {
      status: 200,
      body: { kind: 'ServiceAccount', metadata: { name: 'app', annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/app' } } },
    });
    expect(await source.serviceAccountAnnotations('team-a', 'app')).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/app' });
    expect(await source.serviceAccountAnnotations('team-a', 'missing')).toBeUndefined();
  });

  it('requestToken posts a TokenRequest with audiences and lifetime', async () => {
    server.reply('POST', '/api/v1/namespaces/team-a/serviceaccounts/app/token', (r) => ({
      status: 201,
      body: { ...(r.body as object), status: { token: 'eyJhbGciOi.jwt', expirationTimestamp: '2030-01-01T01:00:00Z' } },
    }));
    const token = await source.requestToken('team-a', 'app', ['sts.amazonaws.com'], 3600);
    expect(token.token).toBe('eyJhbGciOi.jwt');
    expect(token.expiresAt.toISOString()).toBe('2030-01-01T01:00:00.000Z');
    const [post] = server.requestsTo('POST', '/api/v1/namespaces/team-a/serviceaccounts/app/token');
    expect(post!.body).toMatchObject({ kind: 'TokenRequest', spec: { audiences: ['sts.amazonaws.com'], expirationSeconds: 3600 } });
  });

  it('requestToken failures name the ServiceAccount and what to do', async () => {
    let error = (await source.requestToken('team-a', 'ghost', ['sts.amazonaws.com'], 600).catch((e: unknown) => e)) as ProviderError;
    expect(error.reason).toBe('InvalidSpec');
    expect(error.message).toBe("ServiceAccount team-a/ghost not found: create it or fix the store's auth.jwt.serviceAccountRef");
    server.reply('POST', '/api/v1/namespaces/team-a/serviceaccounts/app/token', { status: 403, body: status(403, 'Forbidden', 'no') });
    error = (await source.requestToken('team-a', 'app', ['sts.amazonaws.com'], 600).catch((e: unknown) => e)) as ProviderError;
    expect(error.reason).toBe('AccessDenied');
    expect(error.message).toContain('grant get on serviceaccounts and create on serviceaccounts/token');
    expect(error.message).toContain('set the chart value rbac.perStoreIRSA.mode to scoped (listing {namespace: team-a, name: app}');
  });

  it('a forbidden ServiceAccount read names the chart choice that allows per-store IRSA', async () => {
    server.reply('GET', '/api/v1/namespaces/team-a/serviceaccounts/locked', { status: 403, body: status(403, 'Forbidden', 'no') });
    const error = (await source.serviceAccountAnnotations('team-a', 'locked').catch((e: unknown) => e)) as ProviderError;
    expect(error.reason).toBe('AccessDenied');
    expect(error.message).toContain('the operator may not read ServiceAccount team-a/locked: per-store IRSA is not allowed for it; set the chart value rbac.perStoreIRSA.mode');
  });

  it("an operator exec-plugin failure reaches the store's status as a fixed message, never the plugin's stderr", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rotor-cs-'));
    try {
      const script = join(dir, 'plugin.mjs');
      writeFileSync(script, "process.stderr.write('SSO session for arn:aws:iam::111122223333:role/admin expired'); process.exit(255);\n");
      const config: KubeConfig = {
        ...server.kubeConfig(),
        user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [script], env: [], provideClusterInfo: false } },
      };
      const logged: unknown[] = [];
      const logger = { warn: (fields: unknown) => logged.push(fields) } as unknown as PluginLogger;
      const failing = new KubeCredentialSource(makeKubeClients(config, { logger }).core);
      const error = (await failing.readSecretKey('team-a', 'aws-creds', 'secret-access-key').catch((e: unknown) => e)) as ProviderError;
      expect(error).toBeInstanceOf(ProviderError);
      expect(error.message).toContain(`exec credential plugin "${process.execPath}" failed (exit 255): fix its configuration or credentials`);
      expect(error.message).not.toContain('111122223333');
      expect(JSON.stringify(logged)).toContain('111122223333'); // the operator log has it, for the admin
      expect(server.requests).toHaveLength(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
