// A queue that is fair between tenants: one FIFO per tenant (the ExternalSecret's namespace),
// served round-robin. One namespace that enqueues many slow jobs (hostile templates) then
// delays another namespace's next job by at most one job per worker, not by its whole backlog.
// Pure data structure: no timers, no workers (pool.ts owns those).

export class FairQueue<T> {
  /** Insertion-ordered: the order in which tenants are served. */
  private readonly byTenant = new Map<string, T[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(tenant: string, item: T): void {
    const queue = this.byTenant.get(tenant);
    if (queue) queue.push(item);
    else this.byTenant.set(tenant, [item]);
    this.count++;
  }

  /** The tenant served last: it goes behind every other tenant, including ones that arrived since. */
  private lastServed: string | undefined;

  /**
   * The next item: the first of the tenant whose turn it is. The tenant served before goes
   * to the back of the rotation first, so tenants alternate job by job and a tenant that
   * arrives while another's backlog runs is served next.
   */
  shift(): T | undefined {
    const last = this.lastServed;
    if (last !== undefined) {
      const queue = this.byTenant.get(last);
      if (queue) {
        this.byTenant.delete(last);
        this.byTenant.set(last, queue);
      }
    }
    for (const [tenant, queue] of this.byTenant) {
      const item = queue.shift()!;
      if (queue.length === 0) this.byTenant.delete(tenant);
      this.lastServed = tenant;
      this.count--;
      return item;
    }
    return undefined;
  }

  /** Removes one queued item (its deadline passed while waiting); false when not queued. */
  remove(tenant: string, item: T): boolean {
    const queue = this.byTenant.get(tenant);
    const at = queue?.indexOf(item) ?? -1;
    if (!queue || at < 0) return false;
    queue.splice(at, 1);
    if (queue.length === 0) this.byTenant.delete(tenant);
    this.count--;
    return true;
  }

  /** Empties the queue, returning what was in it (shutdown). */
  drain(): T[] {
    const all = [...this.byTenant.values()].flat();
    this.byTenant.clear();
    this.count = 0;
    return all;
  }
}
