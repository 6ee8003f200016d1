// Read-your-writes over an informer cache: a reconciler that creates, replaces or deletes objects
// remembers what it wrote until the cache has caught up, so its next pass (often triggered by its
// own write) does not act on the old object again. Used by the ClusterExternalSecret and
// ClusterPushSecret reconcilers for the objects they stamp into namespaces.

interface OwnWrite<T> {
  /** resourceVersion of the cached object the write replaced ('' for a create, 'deleted' after a delete). */
  base: string;
  /** What is there now; undefined after a delete. */
  object: T | undefined;
}

export class OwnWrites<T extends { metadata: { resourceVersion?: string } }> {
  private readonly writes = new Map<string, OwnWrite<T>>();

  /** The cached object, or our own write while the cache still shows what it replaced. */
  current(namespace: string, name: string, cached: T | undefined): T | undefined {
    const key = `${namespace}/${name}`;
    const own = this.writes.get(key);
    if (!own) return cached;
    if ((cached?.metadata.resourceVersion ?? '') === own.base && (own.object !== undefined || cached !== undefined)) return own.object;
    this.writes.delete(key); // the cache has moved past our write
    return cached;
  }

  remember(namespace: string, name: string, base: string, object: T | undefined): void {
    this.writes.set(`${namespace}/${name}`, { base, object });
  }
}
