// target.template: data rendered with filters, metadata labels/annotations on the Secret, and
// the ready-made Secret types (basic-auth, tls, dockerconfigjson). ExternalSecrets come from
// examples/template-*.yaml; the TLS certificate is a throwaway one made with openssl here.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { apply, aws, kubectlJson, run } from '../lib/cli.js';
import { freshNamespace, readyOf, registerSecretValue, secretValue, waitForReady } from '../lib/context.js';
import { applyExample } from '../lib/examples.js';
import { waitFor } from '../lib/wait.js';

let ns: string;
const example = (file: string) => applyExample(file, { namespace: ns, replace: { 'prod/': `${ns}/` } });

interface SecretObject {
  type: string;
  data?: Record<string, string>;
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

async function getSecret(name: string): Promise<SecretObject & { decoded: Record<string, string> }> {
  const secret = await kubectlJson<SecretObject>('get', 'secret', name, '-n', ns);
  const decoded = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  return { ...secret, decoded };
}

const waitReady = (name: string) => waitForReady('externalsecret', name, ns);

const waitNotReady = (name: string) => waitForReady('externalsecret', name, ns, 'False');

beforeAll(async () => {
  ns = await freshNamespace('e2e-tpl');
  await applyExample('secretstore-default-chain.yaml', { namespace: ns });
  await waitFor('store Ready', async () => (await readyOf('secretstore', 'aws-secretsmanager', ns))?.status === 'True');
});

describe('target.template', () => {
  const billingPassword = { value: '' };

  it('renders template.data with b64enc, fromJson, upper and default, and template.metadata onto the Secret', async () => {
    billingPassword.value = secretValue('billing');
    const password = billingPassword.value;
    await aws('secretsmanager', 'create-secret', '--name', `${ns}/billing/db`, '--secret-string',
      JSON.stringify({ username: 'billing', password, host: 'db.internal.example.com', options: { sslmode: 'require' } }));
    await example('template-data-filters.yaml');
    await waitReady('billing-db');

    const secret = await getSecret('billing-db');
    expect(secret.type).toBe('Opaque');
    // mergePolicy Replace (default): only the template's keys.
    expect(Object.keys(secret.decoded).sort()).toEqual(['DATABASE_URL', 'DB_PASSWORD', 'DB_PASSWORD_BASE64', 'DB_PORT', 'DB_SSLMODE', 'DB_USER']);
    expect(secret.decoded.DB_USER).toBe('BILLING');
    expect(secret.decoded.DB_PASSWORD === password, 'DB_PASSWORD holds the remote password').toBe(true);
    expect(secret.decoded.DB_PASSWORD_BASE64 === Buffer.from(password).toString('base64'), 'DB_PASSWORD_BASE64 is the base64 of the password').toBe(true);
    expect(secret.decoded.DB_PORT).toBe('5432');
    expect(secret.decoded.DB_SSLMODE).toBe('require');
    expect(secret.decoded.DATABASE_URL === `postgresql://billing:${password}@db.internal.example.com:5432/billing`, 'DATABASE_URL is composed').toBe(true);

    expect(secret.metadata.labels).toMatchObject({
      'app.kubernetes.io/part-of': 'billing',
      'billing.example.com/db-host': 'db.internal.example.com',
      'rotor.dev/managed': 'true',
    });
    expect(secret.metadata.annotations).toMatchObject({ 'billing.example.com/db-user': 'billing' });
  });

  it('kubernetes.io/basic-auth', async () => {
    const pass = secretValue('basic');
    await aws('secretsmanager', 'create-secret', '--name', `${ns}/reports/basic-auth`, '--secret-string', JSON.stringify({ user: 'reports', pass }));
    await example('template-basic-auth.yaml');
    await waitReady('reports-basic-auth');
    const secret = await getSecret('reports-basic-auth');
    expect(secret.type).toBe('kubernetes.io/basic-auth');
    expect(Object.keys(secret.decoded).sort()).toEqual(['password', 'username']);
    expect(secret.decoded.username).toBe('reports');
    expect(secret.decoded.password === pass, 'password key holds the remote pass').toBe(true);
  });

  it('kubernetes.io/tls with a self-signed certificate made by openssl', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rotor-tls-'));
    try {
      await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=shop.example.com',
        '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt')]);
      const certificate = readFileSync(join(dir, 'tls.crt'), 'utf8');
      const privateKey = readFileSync(join(dir, 'tls.key'), 'utf8');
      // The key's body lines are secret: the leak scan must look for them in the operator log.
      for (const line of privateKey.split('\n')) if (!line.startsWith('-----') && line.length >= 16) registerSecretValue(line);
      await aws('secretsmanager', 'create-secret', '--name', `${ns}/shop/tls`, '--secret-string', JSON.stringify({ certificate, private_key: privateKey }));
      await example('template-tls.yaml');
      await waitReady('shop-tls');
      const secret = await getSecret('shop-tls');
      expect(secret.type).toBe('kubernetes.io/tls');
      expect(Object.keys(secret.decoded).sort()).toEqual(['tls.crt', 'tls.key']);
      expect(secret.decoded['tls.crt']).toBe(certificate);
      expect(secret.decoded['tls.key'] === privateKey, 'tls.key holds the private key').toBe(true);
      // The certificate in the Secret is usable as such.
      const { stdout } = await run('openssl', ['x509', '-noout', '-subject'], { input: secret.decoded['tls.crt'] });
      expect(stdout).toContain('shop.example.com');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('kubernetes.io/dockerconfigjson via the dockerconfigjson filter', async () => {
    const password = secretValue('robot');
    await aws('secretsmanager', 'create-secret', '--name', `${ns}/registry/pull`, '--secret-string', JSON.stringify({ username: 'robot', password }));
    await example('template-dockerconfigjson.yaml');
    await waitReady('registry-pull');
    const secret = await getSecret('registry-pull');
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    expect(Object.keys(secret.decoded)).toEqual(['.dockerconfigjson']);
    const config = JSON.parse(secret.decoded['.dockerconfigjson']!) as { auths: Record<string, { username: string; password: string; auth: string }> };
    expect(Object.keys(config.auths)).toEqual(['registry.example.com']);
    const entry = config.auths['registry.example.com']!;
    expect(entry.username).toBe('robot');
    expect(entry.password === password, 'auths entry holds the password').toBe(true);
    expect(entry.auth === Buffer.from(`robot:${password}`).toString('base64'), 'auth is base64(username:password)').toBe(true);
  });

  it('a template error names the template key and keeps secret values out of the message', async () => {
    const password = billingPassword.value;
    const es = (name: string, template: Record<string, unknown>) =>
      JSON.stringify({
        apiVersion: 'rotor.dev/v1alpha1',
        kind: 'ExternalSecret',
        metadata: { name, namespace: ns },
        spec: {
          refreshInterval: '1h',
          secretStoreRef: { name: 'aws-secretsmanager', kind: 'SecretStore' },
          target: { template },
          dataFrom: [{ extract: { key: `${ns}/billing/db` } }],
        },
      });
    await apply(es('tpl-undefined', { data: { ok: '{{ username }}', DSN: '{{ username }}:{{ pasword }}' } }));
    const undefinedVar = await waitNotReady('tpl-undefined');
    expect(undefinedVar.reason).toBe('InvalidSpec');
    expect(undefinedVar.message).toContain('spec.target.template.data.DSN');
    expect(undefinedVar.message).toContain('pasword');
    expect(undefinedVar.message).not.toContain('spec.target.template.data.ok');
    expect(undefinedVar.message.includes(password), 'the message must not quote the password').toBe(false);

    await apply(es('tpl-filter', { metadata: { annotations: { note: '{{ password | base64 }}' } }, data: { p: '{{ password }}' } }));
    const badFilter = await waitNotReady('tpl-filter');
    expect(badFilter.reason).toBe('InvalidSpec');
    expect(badFilter.message).toContain('spec.target.template.metadata.annotations.note');
    expect(badFilter.message).toContain('base64');
    expect(badFilter.message.includes(password), 'the message must not quote the password').toBe(false);

    // A type whose required keys the template does not produce.
    await apply(es('tpl-tls-missing', { type: 'kubernetes.io/tls', data: { 'tls.crt': '{{ username }}' } }));
    const tls = await waitNotReady('tpl-tls-missing');
    expect(tls.reason).toBe('InvalidSpec');
    expect(tls.message).toContain('spec.target.template.type');
    expect(tls.message).toContain('tls.key');

    const names = (await kubectlJson<{ items: Array<{ metadata: { name: string } }> }>('get', 'secrets', '-n', ns)).items.map((s) => s.metadata.name);
    expect(names).not.toContain('tpl-undefined');
    expect(names).not.toContain('tpl-filter');
    expect(names).not.toContain('tpl-tls-missing');
  });
});
