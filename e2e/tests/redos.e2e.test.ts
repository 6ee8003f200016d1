// No regular expression a tenant writes can stall the operator that every tenant shares.
// Patterns run on RE2 (linear time): `^(a+)+$` against 31 "a" and a "-" took JavaScript's
// backtracking RegExp ~30 s per refresh, during which /healthz did not answer and every other
// ExternalSecret waited. Here a hostile find.name.regexp and a hostile rewrite refresh every
// 2 s while another tenant's rotation is timed and /healthz is probed.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apply, aws, kubectl, secretValue as readSecret } from '../lib/cli.js';
import { freshNamespace, readyOf, secretValue, statusOf, waitForReady } from '../lib/context.js';
import { applyExample } from '../lib/examples.js';
import { sleep, waitFor } from '../lib/wait.js';

let ns: string;
const healthUrl = inject('rotorEnv').ROTOR_HEALTH_URL;
const hostileTail = `${'a'.repeat(31)}-`;

function externalSecret(name: string, spec: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: 'rotor.dev/v1alpha1',
    kind: 'ExternalSecret',
    metadata: { name, namespace: ns },
    spec: { refreshInterval: '2s', secretStoreRef: { name: 'aws-secretsmanager', kind: 'SecretStore' }, ...spec },
  });
}

/** Probes /healthz every 200 ms until stopped; returns the slowest answer (ms) and the failures. */
function probeHealth(): { stop: () => Promise<{ slowestMs: number; failures: string[] }> } {
  let running = true;
  let slowestMs = 0;
  const failures: string[] = [];
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      try {
        const response = await fetch(healthUrl!, { signal: AbortSignal.timeout(2_000) });
        if (!response.ok) failures.push(`HTTP ${response.status}`);
      } catch (error) {
        failures.push((error as Error).name);
      }
      slowestMs = Math.max(slowestMs, Date.now() - started);
      await sleep(200);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { slowestMs, failures };
    },
  };
}

beforeAll(async () => {
  ns = await freshNamespace('e2e-redos');
  await applyExample('secretstore-default-chain.yaml', { namespace: ns });
  await waitFor('store Ready', async () => (await readyOf('secretstore', 'aws-secretsmanager', ns))?.status === 'True');
});

afterAll(async () => {
  // Stop the 2 s refreshes of this file's ExternalSecrets once it is done.
  await kubectl('delete', 'externalsecret', '--all', '-n', ns, '--wait=false').catch(() => undefined);
});

describe('hostile regular expressions', () => {
  it('run in linear time: /healthz answers and another tenant rotates on time', async () => {
    const wanted = secretValue('redos-wanted');
    await aws('secretsmanager', 'create-secret', '--name', `${ns}/redos/aaaa`, '--secret-string', wanted);
    await aws('secretsmanager', 'create-secret', '--name', `${ns}/redos/${hostileTail}`, '--secret-string', secretValue('redos-near-miss'));
    await aws('secretsmanager', 'create-secret', '--name', `${ns}/redos-json`, '--secret-string', JSON.stringify({ [hostileTail]: secretValue('redos-json') }));
    const tenantValue = secretValue('tenant-v1');
    await aws('secretsmanager', 'create-secret', '--name', `${ns}/tenant`, '--secret-string', tenantValue);

    await apply(
      externalSecret('hostile', {
        dataFrom: [
          { find: { path: `${ns}/redos/`, name: { regexp: `^${ns}/redos/(a+)+$` } }, rewrite: [{ regexp: { source: `^${ns}/redos/`, target: '' } }] },
          { extract: { key: `${ns}/redos-json` }, rewrite: [{ regexp: { source: '^(a+)+$', target: 'x' } }] },
        ],
      }),
    );
    await apply(externalSecret('tenant', { data: [{ secretKey: 'password', remoteRef: { key: `${ns}/tenant` } }] }));
    await waitForReady('externalsecret', 'hostile', ns);
    await waitForReady('externalsecret', 'tenant', ns);
    // The find matched exactly the name the pattern describes; the near miss is left out.
    expect(await readSecret(ns, 'hostile', 'aaaa')).toBe(wanted);
    expect((await statusOf<{ syncedVersions: Array<{ key: string }> }>('externalsecret', 'hostile', ns)).syncedVersions.map((v) => v.key).sort()).toEqual(
      ['aaaa', hostileTail].sort(),
    );

    const health = healthUrl ? probeHealth() : undefined;
    // Let the hostile ExternalSecret refresh once more, then rotate the other tenant's secret.
    await sleep(2_000);
    const rotated = secretValue('tenant-v2');
    await aws('secretsmanager', 'put-secret-value', '--secret-id', `${ns}/tenant`, '--secret-string', rotated);
    const started = Date.now();
    await waitFor('tenant rotation synced', async () => (await readSecret(ns, 'tenant', 'password')) === rotated, { timeoutMs: 30_000, intervalMs: 200 });
    const rotationMs = Date.now() - started;
    // Refresh interval 2 s, plus the read cache bound and scheduling: well under 2 intervals + slack.
    expect(rotationMs).toBeLessThan(8_000);
    if (health) {
      const { slowestMs, failures } = await health.stop();
      expect(failures).toEqual([]);
      expect(slowestMs).toBeLessThan(1_000);
    }
  });

  it('a pattern RE2 cannot run is InvalidSpec naming the field, and nothing is fetched', async () => {
    await apply(externalSecret('lookahead', { dataFrom: [{ find: { name: { regexp: `^${ns}/(?!secret)` } } }] }));
    const ready = await waitForReady('externalsecret', 'lookahead', ns, 'False');
    expect(ready.reason).toBe('InvalidSpec');
    expect(ready.message).toContain('spec.dataFrom[0].find.name.regexp');
    expect(ready.message).toContain('RE2 syntax');
  });
});
