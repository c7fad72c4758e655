// Who is calling the transfer API: a pod, proven by a projected service-account token whose audience
// is Tessera's, checked by the API server's TokenReview. The token is bound to the pod, so the
// answer names the pod (and stops being valid when the pod is gone).
import { createHash } from 'node:crypto';
import type { AuthenticationV1Api, V1TokenReviewStatus, V1UserInfo } from '@kubernetes/client-node';
import type { Clock } from '../../runtime/clock.ts';
import { transferAudience } from '../transfer-protocol.ts';

/** The pod a token was issued to. */
export interface PodIdentity {
  namespace: string;
  podName: string;
  podUid: string;
}

/** Why a token is not accepted; the message is safe to send back. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
}

const serviceAccountPrefix = 'system:serviceaccount:';
const podNameKey = 'authentication.kubernetes.io/pod-name';
const podUidKey = 'authentication.kubernetes.io/pod-uid';

/**
 * The pod a TokenReview says the token belongs to. Pure. Only tokens bound to a pod (projected
 * service-account tokens carry the pod in `extra`) and issued for Tessera's audience are accepted.
 */
export function podIdentityFromReview(status: V1TokenReviewStatus | undefined): PodIdentity {
  if (!status?.authenticated) throw new AuthenticationError(`token rejected: ${status?.error ?? 'not authenticated'}`);
  if (!(status.audiences ?? []).includes(transferAudience)) throw new AuthenticationError(`token is not for audience ${transferAudience}`);
  const identity = boundPod(status.user ?? {});
  if (!identity) throw new AuthenticationError('token is not a service-account token bound to a pod');
  return identity;
}

function boundPod(user: V1UserInfo): PodIdentity | undefined {
  const username = user.username ?? '';
  if (!username.startsWith(serviceAccountPrefix)) return undefined;
  const namespace = username.slice(serviceAccountPrefix.length).split(':')[0];
  const podName = user.extra?.[podNameKey]?.[0];
  const podUid = user.extra?.[podUidKey]?.[0];
  return namespace && podName && podUid ? { namespace, podName, podUid } : undefined;
}

/** Turns a bearer token into the pod it was issued to. */
export interface TokenReviewer {
  review(token: string): Promise<PodIdentity>;
}

interface CachedReview {
  identity?: PodIdentity;
  error?: AuthenticationError;
  expiresAt: number;
}

/**
 * TokenReview through the API server, remembered for `ttlMs` per token (by its hash) so a pod's
 * burst of requests costs one review. Rejections are remembered briefly too, so a pod retrying
 * with a bad token does not turn into a stream of reviews. Memory is bounded by `maxEntries`.
 */
export function cachedTokenReviewer(api: AuthenticationV1Api, opts: { clock: Clock; ttlMs?: number; maxEntries?: number }): TokenReviewer {
  const cache = new Map<string, CachedReview>();
  const ttlMs = opts.ttlMs ?? 60_000;
  const maxEntries = opts.maxEntries ?? 10_000;
  return {
    async review(token) {
      const key = createHash('sha256').update(token).digest('hex');
      const now = opts.clock.now();
      const hit = cache.get(key);
      if (hit && hit.expiresAt > now) return answer(hit);
      const entry = await reviewOnce(api, token, now, ttlMs);
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
      cache.set(key, entry);
      return answer(entry);
    },
  };
}

function answer(entry: CachedReview): PodIdentity {
  if (entry.identity) return entry.identity;
  throw entry.error ?? new AuthenticationError('token rejected');
}

async function reviewOnce(api: AuthenticationV1Api, token: string, now: number, ttlMs: number): Promise<CachedReview> {
  const review = await api.createTokenReview({
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: [transferAudience] } },
  });
  try {
    return { identity: podIdentityFromReview(review.status), expiresAt: now + ttlMs };
  } catch (error) {
    if (!(error instanceof AuthenticationError)) throw error;
    return { error, expiresAt: now + Math.min(ttlMs, 5_000) };
  }
}
