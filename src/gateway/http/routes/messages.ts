import { z } from 'zod';
import {
  ConversationPath,
  EditBody,
  ErrorSchema,
  HistoryQuery,
  MessagePath,
  MessageSchema,
  ReadBody,
  SendBody,
  ThreadPageSchema,
  ThreadQuery,
  TimelinePageSchema,
  TimelineQuery,
} from '../../../protocol/schemas.js';
import { defineRoute } from '../route.js';

const tag = 'Messages';
const errors = {
  400: { description: 'invalid_request or message_too_long', schema: ErrorSchema },
  403: { description: 'forbidden', schema: ErrorSchema },
  404: { description: 'not_found (also for non-members)', schema: ErrorSchema },
};
const reads = {
  400: { description: 'invalid_request (seq, after or limit out of range)', schema: ErrorSchema },
  404: { description: 'not_found (non-members, or the seq is not a message)', schema: ErrorSchema },
};
const One = z.object({ message: MessageSchema });

/** History, the timeline, sending, editing, deleting and read markers. */
export const messageRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/v1/conversations/:id/messages',
    params: ConversationPath,
    summary:
      'A page of history, oldest first: the latest messages, or those before/after a seq (limit <= 100)',
    tag,
    auth: true,
    query: HistoryQuery,
    responses: {
      200: { description: 'Messages', schema: z.object({ messages: z.array(MessageSchema) }) },
      ...errors,
    },
    async handler({ c, ctx, principal, params, query }) {
      const messages = await ctx.messages.history(principal.user, params.id, {
        before: query.before ?? null,
        after: query.after ?? null,
        limit: query.limit ?? 50,
      });
      return c.json({ messages });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/conversations/:id/timeline',
    params: ConversationPath,
    summary:
      'A page of the whole timeline, messages and events, with seq > after (default 0; limit 1-1000, default 100). ' +
      'Read with after=0, then after=nextAfter until nextAfter is null: the pages together are seqs 1..lastSeq ' +
      'with no gap, unless the store lost an entry (rule M6)',
    tag,
    auth: true,
    query: TimelineQuery,
    responses: {
      200: {
        description: "Timeline entries and the next page's after",
        schema: TimelinePageSchema,
      },
      400: { description: 'invalid_request (after or limit out of range)', schema: ErrorSchema },
      404: errors[404],
    },
    async handler({ c, ctx, principal, params, query }) {
      const page = await ctx.messages.timeline(principal.user, params.id, {
        after: query.after ?? 0,
        limit: query.limit ?? 100,
      });
      return c.json(page);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/conversations/:id/messages',
    params: ConversationPath,
    summary:
      'Send a message, or a reply (replyTo: the seq of a message of this conversation, rule R1); ' +
      '201 once durably stored, 200 with the original on a retry of the same clientMsgId. ' +
      '@username of members and @all (groups, by policy) become mentions (rules R6, R7). ' +
      'attachments: up to 10 ids of your unattached uploads (POST /api/v1/files), in order; with one, ' +
      'the body may be empty (rule F3)',
    tag,
    auth: true,
    body: SendBody,
    responses: {
      201: { description: 'Stored', schema: One },
      200: { description: 'Already stored (idempotent retry)', schema: One },
      400: {
        description:
          'invalid_request (also more than 50 mentions; an attachment not an unattached upload of yours) or message_too_long',
        schema: ErrorSchema,
      },
      403: {
        description: 'forbidden (a DM whose peer is gone; @all not allowed to you)',
        schema: ErrorSchema,
      },
      404: {
        description: 'not_found (non-members; replyTo not a message here)',
        schema: ErrorSchema,
      },
      409: { description: 'conflict (replyTo was deleted)', schema: ErrorSchema },
      429: { description: 'rate_limited', schema: ErrorSchema },
    },
    async handler({ c, ctx, principal, params, body }) {
      const { message, created } = await ctx.messages.send(
        principal.user,
        params.id,
        body.clientMsgId,
        body.body,
        { replyTo: body.replyTo, attachments: body.attachments },
      );
      return c.json({ message }, created ? 201 : 200);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/conversations/:id/messages/:seq',
    params: MessagePath,
    summary: 'One message, with its reply preview, reply count and reactions (rules R2, R3)',
    tag,
    auth: true,
    responses: { 200: { description: 'The message', schema: One }, ...reads },
    async handler({ c, ctx, principal, params }) {
      return c.json({
        message: await ctx.threads.message(principal.user, params.id, params.seq),
      });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/conversations/:id/messages/:seq/thread',
    params: MessagePath,
    summary:
      "A page of a message's thread (rule R3): the root and its replies with seq > after (default 0) " +
      'in seq order, limit 1-100 (default 50); the seq of a reply answers its root’s thread',
    tag,
    auth: true,
    query: ThreadQuery,
    responses: {
      200: { description: 'The root, replies and the next page’s after', schema: ThreadPageSchema },
      ...reads,
    },
    async handler({ c, ctx, principal, params, query }) {
      const page = await ctx.threads.thread(principal.user, params.id, params.seq, {
        after: query.after ?? 0,
        limit: query.limit ?? 50,
      });
      return c.json(page);
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/api/v1/conversations/:id/messages/:seq',
    params: MessagePath,
    summary: 'Edit your own message; its mentions are resolved again (rule R6)',
    tag,
    auth: true,
    body: EditBody,
    responses: {
      200: { description: 'Edited', schema: One },
      409: { description: 'conflict (the message was deleted)', schema: ErrorSchema },
      ...errors,
    },
    async handler({ c, ctx, principal, params, body }) {
      const message = await ctx.messages.edit(principal.user, params.id, params.seq, body.body);
      return c.json({ message });
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/v1/conversations/:id/messages/:seq',
    params: MessagePath,
    summary: 'Delete your own message (its text is erased, its seq stays)',
    tag,
    auth: true,
    responses: { 204: { description: 'Deleted' }, ...errors },
    async handler({ c, ctx, principal, params }) {
      await ctx.messages.delete(principal.user, params.id, params.seq);
      return c.body(null, 204);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/conversations/:id/read',
    params: ConversationPath,
    summary: 'Raise your read marker to seq (never lowers it)',
    tag,
    auth: true,
    body: ReadBody,
    responses: {
      200: { description: 'The marker', schema: z.object({ lastReadSeq: z.number() }) },
      ...errors,
    },
    async handler({ c, ctx, principal, params, body }) {
      return c.json({
        lastReadSeq: await ctx.readMarkers.markRead(principal.user, params.id, body.seq),
      });
    },
  }),
];
