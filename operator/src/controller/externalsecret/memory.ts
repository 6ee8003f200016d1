// What the ExternalSecret reconciler remembers about each ExternalSecret between passes, in
// one entry per ExternalSecret (keyed namespace/name) with one forget(). It used to be six
// maps side by side, each forgotten by hand on deletion: one missed map is a leak per deleted
// ExternalSecret, or a stale memory (a force-sync token, a status) that a re-created
// ExternalSecret of the same name would inherit. Holding it in one place makes that
// impossible: forget() drops the entry, whatever fields it has grown.
//
// Nothing here is durable: everything is either also on record (status, the Secret's
// rollout-pending marker) or only an optimization that a restart may lose.

/** Another per-ExternalSecret memory kept elsewhere (rollout/pending.ts) that goes with this one. */
export interface Forgettable {
  forget(key: string): void;
}

/** The status this reconciler last wrote, with the resourceVersion of the object it was computed from. */
export interface WrittenStatus<Status> {
  baseResourceVersion: string;
  status: Status;
}

interface Entry<Status, Trigger> {
  /** Last force-sync request honoured (force-sync.ts: annotations do not bump generation). */
  forceSyncSeen?: string;
  /**
   * The status last written. Our own Secret write triggers the next pass at once, usually
   * before the informer has seen our status write: without it, that pass would start from
   * the stale status (old dataMAC: a false drift; no lastRollout) and write it back.
   */
  writtenStatus?: WrittenStatus<Status>;
  /** The store changed its spec since the last successful pass: the sequence number of that change. */
  storeChange?: number;
  /** Sibling refreshes asked for (refreshForRollout) and not yet taken by a pass: who waits. */
  siblingWaiters?: Array<() => void>;
  /** The refresh wave it is in sync for (refresh.ts): status.refreshTime is not rewritten on every refresh. */
  syncedWave?: number;
  /** The AWS change event not yet taken by a pass (refreshForEvent), the latest. */
  eventTrigger?: Trigger;
}

export class ExternalSecretMemory<Status, Trigger> {
  private readonly entries = new Map<string, Entry<Status, Trigger>>();
  /** Store changes are numbered so that one landing during a pass is not cleared by that pass. */
  private storeChanges = 0;

  /** `alsoForget`: memories kept by other modules, per the same key, forgotten with this one. */
  constructor(private readonly alsoForget: readonly Forgettable[] = []) {}

  /** ExternalSecrets something is remembered for (tests; a leak shows here). */
  get size(): number {
    return this.entries.size;
  }

  /** The ExternalSecret is gone: nothing about it is kept, here or in `alsoForget`. */
  forget(key: string): void {
    const entry = this.entries.get(key);
    this.entries.delete(key);
    for (const other of this.alsoForget) other.forget(key);
    // Nobody waits forever for a pass of an ExternalSecret that is gone: the deletion pass was its last.
    for (const resolve of entry?.siblingWaiters ?? []) resolve();
  }

  forceSyncSeen(key: string): string | undefined {
    return this.entries.get(key)?.forceSyncSeen;
  }

  rememberForceSync(key: string, token: string): void {
    this.entry(key).forceSyncSeen = token;
  }

  writtenStatus(key: string): WrittenStatus<Status> | undefined {
    return this.entries.get(key)?.writtenStatus;
  }

  rememberStatus(key: string, written: WrittenStatus<Status>): void {
    this.entry(key).writtenStatus = written;
  }

  /** How many ExternalSecrets have a written status the informer has not delivered yet (tests, benchmarks). */
  get statusesHeld(): number {
    let held = 0;
    for (const entry of this.entries.values()) if (entry.writtenStatus) held++;
    return held;
  }

  /** The informer caught up with (or overtook) the status we wrote: it is the truth again. */
  dropWrittenStatus(key: string): void {
    this.update(key, (e) => delete e.writtenStatus);
  }

  markStoreChanged(key: string): void {
    this.entry(key).storeChange = ++this.storeChanges;
  }

  /** The pending store change, as a token for clearStoreChange; undefined: none. */
  storeChange(key: string): number | undefined {
    return this.entries.get(key)?.storeChange;
  }

  /** A pass that started at `seen` synced: cleared unless another change landed meanwhile. */
  clearStoreChange(key: string, seen: number): void {
    this.update(key, (e) => {
      if (e.storeChange === seen) delete e.storeChange;
    });
  }

  syncedWave(key: string): number | undefined {
    return this.entries.get(key)?.syncedWave;
  }

  setSyncedWave(key: string, waveMs: number): void {
    this.entry(key).syncedWave = waveMs;
  }

  addSiblingWaiter(key: string, resolve: () => void): void {
    const entry = this.entry(key);
    (entry.siblingWaiters ??= []).push(resolve);
  }

  /** The waiters so far, taken: a request that arrives after this is for the next pass. */
  takeSiblingWaiters(key: string): Array<() => void> | undefined {
    const waiters = this.entries.get(key)?.siblingWaiters;
    this.update(key, (e) => delete e.siblingWaiters);
    return waiters;
  }

  eventTrigger(key: string): Trigger | undefined {
    return this.entries.get(key)?.eventTrigger;
  }

  setEventTrigger(key: string, trigger: Trigger): void {
    this.entry(key).eventTrigger = trigger;
  }

  takeEventTrigger(key: string): Trigger | undefined {
    const trigger = this.entries.get(key)?.eventTrigger;
    this.update(key, (e) => delete e.eventTrigger);
    return trigger;
  }

  private entry(key: string): Entry<Status, Trigger> {
    let entry = this.entries.get(key);
    if (!entry) this.entries.set(key, (entry = {}));
    return entry;
  }

  /** Changes an existing entry, and drops it once it holds nothing. */
  private update(key: string, change: (entry: Entry<Status, Trigger>) => void): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    change(entry);
    if (Object.values(entry).every((v) => v === undefined)) this.entries.delete(key);
  }
}
