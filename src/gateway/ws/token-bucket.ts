/**
 * A single token bucket: `rate` events per second on average, bursts up to `burst`. One per
 * socket and frame kind, so a socket's flood is refused on that socket alone (rule W9); it is
 * two numbers, cheap enough for every one of 10,000 idle sockets.
 */
export class TokenBucket {
  #tokens: number;
  #at: number;
  readonly #burst: number;
  readonly #perMs: number;
  readonly #now: () => number;

  constructor(options: { rate: number; burst: number; now?: () => number }) {
    this.#burst = options.burst;
    this.#perMs = options.rate / 1000;
    this.#now = options.now ?? Date.now;
    this.#tokens = options.burst;
    this.#at = this.#now();
  }

  /** Takes one token; false when the bucket is empty (the event is over the limit). */
  take(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#perMs);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
