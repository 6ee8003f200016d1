import { describe, expect, it } from 'vitest';
import { IndexedCache, NAMESPACE_INDEX } from '../../../src/kube/informer/indexer.js';

interface Thing {
  metadata: { namespace?: string; name: string };
  tags: string[];
}
const thing = (namespace: string | undefined, name: string, tags: string[] = []): Thing => ({ metadata: { name, ...(namespace ? { namespace } : {}) }, tags });

function counted() {
  let calls = 0;
  const cache = new IndexedCache<Thing>({
    tag: (t) => {
      calls++;
      return t.tags;
    },
  });
  return { cache, calls: () => calls };
}

describe('IndexedCache', () => {
  it('files objects by namespace (built in) and by each index, and keeps the files current on update and delete', () => {
    const { cache } = counted();
    cache.set('a/1', thing('a', '1', ['x', 'y']));
    cache.set('a/2', thing('a', '2', ['y']));
    cache.set('b/1', thing('b', '1', ['x']));
    cache.set('c', thing(undefined, 'c', ['x']));
    expect(cache.byIndex(NAMESPACE_INDEX, 'a').map((t) => t.metadata.name)).toEqual(['1', '2']);
    expect(cache.byIndex('tag', 'x').map((t) => `${t.metadata.namespace}/${t.metadata.name}`)).toEqual(['a/1', 'b/1', 'undefined/c']);
    // An update moves the object between files; the new object is what lookups return.
    cache.set('a/1', thing('a', '1', ['z']));
    expect(cache.byIndex('tag', 'x')).toHaveLength(2);
    expect(cache.byIndex('tag', 'y').map((t) => t.metadata.name)).toEqual(['2']);
    expect(cache.byIndex('tag', 'z')[0]!.tags).toEqual(['z']);
    expect(cache.delete('a/2')).toBe(true);
    expect(cache.delete('a/2')).toBe(false);
    expect(cache.byIndex('tag', 'y')).toEqual([]);
    expect(cache.size).toBe(3);
    expect([...cache].map(([k]) => k).sort()).toEqual(['a/1', 'b/1', 'c']);
    expect(() => cache.byIndex('nope', 'x')).toThrow(/no index "nope"/);
  });

  it('drops a value once nothing is filed under it (no memory kept for what left)', () => {
    const { cache } = counted();
    for (let i = 0; i < 100; i++) cache.set(`ns-${i}/o`, thing(`ns-${i}`, 'o', [`tag-${i}`]));
    expect(cache.indexSize('tag')).toBe(100);
    expect(cache.indexSize(NAMESPACE_INDEX)).toBe(100);
    for (let i = 0; i < 100; i++) cache.delete(`ns-${i}/o`);
    expect(cache.indexSize('tag')).toBe(0);
    expect(cache.indexSize(NAMESPACE_INDEX)).toBe(0);
  });

  it('a lookup costs its answer, not the cache: no index function runs and only the bucket is copied', () => {
    const { cache, calls } = counted();
    for (let i = 0; i < 10_000; i++) cache.set(`ns-${i % 100}/o-${i}`, thing(`ns-${i % 100}`, `o-${i}`, [`store-${i % 1000}`]));
    const before = calls();
    expect(before).toBe(10_000);
    expect(cache.byIndex('tag', 'store-7')).toHaveLength(10);
    expect(cache.byIndex(NAMESPACE_INDEX, 'ns-3')).toHaveLength(100);
    expect(calls()).toBe(before);
    // An update computes the old and the new object's values once each.
    cache.set('ns-3/o-3', thing('ns-3', 'o-3', ['store-x']));
    expect(calls()).toBe(before + 2);
  });

  it('refuses an index that shadows the namespace index', () => {
    expect(() => new IndexedCache<Thing>({ [NAMESPACE_INDEX]: () => [] })).toThrow(/built in/);
  });
});
