import { describe, expect, it } from 'vitest';
import { makeReadyAlgo } from '../../../test/support/job-builders.ts';
import { digestOf } from '../../../test/support/plan-builders.ts';
import type { AlgoStatus } from '../../api/algo.ts';
import type { Condition } from '../../api/common.ts';
import { runDigest } from '../shared/run-digest.ts';
import { algoStatus, type CodeCheck } from './status.ts';

const now = new Date('2026-01-02T00:00:00Z');
const code = digestOf('code');
const condition = (status: AlgoStatus, type: string): Condition | undefined => status.conditions?.find((c) => c.type === type);

describe('algoStatus', () => {
  it.each([
    { name: 'no code file set', check: 'none', specProblem: undefined, wantReady: 'True', wantReason: 'Ready', wantStalled: 'False', wantMessage: /^runs local\/train:1$/ },
    { name: 'its code in the store', check: 'ok', specProblem: undefined, wantReady: 'True', wantReason: 'Ready', wantStalled: 'False', wantMessage: /^runs local\/train:1$/ },
    { name: 'its code not pushed yet', check: 'missing', specProblem: undefined, wantReady: 'False', wantReason: 'CodeNotFound', wantStalled: 'False', wantMessage: /no file set sha256:\w+ in the store/ },
    { name: 'its code pushed to another namespace', check: 'ungranted', specProblem: undefined, wantReady: 'False', wantReason: 'Unauthorized', wantStalled: 'False', wantMessage: /never pushed to this namespace/ },
    { name: 'an invalid spec', check: 'none', specProblem: 'spec.image: Too small', wantReady: 'False', wantReason: 'InvalidSpec', wantStalled: 'True', wantMessage: /^spec.image: Too small$/ },
    { name: 'its code has an unsafe path', check: { unusable: { reason: 'UnsafeFileSet', message: 'file set x has an unsafe path "../x"' } }, specProblem: undefined, wantReady: 'False', wantReason: 'UnsafeFileSet', wantStalled: 'True', wantMessage: /unsafe path "\.\.\/x"/ },
    { name: 'an invalid spec, whatever the code', check: 'missing', specProblem: 'spec.image: Too small', wantReady: 'False', wantReason: 'InvalidSpec', wantStalled: 'True', wantMessage: /^spec.image: Too small$/ },
  ] satisfies Array<{ name: string; check: CodeCheck; specProblem: string | undefined; wantReady: string; wantReason: string; wantStalled: string; wantMessage: RegExp }>)(
    '$name → Ready $wantReady/$wantReason',
    ({ check, specProblem, wantReady, wantReason, wantStalled, wantMessage }) => {
      const algo = makeReadyAlgo('train').spec({ code: { digest: code } }).obj();
      algo.metadata.generation = 4;
      const status = algoStatus(algo, check, specProblem, now);
      expect(status.observedGeneration).toBe(4);
      expect(condition(status, 'Ready')).toMatchObject({ status: wantReady, reason: wantReason, message: expect.stringMatching(wantMessage) as unknown, observedGeneration: 4 });
      expect(condition(status, 'Stalled')).toMatchObject({ status: wantStalled, reason: wantReason });
      // kstatus: exactly one of Ready, Reconciling, Stalled is True.
      const reconciling = wantReady === 'False' && wantStalled === 'False' ? 'True' : 'False';
      expect(condition(status, 'Reconciling')).toMatchObject({ status: reconciling, reason: wantReason });
    },
  );

  it('carries the run digest an owner approves, from image, command, args and code', () => {
    const algo = makeReadyAlgo('train').spec({ code: { digest: code }, command: ['node'] }).obj();
    expect(algoStatus(algo, 'ok', undefined, now).runDigest).toBe(runDigest({ image: 'local/train:1', command: ['node'], code }));
    expect(algoStatus(algo, 'ok', 'spec.image: Too small', now).runDigest).toBeUndefined();
  });

  it('names the missing digest', () => {
    const status = algoStatus(makeReadyAlgo('train').spec({ code: { digest: code } }).obj(), 'missing', undefined, now);
    expect(condition(status, 'Ready')?.message).toContain(code);
  });

  it('moves lastTransitionTime only when Ready flips', () => {
    const ready = makeReadyAlgo('train').obj();
    expect(condition(algoStatus(ready, 'none', undefined, now), 'Ready')?.lastTransitionTime).toBe('2026-01-01T00:00:00.000Z');
    expect(condition(algoStatus(ready, 'missing', undefined, now), 'Ready')?.lastTransitionTime).toBe(now.toISOString());
  });
});
