#!/usr/bin/env node
import { basename } from 'node:path';
import { tesseraProgram } from './program.ts';

// The `tessera` command. Only the command that runs is loaded (program.ts), so `tessera --help`
// starts as fast as Node does.

// The installed package runs on whatever Node the user has; older ones fail deep inside a dependency.
if (Number(process.versions.node.split('.')[0]) < 24) {
  console.error(`tessera needs Node 24 or later, not ${process.version}: install Node 24, or use the single executable kubectl-tessera (docs/cli.md)`);
  process.exit(1);
}

// As a kubectl plugin (the single executable kubectl-tessera), usage reads as it is typed: kubectl tessera.
const name = basename(process.execPath).startsWith('kubectl-') ? 'kubectl tessera' : 'tessera';
const fail = async (error: unknown): Promise<never> => {
  const { describeError } = await import('./errors.ts');
  console.error(describeError(error));
  process.exit(1);
};
tesseraProgram(name, process.argv.slice(2))
  .then((program) => program.parseAsync())
  .catch(fail);
