import { defineConfig } from 'vitest/config';

/**
 * Browser tests (npm run test:e2e): Debian Chromium through playwright-core. Screenshots of the
 * last run are in test-results/screenshots/ (git-ignored), emptied when a run starts.
 */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
