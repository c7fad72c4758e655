import { describe, expect, it } from 'vitest';
import { searchEndedCondition, searchVerdict, type SearchSituation } from './verdict.ts';

const situation = (fields: Partial<SearchSituation> = {}): SearchSituation => ({ started: 4, maxTrials: 10, unfinished: 2, running: 2, succeeded: 1, ...fields });
const maxTrials = { reason: 'MaxTrials' as const, message: 'budget.maxTrials (10) trials started' };

describe('a search plan\'s verdict', () => {
  it('runs while trials may still start, whatever its tasks did so far', () => {
    expect(searchVerdict(situation({ unfinished: 0, running: 0 }), 0, false)).toEqual({ phase: 'Running', reason: 'Running', message: 'search: 4/10 trials started, 0 running' });
    expect(searchVerdict(situation({ best: 'accuracy=0.9 (t2)' }), 2, false).message).toBe('search: 4/10 trials started, 2 running; best accuracy=0.9 (t2)');
  });

  it('runs once the budget is spent until its last trial finished, then succeeds with its best', () => {
    const running = searchVerdict(situation({ ended: maxTrials }), 1, false);
    expect(running.phase).toBe('Running');
    expect(running.message).toMatch(/^search ended \(MaxTrials: .*\); search: 4\/10/);
    expect(searchVerdict(situation({ ended: maxTrials, unfinished: 0, running: 0, best: 'loss=0.1 (t3)' }), 0, false)).toEqual({
      phase: 'Succeeded',
      reason: 'Succeeded',
      message: 'search ended (MaxTrials: budget.maxTrials (10) trials started): 4 trials, 1 succeeded; best loss=0.1 (t3)',
    });
  });

  it('fails when it ended without a trial that succeeded', () => {
    expect(searchVerdict(situation({ ended: maxTrials, unfinished: 0, running: 0, succeeded: 0 }), 0, false)).toMatchObject({ phase: 'Failed', reason: 'NoTrialSucceeded' });
  });

  it('is pending before its first trial, saying what it waits for, and suspended when told', () => {
    expect(searchVerdict(situation({ started: 0, unfinished: 0, running: 0, succeeded: 0, waitingFor: 'algo org-a/train' }), 0, false)).toEqual({ phase: 'Pending', reason: 'Pending', message: 'search: no trial started yet, waiting for algo org-a/train' });
    expect(searchVerdict(situation(), 0, true).phase).toBe('Suspended');
  });

  it('says in SearchEnded which budget ended it', () => {
    expect(searchEndedCondition(situation())).toEqual({ type: 'SearchEnded', status: 'False', reason: 'Searching', message: '4 of at most 10 trials started' });
    expect(searchEndedCondition(situation({ ended: { reason: 'MaxSeconds', message: 'budget.maxSeconds (60) ran out after 4 trials' } }))).toEqual({ type: 'SearchEnded', status: 'True', reason: 'MaxSeconds', message: 'budget.maxSeconds (60) ran out after 4 trials' });
  });
});
