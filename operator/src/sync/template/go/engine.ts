// The Go template engine (text/template + sprig + ESO's functions, and gjson), compiled to
// WebAssembly from operator/gotemplate and run in worker threads (sync/workers/pool.ts):
//   - loaded lazily: nothing is read, compiled or started until the first Go template or
//     gjson property needs it, so operators without them pay no memory;
//   - a small pool (one worker under the chart's 256 MiB limit, see workers/sizing.ts), each
//     worker's instance reused for every call;
//   - fair between tenants: calls queue per namespace and are served round-robin, so a
//     harmless gjson read of one namespace never waits behind another's backlog;
//   - every call has a deadline that counts its time in the queue: the ExternalSecret's one
//     template budget (`scoped`), or `callTimeoutMs` from the call for unscoped callers; a
//     dispatched call runs at most `callTimeoutMs`. A runaway template (a huge range) cannot
//     block the event loop, because it runs in a worker, and that worker is terminated when
//     the deadline passes (the next call starts a fresh one from the compiled module);
//   - the instance's memory is capped (wasm-limits.ts), output is capped inside the module;
//   - an idle worker is stopped after a while to give its memory back.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { withMemoryLimit } from './wasm-limits.js';
import { DeadlineError, PoolWorkerError, WorkerPool, WorkersBusyError, type JobScope } from '../../workers/pool.js';
import { poolSizes } from '../../workers/sizing.js';

/** The artifact built by scripts/build-gotemplate.sh (committed; see docs/architecture.md). */
export const WASM_ARTIFACT = new URL('../../../../gotemplate/gotemplate.wasm.gz', import.meta.url);

export interface GoTemplateIn {
  text: string;
  /** Values: the output is the value. KeysAndValues: the output is a YAML map of key to value. */
  scope?: 'Values' | 'KeysAndValues';
  /** missingkey=error (ESO's templates); off for rewrite.transform, as in ESO. */
  strict?: boolean;
}

export type GoTemplateOut = { ok: true; out: Buffer } | { ok: true; pairs: Record<string, string> } | { ok: false; error: string };

export interface GoEngine {
  render(templates: GoTemplateIn[], data: ReadonlyMap<string, Buffer> | Record<string, Buffer>, maxOutput: number): Promise<GoTemplateOut[]>;
  /** Parse errors per template (undefined when it parses). */
  parse(templates: GoTemplateIn[]): Promise<Array<string | undefined>>;
  /** gjson Get with ESO's property rules; undefined when nothing matches. */
  property(json: Buffer, path: string): Promise<Buffer | undefined>;
  /**
   * ESO's GetSecretMap: the JSON object (or what `property` selects) as key -> bytes;
   * undefined when property matches nothing; throws NotAnObject when it is not an object.
   */
  extract(json: Buffer, property: string | undefined): Promise<Map<string, Buffer> | undefined>;
  /** ESO's rewrite.transform: `template` run once per name, the name being `.value`. */
  transform(template: string, names: string[], maxOutput: number): Promise<GoTemplateOut[]>;
  /**
   * The same engine with every call charged to `scope`: queued with the tenant's other calls
   * and failing once the scope's deadline passes (an ExternalSecret's template budget).
   */
  scoped?(scope: JobScope): GoEngine;
}

/** The engine did not answer: timeout, crash or a bad artifact. Never caused by a value. */
export class GoEngineError extends Error {
  override name = 'GoEngineError';
}

/** What extract found is not a JSON object. */
export class NotAnObjectError extends Error {
  override name = 'NotAnObjectError';
}

export interface WasmGoEngineOptions {
  /** Longest one call may run once dispatched; also the deadline of an unscoped call. */
  callTimeoutMs?: number;
  /** Largest memory the instance may use. */
  maxMemoryBytes?: number;
  /** Stop a worker after this long without calls. */
  idleStopMs?: number;
  /** Where the gzipped wasm is (tests). */
  artifact?: URL | string;
  /** Workers (default: from the memory limit, workers/sizing.ts). */
  workers?: number;
}

interface WireResult {
  out?: string;
  pairs?: Record<string, string>;
  error?: string;
}

interface WireResponse {
  results?: WireResult[];
  exists?: boolean;
  value?: string;
  map?: Record<string, string>;
  error?: string;
}

const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);
/** Calls made outside any ExternalSecret (tests, tools) share this tenant. */
const UNSCOPED_TENANT = '';

export class WasmGoEngine implements GoEngine {
  private module: Promise<WebAssembly.Module> | undefined;
  private readonly pool: WorkerPool;
  private readonly callTimeoutMs: number;
  private readonly maxMemoryBytes: number;
  private readonly artifact: URL | string;

  constructor(options: WasmGoEngineOptions = {}) {
    this.callTimeoutMs = options.callTimeoutMs ?? 1000;
    this.maxMemoryBytes = options.maxMemoryBytes ?? 128 * 1024 * 1024;
    this.artifact = options.artifact ?? WASM_ARTIFACT;
    this.pool = new WorkerPool({
      size: options.workers ?? poolSizes().goWorkers,
      maxRunMs: this.callTimeoutMs,
      ...(options.idleStopMs !== undefined ? { idleStopMs: options.idleStopMs } : {}),
      create: async () => new Worker(WORKER_URL, { workerData: { module: await this.loadModule() }, stdout: true, stderr: true }),
    });
  }

  scoped(scope: JobScope): GoEngine {
    const run = (request: object) => this.callRaw(request, scope);
    return new ScopedGoEngine(run, this);
  }

