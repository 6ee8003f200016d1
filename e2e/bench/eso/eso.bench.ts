// The ESO side of the scale bench's "time to all Ready" comparison (issue 18): ESO's controller
// (built from source by e2e/bench/eso/build.sh, AWS provider only) on the same fresh test bed,
// with the same 100 Secrets Manager secrets, one SecretStore and N one-key ExternalSecrets created
// 16 at a time as the Rotor run (e2e/bench/scale/workload.ts), under external-secrets.io/v1.
// Measured the same way: first create → last Ready (one watch), the creates alone, the
// controller's CPU seconds and peak RSS (/proc), its Kubernetes writes (apiserver_request_total)
// and its AWS calls (ESO's externalsecret_provider_api_calls_count), with the load average.
// Run it with scripts/bench.sh eso; it prints the same table as scripts/bench.sh scale does.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'vitest';
import { downBed, freshBed, repo, type Bed } from '../scale/bed.js';
import { KubeApi } from '../scale/kube.js';
import { parseScaleOptions } from '../scale/options.js';
import { loadAverage, sampleProcess } from '../scale/proc.js';
import { esoProviderCalls, growth, operatorWrites, total } from '../scale/prom.js';
import { renderReadyTable, type ReadyRun } from '../scale/compare.js';
import { ESO_API, collectionPath, externalSecrets, seed, watchReady } from '../scale/workload.js';
import { ESO_CRDS, esoArgs, esoEnv, parseEsoOptions, workersStarted } from './options.js';

const exec = promisify(execFile);
const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const outDir = join(repo, 'e2e/.state/bench');

export interface EsoRunResult extends ReadyRun {
  run: number;
  /** CPU seconds of the bed's kube-apiserver and etcd over the same span. */
  apiserverCpuSeconds: number;
  etcdCpuSeconds: number;
}

const options = parseScaleOptions(process.env);
const eso = parseEsoOptions(process.env);
const binary = process.env.ROTOR_BENCH_ESO_BIN ?? '';
const label = `ESO ${process.env.ROTOR_BENCH_ESO_VERSION ?? ''}`.trim();
const ports = { metrics: Number(process.env.ROTOR_OPERATOR_METRICS_PORT ?? 29080), live: Number(process.env.ROTOR_OPERATOR_HEALTH_PORT ?? 29081) };
const metricsUrl = `http://127.0.0.1:${ports.metrics}/metrics`;

describe('eso', () => {
  const results: EsoRunResult[] = [];
  for (const size of options.sizes) {
    for (const workers of options.workers) {
      for (let run = 1; run <= options.runs; run++) {
        it(`ESO: ${size} ExternalSecrets, ${workers} workers, run ${run}`, async () => {
          const result = await measure(size, workers, run);
          results.push(result);
          console.log(`BENCH ${JSON.stringify(result)}`);
          mkdirSync(outDir, { recursive: true });
          writeFileSync(join(outDir, 'eso-results.json'), JSON.stringify(results, null, 2));
        }, options.timeoutMs + 10 * 60_000);
      }
    }
  }
  it('report', () => {
    console.log(`\nTime to all Ready (scripts/bench.sh eso; ESO --client-qps ${eso.clientQps} --client-burst ${eso.clientBurst}):\n\n${renderReadyTable(results)}`);
  });
});

