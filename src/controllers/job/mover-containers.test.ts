import { describe, expect, it } from 'vitest';
import { makeJob, readyRun } from '../../../test/support/job-builders.ts';
import { digestOf } from '../../../test/support/plan-builders.ts';
import { defaultJobRuntimeConfig } from './desired.ts';
import { moverPodParts } from './mover-containers.ts';

describe('moverPodParts', () => {
  const partsFor = (outputs: string[]): ReturnType<typeof moverPodParts> => {
    const builder = makeJob('train').fileSetInput('data', digestOf('data'));
    return moverPodParts(readyRun((outputs.length ? builder.outputs(...outputs) : builder).obj()), defaultJobRuntimeConfig);
  };

  it('holds the main container back until the push sidecar listens for SIGTERM (its startup probe)', () => {
    const push = partsFor(['model']).initContainers.find((c) => c.name === 'push');
    // The marker lives in the shared volume's root, which the main container does not mount.
    expect(push?.startupProbe).toEqual({ exec: { command: ['test', '-e', '/tessera/.push-ready'] }, periodSeconds: 1, failureThreshold: 120 });
    expect(push?.args).toEqual(['transfer', 'push', '--wait-for-termination']);
  });

  it('gives the pull init container no probe: the kubelet runs it to completion first', () => {
    const parts = partsFor([]);
    expect(parts.initContainers.map((c) => c.name)).toEqual(['pull']);
    expect(parts.initContainers[0]?.startupProbe).toBeUndefined();
  });

  it("keeps a failed mover's last log lines as its termination message", () => {
    for (const container of partsFor(['model']).initContainers) expect(container.terminationMessagePolicy).toBe('FallbackToLogsOnError');
  });
});
