import type { MessageDto } from '../../../src/protocol/schemas.js';

/** What the conversation view reads: messages in seq order and the paging state. */
export interface HistoryView {
  readonly messages: readonly MessageDto[];
  readonly hasMore: boolean;
  readonly loading: boolean;
  readonly loaded: boolean;
  readonly error: string | null;
}

/**
 * The loaded part of one conversation's history: REST pages and live messages merged by seq
 * (so an entry seen both ways is kept once), edits and deletions applied in place.
 */
export class LoadedHistory {
  static readonly empty: HistoryView = {
    messages: [],
    hasMore: false,
    loading: false,
    loaded: false,
    error: null,
  };

  hasMore = false;
  loading = false;
  loaded = false;
  error: string | null = null;
  readonly #bySeq = new Map<number, MessageDto>();
  /** Edits and deletions of messages not loaded yet, applied when they arrive. */
  readonly #patches = new Map<number, Partial<MessageDto>>();
  #sorted: MessageDto[] | null = [];

  /** Adds or replaces messages; a later edit or deletion already seen stays applied. */
  merge(messages: readonly MessageDto[]): void {
    for (const m of messages) {
      const patch = this.#patches.get(m.seq);
      const current = this.#bySeq.get(m.seq);
      // A message replayed in an older state must not undo an edit or deletion we applied.
      const newer =
        !current ||
        (current.deletedAt === null &&
          (m.deletedAt !== null || (m.editedAt ?? 0) >= (current.editedAt ?? 0)));
      if (newer) this.#bySeq.set(m.seq, patch ? { ...m, ...patch } : m);
    }
    this.#sorted = null;
  }

  /** Applies an edit or deletion to a message, now or when it is loaded. */
  patch(seq: number, patch: Partial<MessageDto>): void {
    this.#patches.set(seq, { ...this.#patches.get(seq), ...patch });
    const current = this.#bySeq.get(seq);
    if (!current) return;
    this.#bySeq.set(seq, { ...current, ...patch });
    this.#sorted = null;
  }

  /** The lowest loaded seq (the `before` of the next older page). */
  oldestSeq(): number | undefined {
    return this.view().messages[0]?.seq;
  }

  view(): HistoryView {
    this.#sorted ??= [...this.#bySeq.values()].sort((a, b) => a.seq - b.seq);
    return {
      messages: this.#sorted,
      hasMore: this.hasMore,
      loading: this.loading,
      loaded: this.loaded,
      error: this.error,
    };
  }
}
