// Unit tests of the scale benchmark's parsers (run with the unit suite).
import { describe, expect, it } from 'vitest';
import { awsCalls, esoProviderCalls, eventsDropped, growth, leaseWrites, operatorWrites, parseSamples, refreshSpread, refreshes, secretGets } from './prom.js';
import { parseStatCpuSeconds, parseStatus } from './proc.js';
import { chooseWaveInterval, concurrencyArgs, median, operatorArgs, parseScaleOptions, waveDelayMs } from './options.js';
import { stableOffsetMs, waveStart } from '../../../operator/src/controller/externalsecret/refresh.js';
import { ownerOf, summarizeCpuProfile } from './profiles.js';
import { timeToReadySeconds } from './bed.js';
import { READY_HEADER, renderReadyTable, type ReadyRun } from './compare.js';

const APISERVER = `
# HELP apiserver_request_total Counter of apiserver requests
# TYPE apiserver_request_total counter
apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="secrets",scope="resource",subresource="",verb="POST",version="v1"} 1000
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="secrets",scope="resource",subresource="",verb="GET",version="v1"} 7
apiserver_request_total{code="200",component="apiserver",dry_run="",group="rotor.dev",resource="externalsecrets",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 1001
apiserver_request_total{code="201",component="apiserver",dry_run="",group="rotor.dev",resource="externalsecrets",scope="resource",subresource="",verb="POST",version="v1alpha1"} 1000
apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="events",scope="resource",subresource="",verb="POST",version="v1"} 1000
apiserver_request_total{code="200",component="apiserver",dry_run="",group="external-secrets.io",resource="externalsecrets",scope="resource",subresource="",verb="PATCH",version="v1"} 1000
apiserver_request_total{code="200",component="apiserver",dry_run="",group="coordination.k8s.io",resource="leases",scope="resource",subresource="",verb="PUT",version="v1"} 40
`;

describe('prom', () => {
  it('parses samples with labels, escapes and filters by name', () => {
    const s = parseSamples('a{x="1",y="q\\"z"} 2\nb 3.5\n# c 1\n', ['a']);
    expect(s).toEqual([{ name: 'a', labels: { x: '1', y: 'q"z' }, value: 2 }]);
  });

  it('counts the operator writes, not the benchmark\'s creates, reads or leases', () => {
    const w = operatorWrites(APISERVER);
    // ESO's finalizer patch on each new ExternalSecret counts; the benchmark's POSTs of them do not.
    expect(Object.fromEntries(w)).toEqual({ 'POST secrets': 1000, 'PATCH externalsecrets/status': 1001, 'POST events': 1000, 'PATCH externalsecrets': 1000 });
    expect(leaseWrites(APISERVER)).toBe(40);
    expect(secretGets(APISERVER)).toBe(7);
  });

  it('counts refreshes and where in a window they happened', () => {
    expect(refreshes('rotor_sync_total{result="synced"} 3\nrotor_sync_total{result="unchanged"} 4\nrotor_sync_total{result="skipped"} 9\n')).toBe(7);
    const point = (atSeconds: number, n: number) => ({ atSeconds, refreshes: n, awsCalls: 0, writes: 0 });
    expect(refreshSpread([point(10, 0), point(20, 600), point(30, 1000), point(40, 1000)])).toBe('20: 600, 30: 400');
    expect(refreshSpread([point(10, 0)])).toBe('none');
    expect(eventsDropped('rotor_events_dropped_total{type="Normal"} 3\nrotor_events_dropped_total{type="Warning"} 1\n')).toBe(4);
  });

  it('reads ESO\'s provider calls by provider and call, failed ones included', () => {
    const m = esoProviderCalls(
      'externalsecret_provider_api_calls_count{call="GetSecretValue",provider="AWS/SecretsManager",status="success"} 98\n' +
        'externalsecret_provider_api_calls_count{call="GetSecretValue",provider="AWS/SecretsManager",status="error"} 2\n' +
        'externalsecret_provider_api_calls_count{call="DescribeSecret",provider="AWS/SecretsManager",status="success"} 1\n' +
        'controller_runtime_reconcile_total{controller="externalsecret",result="success"} 100\n',
    );
    expect(Object.fromEntries(m)).toEqual({ 'AWS/SecretsManager:GetSecretValue': 100, 'AWS/SecretsManager:DescribeSecret': 1 });
  });

  it('diffs counters', () => {
    const before = awsCalls('rotor_aws_api_calls_total{service="SecretsManager",operation="BatchGetSecretValue"} 3\n');
    const after = awsCalls('rotor_aws_api_calls_total{service="SecretsManager",operation="BatchGetSecretValue"} 5\nrotor_aws_api_calls_total{service="STS",operation="AssumeRole"} 1\n');
    expect(Object.fromEntries(growth(after, before))).toEqual({ 'SecretsManager:BatchGetSecretValue': 2, 'STS:AssumeRole': 1 });
  });
});

