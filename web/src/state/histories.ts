import { ApiError, ErrorCode, type RestApi } from '../../../src/client/index.js';
import type { MessageDto, TimelineEventDto } from '../../../src/protocol/schemas.js';
import { describeError } from '../lib/errors.js';
import { LoadedHistory, type HistoryView } from './history.js';

/** Messages per history page. */
const PAGE = 50;
/** Timeline entries per request when reading the system events of a page. */
const EVENTS_PAGE = 1000;
/** Older pages a jump to a message loads at most before it gives up. */
const JUMP_PAGES = 40;

/**
 * The loaded history of each opened conversation: the latest page on first open, older pages
 * on demand (infinite scroll), live messages and events merged in as they arrive. Each page
 * comes with the system events of its seq range (read from the timeline), so member changes
 * and renames show among the messages in order.
 */
export class Histories {
  readonly #histories = new Map<string, LoadedHistory>();
  /** The page each history is loading. */
  readonly #inflight = new WeakMap<LoadedHistory, Promise<void>>();
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

  /** A loaded message, if it is. */
  message(id: string, seq: number): MessageDto | undefined {
    return this.#histories.get(id)?.get(seq);
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

  /** Loads older pages until message `seq` is loaded; true when it is. */
  async loadUntil(id: string, seq: number): Promise<boolean> {
    await this.open(id);
    for (let i = 0; i < JUMP_PAGES; i++) {
      const history = this.#histories.get(id);
      if (!history) return false;
      const inflight = this.#inflight.get(history);
      if (inflight) {
        await inflight;
        continue;
      }
      if (history.has(seq)) return true;
      const oldest = history.oldestSeq();
      if (history.error || !history.hasMore || (oldest !== undefined && oldest < seq)) return false;
      await this.#page(id, history, oldest);
    }
    return this.#histories.get(id)?.has(seq) ?? false;
  }

  /** Tries a failed first load again. */
  async reload(id: string): Promise<void> {
    this.#histories.delete(id);
    await this.open(id);
  }

  /**
   * Adds messages (live, acknowledged, edited) to a conversation's history if it is loaded;
   * `live` ones are new to the timeline (a new reply counts on its root).
   */
  merge(id: string, messages: readonly MessageDto[], options: { live?: boolean } = {}): void {
    this.#histories.get(id)?.merge(messages, options);
  }

  /** Applies a live timeline event to a loaded history. */
  apply(event: TimelineEventDto): void {
    this.#histories.get(event.conversationId)?.apply(event);
  }

  /** Applies an edit or deletion, now or when the message is loaded. */
  patch(id: string, seq: number, patch: Partial<MessageDto>): void {
    this.#histories.get(id)?.patch(seq, patch);
  }

  forget(id: string): void {
    this.#histories.delete(id);
  }

  #page(id: string, history: LoadedHistory, before: number | undefined): Promise<void> {
    const loading = this.#load(id, history, before).finally(() => this.#inflight.delete(history));
    this.#inflight.set(history, loading);
    return loading;
  }

  async #load(id: string, history: LoadedHistory, before: number | undefined): Promise<void> {
    history.loading = true;
    history.error = null;
    history.touch();
    this.#changed();
    try {
      const { messages } = await this.#api.history(id, { before, limit: PAGE });
      const hasMore = messages.length === PAGE;
      // The page's system events: from its first message (from seq 1 for the first page of
      // the conversation) up to the page after it (or the end for the latest page).
      const from = hasMore ? (messages[0]?.seq ?? 1) - 1 : 0;
      const events = await this.#events(id, from, before);
      history.merge(messages);
      history.mergeEvents(events);
      history.hasMore = hasMore;
      history.loaded = true;
    } catch (err) {
      history.error = describeError(err);
      if (err instanceof ApiError && err.code === ErrorCode.NotFound) this.#gone(id);
    } finally {
      history.loading = false;
      history.touch();
      this.#changed();
    }
  }

  /** The events of the timeline with `after` < seq < `until` (or to its end). */
  async #events(id: string, after: number, until: number | undefined): Promise<TimelineEventDto[]> {
    const events: TimelineEventDto[] = [];
    let cursor: number | null = after;
    while (cursor !== null && (until === undefined || cursor < until - 1)) {
      const page = await this.#api.timeline(id, { after: cursor, limit: EVENTS_PAGE });
      for (const entry of page.entries) {
        if (entry.kind === 'event' && (until === undefined || entry.event.seq < until))
          events.push(entry.event);
      }
      cursor = page.nextAfter;
    }
    return events;
  }
}
