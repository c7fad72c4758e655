import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { readyRun } from '../../../test/support/job-builders.ts';
import { makeJob } from '../../../test/support/job-builders.ts';
import { desiredBatchJob, defaultJobRuntimeConfig } from '../../controllers/job/desired.ts';
import { TransferError } from './errors.ts';
import { checkTokenStaysWithMovers } from './token-holders.ts';

const moverImage = defaultJobRuntimeConfig.moverImage;

/** The pod the batch Job controller would make from the operator's own template for a run with an output. */
function operatorPod(indexes = false): k8s.V1Pod {
  const job = indexes ? makeJob('scan').obj() : makeJob('train').outputs('model').obj();
  if (indexes) job.spec = { image: moverImage, args: ['transfer', 'index'] };
  const run = { ...readyRun(job), ...(indexes ? { indexes: true } : {}) };
  const template = desiredBatchJob(job, run, defaultJobRuntimeConfig).spec?.template;
  return { metadata: { name: 'p', namespace: 'team-a' }, spec: structuredClone(template?.spec) };
}

function refusal(pod: k8s.V1Pod, indexes = false): string | undefined {
  try {
    checkTokenStaysWithMovers(pod, moverImage, indexes);
    return undefined;
  } catch (error) {
    return error instanceof TransferError ? error.message : String(error);
  }
}

const tamper = (change: (spec: k8s.V1PodSpec) => void, indexes = false): k8s.V1Pod => {
  const pod = operatorPod(indexes);
  change(pod.spec!);
  return pod;
};
const mainOf = (spec: k8s.V1PodSpec): k8s.V1Container => spec.containers.find((c) => c.name === 'main')!;
const pushOf = (spec: k8s.V1PodSpec): k8s.V1Container => spec.initContainers!.find((c) => c.name === 'push')!;

describe('checkTokenStaysWithMovers', () => {
  it("accepts the operator's own run pod and index pod", () => {
    expect(refusal(operatorPod())).toBeUndefined();
    expect(refusal(operatorPod(true), true)).toBeUndefined();
  });

  it.each([
    { name: "main mounting the token volume", pod: tamper((s) => mainOf(s).volumeMounts?.push({ name: 'tessera-token', mountPath: '/x' })), want: /container main mounts the transfer token but/ },
    { name: 'a mover on another image', pod: tamper((s) => void (pushOf(s).image = 'evil/mover:1')), want: /runs evil\/mover:1, not the mover image/ },
    { name: 'a mover with a command of its own', pod: tamper((s) => void (pushOf(s).command = ['sh', '-c', 'cat /var/run/secrets/tessera.dev/transfer/token'])), want: /does not run the mover/ },
    { name: 'a mover with NODE_OPTIONS', pod: tamper((s) => pushOf(s).env?.push({ name: 'NODE_OPTIONS', value: '--require /tessera/outputs/x.js' })), want: /environment/ },
    { name: 'a mover with its code mounted over', pod: tamper((s) => pushOf(s).volumeMounts?.push({ name: 'tessera', mountPath: '/app' })), want: /mounts something over/ },
    { name: 'an extra container holding the token', pod: tamper((s) => s.containers.push({ name: 'sidecar', image: moverImage, args: ['transfer', 'pull'], volumeMounts: [{ name: 'tessera-token', mountPath: '/t' }] })), want: /container sidecar/ },
    { name: 'an index main on a run that indexes nothing', pod: operatorPod(true), want: /container main/ },
  ])('refuses $name', ({ pod, want }) => {
    expect(refusal(pod)).toMatch(want);
  });
});