describe('proc', () => {
  it('reads VmRSS and VmHWM', () => {
    expect(parseStatus('Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n')).toEqual({ rssBytes: 100 * 1024 * 1024, peakRssBytes: 200 * 1024 * 1024 });
  });

  it('reads utime + stime after a command name with spaces', () => {
    const stat = '4242 (node (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 566 0 0 20 0 11 0 100 0';
    expect(parseStatCpuSeconds(stat)).toBeCloseTo(18);
  });
});

describe('options', () => {
  it('parses lists, k suffixes and durations, and refuses nonsense', () => {
    const o = parseScaleOptions({ ROTOR_BENCH_SIZES: '1k,3000', ROTOR_BENCH_WORKERS: '4,16', ROTOR_BENCH_RESTART_WINDOW: '2m', ROTOR_BENCH_RUNS: '3' });
    expect(o).toMatchObject({ sizes: [1000, 3000], workers: [4, 16], runs: 3, restartWindowMs: 120_000, remoteSecrets: 100 });
    expect(parseScaleOptions({ ROTOR_BENCH_RESTART_WINDOW: '0' }).restartWindowMs).toBe(0);
    expect(() => parseScaleOptions({ ROTOR_BENCH_SIZES: 'lots' })).toThrow(/ROTOR_BENCH_SIZES/);
  });

  it('passes the store share as asked: all workers, the operator default, or a number', () => {
    expect(parseScaleOptions({})).toMatchObject({ storeConcurrency: 'workers', refreshInterval: '1h' });
    expect(concurrencyArgs(16, parseScaleOptions({}).storeConcurrency)).toBe('--concurrency 16 --store-concurrency 16');
    expect(concurrencyArgs(16, parseScaleOptions({ ROTOR_BENCH_STORE_CONCURRENCY: 'default' }).storeConcurrency)).toBe('--concurrency 16');
    expect(concurrencyArgs(4, parseScaleOptions({ ROTOR_BENCH_STORE_CONCURRENCY: '8' }).storeConcurrency)).toBe('--concurrency 4 --store-concurrency 4');
    expect(operatorArgs(16, parseScaleOptions({ ROTOR_BENCH_STORE_CONCURRENCY: 'default', ROTOR_BENCH_STATUS_HEARTBEAT: '0' }))).toBe('--concurrency 16 --status-heartbeat 0');
    expect(operatorArgs(16, parseScaleOptions({ ROTOR_BENCH_STORE_CONCURRENCY: 'default' }))).toBe('--concurrency 16');
    expect(() => parseScaleOptions({ ROTOR_BENCH_STATUS_HEARTBEAT: 'soon' })).toThrow(/not 0 or a duration/);
    expect(parseScaleOptions({ ROTOR_BENCH_REFRESH_INTERVAL: '2m' }).refreshInterval).toBe('2m');
    expect(() => parseScaleOptions({ ROTOR_BENCH_STORE_CONCURRENCY: 'some' })).toThrow(/STORE_CONCURRENCY/);
    expect(() => parseScaleOptions({ ROTOR_BENCH_REFRESH_INTERVAL: 'soon' })).toThrow(/REFRESH_INTERVAL/);
  });

  it('takes the median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });
});

describe('profiles', () => {
  it('attributes functions to packages, Rotor modules and V8', () => {
    expect(ownerOf('x', 'file:///app/node_modules/@kubernetes/client-node/dist/gen/models/ObjectSerializer.js')).toBe('@kubernetes/client-node');
    expect(ownerOf('x', 'file:///app/node_modules/pino/lib/proto.js')).toBe('pino');
    expect(ownerOf('x', 'file:///app/operator/dist/kube/resilient-informer.js')).toBe('rotor kube');
    expect(ownerOf('x', 'node:internal/tls/secure-context')).toBe('node internal');
    expect(ownerOf('(garbage collector)', '')).toBe('(garbage collector)');
  });

  it('sums self time from hit counts', () => {
    const s = summarizeCpuProfile({
      startTime: 0,
      endTime: 4000,
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, hitCount: 0 },
        { id: 2, callFrame: { functionName: 'parse', url: 'file:///a/node_modules/yaml/x.js', lineNumber: 0 }, hitCount: 3 },
        { id: 3, callFrame: { functionName: '(garbage collector)', url: '', lineNumber: -1 }, hitCount: 1 },
      ],
    });
    expect(s.byOwner).toEqual([{ name: 'yaml', amount: 3 }, { name: '(garbage collector)', amount: 1 }]);
  });
});

