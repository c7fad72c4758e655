// Who gets served by the transfer API, decided before a request costs anything (no body read, no
// TokenReview): each source address has a rate of its own, and the requests in flight are capped.
// Anyone who can reach the port can send requests; this keeps such a flood from taking the
// operator's CPU, memory and API-server budget from the controllers and from other pods.
import type { Clock } from '../../runtime/clock.ts';
import { TokenBucket } from '../../runtime/rate-limiter.ts';

/** The limits; per source means per remote address. */
export interface AdmissionLimits {
  perSourceQps: number;
  perSourceBurst: number;
  /** Requests being handled at once, all sources together. */
  maxInFlight: number;
  /** Sources remembered; the least recently seen is forgotten first (and starts afresh). */
  maxSources: number;
}

/**
 * A pod's mover makes a handful of calls per second at most (it polls its run once a second while
 * waiting for main); a node's worth of pods shares no address, but tests and the plan benchmark
 * run many movers from one: 100 per second per address leaves them room.
 */
export const defaultAdmissionLimits: AdmissionLimits = { perSourceQps: 100, perSourceBurst: 200, maxInFlight: 256, maxSources: 10_000 };

/** Either a ticket to release when the request is done, or how long to wait before retrying. */
export type Admission = { admitted: true; release: () => void } | { admitted: false; retryAfterSeconds: number; why: string };

/** Admits requests within the limits. */
export class RequestAdmission {
  private readonly limits: AdmissionLimits;
  private readonly clock: Clock | undefined;
  private readonly sources = new Map<string, TokenBucket>();
  private inFlight = 0;

  constructor(limits: AdmissionLimits = defaultAdmissionLimits, clock?: Clock) {
    this.limits = limits;
    this.clock = clock;
  }

  /** Admits one request from `source`, or says when to come back. */
  admit(source: string): Admission {
    if (!this.bucketOf(source).tryTake()) {
      return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil(1 / this.limits.perSourceQps)), why: `more than ${this.limits.perSourceQps} requests per second from ${source}` };
    }
    if (this.inFlight >= this.limits.maxInFlight) {
      return { admitted: false, retryAfterSeconds: 1, why: `${this.limits.maxInFlight} requests already in flight` };
    }
    this.inFlight++;
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight--;
      },
    };
  }

  /** Requests being handled now; for tests and metrics. */
  get active(): number {
    return this.inFlight;
  }

  private bucketOf(source: string): TokenBucket {
    let bucket = this.sources.get(source);
    if (bucket) {
      // Most recently seen last, so the first key is the one to forget.
      this.sources.delete(source);
    } else {
      bucket = new TokenBucket({ qps: this.limits.perSourceQps, burst: this.limits.perSourceBurst, clock: this.clock });
      if (this.sources.size >= this.limits.maxSources) this.sources.delete(this.sources.keys().next().value as string);
    }
    this.sources.set(source, bucket);
    return bucket;
  }
}
