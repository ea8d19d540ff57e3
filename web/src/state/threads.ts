import type { RestApi, TimelineItem } from '../../../src/client/index.js';
import type { MessageDto } from '../../../src/protocol/schemas.js';
import { describeError } from '../lib/errors.js';
import { LoadedHistory } from './history.js';

/** Replies per thread page (the most the node gives, rule R3). */
const PAGE = 100;

/** The open thread as the thread panel shows it. */
export interface ThreadView {
  conversationId: string;
  /** The root's seq (a thread opened from a reply opens its root's). */
  rootSeq: number;
  root: MessageDto | undefined;
  replies: readonly MessageDto[];
  loading: boolean;
  error: string | null;
}

interface OpenThread {
  conversationId: string;
  /** The seq it was opened with, until the first page names the root. */
  rootSeq: number;
  history: LoadedHistory;
}

/**
 * The one thread open on the page (rule R3): its root and replies read with `GET …/thread`,
 * page after page, then kept current by the live timeline (new replies, edits, deletions,
 * reactions), as the conversation's own history is.
 */
export class Threads {
  readonly #api: RestApi;
  readonly #changed: () => void;
  #open: OpenThread | null = null;

  constructor(options: { api: RestApi; changed: () => void }) {
    this.#api = options.api;
    this.#changed = options.changed;
  }

  view(): ThreadView | null {
    const open = this.#open;
    if (!open) return null;
    const { messages, loading, error } = open.history.view();
    const root = open.history.get(open.rootSeq);
    return {
      conversationId: open.conversationId,
      rootSeq: open.rootSeq,
      root,
      replies: messages.filter((m) => m.seq !== open.rootSeq),
      loading,
      error,
    };
  }

  /** Opens the thread of message `seq` (a root or one of its replies). */
  async open(conversationId: string, seq: number): Promise<void> {
    const current = this.#open;
    if (current?.conversationId === conversationId && current.rootSeq === seq) return;
    const open: OpenThread = { conversationId, rootSeq: seq, history: new LoadedHistory() };
    this.#open = open;
    open.history.loading = true;
    this.#changed();
    try {
      let after: number | null = 0;
      while (after !== null && this.#open === open) {
        const page = await this.#api.thread(conversationId, seq, { after, limit: PAGE });
        open.rootSeq = page.root.seq;
        open.history.merge([page.root, ...page.replies]);
        after = page.nextAfter;
      }
      open.history.loaded = true;
    } catch (err) {
      open.history.error = describeError(err);
    } finally {
      open.history.loading = false;
      open.history.touch();
      this.#changed();
    }
  }

  close(): void {
    if (!this.#open) return;
    this.#open = null;
    this.#changed();
  }

  /** The open thread's conversation is gone for the user. */
  forget(conversationId: string): void {
    if (this.#open?.conversationId === conversationId) this.close();
  }

  /** Applies a live timeline entry to the open thread. */
  apply(item: TimelineItem): void {
    const open = this.#open;
    if (!open) return;
    if (item.kind === 'message') {
      const m = item.message;
      if (m.conversationId === open.conversationId && m.threadRoot === open.rootSeq)
        open.history.merge([m], { live: true });
      return;
    }
    if (item.event.conversationId === open.conversationId) open.history.apply(item.event);
  }

  /** An acknowledged send of the user's (its live copy may come later). */
  acked(m: MessageDto): void {
    this.apply({ kind: 'message', message: m });
  }
}
