// Scale benchmark (issue 7): the real operator on a fresh local test bed with N ExternalSecrets
// (1 key each, over a set of shared Secrets Manager secrets), measuring
//   - apply -> all Ready time, operator CPU seconds and peak RSS (from /proc), live heap after a
//     full GC (through the V8 inspector);
//   - AWS calls (the operator's rotor_aws_api_calls_total) and Kubernetes writes (the API
//     server's apiserver_request_total);
//   - live heap per ExternalSecret: the growth of the live heap over the idle operator's, / N;
//   - one refresh wave with all N synced (issue 18): the ExternalSecrets are created with a
//     refresh interval whose first wave starts after the sync is over, and the operator's CPU
//     seconds, AWS calls and writes are counted from just before that wave until all N have
//     refreshed once;
//   - a restart with all N synced: time to ready, AWS calls and writes in the first minutes.
// Optional CPU profile + heap snapshot with summaries. Run it with scripts/bench.sh scale.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { Inspector } from './inspector.js';
import { KubeApi } from './kube.js';
import { chooseWaveInterval, median, operatorArgs as operatorArgsFor, parseScaleOptions, waveDelayMs, type ScaleOptions } from './options.js';
import { stableOffsetMs, waveStart } from '../../../operator/src/controller/externalsecret/refresh.js';
import { HeapGraph, heapByConstructor, heapByOperatorStructure, summarizeCpuProfile, type Share } from './profiles.js';
import { loadAverage, sampleProcess } from './proc.js';
import { awsCalls, eventsDropped, growth, leaseWrites, operatorWrites, refreshSpread, refreshes, secretGets, total, type TimelinePoint } from './prom.js';
import { downBed, freshBed, operatorLog, repo, startOperator, stopOperator, timeToReadySeconds, type Bed } from './bed.js';
import { renderReadyTable } from './compare.js';
import { NS, ROTOR_API, STORE, collectionPath, externalSecrets, seed, watchReady } from './workload.js';

/** The phase of the waves of the one store (controller/externalsecret/refresh.ts: a hash of its name). */
const STORE_PHASE = stableOffsetMs(`SecretStore/${NS}/${STORE}`);
const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const outDir = join(repo, 'e2e/.state/bench');

export interface RunResult {
  size: number;
  workers: number;
  run: number;
  createSeconds: number;
  readySeconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  rssAfterGcMiB: number;
  liveHeapMiB: number;
  /** Live heap after a full GC before the ExternalSecrets were created (the idle operator). */
  idleHeapMiB: number;
  /** process.memoryUsage() after the GC: V8 heap committed, and memory outside it (buffers, native). */
  heapCommittedMiB: number;
  externalMiB: number;
  awsCalls: number;
  awsDetail: string;
  writes: number;
  writeDetail: string;
  /** rotor_events_dropped_total when all were Ready (event queue full). */
  eventsDropped: number;
  /** GETs of single Secrets during the sync (targets not found in the managed-Secret cache). */
  secretGets: number;
  /** CPU seconds of the bed's kube-apiserver and etcd over the same span as cpuSeconds. */
  apiserverCpuSeconds: number;
  etcdCpuSeconds: number;
  /** 1-minute load average when the run started and when all were Ready. */
  loadAverage: [number, number];
  /** Refreshes (rotor_sync_total synced+unchanged) when all were Ready: more than size = a wave ran during the sync. */
  refreshesAtReady: number;
  /** One refresh wave of all N, synced (absent with --wave-after 0). */
  wave?: {
    intervalSeconds: number;
    /** From the wave's start until all N refreshed. */
    seconds: number;
    cpuSeconds: number;
    refreshes: number;
    awsCalls: number;
    writes: number;
    writeDetail: string;
    loadAverage: number;
    /** Operator CPU ms for one full /metrics exposition after the wave (what a Prometheus scrape costs at this size). */
    fullScrapeCpuMs: number;
  };
  restart?: {
    readySeconds: number;
    awsCalls: number;
    writes: number;
    writeDetail: string;
    leaseWrites: number;
    peakRssMiB: number;
    cpuSeconds: number;
    windowSeconds: number;
    /** Per bucket of the window: refreshes (rotor_sync_total synced+unchanged), AWS calls, writes, from the start. */
    timeline: TimelinePoint[];
  };
}

