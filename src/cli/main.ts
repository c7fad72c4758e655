#!/usr/bin/env node
import { Command } from 'commander';
import { registerAlgo } from './algo-command.ts';
import { registerDataset } from './dataset-command.ts';
import { registerGc } from './gc-command.ts';
import { registerLogs } from './logs-command.ts';
import { registerOperator } from './operator-command.ts';
import { registerPlan } from './plan-command.ts';
import { registerTransfer } from './transfer-command.ts';

// The `tessera` command. Subcommands load their code lazily so `tessera --help` stays instant.

const program = new Command('tessera').description('Run machine-learning jobs, datasets and compute plans on Kubernetes');
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
