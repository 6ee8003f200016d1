import { describe, expect, it } from 'vitest';
import { heapFlags, heapSettingsFor, memoryLimitBytes, parseQuantity } from '../../src/platform/heap.js';

const MiB = 1024 * 1024;

describe('heap sizing', () => {
  it('parses Kubernetes memory quantities', () => {
    expect(parseQuantity('256Mi')).toBe(256 * MiB);
    expect(parseQuantity('1Gi')).toBe(1024 * MiB);
    expect(parseQuantity('500M')).toBe(500e6);
    expect(parseQuantity('268435456')).toBe(268435456);
    expect(() => parseQuantity('lots')).toThrow(/ROTOR_MEMORY_LIMIT must be a memory quantity/);
  });

  it('takes ROTOR_MEMORY_LIMIT, else a real cgroup limit', () => {
    expect(memoryLimitBytes('512Mi', 256 * MiB)).toBe(512 * MiB);
    expect(memoryLimitBytes(undefined, 256 * MiB)).toBe(256 * MiB);
    // cgroup v1 "no limit" reads as ~2^63; 0 means unknown.
    expect(memoryLimitBytes(undefined, 9223372036854771712)).toBeUndefined();
    expect(memoryLimitBytes(undefined, 0)).toBeUndefined();
  });

  it('leaves room below the limit for what is not old space', () => {
    expect(heapSettingsFor(256 * MiB)).toEqual({ maxOldSpaceMiB: 160, maxSemiSpaceMiB: 4 });
    expect(heapSettingsFor(1024 * MiB)).toEqual({ maxOldSpaceMiB: 640, maxSemiSpaceMiB: 16 });
    expect(heapSettingsFor(4096 * MiB).maxSemiSpaceMiB).toBe(16);
    const s = heapSettingsFor(256 * MiB);
    // old space + 3 semi-spaces (the young generation) stay well under the limit
    expect(s.maxOldSpaceMiB + 3 * s.maxSemiSpaceMiB).toBeLessThan(256 * 0.75);
  });

  it('re-executes only when it helps and nobody chose otherwise', () => {
    const base = { limitBytes: 256 * MiB, execArgv: [], nodeOptions: undefined, alreadySized: false };
    expect(heapFlags(base)).toEqual(['--max-old-space-size=160', '--max-semi-space-size=4']);
    expect(heapFlags({ ...base, alreadySized: true })).toBeUndefined();
    expect(heapFlags({ ...base, limitBytes: undefined })).toBeUndefined();
    expect(heapFlags({ ...base, limitBytes: 64 * MiB })).toBeUndefined();
    expect(heapFlags({ ...base, execArgv: ['--max-old-space-size=300'] })).toBeUndefined();
    expect(heapFlags({ ...base, nodeOptions: '--enable-source-maps --max_old_space_size=300' })).toBeUndefined();
    expect(heapFlags({ ...base, execArgv: ['--inspect'] })).toEqual(['--max-old-space-size=160', '--max-semi-space-size=4']);
  });
});
