import type { Command } from 'commander';
import type { Algo } from '../api/algo.ts';

// `tessera algo push`: uploads a directory of code (only what the store lacks) and applies the Algo
// that runs it, mounted read-only at /tessera/code.

interface AlgoFlags {
  name: string;
  namespace?: string;
  image: string;
  category: Algo['spec']['category'];
  command?: string[];
  input?: string[];
  output?: string[];
  cpu?: string;
  memory?: string;
  gpu?: string;
}

/** `name` or `name?` (optional) as declared inputs. */
function ios(names: readonly string[] | undefined): Algo['spec']['inputs'] {
  if (!names?.length) return undefined;
  return names.map((n) => (n.endsWith('?') ? { name: n.slice(0, -1), optional: true } : { name: n }));
}

function resourcesOf(flags: AlgoFlags): Algo['spec']['resources'] {
  const resources = { cpu: flags.cpu, memory: flags.memory, gpu: flags.gpu === undefined ? undefined : Number(flags.gpu) };
  const set = Object.entries(resources).filter(([, v]) => v !== undefined);
  return set.length ? Object.fromEntries(set) : undefined;
}

async function pushAlgo(dir: string, flags: AlgoFlags): Promise<void> {
  const { pushGranted } = await import('./push-granted.ts');
  const { applyTessera } = await import('./apply-tessera.ts');
  const { groupVersion } = await import('../api/common.ts');
  await pushGranted(dir, { ...flags, kind: 'Algo' }, async ({ conn, namespace, result }) => {
    const spec: Algo['spec'] = {
      image: flags.image,
      category: flags.category,
      code: { digest: result.digest },
      ...(flags.command ? { command: flags.command } : {}),
      ...(flags.input ? { inputs: ios(flags.input) } : {}),
      ...(flags.output ? { outputs: ios(flags.output) } : {}),
      ...(resourcesOf(flags) ? { resources: resourcesOf(flags) } : {}),
    };
    await applyTessera(conn, { apiVersion: groupVersion, kind: 'Algo', metadata: { name: flags.name, namespace }, spec });
    console.log(`Algo ${namespace}/${flags.name}: code ${result.digest} (${result.manifest.entries.length} files, ${result.uploadedBytes} bytes uploaded)`);
    // What a Dataset's owner approves (permissions.approvedCode) to let this Algo run on the data.
    const { runDigest } = await import('../controllers/shared/run-digest.ts');
    console.log(`run digest ${runDigest({ image: spec.image, command: spec.command, args: spec.args, code: result.digest })}`);
  });
}

/** Registers `tessera algo`. */
export function registerAlgo(program: Command): void {
  program
    .command('algo')
    .description('code to run in Jobs and ComputePlan tasks')
    .command('push')
    .description('upload a directory of code and apply the Algo that runs it from /tessera/code')
    .argument('<dir>', 'the code directory')
    .requiredOption('--name <name>', 'the Algo')
    .requiredOption('--image <image>', 'the image that runs the code')
    .requiredOption('--category <category>', 'train, aggregate, composite, predict or metric')
    .option('-n, --namespace <ns>', "the Algo's namespace; default: the kubeconfig context's")
    .option('--command <args...>', "the container's entrypoint, e.g. --command node /tessera/code/train.js")
    .option('--input <names...>', 'declared inputs (name? for optional ones)')
    .option('--output <names...>', 'declared outputs')
    .option('--cpu <quantity>', 'default CPU of runs')
    .option('--memory <quantity>', 'default memory of runs')
    .option('--gpu <count>', 'default GPUs of runs')
    .action((dir: string, flags: AlgoFlags) => pushAlgo(dir, flags));
}
