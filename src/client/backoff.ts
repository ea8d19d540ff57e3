/** Reconnect delays: exponential with jitter, capped (so a fleet of clients spreads out). */
export class Backoff {
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: { baseMs?: number; maxMs?: number; random?: () => number } = {}) {
    this.#baseMs = options.baseMs ?? 250;
    this.#maxMs = options.maxMs ?? 10_000;
    this.#random = options.random ?? Math.random;
  }

  /** Failed attempts since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /**
   * The delay before the next attempt: the first is {@link soon}, quick; after that uniform in
   * [ceiling/2, ceiling], ceiling = min(max, base·2^n).
   */
  next(): number {
    const attempt = this.#attempt++;
    if (attempt === 0) return this.soon();
    const ceiling = Math.min(this.#maxMs, this.#baseMs * 2 ** attempt);
    return Math.round(ceiling / 2 + (this.#random() * ceiling) / 2);
  }

  /**
   * A short delay, uniform in [0, base], for the first retry and for trying a node that has not
   * failed lately: quick, yet the clients of a node that just died do not all arrive at the next
   * one in the same instant. Does not count as an attempt.
   */
  soon(): number {
    return Math.round(this.#random() * Math.min(this.#baseMs, this.#maxMs));
  }

  /** Called after a successful connection. */
  reset(): void {
    this.#attempt = 0;
  }
}
