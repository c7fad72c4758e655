import { describe, expect, it } from 'vitest';
import { makeTask, taskJob } from '../../../test/support/plan-builders.ts';
import type { TaskView } from './classify.ts';
import { buildDag } from './dag.ts';
import { outputsToRelease } from './release.ts';

// a → b → c, and a → d: a is read by b and d, b by c; c and d are final.
const dag = buildDag([makeTask('a'), makeTask('b').from('m', 'a'), makeTask('c').from('m', 'b'), makeTask('d').from('m', 'a')].map((t) => t.obj()));
const names = ['a', 'b', 'c', 'd'];

function views(states: string): TaskView[] {
  return [...states].map((s, i): TaskView => {
    if (s === 'S') return { state: 'succeeded', job: taskJob(names[i]!).succeeded().obj() };
    if (s === 'R') return { state: 'succeeded', job: taskJob(names[i]!).succeeded().released().obj() };
    if (s === 'F') return { state: 'failed', job: taskJob(names[i]!).failed().obj() };
    return { state: 'pending' };
  });
}

describe('outputsToRelease', () => {
  it.each([
    { name: 'nothing done', states: '....', want: [] },
    { name: 'one of two readers done', states: 'SS..', want: [] },
    { name: 'both readers of a done', states: 'SS.S', want: ['a'] },
    { name: 'a reader of b failed: b is kept for its retry', states: 'SSFS', want: ['a'] },
    { name: 'a reader of b failed', states: 'RSF.', want: [] },
    { name: 'everything done, final outputs kept', states: 'SSSS', want: ['a', 'b'] },
    { name: 'released already', states: 'RSSS', want: ['b'] },
  ])('$name ($states) → $want', ({ states, want }) => {
    expect(outputsToRelease(dag, views(states)).map((j) => j.metadata.labels!['tessera.dev/task'])).toEqual(want);
  });
});
