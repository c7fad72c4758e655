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

// The `tessera` command. Subcommands load their code lazily so `tessera --help` stays instant.

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

program.parseAsync().catch(async (error: unknown) => {
  const { describeError } = await import('./errors.ts');
  console.error(describeError(error));
  process.exit(1);
});
