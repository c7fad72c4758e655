import { describe, expect, it } from 'vitest';
import { viewOf } from './routes.ts';

describe('the page routes', () => {
  it('reads each view from the fragment, and falls back to the overview', () => {
    expect(viewOf('#/plan/org-a/fl')).toEqual({ kind: 'plan', namespace: 'org-a', name: 'fl' });
    expect(viewOf('#/leaderboard/org-a/fl')).toEqual({ kind: 'leaderboard', namespace: 'org-a', name: 'fl' });
    expect(viewOf('#/task/org-a/fl/r1-train-0')).toEqual({ kind: 'task', namespace: 'org-a', plan: 'fl', task: 'r1-train-0' });
    expect(viewOf('#/catalog')).toEqual({ kind: 'catalog' });
    expect(viewOf('#/plan/org-a')).toEqual({ kind: 'overview' });
    expect(viewOf('')).toEqual({ kind: 'overview' });
  });
});