const options = parseScaleOptions(process.env);
const inspectPort = Number(process.env.ROTOR_BENCH_INSPECT_PORT ?? 9329);
/**
 * Only the families the benchmark reads (prom.ts): a full exposition at 10,000 ExternalSecrets is
 * ~30,000 per-object series, and polled every 250 ms through a wave it was most of the operator's
 * CPU in that wave (the 10,000 wave profile: prom-client 29 % of all samples, GC 19 %).
 */
const BENCH_METRICS = ['rotor_sync_total', 'rotor_aws_api_calls_total', 'rotor_events_dropped_total'];
const fullMetricsUrl = `http://127.0.0.1:${process.env.ROTOR_OPERATOR_METRICS_PORT ?? '28080'}/metrics`;
const metricsUrl = `${fullMetricsUrl}?${BENCH_METRICS.map((n) => `name[]=${n}`).join('&')}`;

describe('scale', () => {
  const results: RunResult[] = [];
  for (const size of options.sizes) {
    for (const workers of options.workers) {
      for (let run = 1; run <= options.runs; run++) {
        it(`${size} ExternalSecrets, ${workers} workers, run ${run}`, async () => {
          const result = await measure(size, workers, run, options, options.profile && run === 1 && (options.profileSizes === undefined || options.profileSizes.includes(size)));
          results.push(result);
          console.log(`BENCH ${JSON.stringify(result)}`);
          mkdirSync(outDir, { recursive: true });
          writeFileSync(join(outDir, 'scale-results.json'), JSON.stringify(results, null, 2));
        }, options.timeoutMs + options.restartWindowMs + 10 * 60_000);
      }
    }
  }
  it('report', () => {
    const table = renderTable(results, options);
    console.log(`\n${table}`);
    // The same columns as scripts/bench.sh eso prints, to put the two side by side.
    console.log(`\nTime to all Ready (scripts/bench.sh scale):\n\n${renderReadyTable(results.map((r) => ({ ...r, operator: 'Rotor' })))}`);
    if (options.writeDocs) writeDocs(table);
  });
});