  render(templates: GoTemplateIn[], data: ReadonlyMap<string, Buffer> | Record<string, Buffer>, maxOutput: number): Promise<GoTemplateOut[]> {
    return this.scoped(this.unscoped()).render(templates, data, maxOutput);
  }

  extract(json: Buffer, property: string | undefined): Promise<Map<string, Buffer> | undefined> {
    return this.scoped(this.unscoped()).extract(json, property);
  }

  transform(template: string, names: string[], maxOutput: number): Promise<GoTemplateOut[]> {
    return this.scoped(this.unscoped()).transform(template, names, maxOutput);
  }

  parse(templates: GoTemplateIn[]): Promise<Array<string | undefined>> {
    return this.scoped(this.unscoped()).parse(templates);
  }

  property(json: Buffer, path: string): Promise<Buffer | undefined> {
    return this.scoped(this.unscoped()).property(json, path);
  }

  /** Stops the workers (tests, shutdown). The next call starts them again. */
  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Workers alive now (tests). */
  get liveWorkers(): number {
    return this.pool.liveWorkers;
  }

  private unscoped(): JobScope {
    return { tenant: UNSCOPED_TENANT, deadline: performance.now() + this.callTimeoutMs };
  }

  private async callRaw(request: object, given: JobScope): Promise<WireResponse> {
    const began = performance.now();
    await this.loadModule();
    // Reading and compiling the module (seconds, once per process) is the engine's cost, not
    // the template's: it does not count against the budget.
    const scope = { ...given, deadline: given.deadline + (performance.now() - began) };
    let final: Record<string, unknown>;
    try {
      final = await this.pool.run(scope, { request: Buffer.from(JSON.stringify(request), 'utf8') });
    } catch (error) {
      if (error instanceof DeadlineError && error.queued) throw new WorkersBusyError();
      if (error instanceof DeadlineError) throw new GoEngineError(`the template was stopped: ${error.message}`);
      if (error instanceof PoolWorkerError) throw new GoEngineError(error.message.replace('template worker', 'template engine worker'));
      throw error;
    }
    if (typeof final.error === 'string') throw new GoEngineError(final.error);
    return JSON.parse(typeof final.response === 'string' ? final.response : '{}') as WireResponse;
  }

  private loadModule(): Promise<WebAssembly.Module> {
    this.module ??= (async () => {
      const wasm = withMemoryLimit(gunzipSync(readFileSync(this.artifact)), this.maxMemoryBytes);
      return WebAssembly.compile(wasm);
    })().catch((error: unknown) => {
      this.module = undefined;
      throw new GoEngineError(`the Go template engine could not be loaded: ${(error as Error).message}`);
    });
    return this.module;
  }
}

/** The engine's operations over one scope (tenant and deadline); see GoEngine.scoped. */
class ScopedGoEngine implements GoEngine {
  constructor(
    private readonly run: (request: object) => Promise<WireResponse>,
    private readonly parent: GoEngine,
  ) {}

  scoped(scope: JobScope): GoEngine {
    return this.parent.scoped!(scope);
  }

  private async call(request: object): Promise<WireResponse> {
    const res = await this.run(request);
    if (res.error) throw new GoEngineError(`the template engine refused the request: ${res.error}`);
    return res;
  }

  async render(templates: GoTemplateIn[], data: ReadonlyMap<string, Buffer> | Record<string, Buffer>, maxOutput: number): Promise<GoTemplateOut[]> {
    const entries = data instanceof Map ? [...data] : Object.entries(data);
    const wire = Object.fromEntries(entries.map(([k, v]) => [k, v.toString('base64')]));
    const res = await this.call({ op: 'render', templates: templates.map(toWire), data: wire, maxOutput });
    return (res.results ?? []).map(fromWire);
  }

  async extract(json: Buffer, property: string | undefined): Promise<Map<string, Buffer> | undefined> {
    const res = await this.run({ op: 'extract', json: json.toString('base64'), path: property ?? '' });
    if (!res.exists) return undefined;
    if (res.error) throw new NotAnObjectError();
    return new Map(Object.entries(res.map ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
  }

  async transform(template: string, names: string[], maxOutput: number): Promise<GoTemplateOut[]> {
    const res = await this.call({ op: 'transform', templates: [toWire({ text: template, strict: false })], values: names, maxOutput });
    return (res.results ?? []).map(fromWire);
  }

  async parse(templates: GoTemplateIn[]): Promise<Array<string | undefined>> {
    const res = await this.call({ op: 'parse', templates: templates.map(toWire) });
    return (res.results ?? []).map((r) => r.error);
  }

  async property(json: Buffer, path: string): Promise<Buffer | undefined> {
    const res = await this.call({ op: 'gjson', json: json.toString('base64'), path });
    return res.exists ? Buffer.from(res.value ?? '', 'base64') : undefined;
  }
}

function fromWire(r: WireResult): GoTemplateOut {
  if (r.error !== undefined) return { ok: false, error: r.error };
  if (r.pairs !== undefined) return { ok: true, pairs: r.pairs };
  return { ok: true, out: Buffer.from(r.out ?? '', 'base64') };
}

function toWire(t: GoTemplateIn): { text: string; scope: string; strict: boolean } {
  return { text: t.text, scope: t.scope ?? 'Values', strict: t.strict ?? true };
}

let shared: WasmGoEngine | undefined;

/** The process-wide engine (a pool sized from the memory limit, started on first use). */
export function goEngine(): WasmGoEngine {
  shared ??= new WasmGoEngine();
  return shared;
}
