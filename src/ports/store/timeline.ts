import type { Message, StoredMessage, TimelineEntry, TimelineEvent } from '../../domain/model.js';

/** History page request: messages with seq strictly before or after a bound. */
export interface HistoryQuery {
  before: number | null;
  after: number | null;
  limit: number;
}

/** A conversation's timeline: messages and events, each at its own seq (G2-G5, M2-M4, W5). */
export interface TimelineStore {
  /** Rejects if the seq or the (sender, clientMsgId) pair is taken. */
  insertMessage(message: StoredMessage): Promise<void>;
  getMessage(conversationId: string, seq: number): Promise<Message | null>;
  getMessageByClientId(sender: string, clientMsgId: string): Promise<Message | null>;
  editMessage(conversationId: string, seq: number, body: string, at: number): Promise<void>;
  deleteMessage(conversationId: string, seq: number, at: number): Promise<void>;
  listMessages(conversationId: string, query: HistoryQuery): Promise<Message[]>;
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
