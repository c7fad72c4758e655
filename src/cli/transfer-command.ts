import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { podPaths, pushReadyMarker } from '../transfer/protocol.ts';

// `tessera transfer pull|push`: the mover, as a run's init container and native sidecar. Flags
// default to where the pod spec puts things, so the pod runs them bare; tests point them elsewhere.

interface MoverFlags {
  root: string;
  server: string;
  tokenFile: string;
  concurrency: string;
}

function moverOptions(command: Command): Command {
  return command
    .addOption(new Option('--root <dir>', 'where inputs, outputs and code live').default(podPaths.root).env('TESSERA_ROOT'))
    .addOption(new Option('--server <url>', "the operator's transfer API").env('TESSERA_TRANSFER_URL').makeOptionMandatory())
    .addOption(new Option('--token-file <path>', 'the projected service-account token').default(podPaths.token).env('TESSERA_TOKEN_FILE'))
    .addOption(new Option('--concurrency <n>', 'files moved at once').default('8'));
}

function say(event: Record<string, unknown>): void {
  // One JSON line per event: the pod's log is read by people and by log pipelines alike.
  console.log(JSON.stringify({ time: new Date().toISOString(), ...event }));
}

/**
 * Resolves on SIGTERM, the kubelet's signal to a native sidecar that the main container is done.
 * Two things only real containers showed:
 * - a pending signal listener does not keep Node's event loop alive: without the timer the sidecar
 *   exited 0 at once, and the pod finished without its outputs;
 * - Node is PID 1 in the container, and the kernel drops a SIGTERM sent to a PID 1 that has no
 *   handler yet: `readyMarker` tells the sidecar's startup probe the handler is in place, and the
 *   kubelet starts the main container only then, so a quick main cannot end before we listen.
 */
async function terminationRequested(readyMarker: string): Promise<void> {
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  const signalled = new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await writeFile(readyMarker, '');
  await signalled;
  clearInterval(keepAlive);
}

/** Registers `tessera transfer`. */
export function registerTransfer(program: Command): void {
  const transfer = program.command('transfer').description("move a run's file sets (runs inside the run's pod)");
  moverOptions(transfer.command('pull').description('fetch and verify every input, create the output directories')).action(async (flags: MoverFlags) => {
    const { transferClient } = await import('../transfer/client.ts');
    const { pullRun } = await import('../transfer/pull.ts');
    const client = transferClient({ server: flags.server, tokenFile: flags.tokenFile });
    const report = await pullRun(client, flags.root, { concurrency: Number(flags.concurrency) });
    say({ msg: 'pulled the inputs', ...report });
  });
  moverOptions(transfer.command('index').description("(a Dataset's index Job) hash the landing zone's objects; the operator stores them in place")).action(async (flags: MoverFlags) => {
    const { transferClient } = await import('../transfer/client.ts');
    const { indexRun } = await import('../transfer/index-run.ts');
    const committed = await indexRun(transferClient({ server: flags.server, tokenFile: flags.tokenFile }), { concurrency: Number(flags.concurrency) });
    say({ msg: 'indexed the landing zone', ...committed });
  });
  moverOptions(transfer.command('push').description('upload and commit the outputs once the main container exited'))
    .addOption(new Option('--wait-for-termination', 'first wait for SIGTERM (native sidecar mode)'))
    .action(async (flags: MoverFlags & { waitForTermination?: boolean }) => {
      const { transferClient } = await import('../transfer/client.ts');
      const { pushRun } = await import('../transfer/push.ts');
      if (flags.waitForTermination) {
        say({ msg: 'waiting for the main container to exit' });
        await terminationRequested(join(flags.root, pushReadyMarker));
      }
      const client = transferClient({ server: flags.server, tokenFile: flags.tokenFile });
      const report = await pushRun(client, flags.root, {
        concurrency: Number(flags.concurrency),
        onProgress: (event) => say({ msg: `output ${event.phase}`, ...event }),
        onRetry: (error) => say({ msg: 'another push overwrote a blob before the commit; sending the outputs again', error: (error as Error).message }),
      });
      say({ msg: 'committed the outputs', ...report });
    });
}
