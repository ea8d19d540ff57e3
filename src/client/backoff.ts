/** Reconnect delays: exponential with full jitter, capped (so a fleet of clients spreads out). */
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

  /** The delay before the next attempt: uniform in [ceiling/2, ceiling], ceiling = min(max, base·2^n). */
  next(): number {
    const ceiling = Math.min(this.#maxMs, this.#baseMs * 2 ** this.#attempt);
    this.#attempt += 1;
    return Math.round(ceiling / 2 + (this.#random() * ceiling) / 2);
  }

  /** Called after a successful connection. */
  reset(): void {
    this.#attempt = 0;
  }
}
