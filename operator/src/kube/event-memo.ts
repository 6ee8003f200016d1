// The memo behind KubeEventRecorder's aggregation: which Events were written (or bumped)
// recently, so a repeat within the window bumps the Event instead of adding one; bounded, so a
// flood of distinct Events cannot grow it. Expiry is O(1) amortised: slots sit in a queue in
// the order they were last seen, so expired ones and, over the bound, the oldest are always
// at its front. (The memo used to scan all 4,096 entries for expired ones on every new Event
// once it was full; a Map alone does not avoid that either, since V8 skips its deleted slots
// one by one when iterating from the front.)

export interface Seen {
  /** When it was last written or bumped (epoch ms). */
  lastSeenMs: number;
}

interface Slot<V> {
  key: string;
  entry: V;
}

/** Compact the queue once this many slots ahead of its head are dead (popped or superseded). */
const COMPACT_AFTER = 1024;

export class EventMemo<V extends Seen> {
  /** The live slot of each key. */
  private readonly slots = new Map<string, Slot<V>>();
  /** Slots in last-seen order from `head`; a slot whose key has a later one (or none) is dead. */
  private queue: Slot<V>[] = [];
  private head = 0;

  constructor(
    /** A repeat within this long of the last sighting counts as the same Event. */
    private readonly windowMs: number,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.slots.size;
  }

  /** The entry of `key` if it was seen less than the window before `nowMs`. */
  recent(key: string, nowMs: number): V | undefined {
    const slot = this.slots.get(key);
    return slot && nowMs - slot.entry.lastSeenMs < this.windowMs ? slot.entry : undefined;
  }

  /** Records `key` as seen at entry.lastSeenMs (a new Event or a bump), then expires from the front. */
  seen(key: string, entry: V): void {
    const slot = { key, entry };
    this.slots.set(key, slot);
    this.queue.push(slot);
    const cutoff = entry.lastSeenMs - this.windowMs;
    while (this.head < this.queue.length) {
      const front = this.queue[this.head]!;
      const live = this.slots.get(front.key) === front;
      if (live && this.slots.size <= this.maxEntries && front.entry.lastSeenMs > cutoff) break;
      if (live) this.slots.delete(front.key);
      this.head++;
    }
    this.compact();
  }

  /**
   * Drops dead slots once they outnumber the live ones (and COMPACT_AFTER): each compaction
   * costs the queue's length, paid for by at least as many seen() calls since the last one.
   */
  private compact(): void {
    const dead = this.queue.length - this.slots.size;
    if (dead < COMPACT_AFTER || dead < this.slots.size) return;
    this.queue = this.queue.slice(this.head).filter((slot) => this.slots.get(slot.key) === slot);
    this.head = 0;
  }
}
