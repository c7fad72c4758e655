// What a run committed, recorded on its pod as an annotation the operator signs. The pod is the
// natural home (one attempt, one record, delivered to the controller by the pod informer), but
// anyone who may patch pods in a namespace could forge an annotation pointing at another
// namespace's file set; the HMAC makes a forged record worthless. Pure, except for the key.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** The pod annotation holding a run's signed result. */
export const resultAnnotation = 'tessera.dev/result';

const recordSchema = z.object({
  outputs: z.array(
    z.object({
      name: z.string(),
      digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
      files: z.int().min(0),
      bytes: z.int().min(0),
    }),
  ),
  metrics: z.record(z.string(), z.number()).optional(),
});

/** What a run committed: its output file sets and the metrics found in them. */
export type ResultRecord = z.infer<typeof recordSchema>;

const signedSchema = recordSchema.extend({ sig: z.string().regex(/^[0-9a-f]{64}$/) });

/** The key results are signed with: derived from a secret only the operator holds. */
export function resultSigningKey(secret: string): Buffer {
  return createHash('sha256').update(`tessera.dev/result-signing-key/v1\n${secret}`).digest();
}

function signature(key: Buffer, podUid: string, record: ResultRecord): string {
  const canonical = JSON.stringify({ outputs: record.outputs, metrics: record.metrics ?? {} });
  return createHmac('sha256', key).update(`${podUid}\n${canonical}`).digest('hex');
}

/** The annotation value recording `record` for the pod `podUid`. */
export function signResult(key: Buffer, podUid: string, record: ResultRecord): string {
  const normalized = { outputs: record.outputs, ...(record.metrics ? { metrics: record.metrics } : {}) };
  return JSON.stringify({ ...normalized, sig: signature(key, podUid, normalized) });
}

/**
 * The record in an annotation value, if it parses and was signed by `key` for this pod; undefined
 * otherwise (absent, malformed, forged, or copied from another pod).
 */
export function verifyResult(key: Buffer, podUid: string, value: string | undefined): ResultRecord | undefined {
  if (!value) return undefined;
  let parsed: z.infer<typeof signedSchema>;
  try {
    parsed = signedSchema.parse(JSON.parse(value));
  } catch {
    return undefined;
  }
  const { sig, ...record } = parsed;
  const expected = Buffer.from(signature(key, podUid, record), 'hex');
  return timingSafeEqual(expected, Buffer.from(sig, 'hex')) ? record : undefined;
}