async function measure(size: number, workers: number, run: number, opts: ScaleOptions, profile: boolean): Promise<RunResult> {
  const bed = await freshBed();
  const kube = new KubeApi(bed.dir);
  try {
    // One store serves every ExternalSecret here, so its fair share is all the workers.
    const operatorArgs = { args: operatorArgsFor(workers, opts), nodeArgs: `--inspect=127.0.0.1:${inspectPort}`, memoryLimit: opts.memoryLimit };
    // operator.sh installs the CRDs, so the store is created after it started.
    const pid = await startOperator(bed, operatorArgs);
    await seed(kube, ROTOR_API, bed.env.AWS_ENDPOINT_URL!, opts.remoteSecrets);
    const inspector = await Inspector.connect(inspectPort);
    const idleHeap = await inspector.liveHeapAfterGc();
    if (profile) await inspector.startCpuProfile();

    const bedPids = { apiserver: bedPid(bed, 'kube-apiserver'), etcd: bedPid(bed, 'etcd') };
    const before = { api: await apiMetrics(kube), aws: awsCalls(await operatorMetrics()), proc: sampleProcess(pid), apiserver: sampleProcess(bedPids.apiserver), etcd: sampleProcess(bedPids.etcd), load: loadAverage() };
    const readyAt = watchReady(kube, ROTOR_API, size);
    const started = Date.now();
    const wavePlan = waveDelayMs(size, opts) > 0 ? chooseWaveInterval(started, waveDelayMs(size, opts), (i) => waveStart(started, i, STORE_PHASE) + i) : undefined;
    const refreshInterval = wavePlan ? `${wavePlan.intervalMs / 1000}s` : opts.refreshInterval;
    await kube.createAll(collectionPath(ROTOR_API, 'externalsecrets'), externalSecrets(ROTOR_API, size, opts.remoteSecrets, refreshInterval));
    const created = Date.now();
    const ready = await Promise.race([readyAt.done, sleep(opts.timeoutMs).then(() => undefined)]);
    readyAt.stop();
    if (ready === undefined) throw new Error(`${readyAt.count()} of ${size} Ready after ${opts.timeoutMs / 1000} s`);
    const atReady = sampleProcess(pid);
    const bedAtReady = { apiserver: sampleProcess(bedPids.apiserver), etcd: sampleProcess(bedPids.etcd), load: loadAverage() };
    const operatorAtReady = await operatorMetrics();
    const refreshesAtReady = refreshes(operatorAtReady);
    const after = { api: await apiMetrics(kube), aws: awsCalls(operatorAtReady) };
    if (profile) saveCpuProfile(await inspector.stopCpuProfile(), `cpu-${size}-w${workers}`);

    await sleep(5_000);
    const heap = await inspector.liveHeapAfterGc();
    const usage = await inspector.memoryUsage();
    const afterGc = sampleProcess(pid);

    const aws = growth(after.aws, before.aws);
    const writes = growth(operatorWrites(after.api), operatorWrites(before.api));
    const result: RunResult = {
      size,
      workers,
      run,
      createSeconds: (created - started) / 1000,
      readySeconds: (ready - started) / 1000,
      cpuSeconds: atReady.cpuSeconds - before.proc.cpuSeconds,
      peakRssMiB: atReady.peakRssBytes / MiB,
      rssAfterGcMiB: afterGc.rssBytes / MiB,
      liveHeapMiB: heap.usedBytes / MiB,
      heapCommittedMiB: usage.heapTotal / MiB,
      externalMiB: usage.external / MiB,
      awsCalls: total(aws),
      awsDetail: detail(aws),
      writes: total(writes),
      writeDetail: detail(writes),
      secretGets: secretGets(after.api) - secretGets(before.api),
      eventsDropped: eventsDropped(operatorAtReady),
      apiserverCpuSeconds: bedAtReady.apiserver.cpuSeconds - before.apiserver.cpuSeconds,
      etcdCpuSeconds: bedAtReady.etcd.cpuSeconds - before.etcd.cpuSeconds,
      loadAverage: [before.load, bedAtReady.load],
      idleHeapMiB: idleHeap.usedBytes / MiB,
      refreshesAtReady,
    };
    // The sync's numbers now: a wave of a large size may be long in coming.
    console.log(`BENCH-SYNC ${JSON.stringify(result)}`);
    if (wavePlan) result.wave = await measureWave(kube, pid, size, wavePlan.intervalMs, ready, opts.profileWave ? inspector : undefined, `cpu-wave-${size}-w${workers}`);
    // The snapshot last: at 10,000 it stops the process for many seconds (the first 10,000 run,
    // with the snapshot before the wave, failed after it).
    if (profile) await snapshotSummary(inspector, `heap-${size}-w${workers}`);
    inspector.close();
    if (opts.restartWindowMs > 0 && run === 1) result.restart = await measureRestart(bed, kube, operatorArgs, opts.restartWindowMs);
    await stopOperator();
    return result;
  } finally {
    kube.destroy();
    await downBed();
  }
}

/**
 * One refresh wave with every ExternalSecret synced: the first wave start after `readyMs` (the
 * sync is over), counted from 2 s before it until `size` more refreshes were done.
 */
