import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';

// What the mover simulator writes for the tasks of a federated plan, as each task's code would.

/** What each task's "code" writes: models carry their round; tests score higher every round. */
export async function writeFederatedOutputs(pod: Readonly<k8s.V1Pod>, root: string): Promise<void> {
  const task = pod.metadata?.labels?.['tessera.dev/task'] ?? '';
  const round = Number(pod.metadata?.labels?.['tessera.dev/round'] ?? 0);
  if (/-test-/.test(task)) {
    await mkdir(join(root, 'outputs', 'performance'), { recursive: true });
    await writeFile(join(root, 'outputs', 'performance', 'metrics.json'), JSON.stringify({ accuracy: 0.5 + round / 10 + (task.endsWith('-1') ? 0.01 : 0) }));
  } else if (task !== '') {
    await writeFile(join(root, 'outputs', 'model', 'model.json'), JSON.stringify({ task, round }));
    await writeHead(root, pod);
  }
}

/** A personalized trainer also writes its local head, when its Algo declares one. */
async function writeHead(root: string, pod: Readonly<k8s.V1Pod>): Promise<void> {
  const head = join(root, 'outputs', 'head');
  const content = { task: pod.metadata?.labels?.['tessera.dev/task'], namespace: pod.metadata?.namespace };
  if (await access(head).then(() => true, () => false)) await writeFile(join(head, 'head.json'), JSON.stringify(content));
}
