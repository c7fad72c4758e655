import { describe, expect, it } from 'vitest';
import type { Task } from '../../api/computeplan.ts';
import { makePlan, taskJob } from '../../../test/support/plan-builders.ts';
import { decidedPlan, refusedFederation } from '../../../test/support/refused-federation.ts';
import { planDetail } from './plan-model.ts';

// The DAG view reads only the plan and its Jobs, as `tessera plan tree` does: each task's phase must
// agree with the controller's decision, which it learns from the status the controller wrote.

describe('planDetail', () => {
  it("draws one node per task with its round, an edge per read, and each task's Job phase", () => {
    const detail = planDetail(refusedFederation().obj(), [taskJob('r1-train-0', 'org-a').running().obj()]);
    expect(detail.nodes).toHaveLength(10);
    const byName = new Map(detail.nodes.map((n) => [n.name, n]));
    expect(byName.get('r1-train-0')).toMatchObject({ phase: 'Running', round: 1, namespace: 'org-a', job: { namespace: 'org-a' } });
    expect(byName.get('r2-aggregate')).toMatchObject({ phase: 'Waiting', round: 2 });
    const names = detail.nodes.map((n) => n.name);
    const edge = (from: string, to: string): boolean => detail.edges.some(([a, b]) => names[a] === from && names[b] === to);
    expect(edge('r1-train-0', 'r1-aggregate')).toBe(true);
    expect(edge('r1-aggregate', 'r2-train-1')).toBe(true);
    expect(edge('r2-train-1', 'r1-aggregate')).toBe(false);
    expect(detail.ranks[names.indexOf('r2-train-0')]).toBeGreaterThan(detail.ranks[names.indexOf('r1-aggregate')]!);
  });

  it('shows a refused task Failed with the reason the plan recorded, and the rest of a stopped plan Canceled', () => {
    const detail = planDetail(decidedPlan(refusedFederation()), []);
    const refused = detail.nodes.find((n) => n.name === 'r1-train-1');
    expect(refused).toMatchObject({ phase: 'Failed', reason: 'Unauthorized' });
    expect(refused?.message).toMatch(/private/);
    expect(detail.nodes.find((n) => n.name === 'r2-aggregate')?.phase).toBe('Canceled');
  });

  it('says why a plan with a cycle cannot be drawn', () => {
    const cyclic = makePlan().task(makePlanTask('a', 'b'), makePlanTask('b', 'a')).obj();
    const detail = planDetail(cyclic, []);
    expect(detail.nodes).toEqual([]);
    expect(detail.problem).toMatch(/cycle/);
  });
});

function makePlanTask(name: string, reads: string): Task {
  return { name, algoRef: { name: 'train' }, inputs: [{ name: 'model', taskOutput: { task: reads, output: 'model' } }] };
}
