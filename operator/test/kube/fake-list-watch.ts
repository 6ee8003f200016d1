// An in-memory ListWatchSource standing in for the API server in informer tests.
// Mutations through put()/remove() are streamed to the open watch; the *Silently variants
// change the "server" without telling the watch (what happens while disconnected).
import type { KubeObject, ListResult, ListWatchSource, WatchEvent, WatchHandle } from '../../src/kube/informer/list-watch.js';

export interface FakeWatch<T> {
  resourceVersion: string;
  onEvent: (event: WatchEvent<T>) => void;
  onDone: (error?: unknown) => void;
  aborted: boolean;
}

export interface TestObject extends KubeObject {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  value?: string;
}

export class FakeListWatch<T extends TestObject = TestObject> implements ListWatchSource<T> {
  readonly objects = new Map<string, T>();
  readonly watches: FakeWatch<T>[] = [];
  listCalls = 0;
  /** When set, list() rejects with it. */
  listError: Error | undefined;
  private rv = 100;

  async list(): Promise<ListResult<T>> {
    this.listCalls++;
    if (this.listError) throw this.listError;
    return { items: [...this.objects.values()].map((o) => structuredClone(o)), resourceVersion: String(this.rv) };
  }

  async watch(resourceVersion: string, onEvent: (e: WatchEvent<T>) => void, onDone: (e?: unknown) => void): Promise<WatchHandle> {
    const w: FakeWatch<T> = { resourceVersion, onEvent, onDone, aborted: false };
    this.watches.push(w);
    return { abort: () => void (w.aborted = true) };
  }

  /** The newest watch, if it is still open. */
  get open(): FakeWatch<T> | undefined {
    const w = this.watches.at(-1);
    return w && !w.aborted ? w : undefined;
  }

  get currentResourceVersion(): string {
    return String(this.rv);
  }

  putSilently(object: T): T {
    this.rv++;
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(this.rv);
    this.objects.set(keyOf(stored), stored);
    return stored;
  }

  removeSilently(namespace: string | undefined, name: string): T | undefined {
    const key = namespace ? `${namespace}/${name}` : name;
    const existing = this.objects.get(key);
    if (!existing) return undefined;
    this.rv++;
    this.objects.delete(key);
    return { ...existing, metadata: { ...existing.metadata, resourceVersion: String(this.rv) } };
  }

  put(object: T): T {
    const existed = this.objects.has(keyOf(object));
    const stored = this.putSilently(object);
    this.open?.onEvent({ type: existed ? 'MODIFIED' : 'ADDED', object: structuredClone(stored) });
    return stored;
  }

  remove(namespace: string | undefined, name: string): void {
    const removed = this.removeSilently(namespace, name);
    if (removed) this.open?.onEvent({ type: 'DELETED', object: removed });
  }

  bookmark(): void {
    this.open?.onEvent({ type: 'BOOKMARK', resourceVersion: String(++this.rv) });
  }
}

function keyOf(o: TestObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

export function obj(namespace: string | undefined, name: string, value = 'v'): TestObject {
  return { metadata: { name, ...(namespace ? { namespace } : {}) }, value };
}
