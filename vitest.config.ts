import { defineConfig } from 'vitest/config';

// Two tiers (STYLE.md §12): unit tests of pure logic beside the code, and integration tests that run
// against the real local cluster, which the global setup brings up (or reuses when healthy).
export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // One cluster on 2 cores: files run one at a time so timings stay meaningful.
          fileParallelism: false,
        },
      },
    ],
  },
});
