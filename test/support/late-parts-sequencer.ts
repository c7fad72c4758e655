import { readFileSync } from 'node:fs';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { latePartRank, latePartsLast } from './late-parts-order.ts';

/**
 * Vitest's own order (failed first, then slowest first, from its results cache), except that the
 * files awaiting a late part run last: on a machine without those parts they build in the background
 * while every other file runs (scripts/test.sh).
 */
export default class LatePartsLastSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return latePartsLast(await super.sort(files), (spec) => latePartRank(readFileSync(spec.moduleId, 'utf8')));
  }
}
