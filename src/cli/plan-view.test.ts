import { describe, expect, it } from 'vitest';
import { makePlan, taskJob } from '../../test/support/plan-builders.ts';
import { decidedPlan, refusedFederation } from '../../test/support/refused-federation.ts';
import { planTree } from './plan-view.ts';

// `tessera plan tree` reads only the plan and its Jobs. What it shows of tasks without a Job must
// agree with the controller's own decision, which it learns from the status the controller wrote.

/** PHASE column by task name. */
function phases(tree: string): Record<string, string> {
  const rows = tree.split('\n').slice(1);
  return Object.fromEntries(rows.map((row) => row.trim().split(/\s{2,}/)).map(([task, , phase]) => [task!, phase!]));
}

describe('planTree', () => {
  it('shows a FailFast plan refused as Unauthorized as the controller decided it: refused Failed, the rest Canceled', () => {
    const plan = decidedPlan(refusedFederation());
    expect(plan.status?.phase).toBe('Failed');
    const shown = phases(planTree(plan, []));
    expect(Object.keys(shown)).toHaveLength(10);
    expect(shown['r1-train-1']).toBe('Failed (Unauthorized)');
    expect(shown['r2-train-1']).toBe('Canceled');
    expect(Object.values(shown)).not.toContain('Waiting');
    expect(shown['r1-train-0']).toBe('Canceled');
    expect(Object.values(shown).filter((p) => p === 'Canceled')).toHaveLength(plan.status?.counts?.canceled ?? -1);
    expect(Object.values(shown).filter((p) => p.startsWith('Failed'))).toHaveLength(plan.status?.counts?.failed ?? -1);
  });

  it('keeps tasks that may still run Waiting when the plan goes on past a refusal', () => {
    const plan = decidedPlan(refusedFederation('ContinueIndependent'));
    const shown = phases(planTree(plan, [taskJob('r1-train-0', 'org-a').running().obj()]));
    expect(shown['r1-train-0']).toBe('Running');
    expect(shown['r1-train-1']).toBe('Failed (Unauthorized)');
    // The aggregate reads the refused trainer's model: it can never run.
    expect(shown['r1-aggregate']).toBe('Canceled');
    expect(shown['r1-test-0']).toBe('Canceled');
  });

  it('shows every task Waiting in a plan nothing has happened to', () => {
    const plan = makePlan().task(...['a', 'b'].map((name) => ({ name, algoRef: { name: 'train' }, inputs: [] }))).obj();
    expect(new Set(Object.values(phases(planTree(plan, []))))).toEqual(new Set(['Waiting']));
  });
});
