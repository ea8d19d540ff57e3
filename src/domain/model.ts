/** The chat domain's records, as services and adapters exchange them. Times are epoch ms. */

/** How a deleted user's name is shown (rule A6): they keep their id, not their name. */
export const DELETED_USER_NAME = '[deleted]';

/** A registered account. */
export interface User {
  id: string;
  username: string;
  createdAt: number;
  deletedAt: number | null;
}

/** A user record with its password hash; never leaves the services. */
export interface UserWithSecret extends User {
  passwordHash: string;
}

/** A login session; only the token's hash is stored. */
export interface Session {
  id: string;
  userId: string;
  tokenHash: string;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
}

/** Direct message between two users, or a named group. */
export type ConversationKind = 'dm' | 'group';

/** Role of a member; owners and admins manage a group. */
export type Role = 'owner' | 'admin' | 'member';

/** A conversation and its latest sequence number. */
export interface Conversation {
  id: string;
  kind: ConversationKind;
  name: string | null;
  createdBy: string;
  createdAt: number;
  lastSeq: number;
  lastMessageAt: number;
}

/** A user's membership in a conversation. */
export interface Member {
  conversationId: string;
  userId: string;
  username: string;
  role: Role;
  joinedAt: number;
  lastReadSeq: number;
}

/** A stored chat message; `seq` is its position in the conversation's timeline. */
export interface Message {
  id: string;
  conversationId: string;
  seq: number;
  sender: string;
  senderName: string;
  clientMsgId: string;
  body: string;
  createdAt: number;
  editedAt: number | null;
  deletedAt: number | null;
}

/** Kinds of non-message timeline events; each takes a seq in the conversation's timeline. */
export type TimelineEventType =
  | 'conversation.created'
  | 'conversation.renamed'
  | 'member.added'
  | 'member.removed'
  | 'member.left'
  | 'member.role_changed'
  | 'message.edited'
  | 'message.deleted';

/** A non-message event in a conversation's timeline. */
export interface TimelineEvent {
  conversationId: string;
  seq: number;
  type: TimelineEventType;
  actor: string;
  data: Record<string, unknown>;
  createdAt: number;
}

/** One timeline entry: a message or an event, ordered by `seq`. */
export type TimelineEntry =
  { kind: 'message'; message: Message } | { kind: 'event'; event: TimelineEvent };

/** A conversation as one member sees it in their list. */
export interface ConversationSummary extends Conversation {
  role: Role;
  lastReadSeq: number;
  unreadCount: number;
  memberCount: number;
  /** For DMs: the other user's name. */
  peer: string | null;
  lastMessage: Message | null;
}

/** A chat node in the registry (cluster mode and embedded alike). */
export interface ClusterNode {
  id: string;
  url: string;
  startedAt: number;
  heartbeatAt: number;
  connections: number;
  draining: boolean;
}

/** The timeline position of an entry. */
export function seqOf(entry: TimelineEntry): number {
  return entry.kind === 'message' ? entry.message.seq : entry.event.seq;
}
