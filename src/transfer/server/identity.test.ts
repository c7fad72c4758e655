import type { AuthenticationV1Api, V1TokenReview, V1TokenReviewStatus } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../runtime/clock.ts';
import { AuthenticationError, cachedTokenReviewer, podIdentityFromReview, screenToken, type PodIdentity } from './identity.ts';

const podName = 'authentication.kubernetes.io/pod-name';
const podUid = 'authentication.kubernetes.io/pod-uid';

/** What the API server says of a projected token of pod `pod` in team-a, for the transfer audience. */
const boundReview = (pod = 'train-run-1-abcde'): V1TokenReviewStatus => ({
  authenticated: true,
  audiences: ['tessera.dev/transfer'],
  user: { username: 'system:serviceaccount:team-a:default', extra: { [podName]: [pod], [podUid]: [`uid-${pod}`] } },
});

describe('podIdentityFromReview', () => {
  it('names the pod a bound token was issued to', () => {
    expect(podIdentityFromReview(boundReview())).toEqual({ namespace: 'team-a', podName: 'train-run-1-abcde', podUid: 'uid-train-run-1-abcde' });
  });

  it.each([
    { name: 'no answer', status: undefined, wantMessage: /not authenticated/ },
    { name: 'an unauthenticated token', status: { authenticated: false, error: 'token has expired' }, wantMessage: /token rejected: token has expired/ },
    { name: 'a token for another audience', status: { ...boundReview(), audiences: ['https://kubernetes.default.svc'] }, wantMessage: /not for audience tessera.dev\/transfer/ },
    { name: 'a token with no audiences', status: { ...boundReview(), audiences: undefined }, wantMessage: /not for audience/ },
    { name: 'a user, not a service account', status: { ...boundReview(), user: { username: 'alice', extra: boundReview().user!.extra } }, wantMessage: /bound to a pod/ },
    { name: 'a service-account token bound to no pod', status: { ...boundReview(), user: { username: 'system:serviceaccount:team-a:default' } }, wantMessage: /bound to a pod/ },
    {
      name: 'a token bound to a pod without a uid',
      status: { ...boundReview(), user: { username: 'system:serviceaccount:team-a:default', extra: { [podName]: ['p'] } } },
      wantMessage: /bound to a pod/,
    },
  ])('rejects $name', ({ status, wantMessage }) => {
    expect(() => podIdentityFromReview(status)).toThrow(AuthenticationError);
    expect(() => podIdentityFromReview(status)).toThrow(wantMessage);
  });
});

/**
 * A fake of the one method the reviewer uses: answers from `answers` by token (an Error is thrown,
 * as when the API server cannot be reached) and counts the reviews per token.
 */
class FakeTokenReviews {
  readonly reviews = new Map<string, number>();
  private readonly answers: Record<string, V1TokenReviewStatus | Error>;

  constructor(answers: Record<string, V1TokenReviewStatus | Error>) {
    this.answers = answers;
  }

  createTokenReview(param: { body: V1TokenReview }): Promise<V1TokenReview> {
    const token = param.body.spec.token ?? '';
    this.reviews.set(token, (this.reviews.get(token) ?? 0) + 1);
    const answer = this.answers[token] ?? { authenticated: false, error: 'unknown token' };
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve({ ...param.body, status: answer });
  }

  asApi(): AuthenticationV1Api {
    return this as unknown as AuthenticationV1Api;
  }
}

/** The identity, or the name of the error a review ends with. */
async function outcome(review: Promise<PodIdentity>): Promise<string> {
  try {
    return (await review).podName;
  } catch (error) {
    return error instanceof Error ? error.name : String(error);
  }
}

