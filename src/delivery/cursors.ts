/**
 * A socket's place in each conversation it follows (rule W5). A conversation is either
 * `joining` (subscribed, its position not read yet: nothing may be delivered) or at a seq
 * (the last one delivered, or known when the socket became ready). Entries that arrive live
 * while a conversation is joining are noted as missed, so they are read from the store once
 * the position is known.
 */
export class Cursors {
  /** Last seq delivered per conversation with a known position. */
  readonly #at = new Map<string, number>();
  /** Conversations subscribed whose position is being read; created on first use. */
  #joining: Set<string> | null = null;
  /** Joining conversations that had live traffic meanwhile. */
  #missed: Set<string> | null = null;

  /** True if the socket follows the conversation (joining or at a seq). */
  follows(conversationId: string): boolean {
    return this.#at.has(conversationId) || (this.#joining?.has(conversationId) ?? false);
  }

  /** True while the conversation's position is being read. */
  isJoining(conversationId: string): boolean {
    return this.#joining?.has(conversationId) ?? false;
  }

  /** The last seq delivered; undefined if not followed or still joining. */
  seq(conversationId: string): number | undefined {
    return this.#at.get(conversationId);
  }

  /** Follows a conversation whose position is not known yet. */
  join(conversationId: string): void {
    this.#at.delete(conversationId);
    (this.#joining ??= new Set()).add(conversationId);
  }

  /** Sets the position (a delivery, a `sync`, the position read for a joining conversation). */
  set(conversationId: string, seq: number): void {
    this.#joining?.delete(conversationId);
    this.#at.set(conversationId, seq);
  }

  /** Stops following the conversation. */
  leave(conversationId: string): void {
    this.#at.delete(conversationId);
    this.#joining?.delete(conversationId);
  }

  /** Notes live traffic for a joining conversation; false if it is not joining. */
  markMissed(conversationId: string): boolean {
    if (!this.isJoining(conversationId)) return false;
    (this.#missed ??= new Set()).add(conversationId);
    return true;
  }

  /** The conversations marked missed since the last call, and forgets them. */
  takeMissed(): ReadonlySet<string> {
    const missed = this.#missed ?? new Set<string>();
    this.#missed = null;
    return missed;
  }

  /** Every followed conversation, joining ones included. */
  ids(): string[] {
    return [...this.#at.keys(), ...(this.#joining ?? [])];
  }

  /** Followed conversations with a known position, and their seqs. */
  positions(): IterableIterator<[string, number]> {
    return this.#at.entries();
  }
}
