import { z } from 'zod';

/**
 * Wire schemas shared by the server (validation at the edge, OpenAPI) and the client library.
 * Browser-safe: depends on nothing but zod.
 */

export { PROTOCOL_VERSION } from './version.js';

const id = z.string().min(1).max(64);
const seq = z.number().int().min(0);

export const UserSchema = z
  .object({ id, username: z.string(), createdAt: z.number(), deletedAt: z.number().nullable() })
  .meta({ id: 'User' });

export const MessageSchema = z
  .object({
    id,
    conversationId: id,
    seq,
    sender: id,
    senderName: z.string(),
    clientMsgId: z.string(),
    body: z.string(),
    createdAt: z.number(),
    editedAt: z.number().nullable(),
    deletedAt: z.number().nullable(),
  })
  .meta({ id: 'Message' });

export const RoleSchema = z.enum(['owner', 'admin', 'member']);

export const MemberSchema = z
  .object({
    conversationId: id,
    userId: id,
    username: z.string(),
    role: RoleSchema,
    joinedAt: z.number(),
    lastReadSeq: seq,
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
    role: RoleSchema,
    lastReadSeq: seq,
    unreadCount: z.number().int(),
    memberCount: z.number().int(),
    peer: z.string().nullable(),
    lastMessage: MessageSchema.nullable(),
  })
  .meta({ id: 'Conversation' });

export const TimelineEventSchema = z
  .object({
    conversationId: id,
    seq,
    type: z.enum([
      'conversation.created',
      'conversation.renamed',
      'member.added',
      'member.removed',
      'member.left',
      'member.role_changed',
      'message.edited',
      'message.deleted',
    ]),
    actor: id,
    data: z.record(z.string(), z.unknown()),
    createdAt: z.number(),
  })
  .meta({ id: 'TimelineEvent' });

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
  username: z.string().max(64),
  password: z.string().max(1024),
});
export const DeleteAccountBody = z.object({ password: z.string().max(1024) });
export const UserQuery = z.object({
  q: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
  after: z.string().max(64).optional(),
});
export const DmBody = z.object({ username: z.string().max(64) });
export const GroupBody = z.object({
  name: z.string().max(1024),
  members: z.array(z.string().max(64)).max(100_000).default([]),
});
export const RenameBody = z.object({ name: z.string().max(1024) });
export const AddMemberBody = z.object({ username: z.string().max(64) });
export const RoleBody = z.object({ role: RoleSchema });
export const HistoryQuery = z.object({
  before: z.coerce.number().int().min(0).optional(),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});
export const SendBody = z.object({
  clientMsgId: z.string().min(1).max(64),
  body: z.string().max(1_000_000),
});
export const EditBody = z.object({ body: z.string().max(1_000_000) });
export const ReadBody = z.object({ seq });
export const SeqParam = z.coerce.number().int().min(1);

/** Wire types inferred from the schemas. */
export type UserDto = z.infer<typeof UserSchema>;
export type MessageDto = z.infer<typeof MessageSchema>;
export type MemberDto = z.infer<typeof MemberSchema>;
export type ConversationDto = z.infer<typeof ConversationSchema>;
export type TimelineEventDto = z.infer<typeof TimelineEventSchema>;
