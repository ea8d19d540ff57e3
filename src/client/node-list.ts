import { ClientErrorCode } from './error-codes.js';

/**
 * How long a node whose connection failed or dropped is tried only after every other node:
 * long enough to step around a dead node while its clients move, short enough that a restarted
 * one soon takes its share again.
 */
export const SUSPECT_MS = 10_000;

/**
 * The nodes a client knows (rule K3), the one in use, and which of them failed lately. After a
 * failure the client moves to a node that has not failed lately, picked at random, so that the
 * clients of a dead node spread over the survivors instead of all moving to the same one.
 */
export class NodeList {
  readonly #urls: string[];
  readonly #random: () => number;
  readonly #now: () => number;
  /** When each node last failed a connection or dropped one (cleared when one succeeds). */
  readonly #failedAt = new Map<string, number>();
  #index = 0;

  constructor(urls: string[], options: { random?: () => number; now?: () => number } = {}) {
    if (urls.length === 0) throw new Error('ParleyClient needs at least one node URL');
    this.#urls = [...urls];
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
  }

  /** The node in use. */
  get current(): string {
    return this.#urls[this.#index]!;
  }

  /** Every known node, in the order they were learnt. */
  get all(): readonly string[] {
    return this.#urls;
  }

  /** Adds a node learnt by discovery; known ones keep their place. */
  add(url: string): void {
    if (!this.#urls.includes(url)) this.#urls.push(url);
  }

  /** The next node in order (REST calls try each node once). */
  advance(): void {
    this.#index = (this.#index + 1) % this.#urls.length;
  }

  /** The current node answered: it is no longer suspect. */
  succeeded(): void {
    this.#failedAt.delete(this.current);
  }

  /**
   * A connection to `failed` failed or dropped: moves to one of the other nodes that has not
   * failed in the last {@link SUSPECT_MS}, at random; if every other node failed lately, to the
   * one that failed longest ago. `suspect` says the node moved to has failed lately too (time
   * to back off).
   */
  failed(failed: string): { suspect: boolean } {
    const now = this.#now();
    this.#failedAt.set(failed, now);
    const others = this.#urls.flatMap((url, index) => (url === failed ? [] : [index]));
    const lastFailure = (index: number) => this.#failedAt.get(this.#urls[index]!) ?? -Infinity;
    const healthy = others.filter((index) => lastFailure(index) <= now - SUSPECT_MS);
    if (healthy.length > 0) {
      const pick = Math.min(healthy.length - 1, Math.floor(this.#random() * healthy.length));
      this.#index = healthy[pick]!;
      return { suspect: false };
    }
    const oldest = others.sort((a, b) => lastFailure(a) - lastFailure(b))[0];
    if (oldest !== undefined) this.#index = oldest;
    return { suspect: true };
  }

  /**
   * Runs `call` on the current node, and on the next ones while a node is unreachable (each
   * is pointed at with `use` first); other errors, and the last unreachable one, are thrown.
   */
  async tryEach<T>(call: () => Promise<T>, use: (url: string) => void): Promise<T> {
    let lastError: unknown;
    for (let i = 0; i < this.all.length; i++) {
      use(this.current);
      try {
        return await call();
      } catch (err) {
        lastError = err;
        if (!(err instanceof Error && 'code' in err && err.code === ClientErrorCode.Unreachable))
          throw err;
        this.advance();
      }
    }
    throw lastError;
  }
}
