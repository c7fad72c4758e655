import { defineConfig } from 'vitest/config';
import LatePartsLastSequencer from './test/support/late-parts-sequencer.ts';

// The test tiers (CONTRIBUTING.md, Tests): unit tests of pure logic beside the code, integration and
// security tests against the real local cluster, and e2e tests with real containers on its real node.
// The global setups bring the cluster up (or reuse it when healthy).
export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Files that await a late part (helm, promtool, the health tool, MinIO, Kueue) run last (test/support/late-parts.ts).
    sequence: { sequencer: LatePartsLastSequencer },
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
      {
        test: {
          // Attacks and faults, each performed the way a tenant (or the world) would, against the real
          // cluster: SECURITY.md names the test behind each guarantee.
          name: 'security',
          include: ['test/security/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/e2e-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // Like integration's: one file at a time. Vitest puts both projects' files in the same
          // sequential group, so real containers never run beside a timing-sensitive integration file.
          fileParallelism: false,
        },
      },
    ],
  },
});
