import { describe, expect, it } from 'vitest';
import { EventMemo } from '../../src/kube/event-memo.js';

const at = (lastSeenMs: number, id = '') => ({ lastSeenMs, id });

describe('EventMemo', () => {
  it('finds an entry seen less than the window ago, not one seen the window ago or earlier', () => {
    const memo = new EventMemo<{ lastSeenMs: number; id: string }>(600_000, 10);
    memo.seen('a', at(1_000, 'first'));
    expect(memo.recent('a', 1_000 + 599_999)?.id).toBe('first');
    expect(memo.recent('a', 1_000 + 600_000)).toBeUndefined();
    expect(memo.recent('b', 1_000)).toBeUndefined();
    memo.seen('a', at(700_000, 'bumped'));
    expect(memo.recent('a', 1_200_000)?.id).toBe('bumped');
  });

  it('holds at most maxEntries, dropping the one seen longest ago (a repeat counts as seen)', () => {
    const memo = new EventMemo(600_000, 3);
    memo.seen('a', at(1));
    memo.seen('b', at(2));
    memo.seen('c', at(3));
    memo.seen('a', at(4)); // a seen again: b is now the oldest
    memo.seen('d', at(5));
    expect(memo.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].filter((k) => memo.recent(k, 5))).toEqual(['a', 'c', 'd']);
  });

  it('drops expired entries as later ones come in, below the bound too', () => {
    const memo = new EventMemo(100, 50);
    memo.seen('old', at(0));
    memo.seen('older-but-repeated', at(0));
    memo.seen('older-but-repeated', at(150));
    memo.seen('new', at(200));
    expect(memo.size).toBe(2);
    expect(memo.recent('older-but-repeated', 200)).toBeDefined();
  });

  it('expires in O(1) amortised: a full memo of 4,096 reads a few entries per new Event, not all of them', () => {
    let reads = 0;
    const counted = (t: number) => ({
      get lastSeenMs() {
        reads++;
        return t;
      },
    });
    const memo = new EventMemo(600_000, 4096);
    for (let i = 0; i < 4096; i++) memo.seen(`k${i}`, counted(i));
    reads = 0;
    const events = 50_000;
    for (let i = 0; i < events; i++) memo.seen(`n${i}`, counted(5_000 + i)); // all within the window: the bound evicts
    expect(memo.size).toBe(4096);
    expect(reads / events).toBeLessThan(4);
    // Repeats of one key: the dead slots they leave behind are compacted away, the memo stays right.
    reads = 0;
    for (let i = 0; i < events; i++) memo.seen('hot', counted(100_000 + i));
    expect(reads / events).toBeLessThan(4);
    expect(memo.size).toBe(4096);
    expect(memo.recent('hot', 100_000 + events)).toBeDefined();
    expect((memo as unknown as { queue: unknown[] }).queue.length).toBeLessThan(3 * 4096);
  });
});
