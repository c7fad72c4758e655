// Who is calling the transfer API: a pod, proven by a projected service-account token whose audience
// is Tessera's, checked by the API server's TokenReview. The token is bound to the pod, so the
// answer names the pod (and stops being valid when the pod is gone).
import { createHash } from 'node:crypto';
import type { AuthenticationV1Api, V1TokenReviewStatus, V1UserInfo } from '@kubernetes/client-node';
import type { Clock } from '../../runtime/clock.ts';
import { transferAudience } from '../protocol.ts';
import { TransferError } from './errors.ts';

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

/** Takes one unit of a budget if there is one left now; never waits. */
export interface Budget {
  tryTake(): boolean;
}

/** How a cachedTokenReviewer remembers and spends. */
export interface ReviewerOptions {
  clock: Clock;
  /** How long an accepted token is trusted without a new review. Default 60 s. */
  ttlMs?: number;
  /** How long a rejected token is refused without a new review. Default 60 s. */
  rejectTtlMs?: number;
  /** Tokens remembered, accepted and rejected each. Default 10,000. */
  maxEntries?: number;
  /** TokenReviews this reviewer may send; past it a new token is answered TooManyRequests. */
  budget?: Budget;
}

/** A map that forgets its oldest entry when full. */
function remember(cache: Map<string, CachedReview>, key: string, entry: CachedReview, maxEntries: number): void {
  cache.delete(key);
  if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
  cache.set(key, entry);
}

/**
 * TokenReview through the API server, remembered for `ttlMs` per token (by its hash) so a pod's
 * burst of requests costs one review. Rejections are remembered as long, in a map of their own, so
 * a flood of bad tokens neither turns into a stream of reviews nor pushes good tokens out. New
 * tokens spend `budget`: past it the caller is told to come back later, and the API server the
 * controllers depend on never sees more than the budget's rate of reviews from here.
 */
export function cachedTokenReviewer(api: AuthenticationV1Api, opts: ReviewerOptions): TokenReviewer {
  const accepted = new Map<string, CachedReview>();
  const rejected = new Map<string, CachedReview>();
  const ttlMs = opts.ttlMs ?? 60_000;
  const rejectTtlMs = opts.rejectTtlMs ?? 60_000;
  const maxEntries = opts.maxEntries ?? 10_000;
  return {
    async review(token) {
      const key = createHash('sha256').update(token).digest('hex');
      const now = opts.clock.now();
      const hit = accepted.get(key) ?? rejected.get(key);
      if (hit && hit.expiresAt > now) return answer(hit);
      if (opts.budget && !opts.budget.tryTake()) throw new TransferError('TooManyRequests', 'too many new tokens to review; retry later');
      const entry = await reviewOnce(api, token, now, { ttlMs, rejectTtlMs });
      remember(entry.identity ? accepted : rejected, key, entry, maxEntries);
      (entry.identity ? rejected : accepted).delete(key);
      return answer(entry);
    },
  };
}

function answer(entry: CachedReview): PodIdentity {
  if (entry.identity) return entry.identity;
  throw entry.error ?? new AuthenticationError('token rejected');
}

async function reviewOnce(api: AuthenticationV1Api, token: string, now: number, ttl: { ttlMs: number; rejectTtlMs: number }): Promise<CachedReview> {
  const review = await api.createTokenReview({
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: [transferAudience] } },
  });
  try {
    return { identity: podIdentityFromReview(review.status), expiresAt: now + ttl.ttlMs };
  } catch (error) {
    if (!(error instanceof AuthenticationError)) throw error;
    return { error, expiresAt: now + ttl.rejectTtlMs };
  }
}

const base64url = /^[A-Za-z0-9_-]+$/;

function claimsOf(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => base64url.test(p))) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Throws AuthenticationError for a token that cannot be a live projected pod token for the transfer
 * audience, judged from its unverified claims alone: not a JWT, another audience, expired, bound to
 * no pod. Pure. Such tokens are refused without a TokenReview; anything that passes is still reviewed.
 */
export function screenToken(token: string, nowMs: number): void {
  const claims = claimsOf(token);
  if (!claims) throw new AuthenticationError('token rejected: not a JWT');
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(transferAudience)) throw new AuthenticationError(`token is not for audience ${transferAudience}`);
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs) throw new AuthenticationError('token rejected: expired');
  const bound = (claims['kubernetes.io'] as { pod?: unknown } | undefined)?.pod;
  if (typeof bound !== 'object' || bound === null) throw new AuthenticationError('token is not a service-account token bound to a pod');
}
