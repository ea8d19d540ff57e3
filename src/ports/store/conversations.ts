import type {
  AllMentionsPolicy,
  Conversation,
  ConversationSummary,
  GroupVisibility,
  HistoryVisibility,
} from '../../domain/model.js';

/** A public group as the browse list shows it (rule PG2). */
export interface PublicGroupRecord {
  id: string;
  name: string;
  memberCount: number;
  lastMessageAt: number;
  /** The asking user is a member. */
  joined: boolean;
}

/** A page of public groups: names containing `q` (case-insensitive), after (name, id). */
export interface PublicGroupQuery {
  q: string;
  after: { name: string; id: string } | null;
  limit: number;
}

/** A conversation and a user's position in it, loaded when a socket says hello. */
export interface ConversationCursor {
  conversationId: string;
  lastSeq: number;
}

/** Conversation rows, their sequence counter, and a user's view of them (rules C1-C5, C10, G2). */
export interface ConversationsStore {
  /**
   * Rejects with `DuplicateKeyError` (key `dm_key`) if a conversation with that DM key exists;
   * inside a transaction that counts as a failed statement (the transaction must roll back).
   */
  createConversation(conversation: Conversation, dmKey: string | null): Promise<void>;
  getConversation(id: string): Promise<Conversation | null>;
  getDmByKey(dmKey: string): Promise<Conversation | null>;
  renameConversation(id: string, name: string): Promise<void>;
  /** Sets who may mention `@all` in the group (rule R7). */
  setAllMentions(id: string, policy: AllMentionsPolicy): Promise<void>;
  /** Sets a group's visibility and history setting (rule PG3). */
  setAccess(id: string, visibility: GroupVisibility, history: HistoryVisibility): Promise<void>;
  /** Public groups by name then id (rule PG2), each with whether `userId` is a member. */
  listPublicGroups(userId: string, query: PublicGroupQuery): Promise<PublicGroupRecord[]>;
  /** Deletes the conversation with its members, messages, events, mentions and reactions. */
  deleteConversation(id: string): Promise<void>;
  /**
   * Inside a transaction, holds the conversation until commit: a concurrent transaction's
   * `lockConversation` or `nextSeq` on it waits, and what this transaction reads afterwards
   * includes everything such a transaction committed before. A no-op for an unknown
   * conversation, and on engines that run one write transaction at a time (SQLite).
   */
  lockConversation(id: string): Promise<void>;
  /**
   * Atomically increments the conversation's last seq and returns the new value; rejects with
   * `RecordNotFoundError` for an unknown conversation.
   */
  nextSeq(conversationId: string, at: number, isMessage: boolean): Promise<number>;
  /** The latest seq of each of these conversations that exists (at most 500 ids per call). */
  latestSeqs(conversationIds: string[]): Promise<ConversationCursor[]>;
  /** The user's conversations, latest message first, as the user sees them. */
  listSummariesForUser(userId: string): Promise<ConversationSummary[]>;
  /** One conversation as the user sees it; null for non-members and unknown conversations. */
  getSummaryForUser(conversationId: string, userId: string): Promise<ConversationSummary | null>;
}
