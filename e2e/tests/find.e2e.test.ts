// dataFrom.find for Secrets Manager: many secrets into one Secret by name regexp, by tags
// (create-secret --tags) and by name prefix, keys derived from the names with rewrites, and
// a clear message when a name cannot become a key. ExternalSecrets come from examples/find-*.yaml.
import { beforeAll, describe, expect, it } from 'vitest';
import { apply, aws, kubectlJson, secretValue as readSecret } from '../lib/cli.js';
import { freshNamespace, readyOf, secretValue, statusOf, waitForReady } from '../lib/context.js';
import { applyExample } from '../lib/examples.js';
import { waitFor } from '../lib/wait.js';

let ns: string;
/** The examples' prod/ names, moved under this file's namespace; tag values made unique too. */
const replace = () => ({ 'prod/': `${ns}/`, 'team: search': `team: search-${ns}` });
const example = (file: string, edit?: (doc: Record<string, any>) => void) => applyExample(file, { namespace: ns, replace: replace(), ...(edit ? { edit } : {}) });

async function createSecret(name: string, value: string, tags: Record<string, string> = {}): Promise<string> {
  const tagArgs = Object.entries(tags).length ? ['--tags', ...Object.entries(tags).map(([k, v]) => `Key=${k},Value=${v}`)] : [];
  const out = await aws<{ VersionId: string }>('secretsmanager', 'create-secret', '--name', name, '--secret-string', value, ...tagArgs);
  return out.VersionId;
}

async function secretData(name: string): Promise<Record<string, string>> {
  const secret = await kubectlJson<{ data?: Record<string, string> }>('get', 'secret', name, '-n', ns);
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

const waitReady = (name: string) => waitForReady('externalsecret', name, ns);

const waitNotReady = (name: string) => waitForReady('externalsecret', name, ns, 'False');

function findSpec(name: string, find: Record<string, unknown>, rewrite: Array<{ source: string; target: string }>): string {
  return JSON.stringify({
    apiVersion: 'rotor.dev/v1alpha1',
    kind: 'ExternalSecret',
    metadata: { name, namespace: ns },
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { name: 'aws-secretsmanager', kind: 'SecretStore' },
      dataFrom: [{ find, rewrite: rewrite.map((regexp) => ({ regexp })) }],
    },
  });
}

beforeAll(async () => {
  ns = await freshNamespace('e2e-find');
  await applyExample('secretstore-default-chain.yaml', { namespace: ns });
  await waitFor('store Ready', async () => (await readyOf('secretstore', 'aws-secretsmanager', ns))?.status === 'True');
});

describe('dataFrom.find (Secrets Manager) -> Kubernetes Secret', () => {
  it('name.regexp: matching secrets become keys, rewritten to their last segment', async () => {
    const stripe = secretValue('stripe');
    const webhook = secretValue('webhook');
    const stripeVersion = await createSecret(`${ns}/payments/stripe-key`, stripe);
    await createSecret(`${ns}/payments/webhook-secret`, webhook);
    // Near misses the regexp must leave out.
    await createSecret(`${ns}/payments-archive/old-key`, 'old');
    await createSecret(`${ns}/other/payments/key`, 'other');

    await example('find-by-name-regexp.yaml', (doc) => {
      doc.spec.refreshInterval = '5s';
    });
    await waitReady('payments');
    expect(await secretData('payments')).toEqual({ 'stripe-key': stripe, 'webhook-secret': webhook });
    const status = await statusOf('externalsecret', 'payments', ns);
    expect(status.syncedVersions).toContainEqual(expect.objectContaining({ key: 'stripe-key', versionId: stripeVersion }));

    // A secret created later that matches is picked up on the next refresh.
    const later = secretValue('later');
    await createSecret(`${ns}/payments/added-later`, later);
    await waitFor('new match synced', async () => (await readSecret(ns, 'payments', 'added-later')) === later, { timeoutMs: 30_000 });
  });

  it('tags: only secrets carrying every requested tag', async () => {
    const apiKey = secretValue('search-api');
    const admin = secretValue('search-admin');
    const team = `search-${ns}`;
    await createSecret(`${ns}/search/api-key`, apiKey, { team, environment: 'production' });
    await createSecret(`${ns}/search/admin-token`, admin, { team, environment: 'production', extra: 'yes' });
    await createSecret(`${ns}/search/staging-key`, 'staging', { team, environment: 'staging' });
    await createSecret(`${ns}/search/untagged`, 'untagged');

    await example('find-by-tags.yaml');
    await waitReady('search');
    expect(await secretData('search')).toEqual({ 'api-key': apiKey, 'admin-token': admin });
  });

  it('path: a name prefix, with a Go-style named-group rewrite and "/" turned into "_"', async () => {
    const smtp = secretValue('smtp');
    const oauth = secretValue('oauth');
    await createSecret(`${ns}/shared/smtp-password`, smtp);
    await createSecret(`${ns}/shared/oauth/client-secret`, oauth);
    await createSecret(`${ns}/shared-not/other`, 'not-under-the-prefix');

    await example('find-by-path.yaml');
    await waitReady('shared');
    expect(await secretData('shared')).toEqual({ 'smtp-password': smtp, 'oauth_client-secret': oauth });
  });

  it('without a rewrite, every character a Secret key cannot hold ("/", "@") becomes "_", as in ESO', async () => {
    const value = secretValue('odd');
    await createSecret(`${ns}/odd/user@host`, value);
    await apply(findSpec('odd', { path: `${ns}/odd/` }, []));
    await waitReady('odd');
    expect(await secretData('odd')).toEqual({ [`${ns}_odd_user_host`]: value });
  });

  it('a rewrite that leaves a character a key cannot hold is rejected with a message naming the remote and the rewrite', async () => {
    await apply(findSpec('bad-key', { path: `${ns}/odd/` }, [{ source: `^${ns}/odd/`, target: '' }]));
    const ready = await waitNotReady('bad-key');
    expect(ready.reason).toBe('InvalidSpec');
    expect(ready.message).toContain('spec.dataFrom[0]');
    expect(ready.message).toContain(`${ns}/odd/user@host`);
    expect(ready.message).toMatch(/may only contain/);
    expect(ready.message).toMatch(/rewrite/);
    const secrets = await kubectlJson<{ items: Array<{ metadata: { name: string } }> }>('get', 'secrets', '-n', ns);
    expect(secrets.items.map((s) => s.metadata.name)).not.toContain('bad-key');
  });

  it('two names that become the same key are rejected with both names in the message', async () => {
    await createSecret(`${ns}/clash/a@b`, secretValue('clash1'));
    await createSecret(`${ns}/clash/a+b`, secretValue('clash2'));
    await apply(findSpec('clash', { name: { regexp: `^${ns}/clash/` } }, []));
    const ready = await waitNotReady('clash');
    expect(ready.reason).toBe('InvalidSpec');
    expect(ready.message).toContain(`${ns}/clash/a@b`);
    expect(ready.message).toContain(`${ns}/clash/a+b`);
    expect(ready.message).toContain(`"${ns}_clash_a_b"`);
  });

  it('an invalid name.regexp is refused before any AWS call, naming the field', async () => {
    await apply(findSpec('bad-regexp', { name: { regexp: '^(unclosed' } }, []));
    const ready = await waitNotReady('bad-regexp');
    expect(ready.reason).toBe('InvalidSpec');
    expect(ready.message).toContain('spec.dataFrom[0].find.name.regexp');
  });
});
