// Template worker pool sizes from the memory limit (numbers measured in docs/operations.md).
import { describe, expect, it } from 'vitest';
import { poolSizesFor } from '../../../src/sync/workers/sizing.js';

const MiB = 1024 * 1024;

describe('poolSizesFor', () => {
  it("gives the chart's 256 MiB limit one Go worker (~110 MiB) and one Liquid worker (~16 MiB)", () => {
    expect(poolSizesFor(256 * MiB)).toEqual({ goWorkers: 1, liquidWorkers: 1 });
  });
  it('grows with the limit, up to 4 of each, never below 1', () => {
    expect(poolSizesFor(512 * MiB)).toEqual({ goWorkers: 1, liquidWorkers: 2 });
    expect(poolSizesFor(1024 * MiB)).toEqual({ goWorkers: 2, liquidWorkers: 4 });
    expect(poolSizesFor(16 * 1024 * MiB)).toEqual({ goWorkers: 4, liquidWorkers: 4 });
    expect(poolSizesFor(64 * MiB)).toEqual({ goWorkers: 1, liquidWorkers: 1 });
    expect(poolSizesFor(undefined)).toEqual({ goWorkers: 2, liquidWorkers: 2 });
  });
});
