import { z } from 'zod';
import { MAX_CURSORS_PER_FRAME } from './limits.js';
import { identifier, text } from './schemas.js';
import type { ConversationDto, MessageDto, TimelineEventDto, UserDto } from './schemas.js';

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
    token: z.string().max(256).optional(),
    cursors: cursors.optional(),
  }),
  z.object({
    type: z.literal('send'),
    conversationId: identifier(),
    clientMsgId: identifier(),
    body: text(1_000_000),
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
export type SideEvent =
  | { type: 'conversation.added'; conversationId: string; conversation: ConversationDto }
  | { type: 'conversation.deleted'; conversationId: string; actor: string }
  | { type: 'conversation.removed'; conversationId: string }
  | { type: 'read'; conversationId: string; seq: number };

/** Frames the server sends (rule W2). */
export type ServerFrame =
  | {
      type: 'ready';
      protocol: number;
      nodeId: string;
      user: UserDto;
      cursors: Record<string, number>;
    }
  | { type: 'ack'; clientMsgId: string; message: MessageDto; created: boolean }
  | { type: 'message'; message: MessageDto }
  | { type: 'event'; event: TimelineEventDto | SideEvent }
  | { type: 'synced'; cursors: Record<string, number>; ref?: string }
  | { type: 'typing'; conversationId: string; userId: string; username: string }
  | { type: 'presence'; userId: string; username: string; online: boolean }
  | { type: 'error'; code: string; message: string; ref?: string }
  | { type: 'pong'; ref?: string };
