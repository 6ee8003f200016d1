// Caps the linear memory a WebAssembly module may grow to, by rewriting the limits of the
// memory it defines (section 5). Go's wasm runtime declares a minimum only and grows memory as
// its heap grows; with a maximum, a template that allocates without end makes memory.grow
// fail, the Go runtime aborts, and the worker is replaced — instead of the operator's
// process growing until the kernel kills it.

const MEMORY_SECTION = 5;
const WASM_PAGE = 64 * 1024;

function readU32(bytes: Uint8Array, offset: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let next = offset;
  for (;;) {
    const byte = bytes[next++];
    if (byte === undefined) throw new Error('truncated LEB128 number in the wasm binary');
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value, next };
    shift += 7;
    if (shift > 35) throw new Error('LEB128 number too long in the wasm binary');
  }
}

function writeU32(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    let byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
    if (rest !== 0) byte |= 0x80;
    out.push(byte);
  } while (rest !== 0);
  return out;
}

/** A copy of `wasm` whose memories may grow to at most `maxBytes` (rounded down to 64 KiB pages). */
export function withMemoryLimit(wasm: Uint8Array, maxBytes: number): Uint8Array {
  if (wasm.length < 8 || wasm[0] !== 0x00 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) throw new Error('not a wasm binary');
  const maxPages = Math.floor(maxBytes / WASM_PAGE);
  const parts: Uint8Array[] = [wasm.subarray(0, 8)];
  let offset = 8;
  let found = false;
  while (offset < wasm.length) {
    const id = wasm[offset]!;
    const size = readU32(wasm, offset + 1);
    const end = size.next + size.value;
    if (id !== MEMORY_SECTION) {
      parts.push(wasm.subarray(offset, end));
      offset = end;
      continue;
    }
    found = true;
    const count = readU32(wasm, size.next);
    const payload: number[] = writeU32(count.value);
    let at = count.next;
    for (let i = 0; i < count.value; i++) {
      const flags = wasm[at++]!;
      if (flags !== 0 && flags !== 1) throw new Error(`memory with flags ${flags} (shared or 64-bit) is not supported`);
      const min = readU32(wasm, at);
      at = min.next;
      let max = maxPages;
      if (flags === 1) {
        const declared = readU32(wasm, at);
        at = declared.next;
        max = Math.min(max, declared.value);
      }
      if (max < min.value) throw new Error(`the module needs ${min.value * WASM_PAGE} bytes of memory at start, more than the limit of ${maxBytes}`);
      payload.push(1, ...writeU32(min.value), ...writeU32(max));
    }
    parts.push(Uint8Array.from([MEMORY_SECTION, ...writeU32(payload.length), ...payload]));
    offset = end;
  }
  if (!found) throw new Error('the wasm binary defines no memory');
  return Buffer.concat(parts);
}
