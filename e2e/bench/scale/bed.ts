// The benchmark's own test bed (its ROTOR_TESTBED_DIR and ports come from scripts/bench.sh):
// a fresh one per run, so etcd holds nothing from earlier runs, and the operator started and
// stopped with e2e/testbed/operator.sh like in the e2e suite.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
export const repo = resolve(import.meta.dirname, '../../..');
const script = (name: string) => join(repo, 'e2e/testbed', name);

export interface Bed {
  dir: string;
  env: Record<string, string>;
}

export function bedDir(): string {
  const dir = process.env.ROTOR_TESTBED_DIR;
  // Never the shared e2e bed: the benchmark tears its bed down between runs.
  if (!dir || dir === '/tmp/rotor-testbed') throw new Error('ROTOR_TESTBED_DIR must name the benchmark\'s own test bed (run it through scripts/bench.sh scale)');
  return dir;
}

export async function freshBed(): Promise<Bed> {
  const dir = bedDir();
  await exec('bash', [script('operator.sh'), 'stop'], { timeout: 60_000 }).catch(() => undefined);
  await exec('bash', [script('down.sh')], { timeout: 120_000 });
  await exec('bash', [script('up.sh')], { timeout: 10 * 60_000, maxBuffer: 16 << 20 });
  const { stdout } = await exec('bash', ['-c', `set -a; source "${join(dir, 'env.sh')}"; env -0`], { maxBuffer: 4 << 20 });
  const env: Record<string, string> = {};
  for (const entry of stdout.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return { dir, env };
}

export async function downBed(): Promise<void> {
  await exec('bash', [script('operator.sh'), 'stop'], { timeout: 60_000 }).catch(() => undefined);
  await exec('bash', [script('down.sh')], { timeout: 120_000 });
}

/** Starts the operator (returns once it leads with synced informers) and returns its pid. */
export async function startOperator(bed: Bed, extra: { args?: string; nodeArgs?: string; memoryLimit?: string; restartOnly?: boolean }): Promise<number> {
  // resume restarts the process alone, like a pod restart: no chart upgrade, whose release
  // Secrets would count as writes.
  await exec('bash', [script('operator.sh'), extra.restartOnly ? 'resume' : 'start'], {
    env: {
      ...process.env,
      ...bed.env,
      ROTOR_LOG_LEVEL: 'info',
      ROTOR_OPERATOR_ARGS: extra.args ?? '',
      ROTOR_OPERATOR_NODE_ARGS: extra.nodeArgs ?? '',
      ...(extra.memoryLimit ? { ROTOR_MEMORY_LIMIT: extra.memoryLimit } : {}),
    },
    timeout: 5 * 60_000,
    maxBuffer: 16 << 20,
  });
  return Number(readFileSync(join(bed.dir, 'operator.pid'), 'utf8').trim());
}

export async function stopOperator(): Promise<void> {
  await exec('bash', [script('operator.sh'), 'stop'], { timeout: 60_000 });
}

export function operatorLog(bed: Bed): string {
  return readFileSync(join(bed.dir, 'operator.log'), 'utf8');
}

/**
 * Seconds from "rotor starting" to "informers synced; starting workers" in the operator's last
 * start (pino's ISO `time` field).
 */
export function timeToReadySeconds(log: string): number | undefined {
  const lines = log.split('\n');
  let started: number | undefined;
  let synced: number | undefined;
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; time?: string };
    const at = entry.time ? Date.parse(entry.time) : NaN;
    if (entry.msg === 'rotor starting') {
      started = at;
      synced = undefined;
    } else if (entry.msg === 'informers synced; starting workers' && started !== undefined && synced === undefined) {
      synced = at;
    }
  }
  return started !== undefined && synced !== undefined ? (synced - started) / 1000 : undefined;
}
