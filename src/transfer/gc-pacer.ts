// Young-generation collections paced by bytes received. Each 64 KiB socket read is a fresh buffer
// outside V8's heap, dead as soon as its bytes are copied on; but its JavaScript handle is tiny, so
// the young generation fills slowly and V8 only notices the memory through its external-memory
// limit, which triggers full collections. Measured on a 1 GiB pull: RSS +60 MiB and ~0.8 CPU-s
// more than with a minor collection every few MiB, which finds almost everything dead and costs
// next to nothing.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const intervalBytes = 4 * 1024 * 1024;
let sinceLast = 0;
let minorGc: (() => void) | null | undefined;

// V8 hands out `gc` only when asked by flag; a new context made after the flag is set has it.
function loadMinorGc(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as ((options: { type: 'minor' }) => void) | undefined;
    return typeof gc === 'function' ? () => gc({ type: 'minor' }) : null;
  } catch {
    return null;
  }
}

/** Counts `bytes` just received and passed on; every few MiB, collects the young generation. */
export function received(bytes: number): void {
  sinceLast += bytes;
  if (sinceLast < intervalBytes) return;
  sinceLast = 0;
  minorGc ??= loadMinorGc();
  minorGc?.();
}
