import { defineConfig } from 'vitest/config';

// The scale benchmark manages its own test bed (fresh per run), so no global setup.
export default defineConfig({
  test: {
    include: ['e2e/bench/scale/scale.bench.ts'],
    fileParallelism: false,
    testTimeout: 3 * 60 * 60_000,
    hookTimeout: 10 * 60_000,
  },
});
