// Benchmark options from the environment (scripts/bench.sh scale sets them from its flags).
export interface ScaleOptions {
  /** Numbers of ExternalSecrets, one scenario each. */
  sizes: number[];
  /** Operator --concurrency values, one scenario each. */
  workers: number[];
  /** Runs per (size, workers); times are reported as the median. */
  runs: number;
  /** Remote secrets the ExternalSecrets share (ExternalSecret i reads secret i mod this). */
  remoteSecrets: number;
  /** Restart the operator after the sync and watch it this long (0 = no restart measurement). */
  restartWindowMs: number;
  /** Take a CPU profile of the sync and a heap snapshot after it (first run of each scenario). */
  profile: boolean;
  /** Only these sizes are profiled (undefined: all). */
  profileSizes?: number[];
  /** CPU profile of the measured wave (not of the sync). */
  profileWave?: boolean;
  /** ROTOR_MEMORY_LIMIT for the operator (sizes its heap as that container limit would). */
  memoryLimit?: string;
  /** Give up on a sync after this long. */
  timeoutMs: number;
  /** Replace the generated table in docs/benchmarks.md. */
  writeDocs: boolean;
  /**
   * Operator --store-concurrency: 'workers' (the one store may use every worker, the default
   * here), 'default' (the operator's own default, as the chart runs it) or a number.
   */
  storeConcurrency: 'workers' | 'default' | number;
  /** spec.refreshInterval of every ExternalSecret (default 1h: no refresh during a sync). */
  refreshInterval: string;
  /**
   * Measure one refresh wave after the sync: the ExternalSecrets get a refresh interval whose
   * first wave starts at least this long after they are created (undefined: by size, see
   * waveDelayMs; 0: no wave, spec.refreshInterval is refreshInterval).
   */
  waveAfterMs?: number;
  /**
   * Operator --status-heartbeat (undefined: its default, 5m). "0" makes every wave free of
   * heartbeat status writes, so waves compare like for like across sizes whatever their delay.
   */
  statusHeartbeat?: string;
}