async function measureWave(kube: KubeApi, pid: number, size: number, intervalMs: number, readyMs: number, profiler?: Inspector, profileName = 'cpu-wave'): Promise<NonNullable<RunResult['wave']>> {
  const waveAt = waveStart(Math.max(readyMs, Date.now()), intervalMs, STORE_PHASE) + intervalMs;
  await sleep(Math.max(0, waveAt - 2_000 - Date.now()));
  const operatorBefore = await operatorMetrics();
  const before = { refreshes: refreshes(operatorBefore), aws: awsCalls(operatorBefore), api: await apiMetrics(kube), proc: sampleProcess(pid) };
  if (profiler) await profiler.startCpuProfile();
  let operatorNow = operatorBefore;
  // A wave that does not finish within its interval runs into the next: stop there.
  while (refreshes(operatorNow) < before.refreshes + size && Date.now() < waveAt + intervalMs - 2_000) {
    await sleep(250);
    operatorNow = await operatorMetrics();
  }
  const doneAt = Date.now();
  const proc = sampleProcess(pid);
  if (profiler) saveCpuProfile(await profiler.stopCpuProfile(), profileName);
  const writes = growth(operatorWrites(await apiMetrics(kube)), operatorWrites(before.api));
  // Five, averaged: /proc counts CPU in 10 ms ticks.
  const beforeScrape = sampleProcess(pid);
  for (let i = 0; i < 5; i++) await fullScrape();
  const fullScrapeCpuMs = ((sampleProcess(pid).cpuSeconds - beforeScrape.cpuSeconds) * 1000) / 5;
  return {
    intervalSeconds: intervalMs / 1000,
    seconds: (doneAt - waveAt) / 1000,
    cpuSeconds: proc.cpuSeconds - before.proc.cpuSeconds,
    refreshes: refreshes(operatorNow) - before.refreshes,
    awsCalls: total(growth(awsCalls(operatorNow), before.aws)),
    writes: total(writes),
    writeDetail: detail(writes),
    loadAverage: loadAverage(),
    fullScrapeCpuMs,
  };
}

/** Stops the operator with everything synced, starts it again and watches it for `windowMs`. */
async function measureRestart(bed: Bed, kube: KubeApi, operatorArgs: Parameters<typeof startOperator>[1], windowMs: number): Promise<NonNullable<RunResult['restart']>> {
  await stopOperator();
  const before = await apiMetrics(kube);
  const startedAt = Date.now();
  const pid = await startOperator(bed, { ...operatorArgs, nodeArgs: '', restartOnly: true });
  // Buckets of the window, so a herd of first refreshes (or their spread) shows.
  const timeline: NonNullable<RunResult['restart']>['timeline'] = [];
  const bucketMs = Math.max(10_000, Math.round(windowMs / 30));
  for (let at = bucketMs; at <= windowMs; at += bucketMs) {
    await sleep(Math.max(0, startedAt + at - Date.now()));
    const [operator, api] = [await operatorMetrics(), await apiMetrics(kube)];
    timeline.push({ atSeconds: at / 1000, refreshes: refreshes(operator), awsCalls: total(awsCalls(operator)), writes: total(growth(operatorWrites(api), operatorWrites(before))) });
  }
  await sleep(Math.max(0, startedAt + windowMs - Date.now()));
  const end = sampleProcess(pid);
  const api = await apiMetrics(kube);
  const writes = growth(operatorWrites(api), operatorWrites(before));
  return {
    timeline,
    readySeconds: timeToReadySeconds(operatorLog(bed)) ?? NaN,
    awsCalls: total(awsCalls(await operatorMetrics())),
    writes: total(writes),
    writeDetail: detail(writes),
    leaseWrites: leaseWrites(api) - leaseWrites(before),
    peakRssMiB: end.peakRssBytes / MiB,
    cpuSeconds: end.cpuSeconds,
    windowSeconds: windowMs / 1000,
  };
}

async function apiMetrics(kube: KubeApi): Promise<string> {
  return kube.metrics();
}

function bedPid(bed: Bed, component: string): number {
  return Number(readFileSync(join(bed.dir, `${component}.pid`), 'utf8').trim());
}

/** Every family, per-ExternalSecret gauges included: what Prometheus scrapes. */
async function fullScrape(): Promise<string> {
  return (await fetch(fullMetricsUrl)).text();
}

async function operatorMetrics(): Promise<string> {
  // Once more after a reset: polled every 250 ms through a wave, a keep-alive connection the
  // server had just closed ended a 10,000 run (ECONNRESET).
  try {
    return await (await fetch(metricsUrl)).text();
  } catch {
    await sleep(200);
    return (await fetch(metricsUrl)).text();
  }
}

const detail = (m: Map<string, number>): string => [...m].map(([k, v]) => `${k}=${v}`).join(', ') || 'none';

// ------------------------------------------------------------------ profiles

