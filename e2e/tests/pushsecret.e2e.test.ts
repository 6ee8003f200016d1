// PushSecret and ClusterPushSecret (ESO's kinds) against LocalStack: Secret keys pushed to
// Secrets Manager (one key, a property, the whole Secret) and Parameter Store, a change of the
// Secret pushed at once, updatePolicy IfNotExists, a remote secret Rotor did not create left
// alone (NotManaged), deletionPolicy Delete on PushSecret deletion, and a ClusterPushSecret
// stamping PushSecrets into labelled namespaces. No pushed value may appear in status, Events
// or the operator log (the harness scans the log for every registered value).
// Objects come from examples/pushsecret.yaml, clusterpushsecret.yaml and the store examples.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, aws, kubectl, kubectlJson, run } from '../lib/cli.js';
import { freshNamespace, readyOf, secretValue, statusOf, waitForReady } from '../lib/context.js';
import { applyExample } from '../lib/examples.js';
import { waitFor } from '../lib/wait.js';

const id = `e2e-push-${randomBytes(3).toString('hex')}`;
let ns = '';
let team1 = '';
let team2 = '';
const values: string[] = [];
const value = (label: string) => {
  const v = secretValue(label);
  values.push(v);
  return v;
};
const cps = `app-token-${id}`;
const teamLabel = `push.example.com/${id}`;

/** The current value as text: ESO (and Rotor) push SecretBinary unless metadata says secretPushFormat: string. */
async function secretString(name: string): Promise<string | undefined> {
  const out = await run('aws', ['secretsmanager', 'get-secret-value', '--secret-id', name, '--output', 'json'], { allowFail: true });
  if (out.code !== 0) return undefined;
  const got = JSON.parse(out.stdout) as { SecretString?: string; SecretBinary?: string };
  return got.SecretString ?? (got.SecretBinary === undefined ? undefined : Buffer.from(got.SecretBinary, 'base64').toString('utf8'));
}

async function parameter(name: string): Promise<string | undefined> {
  const out = await run('aws', ['ssm', 'get-parameter', '--name', name, '--with-decryption', '--output', 'json'], { allowFail: true });
  return out.code === 0 ? (JSON.parse(out.stdout) as { Parameter: { Value: string } }).Parameter.Value : undefined;
}

/** Gone, or scheduled for deletion (Secrets Manager's recovery window). */
async function secretDeleted(name: string): Promise<boolean> {
  const out = await run('aws', ['secretsmanager', 'describe-secret', '--secret-id', name, '--output', 'json'], { allowFail: true });
  return out.code !== 0 || (JSON.parse(out.stdout) as { DeletedDate?: string }).DeletedDate !== undefined;
}

const pushSecret = (name: string, spec: string) =>
  apply(`
apiVersion: rotor.dev/v1alpha1
kind: PushSecret
metadata: {name: ${name}, namespace: ${ns}}
spec:
${spec}`);

async function waitPushed(name: string, namespace = ns) {
  return waitForReady('pushsecret', name, namespace, 'True', { timeoutMs: 60_000 });
}

beforeAll(async () => {
  ns = await freshNamespace('e2e-push');
  await applyExample('secretstore-default-chain.yaml', { namespace: ns });
  await applyExample('parameterstore-secretstore.yaml', { namespace: ns });
});

afterAll(async () => {
  await kubectl('delete', 'clusterpushsecret', cps, '--ignore-not-found');
  for (const n of [ns, team1, team2]) if (n) await kubectl('delete', 'namespace', n, '--wait=false');
});

