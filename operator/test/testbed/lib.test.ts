// e2e/testbed/lib.sh's shared helpers, run in bash: build_part (every cached part of build.sh),
// operator_command (the operator process of operator.sh and scripts/faults.sh), wait_until and
// the tenant manifests of scripts/faults.sh and scripts/hostile-tenant.sh. The test
// bed itself runs only in CI; these pin what the helpers do without one.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const LIB = resolve(__dirname, '../../../e2e/testbed/lib.sh');

/** Runs SCRIPT in bash with lib.sh sourced; stdout and stderr together, and the exit status. */
function bash(script: string, env: Record<string, string> = {}): { out: string; status: number } {
  try {
    const out = execFileSync('bash', ['-c', `set -euo pipefail; LOG_PREFIX=test; source "${LIB}"; ${script} 2>&1`], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp', ...env },
      encoding: 'utf8',
    });
    return { out, status: 0 };
  } catch (error) {
    const e = error as { stdout?: string; status?: number };
    return { out: e.stdout ?? '', status: e.status ?? -1 };
  }
}

describe('lib.sh build_part', () => {
  let cache: string;
  beforeEach(() => {
    cache = mkdtempSync(join(tmpdir(), 'rotor-build-part-'));
  });
  afterEach(() => rmSync(cache, { recursive: true, force: true }));

  // A part whose build writes bin/tool (a script printing its version) and counts its runs.
  const part = (match: string, stamp = 'v1.2.3', verify = '"$dir/bin/tool"') => `
    build_it() { mkdir -p "$1/bin"; printf '#!/bin/sh\\necho tool 1\\n' >"$1/bin/tool"; chmod +x "$1/bin/tool"; echo built >>"${cache}/runs"; }
    dir="${cache}/tool-v1"
    build_part "tool v1" "$dir" "${stamp}" ${match} build_it ${verify}`;
  const runs = () => (existsSync(join(cache, 'runs')) ? readFileSync(join(cache, 'runs'), 'utf8').split('\n').filter(Boolean).length : 0);

  it('builds, verifies into build.log, then writes exactly the stamp; a second run is cached', () => {
    const first = bash(part('exists'));
    expect(first.status).toBe(0);
    expect(first.out).toMatch(/^\[test\] tool v1: done \(\d+s\)$/m);
    expect(readFileSync(join(cache, 'tool-v1/.built'), 'utf8')).toBe('v1.2.3\n');
    expect(readFileSync(join(cache, 'tool-v1/build.log'), 'utf8')).toBe('tool 1\n');
    const second = bash(part('exists'));
    expect(second.out).toBe('[test] tool v1: cached\n');
    expect(runs()).toBe(1);
  });

  it('exists: any .built counts (the stamps those parts wrote were never compared)', () => {
    mkdirSync(join(cache, 'tool-v1'));
    writeFileSync(join(cache, 'tool-v1/.built'), 'whatever an older build wrote\n');
    expect(bash(part('exists')).out).toBe('[test] tool v1: cached\n');
    expect(runs()).toBe(0);
  });

  it('exact: a different stamp rebuilds from an empty directory; the same stamp is cached', () => {
    mkdirSync(join(cache, 'tool-v1'));
    writeFileSync(join(cache, 'tool-v1/.built'), 'v1.2.3 old-recipe\n');
    writeFileSync(join(cache, 'tool-v1/stale'), 'x');
    expect(bash(part('exact', 'v1.2.3 new-recipe')).status).toBe(0);
    expect(existsSync(join(cache, 'tool-v1/stale'))).toBe(false);
    expect(readFileSync(join(cache, 'tool-v1/.built'), 'utf8')).toBe('v1.2.3 new-recipe\n');
    expect(bash(part('exact', 'v1.2.3 new-recipe')).out).toBe('[test] tool v1: cached\n');
    expect(runs()).toBe(1);
  });

  it('a result that does not run fails the build and leaves no stamp, so the next run redoes it', () => {
    const failed = bash(part('exists', 'v1', '"$dir/bin/missing" --version'));
    expect(failed.status).not.toBe(0);
    expect(failed.out).toContain(`[test] ERROR: built missing does not run (see ${cache}/tool-v1/build.log)`);
    expect(existsSync(join(cache, 'tool-v1/.built'))).toBe(false);
    expect(bash(part('exists')).status).toBe(0);
    expect(runs()).toBe(2);
  });

  it('refuses an unknown MATCH', () => {
    const r = bash(part('maybe'));
    expect(r.status).not.toBe(0);
    expect(r.out).toContain('MATCH must be exact or exists, not maybe');
  });
});

