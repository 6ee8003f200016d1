// The ready keys of a WorkQueue, grouped (e.g. by the store an ExternalSecret reads from)
// so that no group can hold every worker: take() hands out the oldest key of the next group,
// round-robin, skipping groups that already run `maxRunningPerGroup` keys. A group at its
// limit keeps its keys queued without occupying a worker; the others go on. With a single
// group (no groupOf) it is a plain FIFO.
//
// Cost: O(number of groups with queued keys) per take, never a scan of the keys.

export interface FairQueueOptions {
  /** Group of a key; computed once when the key is queued. Default: one group. */
  groupOf?: (key: string) => string;
  /** Keys of one group handed out and not yet done(). Default: unlimited. */
  maxRunningPerGroup?: number;
}

export class FairQueue {
  private readonly waiting = new Map<string, string[]>();
  /** Groups with waiting keys, in the order they are served. */
  private readonly rotation: string[] = [];
  private readonly running = new Map<string, number>();
  /** Group each handed-out key was counted against (its store may change meanwhile). */
  private readonly takenFrom = new Map<string, string>();
  private size = 0;
  private readonly groupOf: (key: string) => string;
  private readonly limit: number;

  constructor(options: FairQueueOptions = {}) {
    this.groupOf = options.groupOf ?? (() => '');
    this.limit = options.maxRunningPerGroup ?? Number.POSITIVE_INFINITY;
  }

  get length(): number {
    return this.size;
  }

  push(key: string): void {
    const group = this.groupOf(key);
    let keys = this.waiting.get(group);
    if (!keys) {
      keys = [];
      this.waiting.set(group, keys);
      this.rotation.push(group);
    }
    keys.push(key);
    this.size++;
  }

  /** The next key to run, or undefined when nothing is queued or every queued group is at its limit. */
  take(): string | undefined {
    for (let i = 0; i < this.rotation.length; i++) {
      const group = this.rotation[i]!;
      const running = this.running.get(group) ?? 0;
      if (running >= this.limit) continue;
      const keys = this.waiting.get(group)!;
      const key = keys.shift()!;
      this.size--;
      this.running.set(group, running + 1);
      this.takenFrom.set(key, group);
      // Served: to the back of the rotation, or out of it when it has nothing left.
      this.rotation.splice(i, 1);
      if (keys.length > 0) this.rotation.push(group);
      else this.waiting.delete(group);
      return key;
    }
    return undefined;
  }

  /** A key handed out by take() finished; its group may run another. */
  done(key: string): void {
    const group = this.takenFrom.get(key);
    if (group === undefined) return;
    this.takenFrom.delete(key);
    const running = (this.running.get(group) ?? 1) - 1;
    if (running > 0) this.running.set(group, running);
    else this.running.delete(group);
  }

  /** Drops every waiting key (running ones are still counted until done()). */
  clear(): void {
    this.waiting.clear();
    this.rotation.length = 0;
    this.size = 0;
  }
}
