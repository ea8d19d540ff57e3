import type { Message, StoredMessage, TimelineEntry, TimelineEvent } from '../../domain/model.js';

/** History page request: messages with seq strictly before or after a bound. */
export interface HistoryQuery {
  before: number | null;
  after: number | null;
  limit: number;
}

/** A page of the messages that mention a user (rule R8): message ids strictly before `before`. */
export interface MentionsQuery {
  before: string | null;
  limit: number;
}

/** What a message mentions (rules R6, R7), as a send or an edit resolved it. */
export type MessageMentions = Pick<StoredMessage, 'mentions' | 'mentionsAll'>;

/** A stored message with its sender's name, without what reads derive from the timeline. */
export type MessageRecord = StoredMessage & { senderName: string };

/** A conversation's timeline: messages and events, each at its own seq (G2-G5, M2-M4, W5). */
export interface TimelineStore {
  /**
   * Rejects if the seq or the (sender, clientMsgId) pair is taken. Writes the message's mention
   * rows too (rule R6), so mention counts and lists find it.
   */
  insertMessage(message: StoredMessage): Promise<void>;
  /**
   * Every read of a message (this, getMessageByClientId, listMessages, listThread,
   * listMentions, listTimeline, summaries' lastMessage) returns it decorated as of the read:
   * its parent's preview, its thread's live reply count and its reactions (rules R2-R4).
   */
  getMessage(conversationId: string, seq: number): Promise<Message | null>;
  /** The stored message alone, without the reads of its decoration (what a reply quotes, R1). */
  getMessageRecord(conversationId: string, seq: number): Promise<MessageRecord | null>;
  getMessageByClientId(sender: string, clientMsgId: string): Promise<Message | null>;
  /** Replaces the body and the mentions (JSON and rows, rule R6) and sets editedAt. */
  editMessage(
    conversationId: string,
    seq: number,
    body: string,
    at: number,
    mentions: MessageMentions,
  ): Promise<void>;
  /**
   * Erases the body, sets deletedAt, and deletes the message's mentions and reactions (M4, R4,
   * R6). `by`: the moderator or server admin who removed another's message (rule PG8).
   */
  deleteMessage(conversationId: string, seq: number, at: number, by?: string | null): Promise<void>;
  listMessages(conversationId: string, query: HistoryQuery): Promise<Message[]>;
  /**
   * The replies of the thread rooted at `rootSeq` (rule R3) with seq > afterSeq, ascending, at
   * most `limit`; deleted replies included, as history shows them.
   */
  listThread(
    conversationId: string,
    rootSeq: number,
    afterSeq: number,
    limit: number,
  ): Promise<Message[]>;
  /**
   * Messages mentioning the user by id or @all (rule R8) in the conversations the user is a
   * member of, not deleted, not the user's own, newest first by id, at most `limit`.
   */
  listMentions(userId: string, query: MentionsQuery): Promise<Message[]>;
  /** Rejects if the seq is taken. */
  insertEvent(event: TimelineEvent): Promise<void>;
  /** Erases the text of every `message.edited` event of a message (rule M4). */
  redactEdits(conversationId: string, seq: number): Promise<void>;
  /**
   * Messages and events with seq > afterSeq, merged in seq order, at most `limit`: a prefix of
   * the timeline after `afterSeq` with no hole (one snapshot), shorter than `limit` only where
   * the timeline ended as read.
   */
  listTimeline(conversationId: string, afterSeq: number, limit: number): Promise<TimelineEntry[]>;
}
