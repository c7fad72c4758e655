import { describe, expect, it } from 'vitest';
import { blockedByParents, stopCause, stoppedState } from './failure-policy.ts';
import type { TaskState } from './task-jobs.ts';

describe('stopCause', () => {
  it.each([
    { name: 'nothing failed', spec: {}, anyFailed: false, want: undefined },
    { name: 'a failure under the default (FailFast)', spec: {}, anyFailed: true, want: 'failedFast' },
    { name: 'a failure under FailFast', spec: { failurePolicy: 'FailFast' as const }, anyFailed: true, want: 'failedFast' },
    { name: 'a failure under ContinueIndependent', spec: { failurePolicy: 'ContinueIndependent' as const }, anyFailed: true, want: undefined },
    { name: 'spec.cancel', spec: { cancel: true, failurePolicy: 'ContinueIndependent' as const }, anyFailed: false, want: 'canceled' },
    { name: 'spec.cancel beats a failure', spec: { cancel: true }, anyFailed: true, want: 'canceled' },
  ])('$name → $want', ({ spec, anyFailed, want }) => {
    expect(stopCause(spec, anyFailed)).toBe(want);
  });
});

describe('blockedByParents', () => {
  it.each([
    { parents: [], want: false },
    { parents: ['succeeded', 'running', 'pending'], want: false },
    { parents: ['succeeded', 'failed'], want: true },
    { parents: ['canceled'], want: true },
  ] satisfies Array<{ parents: TaskState[]; want: boolean }>)('$parents → $want', ({ parents, want }) => {
    expect(blockedByParents(parents)).toBe(want);
  });
});

describe('stoppedState', () => {
  it.each([
    { state: 'pending', want: 'canceled' },
    { state: 'running', want: 'running' },
    { state: 'failed', want: 'failed' },
  ] satisfies Array<{ state: TaskState; want: TaskState }>)('$state → $want', ({ state, want }) => {
    expect(stoppedState(state)).toBe(want);
  });
});
