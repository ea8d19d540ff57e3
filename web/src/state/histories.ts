import { ApiError, ErrorCode, type RestApi } from '../../../src/client/index.js';
import type { MessageDto } from '../../../src/protocol/schemas.js';
import { describeError } from '../lib/errors.js';
import { LoadedHistory, type HistoryView } from './history.js';

/** Messages per history page. */
const PAGE = 50;

/**
 * The loaded history of each opened conversation: the latest page on first open, older pages
 * on demand (infinite scroll), live messages, edits and deletions merged in as they arrive.
 */
export class Histories {
  readonly #histories = new Map<string, LoadedHistory>();
  readonly #api: RestApi;
  readonly #changed: () => void;
  readonly #gone: (conversationId: string) => void;

  /** `gone` is called when the node says a conversation does not exist (for us). */
  constructor(options: { api: RestApi; changed: () => void; gone: (id: string) => void }) {
    this.#api = options.api;
    this.#changed = options.changed;
    this.#gone = options.gone;
  }

  view(id: string): HistoryView {
    return this.#histories.get(id)?.view() ?? LoadedHistory.empty;
  }

  /** Loads the latest page of a conversation once; live entries keep it current afterwards. */
  async open(id: string): Promise<void> {
    if (this.#histories.has(id)) return;
    const history = new LoadedHistory();
    this.#histories.set(id, history);
    await this.#page(id, history, undefined);
  }

  /** Loads the page before the oldest loaded message. */
  async loadOlder(id: string): Promise<void> {
    const history = this.#histories.get(id);
    if (!history || history.loading || !history.hasMore) return;
    await this.#page(id, history, history.oldestSeq());
  }

  /** Tries a failed first load again. */
  async reload(id: string): Promise<void> {
    this.#histories.delete(id);
    await this.open(id);
  }

  /** Adds messages (live, acknowledged, edited) to a conversation's history if it is loaded. */
  merge(id: string, messages: readonly MessageDto[]): void {
    this.#histories.get(id)?.merge(messages);
  }

  /** Applies an edit or deletion, now or when the message is loaded. */
  patch(id: string, seq: number, patch: Partial<MessageDto>): void {
    this.#histories.get(id)?.patch(seq, patch);
  }

  forget(id: string): void {
    this.#histories.delete(id);
  }

  async #page(id: string, history: LoadedHistory, before: number | undefined): Promise<void> {
    history.loading = true;
    history.error = null;
    this.#changed();
    try {
      const { messages } = await this.#api.history(id, { before, limit: PAGE });
      history.merge(messages);
      history.hasMore = messages.length === PAGE;
      history.loaded = true;
    } catch (err) {
      history.error = describeError(err);
      if (err instanceof ApiError && err.code === ErrorCode.NotFound) this.#gone(id);
    } finally {
      history.loading = false;
      this.#changed();
    }
  }
}
