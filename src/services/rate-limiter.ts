/**
 * Token-bucket rate limiter keyed by string (an IP or a user id). Idle buckets are dropped on
 * access so memory stays bounded by the number of recently active keys.
 */
export class RateLimiter {
  readonly #capacity: number;
  readonly #refillPerMs: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #now: () => number;
  #lastSweep = 0;

  /** Allows `count` events per `perMs` milliseconds, with bursts up to `burst` (default count). */
  constructor(options: { count: number; perMs: number; burst?: number; now?: () => number }) {
    this.#capacity = options.burst ?? options.count;
    this.#refillPerMs = options.count / options.perMs;
    this.#now = options.now ?? Date.now;
  }

  /** Takes `count` tokens (default one) for `key`; false, taking none, when it has fewer. */
  take(key: string, count = 1): boolean {
    const now = this.#now();
    this.#sweep(now);
    const bucket = this.#buckets.get(key) ?? { tokens: this.#capacity, at: now };
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + (now - bucket.at) * this.#refillPerMs);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens < count) return false;
    bucket.tokens -= count;
    return true;
  }

  /** Gives back a token taken for `key` (an attempt that turned out not to count). */
  refund(key: string): void {
    const bucket = this.#buckets.get(key);
    if (bucket) bucket.tokens = Math.min(this.#capacity, bucket.tokens + 1);
  }

  #sweep(now: number): void {
    const fullAfterMs = this.#capacity / this.#refillPerMs;
    if (now - this.#lastSweep < Math.min(fullAfterMs, 60_000)) return;
    this.#lastSweep = now;
    for (const [key, bucket] of this.#buckets) {
      if (now - bucket.at >= fullAfterMs) this.#buckets.delete(key);
    }
  }
}
