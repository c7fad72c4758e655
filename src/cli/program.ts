import { Command, Help } from 'commander';

// The `tessera` program and its command table. A command's module (its options, and through its
// action everything it runs) is imported only when that command runs: `tessera --help` loads
// commander and this table alone, `tessera plan tree` no operator, store or dashboard code.

/** A top-level command: how `tessera --help` lists it, and the module that defines it. */
interface CommandEntry {
  name: string;
  /** As commander lists it: the name, `[options]` if it has any, its arguments. */
  term: string;
  description: string;
  /** Registers the full command (a module may register several: dataset and fileset). */
  load: () => Promise<(program: Command) => void>;
}

/** dataset-command.ts registers two commands: one loader, shared, so both know it. */
const datasetModule = async (): Promise<(program: Command) => void> => (await import('./dataset-command.ts')).registerDataset;

/** Every top-level command, in `--help` order. Descriptions must match the modules' (program.test.ts checks). */
export const commandTable: readonly CommandEntry[] = [
  {
    name: 'operator',
    term: 'operator [options]',
    description: 'run the Tessera controller against the current kubeconfig (or in-cluster config)',
    load: async () => (await import('./operator-command.ts')).registerOperator,
  },
  { name: 'transfer', term: 'transfer', description: "move a run's file sets (runs inside the run's pod)", load: async () => (await import('./transfer-command.ts')).registerTransfer },
  { name: 'dataset', term: 'dataset', description: 'versioned file sets and who may compute on them', load: datasetModule },
  { name: 'fileset', term: 'fileset', description: 'file sets by digest', load: datasetModule },
  { name: 'algo', term: 'algo', description: 'code to run in Jobs and ComputePlan tasks', load: async () => (await import('./algo-command.ts')).registerAlgo },
  { name: 'job', term: 'job', description: 'Tessera Jobs', load: async () => (await import('./job-command.ts')).registerJob },
  { name: 'plan', term: 'plan', description: 'views of a ComputePlan', load: async () => (await import('./plan-command.ts')).registerPlan },
  {
    name: 'predict',
    term: 'predict [options] <predictor>',
    description: "send data to a Predictor's POST /predict through the API server, as you, and print its answer",
    load: async () => (await import('./predict-command.ts')).registerPredict,
  },
  {
    name: 'logs',
    term: 'logs [options] <job>',
    description: "a run's saved log (its main container's), also after its pod is gone",
    load: async () => (await import('./logs-command.ts')).registerLogs,
  },
  {
    name: 'gc',
    term: 'gc [options]',
    description: 'delete the file sets no Dataset, Algo or Job uses any more (blobs, manifests, grants)',
    load: async () => (await import('./gc-command.ts')).registerGc,
  },
  {
    name: 'ui',
    term: 'ui [options]',
    description: 'serve the dashboard on 127.0.0.1, showing what your kubeconfig lets you see',
    load: async () => (await import('../ui/ui-command.ts')).registerUi,
  },
];

/** The top-level command `args` (argv after the script) runs, including `help <command>`'s. */
export function commandNamed(args: readonly string[]): string | undefined {
  const operands = args.filter((a) => !a.startsWith('-'));
  return operands[0] === 'help' ? operands[1] : operands[0];
}

/**
 * The `tessera` program for `args`: the command they name registered in full, every other one as a
 * stub that only lists itself in `--help` (it never runs: a run names its command).
 */
export async function tesseraProgram(name: string, args: readonly string[], table: readonly CommandEntry[] = commandTable): Promise<Command> {
  const program = new Command(name).description('Run machine-learning jobs, datasets and compute plans on Kubernetes');
  const stubTerms = new WeakMap<Command, string>();
  const standard = new Help();
  program.configureHelp({ subcommandTerm: (cmd) => stubTerms.get(cmd) ?? standard.subcommandTerm(cmd) });
  const named = commandNamed(args);
  const wanted = table.find((e) => e.name === named);
  const register = wanted ? await wanted.load() : undefined;
  for (const entry of table) {
    if (program.commands.some((c) => c.name() === entry.name)) continue;
    if (register && entry.load === wanted?.load) {
      register(program);
      continue;
    }
    stubTerms.set(program.command(entry.name).description(entry.description), entry.term);
  }
  return program;
}
