import { defineConfig } from 'vitest/config';

// Unit tests: pure logic and reconcilers with injected fakes. No network.
export default defineConfig({
  test: {
    include: ['operator/test/**/*.test.ts', 'e2e/bench/**/*.test.ts'],
    environment: 'node',
    testTimeout: 10_000,
  },
});
