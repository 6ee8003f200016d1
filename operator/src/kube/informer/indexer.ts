// An informer's cache with indexes, like client-go's Indexer (cache.Indexers / ByIndex):
// each index maps a value computed from an object (its namespace, the store it names, its
// owner annotation...) to the objects that have it, kept up to date on every set and delete.
// A lookup then costs the size of its answer, not a scan of the cache: with 30,000
// ExternalSecrets, finding the 3 of one store must not read the other 29,997 on every event.
// Pure data structure; no I/O.

/** The values an object is filed under in one index (none: not in that index). */
export type IndexFunc<T> = (object: T) => readonly string[];

/** Index name -> how to compute an object's values for it. */
export type Indexers<T> = Readonly<Record<string, IndexFunc<T>>>;

/** Every cache has it: list(namespace) is a lookup in it. */
export const NAMESPACE_INDEX = 'namespace';

interface Namespaced {
  metadata?: { namespace?: string };
}

export class IndexedCache<T extends Namespaced> {
  private readonly items = new Map<string, T>();
  /** index name -> value -> key -> object (insertion-ordered, so lookups list in arrival order). */
  private readonly indices = new Map<string, Map<string, Map<string, T>>>();
  private readonly indexers: Indexers<T>;

  constructor(indexers: Indexers<T> = {}) {
    if (NAMESPACE_INDEX in indexers) throw new Error(`the "${NAMESPACE_INDEX}" index is built in`);
    this.indexers = { ...indexers, [NAMESPACE_INDEX]: (o) => (o.metadata?.namespace ? [o.metadata.namespace] : []) };
    for (const name of Object.keys(this.indexers)) this.indices.set(name, new Map());
  }

  get size(): number {
    return this.items.size;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  set(key: string, object: T): this {
    // Values first: an index function that throws leaves the cache as it was.
    const filed = Object.entries(this.indexers).map(([name, fn]) => [name, new Set(fn(object))] as const);
    const previous = this.items.get(key);
    if (previous !== undefined) this.unindex(key, previous);
    this.items.set(key, object);
    for (const [name, values] of filed) {
      const index = this.indices.get(name)!;
      for (const value of values) {
        let bucket = index.get(value);
        if (!bucket) index.set(value, (bucket = new Map()));
        bucket.set(key, object);
      }
    }
    return this;
  }

  delete(key: string): boolean {
    const previous = this.items.get(key);
    if (previous === undefined) return false;
    this.unindex(key, previous);
    return this.items.delete(key);
  }

  values(): IterableIterator<T> {
    return this.items.values();
  }

  [Symbol.iterator](): IterableIterator<[string, T]> {
    return this.items.entries();
  }

  /** The objects filed under `value` in index `name` (a copy of that bucket only). */
  byIndex(name: string, value: string): T[] {
    const index = this.indices.get(name);
    if (!index) throw new Error(`no index "${name}"`);
    const bucket = index.get(value);
    return bucket ? [...bucket.values()] : [];
  }

  /** How many values index `name` holds (tests: buckets are dropped when they empty). */
  indexSize(name: string): number {
    return this.indices.get(name)?.size ?? 0;
  }

  private unindex(key: string, object: T): void {
    for (const [name, fn] of Object.entries(this.indexers)) {
      const index = this.indices.get(name)!;
      for (const value of fn(object)) {
        const bucket = index.get(value);
        if (!bucket) continue;
        bucket.delete(key);
        if (bucket.size === 0) index.delete(value);
      }
    }
  }
}
