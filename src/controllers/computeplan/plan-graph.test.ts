import { describe, expect, it } from 'vitest';
import type { ComputePlanSpec, Task } from '../../api/computeplan.ts';
import { planGraph } from './plan-graph.ts';

const task = (name: string, reads?: string): Task => ({ name, algoRef: { name: 'train' }, inputs: reads ? [{ name: 'model', taskOutput: { task: reads, output: 'model' } }] : [] });

describe('planGraph', () => {
  it('is computed once per spec: every reader of the same cached plan gets the same graph', () => {
    const spec: ComputePlanSpec = Object.freeze({ tasks: [task('a'), task('b', 'a')] });
    const first = planGraph(spec);
    expect(planGraph(spec)).toBe(first);
    expect(first.ok && first.order.acyclic && first.order.order).toEqual([0, 1]);
  });

  it('is computed again when the task list or the strategy is replaced', () => {
    const spec: ComputePlanSpec = { tasks: [task('a')] };
    const first = planGraph(spec);
    spec.tasks = [task('a'), task('b', 'a')];
    const second = planGraph(spec);
    expect(second).not.toBe(first);
    expect(second.ok && second.tasks.map((t) => t.name)).toEqual(['a', 'b']);
  });

  it('says why a spec cannot be scheduled, and finds a cycle', () => {
    expect(planGraph({ tasks: [task('a'), task('a')] })).toMatchObject({ ok: false, reason: 'InvalidSpec' });
    expect(JSON.stringify(planGraph({ tasks: [task('a'), task('a')] }))).toMatch(/twice/);
    const cyclic = planGraph({ tasks: [task('a', 'b'), task('b', 'a')] });
    expect(cyclic.ok && cyclic.order.acyclic).toBe(false);
  });
});
