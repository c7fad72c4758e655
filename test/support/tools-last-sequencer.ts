import { readFileSync } from 'node:fs';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { toolRank, toolsLast } from './tool-parts-order.ts';

/**
 * Vitest's own order (failed first, then slowest first, from its results cache), except that the
 * files awaiting a tool part run last: on a machine without the tools they build in the background
 * while every other file runs (scripts/test.sh).
 */
export default class ToolsLastSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return toolsLast(await super.sort(files), (spec) => toolRank(readFileSync(spec.moduleId, 'utf8')));
  }
}
