/** The answer for one request: allowed, or refused with the seconds until the next token. */
export type RateDecision =
  | { readonly allowed: true; readonly remaining: number }
  | { readonly allowed: false; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * A token bucket per caller (API key, or client address when no key is configured): up to
 * `perMinute` requests in a burst, refilled at `perMinute` per minute. Idle full buckets are
 * forgotten so the map stays as small as the set of active callers.
 */
export class RequestRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillPerMs: number;
  private lastSweepMs = 0;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.refillPerMs = perMinute / 60_000;
  }

  take(caller: string): RateDecision {
    const nowMs = this.now();
    this.sweep(nowMs);
    const bucket = this.buckets.get(caller) ?? { tokens: this.perMinute, updatedMs: nowMs };
    bucket.tokens = Math.min(
      this.perMinute,
      bucket.tokens + (nowMs - bucket.updatedMs) * this.refillPerMs,
    );
    bucket.updatedMs = nowMs;
    this.buckets.set(caller, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens) };
    }
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.refillPerMs / 1000)),
    };
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < 60_000) return;
    this.lastSweepMs = nowMs;
    for (const [caller, bucket] of this.buckets) {
      if (bucket.tokens + (nowMs - bucket.updatedMs) * this.refillPerMs >= this.perMinute) {
        this.buckets.delete(caller);
      }
    }
  }
}
