import { describe, expect, it } from 'vitest';
import { makeAlgo, makeDataset, makePlan } from '../../../../test/support/plan-builders.ts';
import { planWorld, type PlanWorld } from '../../../../test/support/plan-world.ts';
import { planFinalizer } from '../names.ts';

// A search plan through its reconciler, pass by pass: it records trials in status before it creates
// their Jobs (a crash in between starts nothing the status does not hold), and it looks again when
// its time budget runs out.

function searchWorld(budget: Record<string, number>): PlanWorld {
  const world = planWorld();
  const plan = makePlan()
    .spec({
      strategy: {
        search: {
          algo: { name: 'train' },
          datasetRef: { name: 'data' },
          space: { lr: { uniform: { min: 0, max: 1 } } },
          objective: { metric: 'accuracy', goal: 'maximize' },
          algorithm: { random: { seed: 1 } },
          budget: { maxTrials: 2, ...budget },
        },
      },
    })
    .obj();
  plan.metadata.finalizers = [planFinalizer];
  world.plans.put(plan);
  world.algos.put(makeAlgo('train').obj());
  world.datasets.put(makeDataset('data').obj());
  return world;
}

describe('reconcilePlan of a search', () => {
  it('writes its trials to status first and creates their Jobs on the pass that sees them recorded', async () => {
    const world = searchWorld({});
    await world.reconcile();
    expect(world.log.entries).toEqual(['writeStatus ComputePlan org-a/plan Running 0/0']);
    expect(world.writes.stored('org-a', 'plan').status?.trials?.map((t) => t.id)).toEqual(['t0', 't1']);

    world.plans.put(world.writes.stored('org-a', 'plan'));
    await world.reconcile();
    expect(world.log.since(1).filter((e) => e.startsWith('createJob')).length).toBe(2);
    expect(world.writes.created().map((j) => j.metadata.labels?.['tessera.dev/task']).sort()).toEqual(['t0-train', 't1-train']);
  });

  it('looks again when maxSeconds runs out rather than at the next resync', async () => {
    const world = searchWorld({ maxSeconds: 30 });
    expect(await world.reconcile()).toEqual({ requeueAfterMs: 30_001 });
    world.plans.put(world.writes.stored('org-a', 'plan'));
    world.clock.advance(20_000);
    expect(await world.reconcile()).toEqual({ requeueAfterMs: 10_001 });
  });
});
