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

/** Who a request or socket acts as: an authenticated user and the session it came with. */
export interface Principal {
  readonly user: User;
  readonly session: Session;
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

/** A member named in an event's data. */
export interface MemberRef {
  userId: string;
  username: string;
}

/**
 * The `data` of each kind of non-message timeline event (docs/protocol.md). The protocol's
 * schemas (`src/protocol/events.ts`) describe the same shapes; `gateway/dto-types.ts` fails the
 * compile if the two drift apart.
 */
export interface TimelineEventDataMap {
  /** Seq 1 of a group; `members` lists the owner first. */
  'conversation.created': { name: string; members: MemberRef[] };
  'conversation.renamed': { name: string; previous: string | null };
  'member.added': MemberRef & { role: Role };
  'member.removed': MemberRef;
  'member.left': MemberRef & { reason: 'left' | 'account_deleted' };
  /** A transfer of ownership is two of these: the new owner, then the previous one. */
  'member.role_changed': MemberRef & { role: Role; previous: Role };
  /** `seq` is the edited message's; a deleted message's edits are erased to `{seq, body: ""}`. */
  'message.edited': { seq: number; body: string; editedAt?: number };
  'message.deleted': { seq: number; deletedAt: number };
}

/** Kinds of non-message timeline events; each takes a seq in the conversation's timeline. */
export type TimelineEventType = keyof TimelineEventDataMap;

/** The `data` of a timeline event of type `T`. */
export type TimelineEventData<T extends TimelineEventType = TimelineEventType> =
  TimelineEventDataMap[T];

/** A non-message event in a conversation's timeline, told apart by `type`. */
export type TimelineEvent = {
  [T in TimelineEventType]: {
    conversationId: string;
    seq: number;
    type: T;
    actor: string;
    data: TimelineEventDataMap[T];
    createdAt: number;
  };
}[TimelineEventType];

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
