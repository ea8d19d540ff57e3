/**
 * Why a connection attempt failed, for the next delay: `refused` when the socket closed before
 * it ever opened (nothing listens there now: a node restarting, or down), `failed` for anything
 * else (a timeout, a close after opening, a lost ready socket).
 */
export type FailureKind = 'refused' | 'failed';

/**
 * Reconnect delays: exponential with jitter, capped (so a fleet of clients spreads out). A refused
 * connection costs the node nothing (no handshake, no session lookup), so its cap is low: a
 * client notices a restarted node within a couple of seconds instead of waiting out the full cap.
 */
export class Backoff {
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #refusedMaxMs: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(
    options: { baseMs?: number; maxMs?: number; refusedMaxMs?: number; random?: () => number } = {},
  ) {
    this.#baseMs = options.baseMs ?? 250;
    this.#maxMs = options.maxMs ?? 10_000;
    this.#refusedMaxMs = Math.min(this.#maxMs, options.refusedMaxMs ?? 2_000);
    this.#random = options.random ?? Math.random;
  }

  /** Failed attempts since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /**
   * The delay before the next attempt: the first is {@link soon}, quick; after that uniform in
   * [ceiling/2, ceiling], ceiling = min(cap, base·2^n), the cap being `refusedMaxMs` (2 s) after
   * a refused connection and `maxMs` (10 s) after any other failure.
   */
  next(kind: FailureKind = 'failed'): number {
    const attempt = this.#attempt++;
    if (attempt === 0) return this.soon();
    const cap = kind === 'refused' ? this.#refusedMaxMs : this.#maxMs;
    const ceiling = Math.min(cap, this.#baseMs * 2 ** attempt);
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

  /** Called after a successful connection (`ready`). */
  reset(): void {
    this.#attempt = 0;
  }
}
