import { describe, expect, it } from 'vitest';
import { applyWatchEvent } from '../../scripts/bench/watch-done.ts';

type Job = { metadata: { name: string }; status?: { phase?: string } };
const job = (name: string, phase?: string): Job => ({ metadata: { name }, status: { phase } });
const succeeded = (j: Job): boolean => j.status?.phase === 'Succeeded';

describe('counting done objects from watch events', () => {
  it('counts each object once, however many events say it is done', () => {
    const done = new Set<string>();
    applyWatchEvent(done, 'ADDED', job('a'), succeeded);
    applyWatchEvent(done, 'MODIFIED', job('a', 'Succeeded'), succeeded);
    applyWatchEvent(done, 'MODIFIED', job('a', 'Succeeded'), succeeded);
    applyWatchEvent(done, 'MODIFIED', job('b', 'Running'), succeeded);
    expect([...done]).toEqual(['a']);
  });

  it('uncounts an object that is deleted or stops being done', () => {
    const done = new Set<string>(['a', 'b']);
    applyWatchEvent(done, 'DELETED', job('a', 'Succeeded'), succeeded);
    applyWatchEvent(done, 'MODIFIED', job('b', 'Failed'), succeeded);
    expect(done.size).toBe(0);
  });
});