describe('PushSecret', () => {
  it('pushes one key, a property and the whole Secret to Secrets Manager (examples/pushsecret.yaml)', async () => {
    const password = value('push-pw');
    await applyExample('pushsecret.yaml', { namespace: ns, replace: { 'prod/app/': `${id}/`, 'change-me': password } });
    await waitPushed('db-credentials');
    expect(await secretString(`${id}/db-password`)).toBe(password);
    expect(JSON.parse((await secretString(`${id}/db-user`))!)).toEqual({ username: 'app' });
    expect(await secretString(`${id}/db`)).toBe(`{"password":"${password}","username":"app"}`);
    const described = await aws<{ Tags?: Array<{ Key: string; Value: string }>; Description?: string }>('secretsmanager', 'describe-secret', '--secret-id', `${id}/db-password`);
    expect(described.Tags).toEqual(expect.arrayContaining([{ Key: 'managed-by', Value: 'rotor' }, { Key: 'team', Value: 'payments' }]));
    const status = await statusOf<{ syncedPushSecrets?: Record<string, Record<string, unknown>> }>('pushsecret', 'db-credentials', ns);
    expect(Object.keys(status.syncedPushSecrets?.['SecretStore/aws-secretsmanager'] ?? {}).sort()).toEqual([`${id}/db`, `${id}/db-password`, `${id}/db-user/username`]);
  });

  it('pushes a change of the Secret at once, not at the next refreshInterval (1h)', async () => {
    const next = value('push-pw2');
    await kubectl('patch', 'secret', 'db-credentials', '-n', ns, '--type', 'merge', '-p', JSON.stringify({ stringData: { password: next } }));
    await waitFor('new value pushed', async () => (await secretString(`${id}/db-password`)) === next, { timeoutMs: 20_000 });
    expect(JSON.parse((await secretString(`${id}/db`))!)).toEqual({ password: next, username: 'app' });
  });

  it('pushes to Parameter Store (SecureString from metadata)', async () => {
    const token = value('push-param');
    await kubectl('create', 'secret', 'generic', 'param-source', '-n', ns, `--from-literal=token=${token}`);
    await pushSecret(
      'to-parameters',
      `  secretStoreRefs: [{name: aws-parameterstore}]
  selector: {secret: {name: param-source}}
  data:
    - match: {secretKey: token, remoteRef: {remoteKey: /${id}/token}}
      metadata: {apiVersion: kubernetes.external-secrets.io/v1alpha1, kind: PushSecretMetadata, spec: {secretType: SecureString}}
`,
    );
    await waitPushed('to-parameters');
    expect(await parameter(`/${id}/token`)).toBe(token);
    const described = await aws<{ Parameters: Array<{ Type: string }> }>('ssm', 'describe-parameters', '--parameter-filters', `Key=Name,Values=/${id}/token`);
    expect(described.Parameters[0]?.Type).toBe('SecureString');
  });

  it('updatePolicy IfNotExists leaves an existing remote value as it is', async () => {
    const original = value('push-existing');
    await aws('secretsmanager', 'create-secret', '--name', `${id}/existing`, '--secret-string', original);
    await kubectl('create', 'secret', 'generic', 'if-not-exists', '-n', ns, `--from-literal=v=${value('push-ine')}`);
    await pushSecret(
      'if-not-exists',
      `  updatePolicy: IfNotExists
  secretStoreRefs: [{name: aws-secretsmanager}]
  selector: {secret: {name: if-not-exists}}
  data: [{match: {secretKey: v, remoteRef: {remoteKey: ${id}/existing}}}]
`,
    );
    const ready = await waitPushed('if-not-exists');
    expect(ready.message).toContain('IfNotExists');
    expect(await secretString(`${id}/existing`)).toBe(original);
  });

  it('refuses to overwrite a remote secret Rotor did not create (NotManaged) and leaves it', async () => {
    const theirs = value('push-foreign');
    await aws('secretsmanager', 'create-secret', '--name', `${id}/foreign`, '--secret-string', theirs);
    await kubectl('create', 'secret', 'generic', 'overwrite', '-n', ns, `--from-literal=v=${value('push-mine')}`);
    await pushSecret(
      'overwrite',
      `  secretStoreRefs: [{name: aws-secretsmanager}]
  selector: {secret: {name: overwrite}}
  data: [{match: {secretKey: v, remoteRef: {remoteKey: ${id}/foreign}}}]
`,
    );
    const ready = await waitFor('NotManaged', async () => {
      const r = await readyOf('pushsecret', 'overwrite', ns);
      return r?.reason === 'NotManaged' ? r : undefined;
    });
    expect(ready.status).toBe('False');
    expect(ready.message).toContain(`${id}/foreign`);
    expect(await secretString(`${id}/foreign`)).toBe(theirs);
  });

  it('deletionPolicy Delete: deleting the PushSecret deletes what it pushed, then the PushSecret goes', async () => {
    const ps = await kubectlJson('get', 'pushsecret', 'db-credentials', '-n', ns);
    expect(ps.metadata.finalizers).toContain('pushsecret.rotor.dev/finalizer');
    await kubectl('delete', 'pushsecret', 'db-credentials', '-n', ns, '--wait=false');
    await waitFor('PushSecret gone', async () => (await run('kubectl', ['get', 'pushsecret', 'db-credentials', '-n', ns], { allowFail: true })).code !== 0, { timeoutMs: 60_000 });
    for (const name of ['db-password', 'db-user', 'db']) expect(await secretDeleted(`${id}/${name}`), name).toBe(true);
  });
});

