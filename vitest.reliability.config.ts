import { defineConfig } from 'vitest/config';

/**
 * `npm run test:reliability`: crashes, fault storms, disk faults, hostile input and secrets.
 * Slow and heavy by design, so it is kept out of `npm test` and runs one file at a time.
 */
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
