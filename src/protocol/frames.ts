import { z } from 'zod';
import { MAX_ATTACHMENTS_PER_MESSAGE } from '../domain/limits.js';
import { MAX_CURSORS_PER_FRAME } from './limits.js';
import { TimelineEventSchema } from './events.js';
import { id, seq } from './primitives.js';
import { ConversationSchema, identifier, MessageSchema, text, UserSchema } from './schemas.js';

/** Frames a client sends over the WebSocket (rule W2). */
const cursors = z
  .record(identifier(), z.number().int().min(0))
  .refine((value) => Object.keys(value).length <= MAX_CURSORS_PER_FRAME, {
    message: `at most ${MAX_CURSORS_PER_FRAME} cursors per frame (rule W9)`,
  });
export const ClientFrame = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    protocol: z.number().int(),
    /** Every version the client speaks besides `protocol`; the node picks the newest it speaks. */
    protocols: z.array(z.number().int()).min(1).max(16).optional(),
    token: z.string().max(256).optional(),
    cursors: cursors.optional(),
  }),
  z.object({
    type: z.literal('send'),
    conversationId: identifier(),
    clientMsgId: identifier(),
    body: text(1_000_000),
    /** The seq of the message this one replies to (rule R1). */
    replyTo: seq.min(1).optional(),
    /** Uploaded files to attach (rule F3); with at least one, the body may be empty. */
    attachments: z.array(identifier()).max(MAX_ATTACHMENTS_PER_MESSAGE).optional(),
  }),
  z.object({ type: z.literal('sync'), cursors, ref: z.string().max(64).optional() }),
  z.object({
    type: z.literal('read'),
    conversationId: identifier(),
    seq: z.number().int().min(0),
  }),
  z.object({ type: z.literal('typing'), conversationId: identifier() }),
  z.object({ type: z.literal('ping'), ref: z.string().max(64).optional() }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;
export type ClientFrameType = ClientFrame['type'];

/** Events that are not in a conversation's timeline (no seq). */
export const SideEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('conversation.added'),
    conversationId: id,
    conversation: ConversationSchema,
  }),
  z.object({ type: z.literal('conversation.deleted'), conversationId: id, actor: id }),
  z.object({ type: z.literal('conversation.removed'), conversationId: id }),
  z.object({ type: z.literal('read'), conversationId: id, seq }),
  /** Another member's read marker moved (rule R9): only of members who share read markers. */
  z.object({ type: z.literal('receipt'), conversationId: id, userId: id, seq }),
  /** The user muted or unmuted a conversation on one device (rule N3); told to all of theirs. */
  z.object({ type: z.literal('conversation.muted'), conversationId: id, muted: z.boolean() }),
]);
export type SideEvent = z.infer<typeof SideEventSchema>;

const positions = z.record(z.string(), seq);

/**
 * Frames the server sends (rule W2). The node builds them from typed records and does not
 * parse them; the schema lets a reader check what it receives (the verify wire tap does).
 */
export const ServerFrameSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ready'),
    protocol: z.number().int(),
    nodeId: z.string(),
    user: UserSchema,
    cursors: positions,
  }),
  z.object({
    type: z.literal('ack'),
    clientMsgId: z.string(),
    message: MessageSchema,
    created: z.boolean(),
    /**
     * Protocol 2: this ack is also the socket's delivery of `message` at its place in the
     * conversation's order (rule W5), so no `message` frame for it follows on this socket.
     */
    delivered: z.literal(true).optional(),
  }),
  z.object({ type: z.literal('message'), message: MessageSchema }),
  z.object({ type: z.literal('event'), event: z.union([TimelineEventSchema, SideEventSchema]) }),
  z.object({ type: z.literal('synced'), cursors: positions, ref: z.string().optional() }),
  z.object({ type: z.literal('typing'), conversationId: id, userId: id, username: z.string() }),
  z.object({ type: z.literal('presence'), userId: id, username: z.string(), online: z.boolean() }),
  z.object({
    type: z.literal('error'),
    code: z.string(),
    message: z.string(),
    ref: z.string().optional(),
    /** What REST answers in `error.details` for the same refusal (e.g. `{mutedUntil}`). */
    details: z.record(z.string(), z.unknown()).optional(),
  }),
  z.object({ type: z.literal('pong'), ref: z.string().optional() }),
]);
export type ServerFrame = z.infer<typeof ServerFrameSchema>;
