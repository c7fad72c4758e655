import type * as k8s from '@kubernetes/client-node';
import { tesseraImage } from './image.ts';

// Pods for the real node (scripts/cluster/real-node.sh): they select its label and tolerate its
// taint, run the Tessera image that scripts/images/build.sh loads into its containerd, and follow
// the restricted Pod Security profile the operator's pods follow.

/** The label (and taint key) of the real node; kwok-bound pods never carry either. */
export const realNodeLabel = 'tessera.dev/real-node';

export { tesseraImage };

const restricted: k8s.V1SecurityContext = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** A pod spec of one container, `main`, bound for the real node. */
export class RealPodBuilder {
  private readonly spec: k8s.V1PodSpec;

  constructor() {
    this.spec = {
      restartPolicy: 'Never',
      nodeSelector: { [realNodeLabel]: 'true' },
      tolerations: [{ key: realNodeLabel, operator: 'Exists', effect: 'NoSchedule' }],
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: tesseraImage, imagePullPolicy: 'Never', securityContext: restricted }],
    };
  }

  /** Runs `node -e SCRIPT` instead of the image's entrypoint. */
  nodeScript(script: string): this {
    this.main().command = ['node', '-e', script];
    return this;
  }

  /** Keeps the container running (for exec) until the pod is deleted. */
  idle(): this {
    return this.nodeScript('setInterval(() => {}, 60_000)');
  }

  /** Arguments to the image's entrypoint, the `tessera` CLI. */
  args(...args: string[]): this {
    this.main().args = args;
    return this;
  }

  limits(limits: { cpu?: string; memory?: string }): this {
    const values = Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) as Record<string, string>;
    this.main().resources = { requests: values, limits: values };
    return this;
  }

  env(name: string, value: string): this {
    this.main().env = [...(this.main().env ?? []), { name, value }];
    return this;
  }

  /** A Pod named `name`. */
  pod(name: string): k8s.V1Pod {
    return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: structuredClone(this.spec) };
  }

  /** A batch/v1 Job named `name` of one such pod, with no retries. */
  job(name: string): k8s.V1Job {
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name },
      spec: { backoffLimit: 0, template: { spec: structuredClone(this.spec) } },
    };
  }

  private main(): k8s.V1Container {
    return this.spec.containers[0]!;
  }
}

export const onRealNode = (): RealPodBuilder => new RealPodBuilder();

/** The terminated state of a pod's `main` container, once it has one. */
export function terminated(pod: k8s.V1Pod): k8s.V1ContainerStateTerminated | undefined {
  return pod.status?.containerStatuses?.find((s) => s.name === 'main')?.state?.terminated;
}