describe('timeToReadySeconds', () => {
  it('measures the last start', () => {
    const log = [
      '{"msg":"rotor starting","time":"2026-01-01T00:00:00.000Z"}',
      '{"msg":"informers synced; starting workers","time":"2026-01-01T00:00:05.000Z"}',
      'not json',
      '{"msg":"rotor starting","time":"2026-01-01T00:01:00.000Z"}',
      '{"msg":"informers synced; starting workers","time":"2026-01-01T00:01:02.500Z"}',
    ].join('\n');
    expect(timeToReadySeconds(log)).toBe(2.5);
  });
});

describe('refresh wave', () => {
  it('picks an interval whose first wave starts after the sync, and not much later', () => {
    const now = Date.parse('2026-12-06T15:00:00Z');
    const phase = stableOffsetMs('SecretStore/scale/aws');
    const plan = chooseWaveInterval(now, 100_000, (i) => waveStart(now, i, phase) + i);
    expect(plan.waveAtMs - now).toBeGreaterThanOrEqual(100_000);
    expect(plan.waveAtMs - now).toBeLessThanOrEqual(105_000);
    expect(plan.intervalMs % 1000).toBe(0);
    // The operator's own rule puts the wave there.
    expect(waveStart(now, plan.intervalMs, phase) + plan.intervalMs).toBe(plan.waveAtMs);
  });

  it('waits by size unless told, and 0 turns the wave off', () => {
    expect(waveDelayMs(1000, {})).toBe(90_000);
    expect(waveDelayMs(30_000, {})).toBe(960_000);
    expect(waveDelayMs(1000, parseScaleOptions({ ROTOR_BENCH_WAVE_AFTER: '3m' }))).toBe(180_000);
    expect(waveDelayMs(1000, parseScaleOptions({ ROTOR_BENCH_WAVE_AFTER: '0' }))).toBe(0);
  });
});

describe('time to all Ready table', () => {
  const run = (operator: string, size: number, readySeconds: number, load: [number, number]): ReadyRun => ({
    operator,
    size,
    workers: 16,
    createSeconds: readySeconds / 2,
    readySeconds,
    cpuSeconds: readySeconds * 0.8,
    peakRssMiB: 120.4,
    writes: size * 3,
    writeDetail: 'POST secrets=1000',
    awsCalls: 100,
    awsDetail: 'SecretsManager:GetSecretValue=100',
    loadAverage: load,
  });

  it('has one row per operator and size with medians, the Ready range over runs, writes per ExternalSecret and the load span', () => {
    const table = renderReadyTable([run('Rotor', 1000, 7, [0.5, 1]), run('Rotor', 1000, 6, [0.3, 2]), run('Rotor', 1000, 9, [0.4, 1.5]), run('ESO v2.9.0', 1000, 12, [0.2, 3])]);
    const lines = table.split('\n');
    expect(lines.slice(0, 2)).toEqual(READY_HEADER);
    expect(lines).toHaveLength(4);
    expect(lines[2]).toBe('| Rotor | 1,000 | 16 | 3 | 7.0 (6.0–9.0) | 3.5 | 5.6 | 120 | 3.00 (POST secrets=1000) | 100 (SecretsManager:GetSecretValue=100) | 0.3–2.0 |');
    expect(lines[3]).toBe('| ESO v2.9.0 | 1,000 | 16 | 1 | 12.0 | 6.0 | 9.6 | 120 | 3.00 (POST secrets=1000) | 100 (SecretsManager:GetSecretValue=100) | 0.2–3.0 |');
  });

  it('keeps sizes apart and in the order run', () => {
    const lines = renderReadyTable([run('ESO v2.9.0', 3000, 44, [1, 1]), run('ESO v2.9.0', 1000, 12, [1, 1])]).split('\n');
    expect(lines.slice(2).map((l) => l.split(' | ')[1])).toEqual(['3,000', '1,000']);
    expect(lines[2]).toContain('| 44.0 |');
  });
});
