#!/usr/bin/env node
import { Command } from 'commander';
import { registerAlgo } from './algo-command.ts';
import { registerDataset } from './dataset-command.ts';
import { registerGc } from './gc-command.ts';
import { registerOperator } from './operator-command.ts';
import { registerPlan } from './plan-command.ts';
import { registerTransfer } from './transfer-command.ts';
import { registerUi } from '../ui/ui-command.ts';

// The `tessera` command. Subcommands load their code lazily so `tessera --help` stays instant.

const program = new Command('tessera').description('Run machine-learning jobs, datasets and compute plans on Kubernetes');
registerOperator(program);
registerTransfer(program);
registerDataset(program);
registerAlgo(program);
registerPlan(program);
registerGc(program);
registerUi(program);

program.parseAsync().catch((error: unknown) => {
  console.error(describe(error));
  process.exit(1);
});

/** An API server's refusal as kubectl prints it (`Error from server (NotFound): … not found`), never the raw response. */
function fromServer(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  // The workstation API's client words its refusals already.
  if (error.name === 'ServerError') return error.message;
  return fromApiException(error);
}

/** client-node's ApiException, known by shape: importing client-node here would slow every command. */
function fromApiException(error: Error): string | undefined {
  const { code, body } = error as Error & { code?: unknown; body?: unknown };
  if (typeof code !== 'number' || body === undefined || !error.message.startsWith('HTTP-Code:')) return undefined;
  const status = (typeof body === 'string' ? safeJson(body) : body) as { reason?: unknown; message?: unknown } | undefined;
  if (typeof status?.message !== 'string') return `Error from server (${code}): the server answered HTTP ${code}`;
  return `Error from server (${typeof status.reason === 'string' ? status.reason : code}): ${status.message}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  const server = fromServer(error);
  if (server) return server;
  if (!(error instanceof Error)) return `tessera: ${String(error)}`;
  const causes: string[] = [error.message];
  for (let cause = error.cause; cause instanceof Error && causes.length < 5; cause = cause.cause) causes.push(cause.message);
  return `tessera: ${causes.join(': ')}`;
}