describe('cachedTokenReviewer', () => {
  it('reviews a token once within the TTL and again after it', async () => {
    const fake = new FakeTokenReviews({ a: boundReview('pod-a') });
    const clock = new ManualClock(1_000);
    const reviewer = cachedTokenReviewer(fake.asApi(), { clock, ttlMs: 60_000 });
    expect(await outcome(reviewer.review('a'))).toBe('pod-a');
    clock.advance(59_999);
    expect(await outcome(reviewer.review('a'))).toBe('pod-a');
    expect(fake.reviews.get('a')).toBe(1);
    clock.advance(1);
    expect(await outcome(reviewer.review('a'))).toBe('pod-a');
    expect(fake.reviews.get('a')).toBe(2);
  });

  it('reviews each token on its own', async () => {
    const fake = new FakeTokenReviews({ a: boundReview('pod-a'), b: boundReview('pod-b') });
    const reviewer = cachedTokenReviewer(fake.asApi(), { clock: new ManualClock() });
    expect([await outcome(reviewer.review('a')), await outcome(reviewer.review('b'))]).toEqual(['pod-a', 'pod-b']);
    expect([...fake.reviews.values()]).toEqual([1, 1]);
  });

  it('remembers a rejection for the rejection TTL', async () => {
    const fake = new FakeTokenReviews({ bad: { authenticated: false, error: 'invalid bearer token' } });
    const clock = new ManualClock();
    const reviewer = cachedTokenReviewer(fake.asApi(), { clock, ttlMs: 60_000, rejectTtlMs: 5_000 });
    expect(await outcome(reviewer.review('bad'))).toBe('AuthenticationError');
    clock.advance(4_999);
    expect(await outcome(reviewer.review('bad'))).toBe('AuthenticationError');
    expect(fake.reviews.get('bad')).toBe(1);
    clock.advance(1);
    expect(await outcome(reviewer.review('bad'))).toBe('AuthenticationError');
    expect(fake.reviews.get('bad')).toBe(2);
  });

  it('does not remember a review that never got an answer', async () => {
    const answers: Record<string, V1TokenReviewStatus | Error> = { a: new Error('connect ECONNREFUSED') };
    const fake = new FakeTokenReviews(answers);
    const reviewer = cachedTokenReviewer(fake.asApi(), { clock: new ManualClock() });
    expect(await outcome(reviewer.review('a'))).toBe('Error');
    answers.a = boundReview('pod-a');
    expect(await outcome(reviewer.review('a'))).toBe('pod-a');
    expect(fake.reviews.get('a')).toBe(2);
  });

  it('keeps accepted tokens when a flood of rejected ones fills its own map', async () => {
    const fake = new FakeTokenReviews({ a: boundReview('pod-a') });
    const reviewer = cachedTokenReviewer(fake.asApi(), { clock: new ManualClock(), maxEntries: 2 });
    await reviewer.review('a');
    for (const bogus of ['x', 'y', 'z']) await outcome(reviewer.review(bogus));
    expect(await outcome(reviewer.review('a'))).toBe('pod-a');
    expect(fake.reviews.get('a')).toBe(1);
  });

  it('answers TooManyRequests for new tokens past its budget, still serving cached ones', async () => {
    const fake = new FakeTokenReviews({ a: boundReview('pod-a'), b: boundReview('pod-b') });
    let left = 1;
    const reviewer = cachedTokenReviewer(fake.asApi(), { clock: new ManualClock(), budget: { tryTake: () => left-- > 0 } });
    expect(await outcome(reviewer.review('a'))).toBe('pod-a');
    expect(await outcome(reviewer.review('b'))).toBe('TransferError');
    expect(await outcome(reviewer.review('a'))).toBe('pod-a');
    expect(fake.reviews.get('b')).toBeUndefined();
  });

  it('forgets the oldest token when full', async () => {
    const fake = new FakeTokenReviews({ a: boundReview('pod-a'), b: boundReview('pod-b'), c: boundReview('pod-c') });
    const reviewer = cachedTokenReviewer(fake.asApi(), { clock: new ManualClock(), maxEntries: 2 });
    for (const token of ['a', 'b', 'c', 'c', 'b', 'a']) await reviewer.review(token);
    expect(Object.fromEntries(fake.reviews)).toEqual({ a: 2, b: 1, c: 1 });
  });
});

describe('screenToken', () => {
  const jwt = (claims: unknown): string => `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
  const now = 1_800_000_000_000;
  const good = { aud: ['tessera.dev/transfer'], exp: now / 1000 + 600, 'kubernetes.io': { pod: { name: 'p', uid: 'u' } } };
  it('lets a plausible projected pod token through to the review', () => {
    expect(() => screenToken(jwt(good), now)).not.toThrow();
    expect(() => screenToken(jwt({ ...good, aud: 'tessera.dev/transfer' }), now)).not.toThrow();
  });

  it.each([
    { name: 'not a JWT', token: 'not-a-token', want: /not a JWT/ },
    { name: 'a payload that is not JSON', token: 'a.b.c', want: /not a JWT/ },
    { name: 'another audience', token: jwt({ ...good, aud: ['https://kubernetes.default.svc'] }), want: /not for audience/ },
    { name: 'expired', token: jwt({ ...good, exp: now / 1000 - 1 }), want: /expired/ },
    { name: 'bound to no pod', token: jwt({ ...good, 'kubernetes.io': { serviceaccount: { name: 'default' } } }), want: /bound to a pod/ },
  ])('refuses $name without a review', ({ token, want }) => {
    expect(() => screenToken(token, now)).toThrow(AuthenticationError);
    expect(() => screenToken(token, now)).toThrow(want);
  });
});
