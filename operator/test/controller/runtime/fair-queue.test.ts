import { describe, expect, it } from 'vitest';
import { FairQueue } from '../../../src/controller/runtime/fair-queue.js';

const byPrefix = (key: string) => key.split(':')[0]!;

describe('FairQueue', () => {
  it('is a FIFO without groups', () => {
    const q = new FairQueue();
    for (const k of ['a', 'b', 'c']) q.push(k);
    expect([q.take(), q.take(), q.take(), q.take()]).toEqual(['a', 'b', 'c', undefined]);
    expect(q.length).toBe(0);
  });

  it('round-robins across groups and skips a group at its limit until done()', () => {
    const q = new FairQueue({ groupOf: byPrefix, maxRunningPerGroup: 1 });
    for (const k of ['s:1', 's:2', 's:3', 't:1', 't:2']) q.push(k);
    expect(q.take()).toBe('s:1');
    expect(q.take()).toBe('t:1');
    expect(q.take()).toBeUndefined(); // both groups run their one key
    expect(q.length).toBe(3);
    q.done('s:1');
    expect(q.take()).toBe('s:2');
    q.done('t:1');
    expect(q.take()).toBe('t:2');
    q.done('s:2');
    q.done('t:2');
    expect(q.take()).toBe('s:3');
    expect(q.take()).toBeUndefined();
  });

  it('counts a key against the group it was taken from, even if its group changes', () => {
    let group = 'old';
    const q = new FairQueue({ groupOf: () => group, maxRunningPerGroup: 1 });
    q.push('k');
    expect(q.take()).toBe('k');
    group = 'new';
    q.push('j');
    expect(q.take()).toBe('j');
    q.done('k');
    group = 'old';
    q.push('m');
    expect(q.take()).toBe('m');
  });

  it('clear() drops waiting keys; running ones are still released by done()', () => {
    const q = new FairQueue({ groupOf: byPrefix, maxRunningPerGroup: 1 });
    q.push('s:1');
    q.push('s:2');
    expect(q.take()).toBe('s:1');
    q.clear();
    expect(q.length).toBe(0);
    expect(q.take()).toBeUndefined();
    q.done('s:1');
    q.push('s:3');
    expect(q.take()).toBe('s:3');
  });
});
