import { ApiError, ErrorCode, type RestApi } from '../../../src/client/index.js';
import type { MessageDto, TimelineEventDto } from '../../../src/protocol/schemas.js';
import { describeError } from '../lib/errors.js';
import { LoadedHistory, type HistoryView } from './history.js';

/** Messages per history page. */
const PAGE = 50;
/** Timeline entries per request when reading the system events of a page. */
const EVENTS_PAGE = 1000;
/** How far back (in seqs) a jump reads the pages in between rather than around the message. */
const NEAR = 3 * PAGE;

/** Which page to read: the latest, the one before or after a seq, or those around one. */
type PageAt = { latest: true } | { before: number } | { after: number } | { around: number };

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
    await this.#page(id, history, { latest: true });
  }

  /** Loads the page before the oldest loaded message. */
  async loadOlder(id: string): Promise<void> {
    const history = this.#histories.get(id);
    if (!history || history.loading || !history.hasMore) return;
    await this.#page(id, history, { before: history.oldestSeq() ?? 1 });
  }

  /** Loads the page after the newest loaded message (a history loaded around a jump). */
  async loadNewer(id: string): Promise<void> {
    const history = this.#histories.get(id);
    if (!history || history.loading || !history.hasNewer) return;
    await this.#page(id, history, { after: history.newestSeq() ?? 0 });
  }

  /**
   * Makes message `seq` loaded, for a jump to it: kept as is when it already is, older pages
   * read when it is a few pages back, else the history is read again around it (a page before
   * it and one after), so an old message needs two reads rather than every page between it and
   * the end. True when the message is there.
   */
  async around(id: string, seq: number): Promise<boolean> {
    let history = this.#histories.get(id);
    const inflight = history && this.#inflight.get(history);
    if (inflight) await inflight;
    history = this.#histories.get(id);
    if (history?.has(seq)) return true;
    // A few pages back (a reply's parent, say): the pages in between, so the history stays
    // one piece from it to the end.
    const oldest = history?.oldestSeq();
    if (history?.loaded && !history.error && oldest !== undefined && oldest - seq <= NEAR) {
      while (history.hasMore && !history.has(seq) && !history.error) {
        await this.#page(id, history, { before: history.oldestSeq() ?? 1 });
      }
      if (history.has(seq) || !history.hasMore) return history.has(seq);
    }
    history = new LoadedHistory();
    // Live messages arriving meanwhile are held until the pages around `seq` are in.
    history.hasNewer = true;
    this.#histories.set(id, history);
    await this.#page(id, history, { around: seq });
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

  #page(id: string, history: LoadedHistory, at: PageAt): Promise<void> {
    const loading = this.#load(id, history, at).finally(() => this.#inflight.delete(history));
    this.#inflight.set(history, loading);
    return loading;
  }

  async #load(id: string, history: LoadedHistory, at: PageAt): Promise<void> {
    history.loading = true;
    history.error = null;
    history.touch();
    this.#changed();
    try {
      if ('after' in at) await this.#newer(id, history, at.after);
      else await this.#older(id, history, at);
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

  /**
   * The latest page, the page before a seq, or (around a seq) the page up to it and the page
   * after it; each with the system events of its seq range.
   */
  async #older(
    id: string,
    history: LoadedHistory,
    at: { latest: true } | { before: number } | { around: number },
  ): Promise<void> {
    const before = 'before' in at ? at.before : 'around' in at ? at.around + 1 : undefined;
    const { messages } = await this.#api.history(id, { before, limit: PAGE });
    const hasMore = messages.length === PAGE;
    // The page's system events: from its first message (from seq 1 for the first page of
    // the conversation) up to the page after it (or the end for the latest page).
    const from = hasMore ? (messages[0]?.seq ?? 1) - 1 : 0;
    if ('around' in at) {
      const after = messages.at(-1)?.seq ?? at.around;
      const newer = await this.#api.history(id, { after, limit: PAGE });
      const more = newer.messages.length === PAGE;
      const until = more ? (newer.messages.at(-1)?.seq ?? after) + 1 : undefined;
      const events = await this.#events(id, from, until);
      history.extend([...messages, ...newer.messages], events, more);
    } else {
      const events = await this.#events(id, from, before);
      history.merge(messages);
      history.mergeEvents(events);
    }
    history.hasMore = hasMore;
  }

  /** The page after `after` with its system events, at the loaded end. */
  async #newer(id: string, history: LoadedHistory, after: number): Promise<void> {
    const { messages } = await this.#api.history(id, { after, limit: PAGE });
    const more = messages.length === PAGE;
    const until = more ? (messages.at(-1)?.seq ?? after) + 1 : undefined;
    const events = await this.#events(id, after, until);
    history.extend(messages, events, more);
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
