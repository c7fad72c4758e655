import { createHash } from 'node:crypto';

/** A content address made from any text: `digestOf('model-a')`. */
export function digestOf(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