describe('lib.sh operator_command', () => {
  const env = { STATE: '/bed', HEALTH_PORT: '1', METRICS_PORT: '2', AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' };
  const cmd = (args: string, extra: Record<string, string> = {}) => bash(`operator_command ${args}; printf '%s\\n' "\${OPERATOR_CMD[@]}"`, { ...env, ...extra }).out.trim().split('\n');

  it('is the operator process in a clean pod-like environment, then the caller flags', () => {
    expect(cmd('/repo rotor-system rotor-faults-0 --log-level info')).toEqual([
      'env', '-i', `PATH=${process.env.PATH}`, 'HOME=/tmp',
      'POD_NAMESPACE=rotor-system', 'POD_NAME=rotor-faults-0',
      'AWS_ACCESS_KEY_ID=test', 'AWS_SECRET_ACCESS_KEY=test', 'AWS_REGION=us-east-1', 'AWS_ENDPOINT_URL=http://127.0.0.1:4566',
      'node', '/repo/operator/dist/main.js',
      '--kubeconfig', '/bed/rotor-sa.kubeconfig', '--namespace', 'rotor-system',
      '--bind-address', '127.0.0.1', '--health-port', '1', '--metrics-port', '2',
      '--leader-elect', '--log-level', 'info',
    ]);
  });

  it('passes ROTOR_MEMORY_LIMIT and ROTOR_OPERATOR_NODE_ARGS through when set', () => {
    const out = cmd('/repo ns pod', { ROTOR_MEMORY_LIMIT: '256Mi', ROTOR_OPERATOR_NODE_ARGS: '--inspect=127.0.0.1:9329 --trace-gc' });
    expect(out).toContain('ROTOR_MEMORY_LIMIT=256Mi');
    expect(out.slice(out.indexOf('node'), out.indexOf('node') + 4)).toEqual(['node', '--inspect=127.0.0.1:9329', '--trace-gc', '/repo/operator/dist/main.js']);
  });

  it('is what operator.sh and scripts/faults.sh both run (no copy of the command line left)', () => {
    for (const script of ['e2e/testbed/operator.sh', 'scripts/faults.sh']) {
      const text = readFileSync(resolve(__dirname, '../../..', script), 'utf8');
      expect(text, script).toMatch(/operator_command /);
      expect(text, script).not.toMatch(/AWS_ACCESS_KEY_ID=test/);
    }
  });
});

describe('lib.sh wait_until', () => {
  it('returns as soon as the command succeeds, and fails after the deadline', () => {
    const soon = bash('n=0; ok() { n=$((n + 1)); ((n >= 3)); }; WAIT_POLL_SECONDS=0.01; wait_until 5 ok && echo "after $n"');
    expect(soon).toEqual({ out: 'after 3\n', status: 0 });
    const never = bash('t0=$SECONDS; WAIT_POLL_SECONDS=0.2; wait_until 1 false || echo "gave up after $((SECONDS - t0)) s"');
    expect(never.out).toMatch(/^gave up after [12] s\n$/);
  });

  it('keeps the command quiet', () => {
    expect(bash('wait_until 1 echo noise; echo done').out).toBe('done\n');
  });
});

describe('lib.sh tenant manifests', () => {
  const render = (script: string) => {
    const r = bash(script, { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' });
    expect(r.status).toBe(0);
    return r.out.split(/^---\n/m).map((doc) => parseYaml(doc));
  };

  it('a SecretStore on the bed LocalStack, and an ExternalSecret copying one key', () => {
    const [store, es] = render('localstack_store team-a; echo ---; one_key_external_secret team-a db aws "team-a/db"');
    expect(store).toEqual({
      apiVersion: 'rotor.dev/v1alpha1',
      kind: 'SecretStore',
      metadata: { name: 'aws', namespace: 'team-a' },
      spec: { provider: { aws: { service: 'SecretsManager', region: 'us-east-1', endpoint: 'http://127.0.0.1:4566' } } },
    });
    expect(es).toEqual({
      apiVersion: 'rotor.dev/v1alpha1',
      kind: 'ExternalSecret',
      metadata: { name: 'db', namespace: 'team-a' },
      spec: {
        refreshInterval: '5s',
        secretStoreRef: { name: 'aws', kind: 'SecretStore' },
        target: { name: 'db' },
        data: [{ secretKey: 'v', remoteRef: { key: 'team-a/db' } }],
      },
    });
  });

  it('names the store, the refresh interval and the Secret key when asked', () => {
    const [store, es] = render('localstack_store ns other; echo ---; one_key_external_secret ns big evil anything 1h x');
    expect(store.metadata.name).toBe('other');
    expect(es.spec).toMatchObject({ refreshInterval: '1h', secretStoreRef: { name: 'evil' }, target: { name: 'big' }, data: [{ secretKey: 'x', remoteRef: { key: 'anything' } }] });
  });
});