describe('ClusterPushSecret', () => {
  it('creates a PushSecret in each labelled namespace (examples/clusterpushsecret.yaml); each pushes its own Secret', async () => {
    team1 = await freshNamespace('e2e-push-a');
    team2 = await freshNamespace('e2e-push-b');
    const tokens: Record<string, string> = {};
    for (const team of [team1, team2]) {
      await applyExample('parameterstore-secretstore.yaml', { namespace: team, edit: (doc) => (doc.spec.provider.aws.prefix = `/${id}/${team}`) });
      tokens[team] = value(`push-${team}`);
      await kubectl('create', 'secret', 'generic', 'app-token', '-n', team, `--from-literal=token=${tokens[team]}`);
    }
    await kubectl('label', 'namespace', team1, `${teamLabel}=true`);
    await applyExample('clusterpushsecret.yaml', {
      namespace: team1,
      replace: { 'push.example.com/app-token': teamLabel, '/production/app/token': '/token' },
      edit: (doc) => (doc.metadata.name = cps),
    });
    await waitFor('provisioned in team1', async () => {
      const cpsObj = await kubectlJson('get', 'clusterpushsecret', cps);
      return JSON.stringify(cpsObj.status?.provisionedNamespaces) === JSON.stringify([team1]);
    });
    await waitPushed('app-token', team1);
    expect(await parameter(`/${id}/${team1}/token`)).toBe(tokens[team1]);
    const stamped = await kubectlJson('get', 'pushsecret', 'app-token', '-n', team1);
    expect(stamped.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'ClusterPushSecret', name: cps, controller: true })]);
    expect((await run('kubectl', ['get', 'pushsecret', 'app-token', '-n', team2], { allowFail: true })).code).not.toBe(0);

    // A namespace labelled later gets it at once.
    await kubectl('label', 'namespace', team2, `${teamLabel}=true`);
    await waitFor('team2 pushed', async () => (await parameter(`/${id}/${team2}/token`)) === tokens[team2], { timeoutMs: 30_000 });
  });

  it('deleting the ClusterPushSecret deletes its PushSecrets, and (deletionPolicy Delete) their parameters', async () => {
    await kubectl('delete', 'clusterpushsecret', cps);
    for (const team of [team1, team2]) {
      await waitFor(`${team} PushSecret collected`, async () => (await run('kubectl', ['get', 'pushsecret', 'app-token', '-n', team], { allowFail: true })).code !== 0, { timeoutMs: 60_000 });
      await waitFor(`${team} parameter deleted`, async () => (await parameter(`/${id}/${team}/token`)) === undefined, { timeoutMs: 30_000 });
    }
  });

  it('never put a pushed value in status or Events', async () => {
    const dumps: string[] = [];
    for (const namespace of [ns, team1, team2]) {
      dumps.push(await kubectl('get', 'pushsecrets,events', '-n', namespace, '-o', 'json'));
    }
    dumps.push(await kubectl('get', 'clusterpushsecrets', '-o', 'json'));
    const all = dumps.join('\n');
    for (const v of values) {
      expect(all.includes(v), 'a pushed value in status or Events').toBe(false);
      expect(all.includes(Buffer.from(v).toString('base64')), 'a pushed value (base64) in status or Events').toBe(false);
    }
  });
});
