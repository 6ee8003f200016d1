// The Go template engine (text/template + sprig + ESO's functions, and gjson), compiled to
// WebAssembly from operator/gotemplate and run in one worker thread:
//   - loaded lazily: nothing is read, compiled or started until the first Go template or
//     gjson property needs it, so operators without them pay no memory;
//   - one instance reused for every call; calls are queued and run one at a time;
//   - every call has a deadline: a runaway template (a huge range) cannot block the event
//     loop, because it runs in the worker, and the worker is terminated when the deadline
//     passes (the next call starts a fresh one from the compiled module);
//   - the instance's memory is capped (wasm-limits.ts), output is capped inside the module;
//   - an idle worker is stopped after a while to give its memory back.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Worker } from 'node:worker_threads';
import { withMemoryLimit } from './wasm-limits.js';

/** The artifact built by scripts/build-gotemplate.sh (committed; see docs/architecture.md). */
export const WASM_ARTIFACT = new URL('../../../gotemplate/gotemplate.wasm.gz', import.meta.url);

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
  /** Deadline of one call. */
  callTimeoutMs?: number;
  /** Largest memory the instance may use. */
  maxMemoryBytes?: number;
  /** Stop the worker after this long without calls. */
  idleStopMs?: number;
  /** Where the gzipped wasm is (tests). */
  artifact?: URL | string;
}

interface Pending {
  id: number;
  request: Uint8Array;
  resolve: (text: string) => void;
  reject: (error: Error) => void;
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

const STARTUP_TIMEOUT_MS = 30_000;
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);

export class WasmGoEngine implements GoEngine {
  private module: Promise<WebAssembly.Module> | undefined;
  private worker: Worker | undefined;
  private starting: Promise<Worker> | undefined;
  private readonly queue: Pending[] = [];
  private running: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private readonly callTimeoutMs: number;
  private readonly maxMemoryBytes: number;
  private readonly idleStopMs: number;
  private readonly artifact: URL | string;

  constructor(options: WasmGoEngineOptions = {}) {
    this.callTimeoutMs = options.callTimeoutMs ?? 2000;
    this.maxMemoryBytes = options.maxMemoryBytes ?? 128 * 1024 * 1024;
    this.idleStopMs = options.idleStopMs ?? 5 * 60_000;
    this.artifact = options.artifact ?? WASM_ARTIFACT;
  }

  async render(templates: GoTemplateIn[], data: ReadonlyMap<string, Buffer> | Record<string, Buffer>, maxOutput: number): Promise<GoTemplateOut[]> {
    const entries = data instanceof Map ? [...data] : Object.entries(data);
    const wire = Object.fromEntries(entries.map(([k, v]) => [k, v.toString('base64')]));
    const res = await this.call({ op: 'render', templates: templates.map(toWire), data: wire, maxOutput });
    return (res.results ?? []).map(fromWire);
  }

  async extract(json: Buffer, property: string | undefined): Promise<Map<string, Buffer> | undefined> {
    const res = await this.callRaw({ op: 'extract', json: json.toString('base64'), path: property ?? '' });
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

  /** Stops the worker (tests, shutdown). The next call starts it again. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private async call(request: object): Promise<WireResponse> {
    const res = await this.callRaw(request);
    if (res.error) throw new GoEngineError(`the template engine refused the request: ${res.error}`);
    return res;
  }

  private async callRaw(request: object): Promise<WireResponse> {
    await this.loadModule();
    const text = await new Promise<string>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request: Buffer.from(JSON.stringify(request), 'utf8'), resolve, reject });
      this.pump();
    });
    return JSON.parse(text) as WireResponse;
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

  private pump(): void {
    if (this.running || this.queue.length === 0) return;
    const next = this.queue.shift()!;
    this.running = next;
    clearTimeout(this.idleTimer);
    void this.module!.then(async (module) => {
      const worker = await this.ensureWorker(module);
      if (this.running !== next) return;
      // The deadline covers only the request: start-up has its own (STARTUP_TIMEOUT_MS).
      this.timer = setTimeout(() => this.fail(new GoEngineError(`the template took longer than ${this.callTimeoutMs} ms and was stopped`), true), this.callTimeoutMs);
      worker.postMessage({ id: next.id, request: next.request });
    }).catch((error: unknown) => {
      if (this.running === next) this.fail(error instanceof Error ? error : new GoEngineError('the template engine could not start'), true);
    });
  }

  private ensureWorker(module: WebAssembly.Module): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(WORKER_URL, { workerData: { module }, stdout: true, stderr: true });
      worker.unref();
      const startup = setTimeout(() => {
        void worker.terminate();
        reject(new GoEngineError(`the template engine did not start within ${STARTUP_TIMEOUT_MS} ms`));
      }, STARTUP_TIMEOUT_MS);
      worker.once('message', () => {
        clearTimeout(startup);
        this.worker = worker;
        this.listen(worker);
        resolve(worker);
      });
      worker.once('error', () => {
        clearTimeout(startup);
        reject(new GoEngineError('the template engine worker failed to start'));
      });
    }).finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private listen(worker: Worker): void {
    worker.on('message', (message: { id: number; response?: string; error?: string }) => {
      const current = this.running;
      if (!current || current.id !== message.id) return;
      this.finish();
      if (message.error !== undefined) current.reject(new GoEngineError(message.error));
      else current.resolve(message.response ?? '{}');
    });
    worker.on('error', () => this.workerGone(worker, 'the template engine worker failed'));
    worker.on('exit', () => this.workerGone(worker, 'the template engine worker exited'));
  }

  private workerGone(worker: Worker, reason: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    if (this.running) this.fail(new GoEngineError(reason), false);
  }

  private finish(): void {
    clearTimeout(this.timer);
    this.running = undefined;
    this.idleTimer = setTimeout(() => void this.close(), this.idleStopMs);
    this.idleTimer.unref();
    this.pump();
  }

  private fail(error: Error, terminate: boolean): void {
    const current = this.running;
    if (terminate && this.worker) {
      const worker = this.worker;
      this.worker = undefined;
      void worker.terminate();
    }
    this.finish();
    current?.reject(error);
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

/** The process-wide engine (one worker, started on first use). */
export function goEngine(): WasmGoEngine {
  shared ??= new WasmGoEngine();
  return shared;
}
