import { defineConfig } from 'vitest/config';

// End-to-end suite: the real operator against a real API server and LocalStack.
// One operator serves every test file, so files run one after another; each test file
// works in its own namespace and with its own AWS names.
export default defineConfig({
  test: {
    include: ['e2e/tests/**/*.e2e.test.ts'],
    globalSetup: ['e2e/harness/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
    teardownTimeout: 120_000,
    // Setup builds the test bed on a fresh machine (Go builds included).
    reporters: ['default'],
  },
});
