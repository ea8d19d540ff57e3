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

/**
 * A message with nothing but a body: no reply, no attachments, no mention candidates. Stored
 * at `createdAt`, which is also the instant a moderator's mute is compared with (rule PG10).
 */
export type PlainMessage = Pick<
  StoredMessage,
  'id' | 'conversationId' | 'sender' | 'clientMsgId' | 'body' | 'createdAt'
>;

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
   * A plain send's writes in as few statements as the engine allows (issue 18), inside a
   * transaction: locks the conversation (as lockConversation), and only if the sender has no
   * message with this clientMsgId, is a member not muted at `createdAt`, and the conversation
   * is not a DM whose peer is gone, takes the next seq (as nextSeq) and inserts the message
   * (as insertMessage, with no mentions). Returns the seq; null when any condition fails, having
   * written nothing: the caller then takes the general path (lock, lookup, membership view,
   * nextSeq, insertMessage), which tells which condition failed. Like insertMessage it rejects
   * if the (sender, clientMsgId) pair was taken by a transaction that committed meanwhile.
   */
  appendPlainMessage(message: PlainMessage): Promise<number | null>;
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
