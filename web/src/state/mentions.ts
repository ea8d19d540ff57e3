import type { RestApi } from '../../../src/client/index.js';
import type { ConversationDto, MessageDto } from '../../../src/protocol/schemas.js';
import { describeError } from '../lib/errors.js';

/** Mentions per page of the mention list. */
const PAGE = 50;

/** The mention list as the Mentions panel shows it (rule R8). */
export interface MentionListView {
  messages: readonly MessageDto[];
  hasMore: boolean;
  loading: boolean;
  error: string | null;
}

interface Count {
  /** The summary this count was seeded from (a new object is a new read of the node's). */
  from: ConversationDto;
  /** Its `mentionCount`, until the user reads the conversation. */
  base: number;
  /** Its lastSeq when it was read: messages up to there are in `base`. */
  upTo: number;
  /** Unread messages mentioning the user seen live since. */
  live: Set<number>;
}

/**
 * Mentions of the user (rule R8): the count per conversation beside its unread count, from
 * the summaries the node sends (`mentionCount`) plus the messages that mention the user or
 * @all seen live since, back to zero when the conversation is read; and the mention list.
 */
export class Mentions {
  readonly #api: RestApi;
  readonly #me: string;
  readonly #changed: () => void;
  readonly #counts = new Map<string, Count>();
  #list: MentionListView = { messages: [], hasMore: false, loading: false, error: null };
  #nextBefore: string | null = null;
  /** The list was read once: live mentions join it. */
  #loaded = false;

  constructor(options: { api: RestApi; me: string; changed: () => void }) {
    this.#api = options.api;
    this.#me = options.me;
    this.#changed = options.changed;
  }

  /** Whether a message mentions the user, by name or with @all. */
  mentionsMe(m: MessageDto): boolean {
    return (
      m.sender !== this.#me &&
      m.deletedAt === null &&
      (m.mentionsAll || m.mentions.includes(this.#me))
    );
  }

  /** Unread mentions of the user in a conversation. */
  count(c: ConversationDto): number {
    const count = this.#seed(c);
    return count.base + count.live.size;
  }

  /** A summary the client reported: a new read of the node's reseeds the count. */
  saw(c: ConversationDto): void {
    this.#seed(c);
  }

  /**
   * A live message: one more unread mention when it mentions the user and is unread; it joins
   * the top of the mention list if that was read.
   */
  message(m: MessageDto, c: ConversationDto | undefined): void {
    if (!c || !this.mentionsMe(m)) return;
    if (this.#loaded && !this.#list.messages.some((x) => x.id === m.id))
      this.#list = { ...this.#list, messages: [m, ...this.#list.messages] };
    const count = this.#seed(c);
    if (m.seq > count.upTo && m.seq > c.lastReadSeq) count.live.add(m.seq);
  }

  /** A message was deleted: it no longer counts, nor shows in the list. */
  deleted(conversationId: string, seq: number): void {
    this.#counts.get(conversationId)?.live.delete(seq);
    this.#drop((m) => m.conversationId === conversationId && m.seq === seq);
  }

  /** A message was edited: the list shows its new text (or drops it: no longer a mention). */
  edited(conversationId: string, seq: number, change: Partial<MessageDto>): void {
    const messages = this.#list.messages.map((m) =>
      m.conversationId === conversationId && m.seq === seq ? { ...m, ...change } : m,
    );
    this.#list = { ...this.#list, messages: messages.filter((m) => this.mentionsMe(m)) };
  }

  /** The user read the conversation up to `seq` (here or elsewhere); true if a count fell. */
  read(conversationId: string, seq: number): boolean {
    const count = this.#counts.get(conversationId);
    if (!count) return false;
    const before = count.base + count.live.size;
    count.base = 0;
    for (const s of count.live) if (s <= seq) count.live.delete(s);
    return count.base + count.live.size < before;
  }

  forget(conversationId: string): void {
    this.#counts.delete(conversationId);
    this.#drop((m) => m.conversationId === conversationId);
  }

  #drop(which: (m: MessageDto) => boolean): void {
    const messages = this.#list.messages.filter((m) => !which(m));
    if (messages.length !== this.#list.messages.length) this.#list = { ...this.#list, messages };
  }

  list(): MentionListView {
    return this.#list;
  }

  /** Reads the mention list from its newest (or, with `more`, its next page). */
  async load(more = false): Promise<void> {
    if (this.#list.loading) return;
    const before = more ? this.#nextBefore : null;
    if (more && !before) return;
    this.#list = { ...this.#list, loading: true, error: null };
    this.#changed();
    try {
      const page = await this.#api.mentions({ before: before ?? undefined, limit: PAGE });
      this.#nextBefore = page.nextBefore;
      const messages = more ? [...this.#list.messages, ...page.messages] : page.messages;
      this.#list = { messages, hasMore: page.nextBefore !== null, loading: false, error: null };
      this.#loaded = true;
    } catch (err) {
      this.#list = { ...this.#list, loading: false, error: describeError(err) };
    }
    this.#changed();
  }

  #seed(c: ConversationDto): Count {
    const current = this.#counts.get(c.id);
    if (current?.from === c) return current;
    const live = new Set([...(current?.live ?? [])].filter((s) => s > c.lastSeq));
    const count: Count = { from: c, base: c.mentionCount ?? 0, upTo: c.lastSeq, live };
    this.#counts.set(c.id, count);
    return count;
  }
}
