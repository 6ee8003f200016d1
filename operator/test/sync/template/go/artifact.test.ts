// The committed wasm artifact belongs to the committed Go source (scripts/build-gotemplate.sh
// records the source hash when it builds), and its memory is capped as engine.ts asks.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { WASM_ARTIFACT, WasmGoEngine } from '../../../../src/sync/template/go/engine.js';
import { withMemoryLimit } from '../../../../src/sync/template/go/wasm-limits.js';

const dir = new URL('../../../../gotemplate/', import.meta.url);

describe('Go template engine artifact', () => {
  it('was built from the Go source in the repository (run scripts/build-gotemplate.sh after changing it)', () => {
    const files = ['go.mod', 'go.sum', ...readdirSync(dir).filter((f) => f.endsWith('.go')).sort()];
    const hash = createHash('sha256');
    for (const f of files) hash.update(readFileSync(new URL(f, dir)));
    const recorded = /^source: ([0-9a-f]{64})$/m.exec(readFileSync(new URL('SOURCE.sha256', dir), 'utf8'))?.[1];
    expect(recorded).toBe(hash.digest('hex'));
  });

  it('is a wasm module exporting the engine entry points', () => {
    const wasm = gunzipSync(readFileSync(WASM_ARTIFACT));
    const module = new WebAssembly.Module(wasm);
    expect(WebAssembly.Module.exports(module).map((e) => e.name)).toEqual(expect.arrayContaining(['_initialize', 'alloc', 'call', 'memory']));
  });

  it('gets a memory maximum, and refuses a limit below what the module needs at start', () => {
    const wasm = gunzipSync(readFileSync(WASM_ARTIFACT));
    expect(() => new WebAssembly.Module(withMemoryLimit(wasm, 64 * 1024 * 1024))).not.toThrow();
    expect(() => withMemoryLimit(wasm, 64 * 1024)).toThrow(/more than the limit/);
  });

  it('a template that allocates without end stops at the memory cap, and the engine recovers', async () => {
    const go = new WasmGoEngine({ maxMemoryBytes: 96 * 1024 * 1024, callTimeoutMs: 10_000 });
    try {
      const hog = '{{ $x := list }}{{ range until 1000000 }}{{ $x = append $x (randAlpha 1000) }}{{ end }}';
      await expect(go.render([{ text: hog }], {}, 1024)).rejects.toThrow(/template engine stopped/);
      expect(await go.render([{ text: 'ok' }], {}, 1024)).toEqual([{ ok: true, out: Buffer.from('ok') }]);
    } finally {
      await go.close();
    }
  }, 30_000);
});
