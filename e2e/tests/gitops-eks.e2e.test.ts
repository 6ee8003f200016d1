// Issue #19 items 5 and 6 on a real API server: the manifests of docs/getting-started-eks.md
// pass `kubectl apply --dry-run=server` (the CRDs' schemas, CEL rules and defaults, as on EKS),
// and deploy/argocd's health Lua gives the right health for live objects the operator wrote.
// The objects read are written to $TMPDIR/rotor-argocd-objects.json (to refresh the unit
// fixtures in deploy/argocd/testdata).
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { argoCdScripts, health, luaInterpreter, repoRoot } from '../lib/argocd-lua.js';
import { apply, aws, kubectlJson, run } from '../lib/cli.js';
import { applySecretsManagerStore, freshNamespace, secretValue, waitForReady } from '../lib/context.js';
import { assignments, heredocOf, readDocCommands } from '../lib/doc-commands.js';


let ns: string;
let lua: string;

beforeAll(async () => {
  ns = await freshNamespace('e2e-gitops');
  lua = luaInterpreter();
});

describe('docs/getting-started-eks.md on a real API server', () => {
  it('its manifests pass kubectl apply --dry-run=server', async () => {
    const commands = readDocCommands(join(repoRoot, 'docs/getting-started-eks.md'));
    const manifest = heredocOf(commands.find((c) => c.text.startsWith('kubectl apply'))!, assignments(commands, { ACCOUNT: '123456789012' }), repoRoot);
    const result = await run('kubectl', ['apply', '--dry-run=server', '-f', '-'], { input: manifest });
    expect(result.stdout).toContain('secretstore.rotor.dev/aws created (server dry run)');
    expect(result.stdout).toContain('externalsecret.rotor.dev/db created (server dry run)');
  });
});

describe('deploy/argocd health checks on live objects', () => {
  it('Healthy for a Valid store and a synced ExternalSecret, Degraded for a failing one', async () => {
    const scripts = argoCdScripts();
    const key = `${ns}/db`;
    await aws('secretsmanager', 'create-secret', '--name', key, '--secret-string', JSON.stringify({ password: secretValue('argocd') }));
    await applySecretsManagerStore(ns);
    await apply(`
apiVersion: rotor.dev/v1alpha1
kind: ExternalSecret
metadata: {name: synced, namespace: ${ns}}
spec:
  secretStoreRef: {name: aws, kind: SecretStore}
  data: [{secretKey: password, remoteRef: {key: ${key}, property: password}}]
---
apiVersion: rotor.dev/v1alpha1
kind: ExternalSecret
metadata: {name: missing, namespace: ${ns}}
spec:
  secretStoreRef: {name: aws, kind: SecretStore}
  data: [{secretKey: password, remoteRef: {key: ${ns}/does-not-exist}}]
`);
    await waitForReady('secretstore', 'aws', ns);
    await waitForReady('externalsecret', 'synced', ns);
    await waitForReady('externalsecret', 'missing', ns, 'False');
    const objects = {
      store: await kubectlJson('get', 'secretstore', 'aws', '-n', ns),
      synced: await kubectlJson('get', 'externalsecret', 'synced', '-n', ns),
      missing: await kubectlJson('get', 'externalsecret', 'missing', '-n', ns),
    };
    writeFileSync(join(tmpdir(), 'rotor-argocd-objects.json'), JSON.stringify(objects, null, 2));
    expect(health(lua, scripts.health.SecretStore!, objects.store)).toMatchObject({ status: 'Healthy' });
    expect(health(lua, scripts.health.ExternalSecret!, objects.synced)).toMatchObject({ status: 'Healthy' });
    const degraded = health(lua, scripts.health.ExternalSecret!, objects.missing);
    expect(degraded.status).toBe('Degraded');
    expect(degraded.message).toMatch(/^SecretMissing: /);
  });
});
