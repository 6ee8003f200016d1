import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.js';

describe('parseConfig', () => {
  it('has production defaults', () => {
    const c = parseConfig([], { POD_NAMESPACE: 'rotor' });
    expect(c).toMatchObject({ logLevel: 'info', concurrency: 4, leaderElect: false, namespace: 'rotor', leaderElectionNamespace: 'rotor', metricsPort: 8080, healthPort: 8081, fetchCacheTtlMs: 10_000 });
  });

  it('reads flags', () => {
    const c = parseConfig(['--log-level', 'debug', '--concurrency', '8', '--leader-elect', '--fetch-cache-ttl', '30s', '--watch-namespace', 'team'], {});
    expect(c).toMatchObject({ logLevel: 'debug', concurrency: 8, leaderElect: true, fetchCacheTtlMs: 30_000, watchNamespace: 'team' });
  });

  it('names the flag in errors', () => {
    expect(() => parseConfig(['--concurrency', 'many'], {})).toThrow(/--concurrency must be a whole number/);
    expect(() => parseConfig(['--log-level', 'loud'], {})).toThrow(ConfigError);
    expect(() => parseConfig(['--fetch-cache-ttl', 'soon'], {})).toThrow(/--fetch-cache-ttl must be a duration/);
  });
});
