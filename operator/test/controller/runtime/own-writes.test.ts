import { describe, expect, it } from 'vitest';
import { OwnWrites } from '../../../src/controller/runtime/own-writes.js';

type Obj = { metadata: { resourceVersion?: string }; v: number };
const at = (rv: string, v: number): Obj => ({ metadata: { resourceVersion: rv }, v });

describe('OwnWrites', () => {
  it('serves our write while the cache shows what it replaced, then the cache once it moved on', () => {
    const own = new OwnWrites<Obj>();
    own.remember('ns', 'a', '1', at('2', 2));
    expect(own.current('ns', 'a', at('1', 1))?.v).toBe(2);
    expect(own.current('ns', 'a', at('2', 2))?.v).toBe(2);
    // Forgotten once the cache moved: a later stale cache read is not masked any more.
    expect(own.current('ns', 'a', at('1', 1))?.v).toBe(1);
  });

  it('a create is ours until the cache has the object; a delete hides the cached one until it is gone', () => {
    const own = new OwnWrites<Obj>();
    own.remember('ns', 'new', '', at('5', 5));
    expect(own.current('ns', 'new', undefined)?.v).toBe(5);
    own.remember('ns', 'gone', '7', undefined);
    expect(own.current('ns', 'gone', at('7', 7))).toBeUndefined();
    expect(own.current('ns', 'other', at('3', 3))?.v).toBe(3);
  });
});
