import { describe, expect, it } from 'vitest';
import { makePlan, taskJob } from '../../test/support/plan-builders.ts';
import { decidedPlan, refusedFederation } from '../../test/support/refused-federation.ts';
import { planTree, rankedTrials, trialsTable } from './plan-view.ts';

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

describe('trialsTable', () => {
  const search = {
    algo: { name: 'train' },
    datasetRef: { name: 'data' },
    space: { lr: { logUniform: { min: 0.001, max: 0.1 } }, opt: { choice: ['adam', 'sgd'] } },
    objective: { metric: 'loss', goal: 'minimize' as const },
    algorithm: { random: {} },
    budget: { maxTrials: 4 },
  };
  const plan = makePlan()
    .spec({ strategy: { search } })
    .status({
      trials: [
        { id: 't0', params: { lr: 0.01, opt: 'adam' }, state: 'Succeeded', objective: 0.4, startTime: '2026-01-01T00:00:00Z', durationSeconds: 75 },
        { id: 't1', params: { lr: 0.002, opt: 'sgd' }, state: 'Succeeded', objective: 0.2, startTime: '2026-01-01T00:00:00Z', durationSeconds: 3700 },
        { id: 't2', params: { lr: 0.05, opt: 'adam' }, state: 'Running', startTime: '2026-01-01T00:00:00Z' },
        { id: 't3', params: { lr: 0.09, opt: 'sgd' }, state: 'Failed', durationSeconds: 4 },
      ],
      search: { bestTrial: 't1' },
    })
    .obj();

  it('lists the trials best first toward the goal, the best marked, running ones timed so far', () => {
    const lines = trialsTable(plan, new Date('2026-01-01T00:00:30Z')).split('\n');
    expect(lines[0]).toMatch(/^\s+TRIAL\s+STATE\s+PARAMS\s+LOSS \(MIN\)\s+DURATION$/);
    expect(lines.slice(1).map((l) => l.trim().split(/\s{2,}/))).toEqual([
      ['* t1', 'Succeeded', 'lr=0.002 opt=sgd', '0.2', '1h1m'],
      ['t0', 'Succeeded', 'lr=0.01 opt=adam', '0.4', '1m15s'],
      ['t2', 'Running', 'lr=0.05 opt=adam', '30s+'],
      ['t3', 'Failed', 'lr=0.09 opt=sgd', '4s'],
    ]);
    expect(rankedTrials(plan).map((t) => t.id)).toEqual(['t1', 't0', 't2', 't3']);
  });

  it('says so of a plan that is not a search, or has no trials yet', () => {
    expect(trialsTable(makePlan().obj(), new Date())).toMatch(/is not a search/);
    expect(trialsTable(makePlan().spec({ strategy: { search } }).obj(), new Date())).toBe('no trials yet (plan Pending)');
  });
});