export function parseScaleOptions(env: Record<string, string | undefined>): ScaleOptions {
  const list = (name: string, fallback: string): number[] =>
    (env[name] ?? fallback).split(',').map((s) => {
      const n = Number(s.trim().replace(/k$/i, '000'));
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}: "${s}" is not a positive whole number`);
      return n;
    });
  const one = (name: string, fallback: string): number => list(name, fallback)[0]!;
  const seconds = (name: string, fallback: string): number => {
    const text = env[name] ?? fallback;
    const m = /^(\d+)(s|m)?$/.exec(text);
    if (!m) throw new Error(`${name}: "${text}" is not a duration like 90s or 5m`);
    return Number(m[1]) * (m[2] === 'm' ? 60_000 : 1000);
  };
  return {
    sizes: list('ROTOR_BENCH_SIZES', '1000'),
    workers: list('ROTOR_BENCH_WORKERS', '4'),
    runs: one('ROTOR_BENCH_RUNS', '1'),
    remoteSecrets: one('ROTOR_BENCH_REMOTE_SECRETS', '100'),
    restartWindowMs: env.ROTOR_BENCH_RESTART_WINDOW === '0' ? 0 : seconds('ROTOR_BENCH_RESTART_WINDOW', '60s'),
    profile: env.ROTOR_BENCH_PROFILE === '1' || !!env.ROTOR_BENCH_PROFILE_SIZES,
    ...(env.ROTOR_BENCH_PROFILE_WAVE === '1' ? { profileWave: true } : {}),
    ...(env.ROTOR_BENCH_PROFILE_SIZES ? { profileSizes: list('ROTOR_BENCH_PROFILE_SIZES', '') } : {}),
    memoryLimit: env.ROTOR_BENCH_MEMORY_LIMIT || undefined,
    timeoutMs: seconds('ROTOR_BENCH_TIMEOUT', '30m'),
    writeDocs: env.ROTOR_BENCH_WRITE_DOCS === '1',
    storeConcurrency: storeConcurrency(env.ROTOR_BENCH_STORE_CONCURRENCY),
    refreshInterval: interval(env.ROTOR_BENCH_REFRESH_INTERVAL ?? '1h'),
    ...(env.ROTOR_BENCH_STATUS_HEARTBEAT ? { statusHeartbeat: heartbeat(env.ROTOR_BENCH_STATUS_HEARTBEAT) } : {}),
    ...(env.ROTOR_BENCH_WAVE_AFTER ? { waveAfterMs: env.ROTOR_BENCH_WAVE_AFTER === '0' ? 0 : seconds('ROTOR_BENCH_WAVE_AFTER', '60s') } : {}),
  };
}

function heartbeat(text: string): string {
  if (!/^(0|\d+(ms|s|m|h))$/.test(text)) throw new Error(`ROTOR_BENCH_STATUS_HEARTBEAT: "${text}" is not 0 or a duration like 5m`);
  return text;
}

function storeConcurrency(text: string | undefined): ScaleOptions['storeConcurrency'] {
  if (text === undefined || text === '' || text === 'workers') return 'workers';
  if (text === 'default') return 'default';
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`ROTOR_BENCH_STORE_CONCURRENCY: "${text}" is not workers, default or a positive whole number`);
  return n;
}

function interval(text: string): string {
  if (!/^(\d+(ms|s|m|h))+$/.test(text)) throw new Error(`ROTOR_BENCH_REFRESH_INTERVAL: "${text}" is not a duration like 1h or 2m`);
  return text;
}

/** The operator flags for `workers` under `option`. */
export function concurrencyArgs(workers: number, option: ScaleOptions['storeConcurrency']): string {
  if (option === 'default') return `--concurrency ${workers}`;
  return `--concurrency ${workers} --store-concurrency ${option === 'workers' ? workers : Math.min(option, workers)}`;
}

/** The operator's arguments for one scenario. */
export function operatorArgs(workers: number, opts: Pick<ScaleOptions, 'storeConcurrency' | 'statusHeartbeat'>): string {
  const args = concurrencyArgs(workers, opts.storeConcurrency);
  return opts.statusHeartbeat !== undefined ? `${args} --status-heartbeat ${opts.statusHeartbeat}` : args;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * How long after the creates the measured wave may start: the sync must be over by then, so
 * the wave is not mixed into it. By size (30 ms per ExternalSecret on top of a minute,
 * generous for a loaded 2-core bed), unless --wave-after says.
 */
export function waveDelayMs(size: number, opts: Pick<ScaleOptions, 'waveAfterMs'>): number {
  return opts.waveAfterMs ?? 60_000 + 30 * size;
}

/**
 * A refresh interval (whole seconds) whose next wave start after `nowMs` is at least
 * `minDelayMs` away and as little more as can be found: the operator's waves start at
 * phase + k·interval (controller/externalsecret/refresh.ts), the phase a hash of the store, so the interval
 * decides where the first wave falls. `nextWave(interval)` gives that instant.
 */
export function chooseWaveInterval(nowMs: number, minDelayMs: number, nextWave: (intervalMs: number) => number): { intervalMs: number; waveAtMs: number } {
  const slack = Math.max(5_000, minDelayMs / 20);
  let best: { intervalMs: number; waveAtMs: number } | undefined;
  const first = Math.ceil(minDelayMs / 1000);
  for (let s = first; s <= 3 * first; s++) {
    const waveAtMs = nextWave(s * 1000);
    if (waveAtMs - nowMs < minDelayMs) continue;
    if (!best || waveAtMs < best.waveAtMs) best = { intervalMs: s * 1000, waveAtMs };
    if (waveAtMs - nowMs <= minDelayMs + slack) break;
  }
  if (!best) throw new Error(`no refresh interval puts a wave ${minDelayMs} ms after now`);
  return best;
}
