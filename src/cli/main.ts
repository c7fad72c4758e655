#!/usr/bin/env node
import { basename } from 'node:path';
import { Command } from 'commander';
import { registerAlgo } from './algo-command.ts';
import { registerDataset } from './dataset-command.ts';
import { registerGc } from './gc-command.ts';
import { registerLogs } from './logs-command.ts';
import { registerOperator } from './operator-command.ts';
import { registerPlan } from './plan-command.ts';
import { registerTransfer } from './transfer-command.ts';
import { registerUi } from '../ui/ui-command.ts';

// The `tessera` command. Subcommands load their code lazily so `tessera --help` stays instant.

// The installed package runs on whatever Node the user has; older ones fail deep inside a dependency.
if (Number(process.versions.node.split('.')[0]) < 24) {
  console.error(`tessera needs Node 24 or later, not ${process.version}: install Node 24, or use the single executable kubectl-tessera (docs/cli.md)`);
  process.exit(1);
}

// As a kubectl plugin (the single executable kubectl-tessera), usage reads as it is typed: kubectl tessera.
const name = basename(process.execPath).startsWith('kubectl-') ? 'kubectl tessera' : 'tessera';
const program = new Command(name).description('Run machine-learning jobs, datasets and compute plans on Kubernetes');
registerOperator(program);
registerTransfer(program);
registerDataset(program);
registerAlgo(program);
registerPlan(program);
registerLogs(program);
registerGc(program);
registerUi(program);

program.parseAsync().catch(async (error: unknown) => {
  const { describeError } = await import('./errors.ts');
  console.error(describeError(error));
  process.exit(1);
});
