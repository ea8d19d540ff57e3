import type { MessageDto, TimelineEventDto } from '../../../src/protocol/schemas.js';
import { applyReaction, type ReactionEvent } from '../../../src/client/index.js';
import { isSystemEvent, snippetOf, type SystemEvent } from './timeline-entries.js';

export type { SystemEvent } from './timeline-entries.js';

/** Reaction events kept per message for replay (beyond, a later read is trusted as is). */
const MAX_LOGGED = 200;

/** One row of a loaded history: a message, or an event people see (a system line). */
export type HistoryEntry =
  | { kind: 'message'; seq: number; message: MessageDto }
  | { kind: 'event'; seq: number; event: SystemEvent };

/** What the conversation view reads: messages and system lines in seq order, paging state. */
export interface HistoryView {
  readonly messages: readonly MessageDto[];
  /** Messages and system events together, in seq order. */
  readonly entries: readonly HistoryEntry[];
  readonly hasMore: boolean;
  /**
   * The loaded part ends before the conversation does (a jump loaded history around an old
   * message): newer pages load as the end comes into view, live messages wait until then.
   */
  readonly hasNewer: boolean;
  readonly loading: boolean;
  readonly loaded: boolean;
  readonly error: string | null;
}

/**
 * The loaded part of one conversation's history (or of one thread): REST pages and live
 * entries merged by seq (so an entry seen both ways is kept once), with what later timeline
 * events change applied in place: edits, deletions, reactions, the reply previews that quote an
 * edited or deleted message, and reply counts.
 */
export class LoadedHistory {
  static readonly empty: HistoryView = {
    messages: [],
    entries: [],
    hasMore: false,
    hasNewer: false,
    loading: false,
    loaded: false,
    error: null,
  };

  hasMore = false;
  hasNewer = false;
  loading = false;
  loaded = false;
  error: string | null = null;
  readonly #bySeq = new Map<number, MessageDto>();
  readonly #events = new Map<number, SystemEvent>();
  /** Edits and deletions of messages not loaded yet, applied when they arrive. */
  readonly #patches = new Map<number, Partial<MessageDto>>();
  /**
   * The reaction events seen per message, replayed (idempotent, in order) onto a copy read
   * later: a REST read racing a live reaction converges instead of losing it.
   */
  readonly #reactionLog = new Map<number, ReactionEvent[]>();
  #sorted: { messages: MessageDto[]; entries: HistoryEntry[] } | null = null;
  /** Messages past the loaded end while {@link hasNewer}: merged once the end is reached. */
  #held: Array<{ message: MessageDto; live: boolean }> = [];
  /** System events past the loaded end while {@link hasNewer}, likewise. */
  #heldEvents: TimelineEventDto[] = [];
  /** Senders whose account was deleted meanwhile: a copy read before reads as the node's now. */
  readonly #deletedSenders = new Set<string>();

  has(seq: number): boolean {
    return this.#bySeq.has(seq);
  }

  get(seq: number): MessageDto | undefined {
    return this.#bySeq.get(seq);
  }

  /**
   * Adds or replaces messages; a later edit or deletion already seen stays applied. A `live`
   * reply new to this history adds one to its root's reply count (a REST page's roots already
   * count the replies of their read).
   */
  merge(messages: readonly MessageDto[], options: { live?: boolean } = {}): void {
    const newest = this.hasNewer ? this.newestSeq() : undefined;
    for (const m of messages) {
      if (this.hasNewer && (newest === undefined || m.seq > newest)) {
        // Past a gap: shown once the newer pages reach it, or it would skip what lies between.
        this.#held.push({ message: m, live: options.live ?? false });
        continue;
      }
      const patch = this.#patches.get(m.seq);
      const current = this.#bySeq.get(m.seq);
      // A message replayed in an older state must not undo an edit or deletion we applied.
      const newer =
        !current ||
        (current.deletedAt === null &&
          (m.deletedAt !== null || (m.editedAt ?? 0) >= (current.editedAt ?? 0)));
      if (newer) this.#bySeq.set(m.seq, this.#replayed(patch ? { ...m, ...patch } : m));
      if (!current && options.live && m.threadRoot !== null && m.deletedAt === null)
        this.#countReply(m.threadRoot, 1);
    }
    this.#sorted = null;
  }

  /** Keeps the system events among `entries` (others are ignored). */
  mergeEvents(events: readonly TimelineEventDto[]): void {
    const newest = this.hasNewer ? this.newestSeq() : undefined;
    for (const e of events) {
      if (!isSystemEvent(e)) continue;
      if (this.hasNewer && (newest === undefined || e.seq > newest)) this.#heldEvents.push(e);
      else this.#events.set(e.seq, e);
    }
    this.#sorted = null;
  }

