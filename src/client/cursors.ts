/** Per-conversation cursors: what the application has been given, and what is missing. */
export type Admission = 'deliver' | 'duplicate' | 'gap';

/**
 * De-duplication and gap detection by (conversation, seq). An entry is delivered only if it is
 * the next one after the cursor; older ones are duplicates, later ones reveal a gap that the
 * client fills with a `sync` before delivering anything further.
 */
export class Cursors {
  readonly #cursors = new Map<string, number>();

  /** The last seq delivered for a conversation, if known. */
  get(conversationId: string): number | undefined {
    return this.#cursors.get(conversationId);
  }

  has(conversationId: string): boolean {
    return this.#cursors.has(conversationId);
  }

  /** Sets a cursor (adopting a conversation, or a position the application already holds). */
  set(conversationId: string, seq: number): void {
    this.#cursors.set(conversationId, seq);
  }

  delete(conversationId: string): void {
    this.#cursors.delete(conversationId);
  }

  /** Decides what to do with an entry; on `deliver` the cursor advances. */
  admit(conversationId: string, seq: number): Admission {
    const cursor = this.#cursors.get(conversationId);
    if (cursor === undefined) {
      this.#cursors.set(conversationId, seq);
      return 'deliver';
    }
    if (seq <= cursor) return 'duplicate';
    if (seq > cursor + 1) return 'gap';
    this.#cursors.set(conversationId, seq);
    return 'deliver';
  }

  /** A copy as a plain object, for `hello`/`sync` frames. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.#cursors);
  }
}
