import { TRPCError } from '@trpc/server';
import type { ServerResponse } from 'node:http';
import type { SetResponseHeader } from './types';

/** A token bucket per key: `burst` tokens, refilled at `perSecond`. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    private readonly maxKeys = 50_000,
  ) {}

  /** Takes `cost` tokens; returns 0 when allowed, otherwise the seconds until they are available. */
  take(key: string, now = Date.now(), cost = 1): number {
    const bucket = this.refill(key, now);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return 0;
    }
    return Math.max(1, Math.ceil((cost - bucket.tokens) / this.perSecond));
  }

  /** Gives a token back (e.g. a successful login should not count against the caller). */
  refund(key: string): void {
    const bucket = this.buckets.get(key);
    if (bucket) bucket.tokens = Math.min(this.burst, bucket.tokens + 1);
  }

  private refill(key: string, now: number): { tokens: number; at: number } {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.prune(now);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    bucket.tokens = Math.min(
      this.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond,
    );
    bucket.at = now;
    return bucket;
  }

  /** Drops buckets that have refilled completely: forgetting them changes nothing. */
  private prune(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond >= this.burst)
        this.buckets.delete(key);
    }
    if (this.buckets.size >= this.maxKeys) this.buckets.clear();
  }
}

/** Sets headers on `res` until it is sent (a refusal's Retry-After rides on the error answer). */
export function headerSetter(res: ServerResponse): SetResponseHeader {
  return (name, value) => {
    if (!res.headersSent) res.setHeader(name, value);
  };
}

/** Throws TOO_MANY_REQUESTS (HTTP 429) with a Retry-After header when the bucket is empty. */
export function enforce(
  limiter: RateLimiter,
  key: string,
  setHeader: SetResponseHeader | undefined,
  what: string,
  cost = 1,
): void {
  const wait = limiter.take(key, Date.now(), cost);
  if (wait === 0) return;
  setHeader?.('Retry-After', String(wait));
  throw new TRPCError({
    code: 'TOO_MANY_REQUESTS',
    message: `Too many ${what}; retry after ${wait} s`,
  });
}
