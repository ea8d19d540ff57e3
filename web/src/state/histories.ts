import { ApiError, ErrorCode, type RestApi } from '../../../src/client/index.js';
import type { MessageDto } from '../../../src/protocol/schemas.js';
import { describeError } from '../lib/errors.js';
import { Timeline, type TimelineView } from './timeline.js';

/** Messages per history page. */
const PAGE = 50;

/**
 * The loaded history of each opened conversation: the latest page on first open, older pages
 * on demand (infinite scroll), live messages, edits and deletions merged in as they arrive.
 */
export class Histories {
  readonly #timelines = new Map<string, Timeline>();
  readonly #api: RestApi;
  readonly #changed: () => void;
  readonly #gone: (conversationId: string) => void;

  /** `gone` is called when the node says a conversation does not exist (for us). */
  constructor(options: { api: RestApi; changed: () => void; gone: (id: string) => void }) {
    this.#api = options.api;
    this.#changed = options.changed;
    this.#gone = options.gone;
  }

  view(id: string): TimelineView {
    return this.#timelines.get(id)?.view() ?? Timeline.empty;
  }

  /** Loads the latest page of a conversation once; live entries keep it current afterwards. */
  async open(id: string): Promise<void> {
    if (this.#timelines.has(id)) return;
    const timeline = new Timeline();
    this.#timelines.set(id, timeline);
    await this.#page(id, timeline, undefined);
  }

  /** Loads the page before the oldest loaded message. */
  async loadOlder(id: string): Promise<void> {
    const timeline = this.#timelines.get(id);
    if (!timeline || timeline.loading || !timeline.hasMore) return;
    await this.#page(id, timeline, timeline.oldestSeq());
  }

  /** Tries a failed first load again. */
  async reload(id: string): Promise<void> {
    this.#timelines.delete(id);
    await this.open(id);
  }

  /** Adds messages (live, acknowledged, edited) to a conversation's history if it is loaded. */
  merge(id: string, messages: readonly MessageDto[]): void {
    this.#timelines.get(id)?.merge(messages);
  }

  /** Applies an edit or deletion, now or when the message is loaded. */
  patch(id: string, seq: number, patch: Partial<MessageDto>): void {
    this.#timelines.get(id)?.patch(seq, patch);
  }

  forget(id: string): void {
    this.#timelines.delete(id);
  }

  async #page(id: string, timeline: Timeline, before: number | undefined): Promise<void> {
    timeline.loading = true;
    timeline.error = null;
    this.#changed();
    try {
      const { messages } = await this.#api.history(id, { before, limit: PAGE });
      timeline.merge(messages);
      timeline.hasMore = messages.length === PAGE;
      timeline.loaded = true;
    } catch (err) {
      timeline.error = describeError(err);
      if (err instanceof ApiError && err.code === ErrorCode.NotFound) this.#gone(id);
    } finally {
      timeline.loading = false;
      this.#changed();
    }
  }
}
