/** How long a typing signal is shown; the node relays one at most every 2 s per person. */
const SHOWN_MS = 4_000;
/** Minimum interval between our own typing signals. */
const SEND_MS = 1_500;

/** Who is typing where (best effort, rule G7), and when our own signal is due. */
export class Typing {
  readonly #timers = new Map<string, Map<string, ReturnType<typeof setTimeout>>>();
  readonly #sentAt = new Map<string, number>();
  readonly #changed: () => void;

  constructor(changed: () => void) {
    this.#changed = changed;
  }

  /** Who is typing in a conversation right now. */
  who(conversationId: string): string[] {
    return [...(this.#timers.get(conversationId)?.keys() ?? [])];
  }

  /** A typing signal arrived: show it for a few seconds. */
  saw(conversationId: string, username: string): void {
    let timers = this.#timers.get(conversationId);
    if (!timers) {
      timers = new Map();
      this.#timers.set(conversationId, timers);
    }
    clearTimeout(timers.get(username));
    timers.set(
      username,
      setTimeout(() => this.stopped(conversationId, username), SHOWN_MS),
    );
    this.#changed();
  }

  /** They stopped (their message arrived, or the signal is old). */
  stopped(conversationId: string, username: string): void {
    const timers = this.#timers.get(conversationId);
    const timer = timers?.get(username);
    if (!timers || timer === undefined) return;
    clearTimeout(timer);
    timers.delete(username);
    this.#changed();
  }

  /** True if we should tell others we type now (and records that we did). */
  due(conversationId: string, now = Date.now()): boolean {
    if (now - (this.#sentAt.get(conversationId) ?? 0) < SEND_MS) return false;
    this.#sentAt.set(conversationId, now);
    return true;
  }

  /** We sent a message: the next keystroke is a new signal. */
  sent(conversationId: string): void {
    this.#sentAt.delete(conversationId);
  }

  dispose(): void {
    for (const timers of this.#timers.values()) for (const t of timers.values()) clearTimeout(t);
    this.#timers.clear();
  }
}
