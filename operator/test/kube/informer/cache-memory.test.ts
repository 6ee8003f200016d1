// What N cached managed Secrets of 64 KiB cost in retained heap, with the cache transform of
// before issue #15 (stripForCache: data kept) and now (secretForCache: a digest instead). A
// tenant decides how many Secrets it labels rotor.dev/managed=true and how big they are, so
// this is memory a tenant controls (item 6). Numbers are printed for docs/benchmarks.md.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { secretForCache, stripForCache } from '../../../src/kube/informer/cache-transform.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const N = 200;
const VALUE_BYTES = 64 * 1024;

/** One watch event's object text, as the API server sends it: a Secret with 64 KiB of data. */
function secretText(i: number): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `s${i}`, namespace: 'team', resourceVersion: String(i + 1), labels: { 'rotor.dev/managed': 'true' }, annotations: { 'rotor.dev/owner': 'team/es' } },
    type: 'Opaque',
    data: { value: randomBytes(VALUE_BYTES).toString('base64') },
  });
}

function retainedBytes(transform: (o: object) => object): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  const cache = new Map<string, object>();
  // Parsed one at a time as watch events arrive; only what the transform keeps is retained.
  for (let i = 0; i < N; i++) cache.set(`s${i}`, transform(JSON.parse(secretText(i)) as object));
  gc();
  const after = process.memoryUsage().heapUsed;
  expect(cache.size).toBe(N);
  return after - before;
}

describe('managed-Secret cache memory', () => {
  it(`${N} Secrets of 64 KiB: the data-less cache retains a small fraction of the full one`, () => {
    const full = retainedBytes((o) => stripForCache(o as never));
    const digestOnly = retainedBytes(secretForCache(Buffer.alloc(32, 1)) as (o: object) => object);
    // eslint-disable-next-line no-console
    console.log(`retained heap for ${N} cached Secrets of 64 KiB: data kept ${(full / 2 ** 20).toFixed(1)} MiB, digest only ${(digestOnly / 2 ** 20).toFixed(2)} MiB`);
    expect(full).toBeGreaterThan(N * VALUE_BYTES);
    expect(digestOnly).toBeLessThan(full / 20);
    expect(digestOnly).toBeLessThan(N * 4096);
  });
});