  /**
   * Adds a page of newer messages (and its system events) at the loaded end; `more` says
   * whether the conversation goes on past it. What was held back and now falls inside the
   * loaded part joins (an entry the page brought too is kept once, by seq).
   */
  extend(messages: readonly MessageDto[], events: readonly TimelineEventDto[], more: boolean) {
    this.hasNewer = false;
    this.merge(messages);
    this.mergeEvents(events);
    this.hasNewer = more;
    const held = this.#held.splice(0);
    for (const { message, live } of held) this.merge([message], { live });
    this.mergeEvents(this.#heldEvents.splice(0));
  }

  /** Applies a live event: edits, deletions and reactions to messages, system lines. */
  apply(event: TimelineEventDto): void {
    switch (event.type) {
      case 'message.edited': {
        const { seq, body } = event.data;
        const patch: Partial<MessageDto> = {
          body,
          editedAt: event.data.editedAt ?? event.createdAt,
        };
        if (event.data.mentions) patch.mentions = event.data.mentions;
        if (event.data.mentionsAll !== undefined) patch.mentionsAll = event.data.mentionsAll;
        this.patch(seq, patch);
        this.#quoted(seq, (r) => ({ ...r, snippet: snippetOf(body) }));
        return;
      }
      case 'message.deleted': {
        const { seq } = event.data;
        const current = this.#bySeq.get(seq);
        if (current && current.deletedAt === null && current.threadRoot !== null)
          this.#countReply(current.threadRoot, -1);
        this.patch(seq, {
          body: '',
          deletedAt: event.data.deletedAt,
          // A moderator's removal says so (rule PG8); the sender's own deletion does not.
          deletedBy: event.data.by?.userId ?? null,
          reactions: [],
          mentions: [],
          mentionsAll: false,
        });
        this.#quoted(seq, (r) => ({ ...r, snippet: '', deleted: true }));
        return;
      }
      case 'reaction.added':
      case 'reaction.removed': {
        const log = this.#reactionLog.get(event.data.seq) ?? [];
        if (log.length < MAX_LOGGED) this.#reactionLog.set(event.data.seq, [...log, event]);
        const current = this.#bySeq.get(event.data.seq);
        if (!current) return;
        const reactions = applyReaction(current.reactions, event);
        this.#bySeq.set(current.seq, { ...current, reactions });
        this.#sorted = null;
        return;
      }
      case 'member.left':
        if (event.data.reason === 'account_deleted') this.#senderDeleted(event.data.userId);
        this.mergeEvents([event]);
        return;
      case 'conversation.created':
      case 'conversation.renamed':
      case 'conversation.settings_changed':
      case 'member.added':
      case 'member.removed':
      case 'member.role_changed':
      case 'member.joined':
      case 'member.muted':
      case 'conversation.access_changed':
        this.mergeEvents([event]);
        return;
    }
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

  /** The highest loaded seq (the `after` of the next newer page). */
  newestSeq(): number | undefined {
    return this.view().messages.at(-1)?.seq;
  }

  view(): HistoryView {
    this.#sorted ??= this.#sort();
    return {
      ...this.#sorted,
      hasMore: this.hasMore,
      hasNewer: this.hasNewer,
      loading: this.loading,
      loaded: this.loaded,
      error: this.error,
    };
  }

  /** Marks the view stale after a change of the paging state. */
  touch(): void {
    this.#sorted = null;
  }

  #sort(): { messages: MessageDto[]; entries: HistoryEntry[] } {
    const messages = [...this.#bySeq.values()].sort((a, b) => a.seq - b.seq);
    const entries: HistoryEntry[] = messages.map((m) => ({
      kind: 'message',
      seq: m.seq,
      message: m,
    }));
    for (const e of this.#events.values()) entries.push({ kind: 'event', seq: e.seq, event: e });
    entries.sort((a, b) => a.seq - b.seq);
    return { messages, entries };
  }

  #replayed(m: MessageDto): MessageDto {
    if (this.#deletedSenders.size > 0) m = asDeletedSenders(m, this.#deletedSenders);
    const log = this.#reactionLog.get(m.seq);
    if (!log || m.deletedAt !== null) return m;
    return { ...m, reactions: log.reduce(applyReaction, m.reactions) };
  }

  /**
   * A sender deleted their account (rule A6): their loaded messages, the quotes of them and
   * their reactions read "[deleted]" at once, as the node now answers a read (no reload).
   */
  #senderDeleted(userId: string): void {
    this.#deletedSenders.add(userId);
    for (const m of this.#bySeq.values()) {
      const relabelled = asDeletedSenders(m, this.#deletedSenders);
      if (relabelled !== m) this.#bySeq.set(m.seq, relabelled);
    }
    this.#sorted = null;
  }

  #countReply(root: number, by: number): void {
    const m = this.#bySeq.get(root);
    if (!m) return;
    this.#bySeq.set(root, { ...m, replyCount: Math.max(0, m.replyCount + by) });
  }

  /** Updates the previews of the loaded replies that quote message `seq`. */
  #quoted(seq: number, change: (r: NonNullable<MessageDto['reply']>) => MessageDto['reply']): void {
    for (const m of this.#bySeq.values()) {
      if (m.reply?.seq === seq) this.#bySeq.set(m.seq, { ...m, reply: change(m.reply) });
    }
    this.#sorted = null;
  }
}

/** The name the node gives a deleted account's messages, quotes and reactions (rule A6). */
export const DELETED_NAME = '[deleted]';

/** `m` with the names of `deleted` senders as the node reads them now; `m` itself if none. */
function asDeletedSenders(m: MessageDto, deleted: ReadonlySet<string>): MessageDto {
  const sender = deleted.has(m.sender) && m.senderName !== DELETED_NAME;
  const quote =
    m.reply !== null && deleted.has(m.reply.sender) && m.reply.senderName !== DELETED_NAME;
  const reacted = m.reactions.some((g) =>
    g.users.some((u) => deleted.has(u.userId) && u.username !== DELETED_NAME),
  );
  if (!sender && !quote && !reacted) return m;
  return {
    ...m,
    ...(sender ? { senderName: DELETED_NAME } : {}),
    ...(quote && m.reply ? { reply: { ...m.reply, senderName: DELETED_NAME } } : {}),
    ...(reacted
      ? {
          reactions: m.reactions.map((g) => ({
            ...g,
            users: g.users.map((u) =>
              deleted.has(u.userId) ? { ...u, username: DELETED_NAME } : u,
            ),
          })),
        }
      : {}),
  };
}
