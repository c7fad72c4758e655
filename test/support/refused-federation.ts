import type { ComputePlan } from '../../src/api/computeplan.ts';
import { decide } from '../../src/controllers/computeplan/schedule.ts';
import { makeAlgo, makeDataset, makePlan, observe, type PlanBuilder } from './plan-builders.ts';

// A small federated plan one of whose organizations refuses it, for the readers of a plan (`tessera
// plan tree`, the dashboard): what they show must agree with the controller's own decision, which
// they learn from the status the controller wrote.

/** Two trainers (org-a, org-b) over two rounds with tests: 2 × (2 train + 1 aggregate + 2 test) = 10 tasks. */
export const refusedFederation = (failurePolicy?: 'FailFast' | 'ContinueIndependent'): PlanBuilder =>
  makePlan()
    .spec(failurePolicy ? { failurePolicy } : {})
    .fedAvg({
      rounds: 2,
      trainers: [
        { namespace: 'org-a', datasetRef: { name: 'open' } },
        { namespace: 'org-b', datasetRef: { name: 'private' } },
      ],
      trainAlgo: { name: 'train' },
      aggregateAlgo: { name: 'train' },
      testAlgo: { name: 'test' },
    });

/** The plan as a reader gets it back: with the status the controller decided. org-b's Dataset authorizes nobody. */
export function decidedPlan(plan: PlanBuilder): ComputePlan {
  const observed = observe(plan).algos(makeAlgo(), makeAlgo('test').outputs('perf')).datasets(makeDataset('open', 'org-a'), makeDataset('private', 'org-b')).obj();
  return { ...plan.obj(), status: decide(observed).status };
}
