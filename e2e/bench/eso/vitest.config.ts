import { defineConfig } from 'vitest/config';

// The ESO run of the scale bench (scripts/bench.sh eso) manages its own test bed, like the scale bench.
export default defineConfig({
  test: {
    include: ['e2e/bench/eso/eso.bench.ts'],
    fileParallelism: false,
    testTimeout: 3 * 60 * 60_000,
    hookTimeout: 10 * 60_000,
  },
});
