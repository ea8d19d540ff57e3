/** The client's pending timers, so closing it cancels every one (reconnects, retries, pings). */
export class Timers {
  readonly #pending = new Set<ReturnType<typeof setTimeout>>();

  /** Runs `fn` after `ms` unless cleared first. */
  set(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
    const t = setTimeout(() => {
      this.#pending.delete(t);
      fn();
    }, ms);
    this.#pending.add(t);
    return t;
  }

  clear(t: ReturnType<typeof setTimeout>): void {
    clearTimeout(t);
    this.#pending.delete(t);
  }

  clearAll(): void {
    for (const t of this.#pending) clearTimeout(t);
    this.#pending.clear();
  }
}
