#!/usr/bin/env node
import { Command } from 'commander';
import { registerAlgo } from './algo-command.ts';
import { registerDataset } from './dataset-command.ts';
import { registerGc } from './gc-command.ts';
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
registerGc(program);

program.parseAsync().catch((error: unknown) => {
  console.error(`tessera: ${describe(error)}`);
  process.exit(1);
});

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const causes: string[] = [error.message];
  for (let cause = error.cause; cause instanceof Error && causes.length < 5; cause = cause.cause) causes.push(cause.message);
  return causes.join(': ');
}
