import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends the run with one plain `N passed, N failed, N skipped` line, the closing line CI reads for
 * any runner; vitest's own summary is laid out for people. A test that never ran because its file
 * failed around it (a beforeAll that threw, an import error) counts as failed, not skipped: nothing
 * may read as skipped that was not skipped on purpose.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const failedFiles: string[] = [];
    for (const module of testModules) {
      const fileFailed = module.state() === 'failed';
      if (fileFailed) failedFiles.push(module.relativeModuleId);
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed' || fileFailed) counts.failed++;
        else counts.skipped++;
      }
    }
    if (failedFiles.length) console.log(`failed files: ${failedFiles.join(', ')}`);
    console.log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  }
}