function saveCpuProfile(profile: Awaited<ReturnType<Inspector['stopCpuProfile']>>, name: string): void {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${name}.cpuprofile`), JSON.stringify(profile));
  const summary = summarizeCpuProfile(profile);
  const lines = [
    `CPU profile ${name}: ${(summary.totalMs / 1000).toFixed(1)} s wall`,
    'by owner (self time):',
    ...shares(summary.byOwner.slice(0, 20), (ms) => `${(ms / 1000).toFixed(2)} s`, summary.byOwner),
    'by function (self time):',
    ...shares(summary.byFunction.slice(0, 30), (ms) => `${(ms / 1000).toFixed(2)} s`, summary.byFunction),
  ];
  writeFileSync(join(outDir, `${name}.txt`), `${lines.join('\n')}\n`);
  console.log(lines.join('\n'));
}

async function snapshotSummary(inspector: Inspector, name: string): Promise<void> {
  const file = join(outDir, `${name}.heapsnapshot`);
  await inspector.heapSnapshot(file);
  const graph = new HeapGraph(JSON.parse(readFileSync(file, 'utf8')));
  const byCtor = heapByConstructor(graph);
  const lines = [
    `heap snapshot ${name}: ${(graph.totalSize() / MiB).toFixed(1)} MiB in ${graph.nodeCount} objects`,
    'by constructor (self size):',
    ...shares(byCtor.slice(0, 25), (b) => `${(b / MiB).toFixed(2)} MiB`, byCtor),
    'by operator structure (reachable, each byte counted once):',
    ...heapByOperatorStructure(graph).slice(0, 30).map((s) => `  ${(s.amount / MiB).toFixed(2)} MiB  ${s.name}`),
  ];
  writeFileSync(join(outDir, `${name}.txt`), `${lines.join('\n')}\n`);
  console.log(lines.join('\n'));
}

function shares(top: Share[], fmt: (n: number) => string, all: Share[]): string[] {
  const sum = all.reduce((s, x) => s + x.amount, 0);
  return top.map((s) => `  ${fmt(s.amount).padStart(11)} ${((100 * s.amount) / sum).toFixed(1).padStart(5)}%  ${s.name}${s.count ? ` (${s.count})` : ''}`);
}

// ------------------------------------------------------------------ report

export function renderTable(results: readonly RunResult[], opts: ScaleOptions): string {
  const rows: string[] = [
    '| ExternalSecrets | workers | runs | apply → all Ready, s | CPU s (per 1,000) | API server / etcd CPU s | load average | peak RSS, MiB | RSS / live heap after GC, MiB | AWS calls | K8s writes |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const restarts: string[] = [];
  const perEs: string[] = [];
  for (const size of opts.sizes) {
    for (const workers of opts.workers) {
      const group = results.filter((r) => r.size === size && r.workers === workers);
      if (group.length === 0) continue;
      const m = (f: (r: RunResult) => number) => median(group.map(f));
      const range = (f: (r: RunResult) => number, digits = 0) => {
        const v = group.map(f);
        return group.length > 1 ? ` (${Math.min(...v).toFixed(digits)}–${Math.max(...v).toFixed(digits)})` : '';
      };
      rows.push(
        `| ${size.toLocaleString('en')} | ${workers} | ${group.length} | ${m((r) => r.readySeconds).toFixed(1)}${range((r) => r.readySeconds, 1)} | ` +
          `${m((r) => r.cpuSeconds).toFixed(1)} (${((1000 * m((r) => r.cpuSeconds)) / size).toFixed(1)}) | ${m((r) => r.apiserverCpuSeconds).toFixed(1)} / ${m((r) => r.etcdCpuSeconds).toFixed(1)} | ` +
          `${Math.min(...group.map((r) => r.loadAverage[0])).toFixed(1)}–${Math.max(...group.map((r) => r.loadAverage[1])).toFixed(1)} | ${m((r) => r.peakRssMiB).toFixed(0)}${range((r) => r.peakRssMiB)} | ` +
          `${m((r) => r.rssAfterGcMiB).toFixed(0)} / ${m((r) => r.liveHeapMiB).toFixed(0)} | ${m((r) => r.awsCalls)} | ${m((r) => r.writes)} (${group[0]!.writeDetail}) |`,
      );
      perEs.push(perExternalSecretRow(group, size, workers));
      const restart = group[0]!.restart;
      if (restart) {
        restarts.push(
          `| ${size.toLocaleString('en')} | ${workers} | ${restart.readySeconds.toFixed(1)} | ${restart.windowSeconds} | ${restart.awsCalls} | ${restart.writes}${restart.writes ? ` (${restart.writeDetail})` : ''} | ${restart.leaseWrites} | ${restart.peakRssMiB.toFixed(0)} | ${restart.cpuSeconds.toFixed(1)} | ${refreshSpread(restart.timeline)} |`,
        );
      }
    }
  }
  const out = [
    ...rows,
    '',
    'Per ExternalSecret (issue 18: flat from 1,000 to 30,000 means within ±25 %); the wave is one refresh of all N, synced, at a refresh interval chosen so that it starts after the sync:',
    '',
    '| ExternalSecrets | workers | CPU s per 1,000 synced | wave: s to refresh all / CPU s (per 1,000) | wave AWS calls / K8s writes | wave load average | one full /metrics scrape, CPU ms | live heap per ExternalSecret, KiB (above idle) | K8s writes per ExternalSecret |',
    '|---|---|---|---|---|---|---|---|---|',
    ...perEs,
  ];
  if (restarts.length) {
    out.push(
      '',
      `Restart with every ExternalSecret synced (refreshInterval ${opts.refreshInterval}):`,
      '',
      '| ExternalSecrets | workers | start → informers synced, s | window, s | AWS calls | K8s writes | Lease writes | peak RSS, MiB | CPU s | refreshes per bucket (s after start: count) |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...restarts,
    );
  }
  return out.join('\n');
}

function perExternalSecretRow(group: readonly RunResult[], size: number, workers: number): string {
  const m = (f: (r: RunResult) => number) => median(group.map(f));
  const waves = group.filter((r) => r.wave !== undefined);
  const w = (f: (x: NonNullable<RunResult['wave']>) => number) => median(waves.map((r) => f(r.wave!)));
  // A wave that did not get through all N (it ran into the next interval) is marked.
  const incomplete = waves.some((r) => r.wave!.refreshes < size) ? ` (only ${Math.min(...waves.map((r) => r.wave!.refreshes))} refreshed)` : '';
  const duringSync = group.some((r) => r.refreshesAtReady > size) ? ' (a wave ran during the sync)' : '';
  const wave = waves.length
    ? `${w((x) => x.seconds).toFixed(1)} / ${w((x) => x.cpuSeconds).toFixed(1)} (${((1000 * w((x) => x.cpuSeconds)) / size).toFixed(2)})${incomplete} | ${w((x) => x.awsCalls)} / ${w((x) => x.writes)} | ${w((x) => x.loadAverage).toFixed(1)} | ${w((x) => x.fullScrapeCpuMs).toFixed(0)}`
    : '– | – | – | –';
  return (
    `| ${size.toLocaleString('en')} | ${workers} | ${((1000 * m((r) => r.cpuSeconds)) / size).toFixed(2)}${duringSync} | ${wave} | ` +
    `${((m((r) => r.liveHeapMiB - r.idleHeapMiB) * 1024) / size).toFixed(2)} | ${(m((r) => r.writes) / size).toFixed(2)} |`
  );
}

const START = '<!-- scale-bench:start (generated by scripts/bench.sh scale --write-docs) -->';
const END = '<!-- scale-bench:end -->';

function writeDocs(table: string): void {
  const file = join(repo, 'docs/benchmarks.md');
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`docs/benchmarks.md has no ${START} ... ${END} block`);
  const stamp = `Generated ${new Date().toISOString().slice(0, 10)} on ${process.env.ROTOR_BENCH_MACHINE ?? 'this machine'}${options.memoryLimit ? `, ROTOR_MEMORY_LIMIT=${options.memoryLimit}` : ''}.`;
  writeFileSync(file, `${text.slice(0, a + START.length)}\n${stamp}\n\n${table}\n${text.slice(b)}`);
}
