// The per-namespace round-robin queue behind the template worker pools.
import { describe, expect, it } from 'vitest';
import { FairQueue } from '../../../src/sync/workers/fair-queue.js';

describe('FairQueue', () => {
  it('serves tenants in turn, each in its own order, however long one backlog is', () => {
    const q = new FairQueue<string>();
    for (let i = 1; i <= 5; i++) q.push('a', `a${i}`);
    q.push('b', 'b1');
    q.push('c', 'c1');
    q.push('b', 'b2');
    const order: string[] = [];
    for (let item = q.shift(); item !== undefined; item = q.shift()) order.push(item);
    expect(order).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'a4', 'a5']);
    expect(q.size).toBe(0);
  });
  it('a tenant arriving late is served next, not after the backlog', () => {
    const q = new FairQueue<string>();
    for (let i = 1; i <= 5; i++) q.push('a', `a${i}`);
    expect(q.shift()).toBe('a1');
    q.push('b', 'b1');
    expect(q.shift()).toBe('b1');
  });
  it('remove drops a queued item (its deadline passed) and keeps the count right', () => {
    const q = new FairQueue<string>();
    q.push('a', 'a1');
    q.push('a', 'a2');
    expect(q.remove('a', 'a1')).toBe(true);
    expect(q.remove('a', 'a1')).toBe(false);
    expect(q.size).toBe(1);
    expect(q.drain()).toEqual(['a2']);
    expect(q.size).toBe(0);
  });
});
