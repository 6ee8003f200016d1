// Worker thread that owns the Go template engine's WebAssembly instance (see engine.ts).
// It is plain type-strippable TypeScript with only node: imports, so Node runs it from the
// .ts source in tests and from the compiled .js in production.
//
// The instance gets a minimal WASI: a clock, random bytes, no arguments, no environment, no
// pre-opened directories, and every file or socket call answered with EBADF / ENOTCAPABLE.
// So templates cannot read files, the environment or the network whatever they call.
import { parentPort, workerData } from 'node:worker_threads';
import { getRandomValues } from 'node:crypto';

interface Exports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  alloc(size: number): number;
  call(ptr: number, size: number): bigint;
}

const ESUCCESS = 0;
const EBADF = 8;
const ENOSYS = 52;
const ENOTCAPABLE = 76;

class ProcExit extends Error {
  code: number;
  constructor(code: number) {
    super(`the template engine exited with code ${code}`);
    this.code = code;
  }
}

const module = (workerData as { module: WebAssembly.Module }).module;
let instance: Exports | undefined;

function view(): DataView {
  return new DataView(instance!.memory.buffer);
}

function wasi(): Record<string, (...args: never[]) => number> {
  const zeroPair = (a: number, b: number): number => {
    view().setUint32(a, 0, true);
    view().setUint32(b, 0, true);
    return ESUCCESS;
  };
  return {
    args_sizes_get: zeroPair,
    environ_sizes_get: zeroPair,
    args_get: () => ESUCCESS,
    environ_get: () => ESUCCESS,
    clock_time_get: (id: number, _precision: bigint, out: number): number => {
      const ns = id === 0 ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint();
      view().setBigUint64(out, ns, true);
      return ESUCCESS;
    },
    random_get: (ptr: number, len: number): number => {
      const bytes = new Uint8Array(instance!.memory.buffer, ptr, len);
      for (let at = 0; at < len; at += 65536) getRandomValues(bytes.subarray(at, Math.min(len, at + 65536)));
      return ESUCCESS;
    },
    fd_write: (_fd: number, iovs: number, count: number, written: number): number => {
      // stdout/stderr are discarded: nothing the module prints reaches the operator's log.
      let total = 0;
      for (let i = 0; i < count; i++) total += view().getUint32(iovs + i * 8 + 4, true);
      view().setUint32(written, total, true);
      return ESUCCESS;
    },
    proc_exit: (code: number): number => {
      throw new ProcExit(code);
    },
    sched_yield: () => ESUCCESS,
    poll_oneoff: () => ENOSYS,
    path_open: () => ENOTCAPABLE,
    sock_accept: () => ENOTCAPABLE,
  };
}

function imports(): WebAssembly.Imports {
  const known = wasi();
  // Every other WASI call (files, directories, sockets) has no file descriptor to act on.
  const names = WebAssembly.Module.imports(module).map((i: { name: string }) => i.name);
  const fns: Record<string, (...args: never[]) => number> = {};
  for (const name of names) fns[name] = known[name] ?? (() => EBADF);
  return { wasi_snapshot_preview1: fns };
}

function start(): Exports {
  const created = new WebAssembly.Instance(module, imports()).exports as unknown as Exports;
  instance = created;
  created._initialize();
  return created;
}

function call(request: Uint8Array): string {
  const exports = instance ?? start();
  const ptr = exports.alloc(request.length);
  new Uint8Array(exports.memory.buffer, ptr, request.length).set(request);
  const packed = exports.call(ptr, request.length);
  const outPtr = Number(packed >> 32n);
  const outLen = Number(packed & 0xffffffffn);
  return Buffer.from(exports.memory.buffer, outPtr, outLen).toString('utf8');
}

// Instantiate before the first request, so a call's deadline never includes start-up.
start();
parentPort!.postMessage({ ready: true });

parentPort!.on('message', (message: { id: number; request: Uint8Array }) => {
  try {
    parentPort!.postMessage({ id: message.id, response: call(message.request) });
  } catch (error) {
    // A trap (out of memory, a Go runtime abort) leaves the instance unusable: start afresh.
    instance = undefined;
    const reason = error instanceof ProcExit ? error.message : error instanceof WebAssembly.RuntimeError ? `the template engine stopped: ${(error as Error).message}` : "the template engine failed";
    parentPort!.postMessage({ id: message.id, error: reason });
  }
});
