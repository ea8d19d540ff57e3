import { z } from 'zod';
import { alphabetMessage, inAlphabet, type Alphabet } from '../domain/text.js';
import {
  MAX_ATTACHMENTS_PER_MESSAGE,
  SEARCH_PAGE_MAX,
  SEARCH_QUERY_MAX,
} from '../domain/limits.js';
import {
  AllMentionsSchema,
  GroupVisibilitySchema,
  HistoryVisibilitySchema,
  TimelineEventSchema,
} from './events.js';
import { id, RoleSchema, seq } from './primitives.js';
import { EmailSchema } from './registration-schemas.js';

/**
 * Wire schemas shared by the server (validation at the edge, OpenAPI) and the client library.
 * Browser-safe: depends on nothing but zod and the pure input alphabet of the domain.
 */

export { PROTOCOL_VERSION } from './version.js';
export { RoleSchema } from './primitives.js';
export {
  AllMentionsSchema,
  TIMELINE_EVENT_TYPES,
  TimelineEventDataSchemas,
  TimelineEventSchema,
  type TimelineEventData,
  type TimelineEventDto,
  type TimelineEventType,
} from './events.js';

function inputString(alphabet: Alphabet, min: number, max: number) {
  return z
    .string()
    .min(min)
    .max(max)
    .refine((value) => inAlphabet(value, alphabet), { message: alphabetMessage(alphabet) });
}

/**
 * An id, username, clientMsgId, search pattern or cursor key from a client: one line of the
 * S6 alphabet (no control characters, lone surrogates or noncharacters), 1 to `max` long.
 */
export function identifier(max = 64, min = 1) {
  return inputString('line', min, max);
}

/** A group name from a client: the same one-line alphabet as identifiers (rule S6). */
export function name(max: number) {
  return inputString('line', 0, max);
}

/** A message body from a client: S6's body alphabet (tabs and newlines allowed, no NUL). */
export function text(max: number) {
  return inputString('body', 0, max);
}

export const UserSchema = z
  .object({ id, username: z.string(), createdAt: z.number(), deletedAt: z.number().nullable() })
  .meta({ id: 'User' });

const MemberRefSchema = z.object({ userId: id, username: z.string() });

/** The parent a reply quotes, as of the read (rule R2). */
export const ReplyPreviewSchema = z
  .object({
    seq,
    sender: id,
    senderName: z.string(),
    snippet: z.string(),
    deleted: z.boolean(),
  })
  .meta({ id: 'ReplyPreview' });

/** One emoji on a message and who reacted with it, in the order they did (rule R4). */
export const ReactionGroupSchema = z
  .object({ emoji: z.string(), users: z.array(MemberRefSchema) })
  .meta({ id: 'ReactionGroup' });

/** A file attached to a message (rules F1-F9); its bytes are at /api/v1/files/{id}. */
export const AttachmentSchema = z
  .object({
    id,
    name: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    thumbnail: z.object({ width: z.number().int(), height: z.number().int() }).nullable(),
  })
  .meta({ id: 'Attachment' });

export const MessageSchema = z
  .object({
    id,
    conversationId: id,
    seq,
    sender: id,
    clientMsgId: z.string(),
    body: z.string(),
    createdAt: z.number(),
    editedAt: z.number().nullable(),
    deletedAt: z.number().nullable(),
    replyTo: seq.nullable(),
    threadRoot: seq.nullable(),
    mentions: z.array(id),
    mentionsAll: z.boolean(),
    deletedBy: id.nullable(),
    senderName: z.string(),
    reply: ReplyPreviewSchema.nullable(),
    replyCount: z.number().int(),
    reactions: z.array(ReactionGroupSchema),
    attachments: z.array(AttachmentSchema),
  })
  .meta({ id: 'Message' });

export const MemberSchema = z
  .object({
    conversationId: id,
    userId: id,
    username: z.string(),
    role: RoleSchema,
    joinedAt: z.number(),
    lastReadSeq: seq,
    historyFrom: seq,
    mutedUntil: z.number().nullable(),
    online: z.boolean().optional(),
  })
  .meta({ id: 'Member' });

export const ConversationSchema = z
  .object({
    id,
    kind: z.enum(['dm', 'group']),
    name: z.string().nullable(),
    createdBy: id,
    createdAt: z.number(),
    lastSeq: seq,
    lastMessageAt: z.number(),
    allMentions: AllMentionsSchema,
    visibility: GroupVisibilitySchema,
    history: HistoryVisibilitySchema,
    role: RoleSchema,
    lastReadSeq: seq,
    unreadCount: z.number().int(),
    mentionCount: z.number().int(),
    memberCount: z.number().int(),
    peer: z.string().nullable(),
    muted: z.boolean(),
    lastMessage: MessageSchema.nullable(),
  })
  .meta({ id: 'Conversation' });

/** One timeline entry as a client receives it: a message or an event, told apart by `kind`. */
export const TimelineItemSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('message'), message: MessageSchema }),
    z.object({ kind: z.literal('event'), event: TimelineEventSchema }),
  ])
  .meta({ id: 'TimelineItem' });

/**
 * A page of `GET …/timeline` (rule M6): entries in ascending seq, and the `after` of the next
 * page, or null once the timeline was read to its end.
 */
export const TimelinePageSchema = z
  .object({ entries: z.array(TimelineItemSchema), nextAfter: seq.nullable() })
  .meta({ id: 'TimelinePage' });

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' });

