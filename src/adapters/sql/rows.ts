import type {
  Conversation,
  ConversationKind,
  Member,
  Message,
  Role,
  Session,
  TimelineEntry,
  TimelineEvent,
  TimelineEventType,
  User,
  UserWithSecret,
} from '../../domain/model.js';
import { DELETED_USER_NAME } from '../../domain/model.js';
import type { Selectable } from 'kysely';
import type { Database } from './schema.js';

type Row<T extends keyof Database> = Selectable<Database[T]>;

export { DELETED_USER_NAME };

/** Numeric columns may arrive as strings (PostgreSQL bigint); domain records hold numbers. */
export function num(value: number | string | bigint): number {
  return typeof value === 'number' ? value : Number(value);
}

/** {@link num}, keeping null. */
export function numOrNull(value: number | string | bigint | null): number | null {
  return value === null ? null : num(value);
}

export function toUser(
  row: Pick<Row<'users'>, 'id' | 'username' | 'created_at' | 'deleted_at'>,
): User {
  return {
    id: row.id,
    username: row.username,
    createdAt: num(row.created_at),
    deletedAt: numOrNull(row.deleted_at),
  };
}

export function toUserWithSecret(row: Row<'users'>): UserWithSecret {
  return { ...toUser(row), passwordHash: row.password_hash };
}

export function toSession(row: Row<'sessions'>): Session {
  return {
    id: row.id,
    userId: row.user_id,
    tokenHash: row.token_hash,
    createdAt: num(row.created_at),
    expiresAt: num(row.expires_at),
    lastSeenAt: num(row.last_seen_at),
  };
}

export function toConversation(row: Row<'conversations'>): Conversation {
  return {
    id: row.id,
    kind: row.kind as ConversationKind,
    name: row.name,
    createdBy: row.created_by,
    createdAt: num(row.created_at),
    lastSeq: num(row.last_seq),
    lastMessageAt: num(row.last_message_at),
    allMentions: row.all_mentions === 'admins' ? 'admins' : 'members',
    visibility: row.visibility === 'public' ? 'public' : 'private',
    history: row.history === 'joined' ? 'joined' : 'all',
  };
}

export function toMember(row: Row<'members'> & { username: string; deleted_at: unknown }): Member {
  return {
    conversationId: row.conversation_id,
    userId: row.user_id,
    username: row.deleted_at === null ? row.username : DELETED_USER_NAME,
    role: row.role as Role,
    joinedAt: num(row.joined_at),
    lastReadSeq: num(row.last_read_seq),
    historyFrom: num(row.history_from ?? 0),
    mutedUntil: numOrNull(row.muted_until ?? null),
  };
}

/**
 * The columns of `messages` a message is read from: not `search_text`, the index's own, which
 * a read would only copy out of SQLite to drop (a page of 50 costs a third less without it).
 */
export const MESSAGE_COLUMNS = [
  'id',
  'conversation_id',
  'seq',
  'sender_id',
  'client_msg_id',
  'body',
  'created_at',
  'edited_at',
  'deleted_at',
  'deleted_by',
  'reply_to',
  'thread_root',
  'mentions',
  'mentions_all',
] as const;

/** A message's row with its sender's name and deletion time (users left-joined). */
type MessageRow = Omit<Row<'messages'>, 'search_text'> & {
  sender_name: string | null;
  sender_deleted_at: unknown;
};

/** An event's row, without the column only redactEdits reads. */
type EventRow = Omit<Row<'events'>, 'target_seq'>;

/** A row of the timeline query: a message's columns or an event's (the other table's are null). */
export type TimelineRow = ({ kind: 'message' } & MessageRow) | ({ kind: 'event' } & EventRow);

export function toMessage(row: MessageRow): Message {
  const deleted = row.deleted_at !== null;
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: num(row.seq),
    sender: row.sender_id,
    senderName:
      row.sender_name === null || row.sender_deleted_at !== null
        ? DELETED_USER_NAME
        : row.sender_name,
    clientMsgId: row.client_msg_id,
    // A deleted message keeps its place in the timeline but never its text.
    body: deleted ? '' : row.body,
    createdAt: num(row.created_at),
    editedAt: numOrNull(row.edited_at),
    deletedAt: numOrNull(row.deleted_at),
    replyTo: numOrNull(row.reply_to),
    threadRoot: numOrNull(row.thread_root),
    mentions: deleted ? [] : (JSON.parse(row.mentions) as string[]),
    mentionsAll: !deleted && num(row.mentions_all) === 1,
    deletedBy: row.deleted_by ?? null,
    // Filled by the read from the rest of the timeline (message-views.ts).
    reply: null,
    replyCount: 0,
    reactions: [],
    attachments: [],
  };
}

/** The row holds what the services wrote: one `data` shape per `type` (cast once, here). */
export function toEvent(row: EventRow): TimelineEvent {
  return {
    conversationId: row.conversation_id,
    seq: num(row.seq),
    type: row.type as TimelineEventType,
    actor: row.actor_id,
    data: JSON.parse(row.data) as TimelineEvent['data'],
    createdAt: num(row.created_at),
  } as TimelineEvent;
}

export function toTimelineEntry(row: TimelineRow): TimelineEntry {
  return row.kind === 'message'
    ? { kind: 'message', message: toMessage(row) }
    : { kind: 'event', event: toEvent(row) };
}
