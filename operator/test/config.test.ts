import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, HelpRequested, USAGE, VersionRequested, configExit, parseConfig } from '../src/config.js';

describe('parseConfig', () => {
  it('has production defaults', () => {
    const c = parseConfig([], { POD_NAMESPACE: 'rotor' });
    expect(c).toMatchObject({ logLevel: 'info', concurrency: 32, leaderElect: false, namespace: 'rotor', leaderElectionNamespace: 'rotor', metricsPort: 8080, healthPort: 8081, fetchCacheTtlMs: 10_000, statusHeartbeatMs: 300_000 });
    expect(c).toMatchObject({ storeConcurrency: 16, awsCallTimeoutMs: 5_000 });
    expect(parseConfig(['--concurrency', '1'], {}).storeConcurrency).toBe(1);
    expect(parseConfig(['--concurrency', '7'], {}).storeConcurrency).toBe(4);
  });

  it('reads --kubeconfig and --context; a $KUBECONFIG list is left to kube/client/kube-config.ts', () => {
    expect(parseConfig(['--kubeconfig', '/k', '--context', 'prod'], {})).toMatchObject({ kubeconfig: '/k', context: 'prod' });
    expect(parseConfig([], { KUBECONFIG: '/a:/b' }).kubeconfig).toBeUndefined();
  });

  it('reads the fairness flags', () => {
    expect(parseConfig(['--concurrency', '8', '--store-concurrency', '3', '--aws-call-timeout', '2s'], {})).toMatchObject({ storeConcurrency: 3, awsCallTimeoutMs: 2_000 });
  });

  it('reads flags', () => {
    const c = parseConfig(['--log-level', 'debug', '--concurrency', '8', '--leader-elect', '--fetch-cache-ttl', '30s', '--watch-namespace', 'team', '--status-heartbeat', '0'], {});
    expect(c).toMatchObject({ logLevel: 'debug', concurrency: 8, leaderElect: true, fetchCacheTtlMs: 30_000, watchNamespace: 'team', statusHeartbeatMs: 0 });
  });

  it('names the flag in errors', () => {
    expect(() => parseConfig(['--concurrency', 'many'], {})).toThrow(/--concurrency must be a whole number/);
    expect(() => parseConfig(['--concurrency', '4', '--store-concurrency', '5'], {})).toThrow(/--store-concurrency must be a whole number from 1 to 4, got "5"/);
    expect(() => parseConfig(['--aws-call-timeout', 'never'], {})).toThrow(/--aws-call-timeout must be a duration/);
    expect(() => parseConfig(['--aws-call-timeout', '10ms'], {})).toThrow(/--aws-call-timeout must be at least 100ms/);
    expect(() => parseConfig(['--log-level', 'loud'], {})).toThrow(ConfigError);
    expect(() => parseConfig(['--fetch-cache-ttl', 'soon'], {})).toThrow(/--fetch-cache-ttl must be a duration/);
    expect(() => parseConfig(['--status-heartbeat', 'often'], {})).toThrow(/--status-heartbeat must be a duration/);
  });

  it('reads the tenancy flags: repeatable or comma-separated endpoint patterns, identity scope, token audiences', () => {
    const defaults = parseConfig([], {});
    expect(defaults).toMatchObject({ allowedEndpoints: [], operatorIdentityScope: 'AllStores', tokenAudiences: ['sts.amazonaws.com'] });
    const c = parseConfig(
      [
        '--allowed-endpoint', 'https://*.corp.internal,http://127.0.0.1:*',
        '--allowed-endpoint', 'https://vault.example.com:8443',
        '--operator-identity-scope', 'ClusterSecretStoresOnly',
        '--token-audience', 'sts.amazonaws.com,rotor',
      ],
      {},
    );
    expect(c).toMatchObject({
      allowedEndpoints: ['https://*.corp.internal', 'http://127.0.0.1:*', 'https://vault.example.com:8443'],
      operatorIdentityScope: 'ClusterSecretStoresOnly',
      tokenAudiences: ['sts.amazonaws.com', 'rotor'],
    });
    expect(() => parseConfig(['--allowed-endpoint', 'ftp://x'], {})).toThrow(/--allowed-endpoint: "ftp:\/\/x" is not an endpoint pattern/);
    expect(() => parseConfig(['--allowed-endpoint', 'https://*'], {})).toThrow(/--allowed-endpoint/);
    expect(() => parseConfig(['--operator-identity-scope', 'Nobody'], {})).toThrow(/--operator-identity-scope must be one of AllStores, ClusterSecretStoresOnly, got "Nobody"/);
  });

  it('reads --events-queue: repeatable, one queue per flag, region from the AWS host or given; errors name the flag', () => {
    expect(parseConfig([], {}).eventQueues).toEqual([]);
    const c = parseConfig(
      ['--events-queue', 'https://sqs.eu-west-1.amazonaws.com/111122223333/rotor-events', '--events-queue', 'http://127.0.0.1:4566/000000000000/rotor-events,region=us-east-1'],
      {},
    );
    expect(c.eventQueues).toEqual([
      { url: 'https://sqs.eu-west-1.amazonaws.com/111122223333/rotor-events', region: 'eu-west-1' },
      { url: 'http://127.0.0.1:4566/000000000000/rotor-events', region: 'us-east-1' },
    ]);
    // The same queue twice is one long-poll loop.
    expect(parseConfig(['--events-queue', 'http://127.0.0.1:4566/000000000000/q,region=us-east-1', '--events-queue', 'http://127.0.0.1:4566/000000000000/q,region=us-east-1'], {}).eventQueues).toHaveLength(1);
    expect(() => parseConfig(['--events-queue', 'http://127.0.0.1:4566/000000000000/q'], {})).toThrow(ConfigError);
    expect(() => parseConfig(['--events-queue', 'http://127.0.0.1:4566/000000000000/q'], {})).toThrow(/--events-queue .*add ,region=<region>/);
  });

  it('reads --target-allowed-kind: ConfigMap by default, repeatable or comma-separated, "none", and refuses kinds that can never be targets', () => {
    expect(parseConfig([], {}).targetAllowedKinds).toEqual(['ConfigMap']);
    expect(parseConfig(['--target-allowed-kind', 'ConfigMap,Application.argoproj.io', '--target-allowed-kind', 'ConfigMap'], {}).targetAllowedKinds).toEqual(['ConfigMap', 'Application.argoproj.io']);
    expect(parseConfig(['--target-allowed-kind=none'], {}).targetAllowedKinds).toEqual([]);
    expect(() => parseConfig(['--target-allowed-kind', 'none,ConfigMap'], {})).toThrow(/"none" cannot be combined/);
    expect(() => parseConfig(['--target-allowed-kind', 'RoleBinding.rbac.authorization.k8s.io'], {})).toThrow(/--target-allowed-kind .*can never be a target/);
    expect(() => parseConfig(['--target-allowed-kind', 'Service'], {})).toThrow(ConfigError);
  });

  it('--help is an answer, on stdout with exit 0, listing every flag; --version too; bad flags go to stderr with 2', () => {
    let help: unknown;
    try {
      parseConfig(['--help'], {});
    } catch (error) {
      help = error;
    }
    expect(help).toBeInstanceOf(HelpRequested);
    expect(configExit(help, '9.9.9')).toEqual({ stream: 'stdout', text: `${USAGE}\n`, code: 0 });
    let version: unknown;
    try {
      parseConfig(['--version'], {});
    } catch (error) {
      version = error;
    }
    expect(version).toBeInstanceOf(VersionRequested);
    expect(configExit(version, '9.9.9')).toEqual({ stream: 'stdout', text: 'rotor 9.9.9\n', code: 0 });
    let bad: unknown;
    try {
      parseConfig(['--no-such-flag'], {});
    } catch (error) {
      bad = error;
    }
    expect(configExit(bad, '9.9.9')).toMatchObject({ stream: 'stderr', code: 2 });
    expect(configExit(new ConfigError('--concurrency must be ...'), '1')).toEqual({ stream: 'stderr', text: '--concurrency must be ...\n', code: 2 });
    expect(configExit(new Error('bug'), '1')).toBeUndefined();
    // Every flag parseConfig accepts is in the help text.
    const source = readFileSync(new URL('../src/config.ts', import.meta.url), 'utf8');
    const options = source.slice(source.indexOf('options: {'), source.indexOf('},\n  });'));
    const flags = [...options.matchAll(/^\s+'?([a-z-]+)'?: \{ type/gm)].map((m) => m[1]!);
    expect(flags.length).toBeGreaterThan(20);
    for (const flag of flags) expect(USAGE, `--${flag} missing from USAGE`).toContain(`--${flag}`);
  });
});
