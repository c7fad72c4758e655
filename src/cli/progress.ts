import { SingleBar, Presets } from 'cli-progress';
import type { PushProgress } from '../storage/file-sets.ts';

/** A progress bar on a terminal, nothing elsewhere (logs and pipes get the final line only). */
export function pushProgress(label: string): { update(p: PushProgress): void; stop(): void } {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({ format: `${label} {phase} [{bar}] {value}/{total}`, stream: process.stderr, hideCursor: true }, Presets.shades_classic);
  let phase = '';
  return {
    update(p) {
      if (p.phase !== phase) {
        if (phase) bar.stop();
        phase = p.phase;
        bar.start(p.total, p.done, { phase: p.phase.padEnd(9) });
      }
      bar.update(p.done, { phase: p.phase.padEnd(9) });
    },
    stop: () => bar.stop(),
  };
}
