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

/** An account's server-wide standing (issue 16): admin, or suspended since a time. */
export interface AccountStatus {
  admin: boolean;
  suspendedAt: number | null;
}

/** A user's public profile as a viewer reads it (rules PR1-PR6). */
export interface Profile {
  userId: string;
  username: string;
  displayName: string | null;
  statusText: string | null;
  avatarUrl: string | null;
  /** Null when the user hides it from this viewer, or was never seen. */
  lastSeenAt: number | null;
  online: boolean;
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
  /** Groups only; a DM reads 'members' and has no @all. */
  allMentions: AllMentionsPolicy;
  /** Public groups are listed and joined by name (rule PG1); DMs are 'private'. */
  visibility: GroupVisibility;
  /** What members who join later read (rule PG5); DMs are 'all'. */
  history: HistoryVisibility;
}

/** A user's own settings (rule R9); only they read them. */
export interface UserSettings {
  /** Others see this user's read markers (read receipts). Default true. */
  shareReadMarkers: boolean;
  /**
   * Do-not-disturb (rule N4): until this time no notification (desktop, Web Push, terminal
   * bell) reaches the user; null: off. A far future time means "until turned off".
   */
  doNotDisturbUntil: number | null;
  /** Others see when this user was last online (profiles, rule PR5). Default true. */
  shareLastSeen: boolean;
  /** Where password reset links are mailed (rule RG10); private: only the user and admins see it. */
  email: string | null;
}

/**
 * A file as a message carries it, or as its uploader sees it before attaching it (rules
 * F1-F9). `contentType` is what the server sniffed from the bytes, never the client's claim.
 */
export interface Attachment {
  id: string;
  /** The file's name as uploaded (one line, at most FILE_NAME_MAX code points). */
  name: string;
  contentType: string;
  /** Bytes as stored (images: after their metadata was stripped, rule F5). */
  size: number;
  /** Images: their size in pixels; null for other files. */
  width: number | null;
  height: number | null;
  /** The thumbnail's size in pixels, when the server made one (images); null otherwise. */
  thumbnail: { width: number; height: number } | null;
}

/** Where a search term matched in a snippet: [start, end) in UTF-16 units of `text`. */
export type Highlight = [number, number];

/** A piece of a message's text around its matches (rule Q4). */
export interface Snippet {
  text: string;
  highlights: Highlight[];
}

/** One message a search found (rule Q2), with the snippet to show. */
export interface SearchHit {
  message: Message;
  snippet: Snippet;
}

/** A user's membership in a conversation. */
export interface Member {
  conversationId: string;
  userId: string;
  username: string;
  role: Role;
  joinedAt: number;
  lastReadSeq: number;
  /** The first seq the member may read (rule PG5); 0: the whole history. */
  historyFrom: number;
  /** A moderator muted the member until then (rule PG10); null: never muted or unmuted. */
  mutedUntil: number | null;
}

/** Who may mention `@all` in a group (rule R7): every member, or owners and admins only. */
export type AllMentionsPolicy = 'members' | 'admins';

/**
 * The message a reply quotes, as it was when the reply was read (rule R2): front ends update it
 * from the parent's `message.edited` and `message.deleted` events.
 */
export interface ReplyPreview {
  seq: number;
  sender: string;
  senderName: string;
  /** The parent's body as written, cut to its first REPLY_SNIPPET_CHARS characters; "" once deleted. */
  snippet: string;
  deleted: boolean;
}

/** One emoji on a message and who reacted with it, in the order they did (rule R4). */
export interface ReactionGroup {
  emoji: string;
  users: MemberRef[];
}

/** What a send stores of a message: the columns of its row. */
export interface StoredMessage {
  id: string;
  conversationId: string;
  seq: number;
  sender: string;
  clientMsgId: string;
  body: string;
  createdAt: number;
  editedAt: number | null;
  deletedAt: number | null;
  /** The seq of the message this one replies to (rule R1), or null. */
  replyTo: number | null;
  /** The seq of the thread's root: the parent's own root, or the parent; null when not a reply. */
  threadRoot: number | null;
  /** The ids of the members the body mentions, resolved by the server (rule R6), sorted. */
  mentions: string[];
  /** The body mentions `@all` in a group and the sender was allowed to (rule R7). */
  mentionsAll: boolean;
}

/**
 * A chat message as every read returns it: the stored row, its sender's name, and what is
 * derived from the rest of the timeline as of the read (reply preview, reply count, reactions).
 */
export interface Message extends StoredMessage {
  senderName: string;
  /** The quoted parent of a reply, or null (also null when the parent cannot be read). */
  reply: ReplyPreview | null;
  /** Replies in this message's thread that are not deleted (0 unless it is a thread root). */
  replyCount: number;
  reactions: ReactionGroup[];
  /** The files attached to the message, in the order the sender gave them (rule F3). */
  attachments: Attachment[];
  /**
   * Who deleted the message when it was not its sender (a group moderator or a server admin,
   * rule PG8); null otherwise.
   */
  deletedBy: string | null;
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
  'message.edited': {
    seq: number;
    body: string;
    editedAt?: number;
    /** The mentions of the new body (rule R6); absent from a redacted edit. */
    mentions?: string[];
    mentionsAll?: boolean;
  };
  /** `by`: the moderator or server admin who removed another's message; absent for its sender. */
  'message.deleted': { seq: number; deletedAt: number; by?: MemberRef };
  /** `seq` is the message's; `emoji` one RGI emoji (rule R4). */
  'reaction.added': MemberRef & { seq: number; emoji: string };
  'reaction.removed': MemberRef & { seq: number; emoji: string };
  'conversation.settings_changed': { allMentions: AllMentionsPolicy; previous: AllMentionsPolicy };
  /** A user joined a public group by themselves (issue 16). */
  'member.joined': MemberRef;
  /** A moderator muted a member until `until`, or unmuted them (`until` null). */
  'member.muted': MemberRef & { until: number | null };
  /** Visibility or history setting of a group changed; each with its previous value. */
  'conversation.access_changed': {
    visibility: GroupVisibility;
    history: HistoryVisibility;
    previousVisibility: GroupVisibility;
    previousHistory: HistoryVisibility;
  };
}

/** Public groups are listed and joined by name; private ones by invitation only. */
export type GroupVisibility = 'private' | 'public';

/** What a member who joins later reads: the whole history, or from their joining on. */
export type HistoryVisibility = 'all' | 'joined';

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
  /** Unread messages (seq > lastReadSeq, not the user's own, not deleted) that mention the user or @all. */
  mentionCount: number;
  memberCount: number;
  /** For DMs: the other user's name. */
  peer: string | null;
  /** The user muted this conversation (rule N3): counts still show, nothing notifies. */
  muted: boolean;
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
