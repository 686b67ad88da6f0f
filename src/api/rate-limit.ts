// Per-key rate limits: one token bucket per API key, in memory. A bucket holds up to `perMinute`
// tokens and refills at perMinute/60 tokens a second; each request takes one. An empty bucket
// answers 429 with Retry-After (seconds until a token is back).

/** A bucket per key; idle buckets are forgotten once they are full again. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly ratePerMs: number;
  private sweepAt = 0;

  constructor(
    /** Requests a key may make per minute (also the burst). 0 turns limiting off. */
    readonly perMinute: number,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.ratePerMs = perMinute / 60_000;
  }

  /** Take a token for `key`: null when allowed, else the seconds to wait before retrying. */
  take(key: string): number | null {
    if (this.perMinute <= 0) return null;
    const now = this.now();
    this.sweep(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * this.ratePerMs);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return null;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerMs / 1000));
  }

  /** Drop buckets that have refilled completely (at most once a minute). */
  private sweep(now: number): void {
    if (now < this.sweepAt) return;
    this.sweepAt = now + 60_000;
    for (const [key, b] of this.buckets) {
      if (b.tokens + (now - b.at) * this.ratePerMs >= this.perMinute) this.buckets.delete(key);
    }
  }
}