async function measure(size: number, workers: number, run: number): Promise<EsoRunResult> {
  if (!binary) throw new Error('ROTOR_BENCH_ESO_BIN is not set (run this through scripts/bench.sh eso, which builds ESO)');
  const bed = await freshBed();
  const kube = new KubeApi(bed.dir);
  let controller: EsoProcess | undefined;
  try {
    await installCrds(bed);
    controller = await startEso(bed, workers);
    await seed(kube, ESO_API, bed.env.AWS_ENDPOINT_URL!, options.remoteSecrets);
    const pid = controller.pid;
    const bedPids = { apiserver: bedPid(bed, 'kube-apiserver'), etcd: bedPid(bed, 'etcd') };
    const before = {
      api: await kube.metrics(),
      aws: esoProviderCalls(await esoMetrics()),
      proc: sampleProcess(pid),
      apiserver: sampleProcess(bedPids.apiserver),
      etcd: sampleProcess(bedPids.etcd),
      load: loadAverage(),
    };
    const readyAt = watchReady(kube, ESO_API, size);
    const started = Date.now();
    await kube.createAll(collectionPath(ESO_API, 'externalsecrets'), externalSecrets(ESO_API, size, options.remoteSecrets, options.refreshInterval));
    const created = Date.now();
    const ready = await Promise.race([readyAt.done, sleep(options.timeoutMs).then(() => undefined), controller.exited.then(() => 'exited' as const)]);
    readyAt.stop();
    if (ready === 'exited') throw new Error(`ESO's controller exited during the sync (${readyAt.count()} of ${size} Ready); see ${controller.logFile}`);
    if (ready === undefined) throw new Error(`${readyAt.count()} of ${size} Ready after ${options.timeoutMs / 1000} s (ESO's log: ${controller.logFile})`);
    const atReady = { proc: sampleProcess(pid), apiserver: sampleProcess(bedPids.apiserver), etcd: sampleProcess(bedPids.etcd), load: loadAverage() };
    const after = { api: await kube.metrics(), aws: esoProviderCalls(await esoMetrics()) };
    const aws = growth(after.aws, before.aws);
    const writes = growth(operatorWrites(after.api), operatorWrites(before.api));
    return {
      operator: label,
      size,
      workers,
      run,
      createSeconds: (created - started) / 1000,
      readySeconds: (ready - started) / 1000,
      cpuSeconds: atReady.proc.cpuSeconds - before.proc.cpuSeconds,
      peakRssMiB: atReady.proc.peakRssBytes / MiB,
      writes: total(writes),
      writeDetail: detail(writes),
      awsCalls: total(aws),
      awsDetail: detail(aws),
      loadAverage: [before.load, atReady.load],
      apiserverCpuSeconds: atReady.apiserver.cpuSeconds - before.apiserver.cpuSeconds,
      etcdCpuSeconds: atReady.etcd.cpuSeconds - before.etcd.cpuSeconds,
    };
  } finally {
    await controller?.stop();
    kube.destroy();
    await downBed();
  }
}

/** ESO's CRDs from the source tree the binary was built from (build.sh keeps it next to bin/). */
async function installCrds(bed: Bed): Promise<void> {
  const dir = resolve(dirname(binary), '../src/config/crds/bases');
  const env = { ...process.env, ...bed.env };
  // create, not apply: ESO's CRDs are larger than apply's last-applied annotation may be.
  await exec('kubectl', ['create', ...ESO_CRDS.flatMap((f) => ['-f', join(dir, f)])], { env, maxBuffer: 16 << 20 });
  await exec('kubectl', ['wait', '--for=condition=Established', '--timeout=60s', ...ESO_CRDS.map((f) => `crd/${f.replace(/\.yaml$/, '').replace(/^([^_]+)_(.+)$/, '$2.$1')}`)], { env });
}

interface EsoProcess {
  pid: number;
  logFile: string;
  exited: Promise<void>;
  stop(): Promise<void>;
}

/** Starts ESO's controller in its own process group and returns once its ExternalSecret workers run. */
async function startEso(bed: Bed, workers: number): Promise<EsoProcess> {
  const logFile = join(bed.dir, 'eso.log');
  const fd = openSync(logFile, 'w');
  const child: ChildProcess = spawn(binary, esoArgs(workers, eso, ports), {
    env: esoEnv({ kubeconfig: bed.env.KUBECONFIG!, awsEndpoint: bed.env.AWS_ENDPOINT_URL!, path: process.env.PATH ?? '/usr/bin:/bin', home: process.env.HOME ?? '/tmp' }),
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  closeSync(fd);
  let alive = true;
  const exited = new Promise<void>((r) => child.once('exit', () => ((alive = false), r())));
  const pid = child.pid!;
  const proc: EsoProcess = {
    pid,
    logFile,
    exited,
    stop: async () => {
      if (!alive) return;
      process.kill(-pid, 'SIGTERM');
      if (await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)])) return;
      process.kill(-pid, 'SIGKILL');
      await exited;
    },
  };
  const deadline = Date.now() + 120_000;
  while (!workersStarted(readFileSync(logFile, 'utf8'), 'externalsecret')) {
    if (!alive) throw new Error(`ESO's controller exited at start:\n${tail(logFile)}`);
    if (Date.now() > deadline) {
      await proc.stop();
      throw new Error(`ESO's controller did not start its ExternalSecret workers within 120 s:\n${tail(logFile)}`);
    }
    await sleep(250);
  }
  return proc;
}

function tail(file: string): string {
  return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
}

function bedPid(bed: Bed, component: string): number {
  return Number(readFileSync(join(bed.dir, `${component}.pid`), 'utf8').trim());
}

async function esoMetrics(): Promise<string> {
  return (await fetch(metricsUrl)).text();
}

const detail = (m: Map<string, number>): string => [...m].map(([k, v]) => `${k}=${v}`).join(', ') || 'none';
