import { defineConfig } from 'vitest/config';

// Benchmarks reuse the e2e harness (real operator, real API server, LocalStack).
export default defineConfig({
  test: {
    include: ['e2e/bench/*.bench.ts'],
    globalSetup: ['e2e/harness/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
