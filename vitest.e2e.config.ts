import { defineConfig } from 'vitest/config';

/** Browser tests (npm run test:e2e): Debian Chromium through playwright-core. */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
