import { describe, expect, it } from 'vitest';
import { taskJob } from '../../../test/support/plan-builders.ts';
import { planLabels } from './names.ts';
import { isActive, jobState, jobsByTask, ownJobs } from './task-jobs.ts';

describe('jobState', () => {
  it.each([
    { phase: 'Pending', want: 'queued' },
    { phase: 'Queued', want: 'queued' },
    { phase: 'Downloading', want: 'running' },
    { phase: 'Running', want: 'running' },
    { phase: 'Uploading', want: 'running' },
    { phase: 'Succeeded', want: 'succeeded' },
    { phase: 'Failed', want: 'failed' },
    { phase: 'Canceled', want: 'canceled' },
  ] as const)('$phase → $want', ({ phase, want }) => {
    expect(jobState(taskJob('t').phase(phase).obj())).toBe(want);
  });

  it('is queued before the Job controller wrote any status', () => {
    const job = taskJob('t').obj();
    delete job.status;
    expect(jobState(job)).toBe('queued');
    expect(isActive(job)).toBe(true);
  });
});

describe('jobsByTask', () => {
  it.each([
    { name: 'one Job', jobs: [taskJob('t').running()], want: 'running' },
    { name: 'a Job that succeeded under an old retry token, beside a failed one', jobs: [taskJob('t').failed().token('r1'), taskJob('t').succeeded()], want: 'succeeded' },
    { name: 'a live Job beside a failed one', jobs: [taskJob('t').failed(), taskJob('t').running().token('r1')], want: 'running' },
    { name: 'a Job being deleted, beside nothing', jobs: [taskJob('t').failed().deleting()], want: undefined },
  ])('picks $name', ({ jobs, want }) => {
    const picked = jobsByTask(jobs.map((j) => j.obj()), 'uid-plan').get('t');
    expect(picked && jobState(picked)).toBe(want);
  });

  it('ignores Jobs of another plan, or of a plan of the same name deleted before', () => {
    const other = taskJob('t').running().label(planLabels.planUid, 'uid-old').obj();
    expect(jobsByTask([other], 'uid-plan').size).toBe(0);
    expect(ownJobs([other, taskJob('u').obj()], 'uid-plan').map((j) => j.metadata.labels?.[planLabels.task])).toEqual(['u']);
  });

  it('picks the same Job whatever order the cache lists them in', () => {
    const [a, b] = [taskJob('t').running().token('x').obj(), taskJob('t').running().token('y').obj()];
    expect(jobsByTask([a, b], 'uid-plan').get('t')?.metadata.name).toBe(jobsByTask([b, a], 'uid-plan').get('t')?.metadata.name);
  });
});
