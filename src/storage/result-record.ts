// What a run committed, recorded on its pod as an annotation the operator signs. The pod is the
// natural home (one attempt, one record, delivered to the controller by the pod informer), but
// anyone who may patch pods in a namespace could forge an annotation pointing at another
// namespace's file set; the HMAC makes a forged record worthless. The keys are the operator's own
// (a Secret), never derived from the object store's credentials, which others may hold. Pure.
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

/** The keys results are signed with: the first signs, any verifies (so a rotation keeps live runs). */
export type SigningKeys = readonly Buffer[];

/** The shortest secret accepted as a signing key: 32 characters of anything. */
export const minSigningSecretLength = 32;

/** The key derived from one secret only the operator holds (a line of its signing-key file). */
export function resultSigningKey(secret: string): Buffer {
  return createHash('sha256').update(`tessera.dev/result-signing-key/v1\n${secret}`).digest();
}

/**
 * The keys in a signing-key file: one secret per line, the current one first; blank lines and
 * `#` comments are ignored. Throws when there is none or one is too short to be a key.
 */
export function parseSigningKeys(text: string): Buffer[] {
  const secrets = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (secrets.length === 0) throw new Error('the signing-key file holds no key');
  const short = secrets.findIndex((secret) => secret.length < minSigningSecretLength);
  if (short >= 0) throw new Error(`signing key ${short + 1} is shorter than ${minSigningSecretLength} characters`);
  return secrets.map(resultSigningKey);
}

function signature(key: Buffer, podUid: string, record: ResultRecord): string {
  const canonical = JSON.stringify({ outputs: record.outputs, metrics: record.metrics ?? {} });
  return createHmac('sha256', key).update(`${podUid}\n${canonical}`).digest('hex');
}

/** The annotation value recording `record` for the pod `podUid`, signed with the first key. */
export function signResult(keys: SigningKeys, podUid: string, record: ResultRecord): string {
  const [key] = keys;
  if (!key) throw new Error('no result-signing key');
  const normalized = { outputs: record.outputs, ...(record.metrics ? { metrics: record.metrics } : {}) };
  return JSON.stringify({ ...normalized, sig: signature(key, podUid, normalized) });
}

/**
 * The record in an annotation value, if it parses and was signed by one of `keys` for this pod;
 * undefined otherwise (absent, malformed, forged, or copied from another pod).
 */
export function verifyResult(keys: SigningKeys, podUid: string, value: string | undefined): ResultRecord | undefined {
  if (!value) return undefined;
  let parsed: z.infer<typeof signedSchema>;
  try {
    parsed = signedSchema.parse(JSON.parse(value));
  } catch {
    return undefined;
  }
  const { sig, ...record } = parsed;
  const given = Buffer.from(sig, 'hex');
  return keys.some((key) => timingSafeEqual(Buffer.from(signature(key, podUid, record), 'hex'), given)) ? record : undefined;
}
