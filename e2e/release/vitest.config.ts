import { defineConfig } from 'vitest/config';

// The release tier: scripts/release.sh end to end, the image included (buildah, no registry,
// no test bed). ~2 min on a fresh machine (base image + npm ci in the image), ~30 s with the
// layers cached. scripts/test.sh runs it once per run.
export default defineConfig({
  test: {
    include: ['e2e/release/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 900_000,
  },
});