// Request bodies and queries. Limits that depend on configuration (message length, group
// size) are checked by the services; these catch shape and type errors.
export const CredentialsBody = z.object({
  username: identifier(64, 0),
  password: z.string().max(1024),
});
export const DeleteAccountBody = z.object({ password: z.string().max(1024) });
export const UserQuery = z.object({
  q: identifier(64, 0).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
  after: identifier(64, 0).optional(),
});
export const DmBody = z.object({ username: identifier(64, 0) });
export const GroupBody = z.object({
  name: name(1024),
  members: z.array(identifier(64, 0)).max(100_000).default([]),
  /** Rule PG1: 'private' unless given. */
  visibility: GroupVisibilitySchema.optional(),
  /** Rule PG5: 'all' unless given. */
  history: HistoryVisibilitySchema.optional(),
});
export const RenameBody = z.object({ name: name(1024) });
export const AddMemberBody = z.object({ username: identifier(64, 0) });
export const RoleBody = z.object({ role: RoleSchema });
export const HistoryQuery = z.object({
  before: z.coerce.number().int().min(0).optional(),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});
export const TimelineQuery = z.object({
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
export const SendBody = z.object({
  clientMsgId: identifier(64),
  body: text(1_000_000),
  /** The seq of the message this one replies to (rule R1). */
  replyTo: seq.min(1).optional(),
  /** Uploaded files to attach (rule F3); with at least one, the body may be empty. */
  attachments: z.array(identifier()).max(MAX_ATTACHMENTS_PER_MESSAGE).optional(),
});
export const EditBody = z.object({ body: text(1_000_000) });
export const ReadBody = z.object({ seq });
export const SeqParam = z.coerce.number().int().min(1);
// Path parameters (rule S6): ids and usernames in URLs obey the same alphabet as in bodies.
export const ConversationPath = z.object({ id: identifier() });
export const MemberPath = z.object({ id: identifier(), username: identifier() });
export const MessagePath = z.object({ id: identifier(), seq: SeqParam });
export const UserPath = z.object({ username: identifier() });
/** `…/reactions/:emoji`: the emoji percent-encoded in the path (rule R4). */
export const ReactionPath = z.object({
  id: identifier(),
  seq: SeqParam,
  emoji: z.string().max(64),
});
export const ThreadQuery = z.object({
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});
export const MentionsQuery = z.object({
  before: identifier(64).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});
export const GroupSettingsBody = z.object({ allMentions: AllMentionsSchema });
export const UserSettingsSchema = z
  .object({
    shareReadMarkers: z.boolean(),
    doNotDisturbUntil: z.number().int().min(0).nullable(),
    shareLastSeen: z.boolean(),
    email: EmailSchema.nullable(),
  })
  .meta({ id: 'UserSettings' });
export const UserSettingsBody = UserSettingsSchema.partial();
/** A page of a thread (rule R3): the root, then its replies in seq order after `after`. */
export const ThreadPageSchema = z
  .object({ root: MessageSchema, replies: z.array(MessageSchema), nextAfter: seq.nullable() })
  .meta({ id: 'ThreadPage' });
/** Messages that mention the user, newest first (rule R8); `nextBefore` pages on. */
export const MentionsPageSchema = z
  .object({ messages: z.array(MessageSchema), nextBefore: z.string().nullable() })
  .meta({ id: 'MentionsPage' });

/** `GET /api/v1/search` (rule Q2). */
export const SearchQuerySchema = z.object({
  q: z
    .string()
    .min(1)
    .max(SEARCH_QUERY_MAX * 4),
  conversation: identifier().optional(),
  /** A username. */
  sender: identifier().optional(),
  order: z.enum(['newest', 'relevance']).optional(),
  cursor: z.string().max(128).optional(),
  limit: z.coerce.number().int().min(1).max(SEARCH_PAGE_MAX).optional(),
});
export const SnippetSchema = z
  .object({
    text: z.string(),
    highlights: z.array(z.tuple([z.number().int(), z.number().int()])),
  })
  .meta({ id: 'Snippet' });
export const SearchHitSchema = z
  .object({ message: MessageSchema, snippet: SnippetSchema })
  .meta({ id: 'SearchHit' });
/** A page of search results (rule Q2); `nextCursor` pages on, null at the end. */
export const SearchPageSchema = z
  .object({ results: z.array(SearchHitSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'SearchPage' });
/** `PUT /api/v1/conversations/:id/mute` (rule N3). */
export const MuteBody = z.object({ muted: z.boolean() });
/** `POST /api/v1/push/subscriptions` (rule N6): a browser PushSubscription's JSON. */
export const PushSubscriptionBody = z.object({
  endpoint: z.string().min(1).max(2048),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({ p256dh: z.string().min(1).max(256), auth: z.string().min(1).max(64) }),
});

/** Wire types inferred from the schemas. */
export type UserDto = z.infer<typeof UserSchema>;
export type MessageDto = z.infer<typeof MessageSchema>;
export type MemberDto = z.infer<typeof MemberSchema>;
export type ConversationDto = z.infer<typeof ConversationSchema>;
export type TimelineItemDto = z.infer<typeof TimelineItemSchema>;
export type TimelinePageDto = z.infer<typeof TimelinePageSchema>;
export type ReplyPreviewDto = z.infer<typeof ReplyPreviewSchema>;
export type ReactionGroupDto = z.infer<typeof ReactionGroupSchema>;
export type ThreadPageDto = z.infer<typeof ThreadPageSchema>;
export type MentionsPageDto = z.infer<typeof MentionsPageSchema>;
export type UserSettingsDto = z.infer<typeof UserSettingsSchema>;
export type AttachmentDto = z.infer<typeof AttachmentSchema>;
export type SnippetDto = z.infer<typeof SnippetSchema>;
export type SearchHitDto = z.infer<typeof SearchHitSchema>;
export type SearchPageDto = z.infer<typeof SearchPageSchema>;
export type AllMentionsPolicyDto = z.infer<typeof AllMentionsSchema>;
