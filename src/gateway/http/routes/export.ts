import { z } from 'zod';
import { AppError } from '../../../domain/errors.js';
import type { User } from '../../../domain/model.js';
import { RateLimiter } from '../../../services/rate-limiter.js';
import { ErrorSchema } from '../../../protocol/schemas.js';
import type { GatewayContext } from '../context.js';
import { defineRoute } from '../route.js';

/** The format name of a user's own archive (rule EX7). */
export const USER_EXPORT_FORMAT = 'parley-user-export';
/** One download per user per this long (rule EX8). */
export const USER_EXPORT_INTERVAL_MS = 60_000;
const PAGE = 100;

/** One limiter per node (its gateway context). */
const limiters = new WeakMap<GatewayContext, RateLimiter>();
function limiterOf(ctx: GatewayContext): RateLimiter {
  let limiter = limiters.get(ctx);
  if (!limiter) {
    limiter = new RateLimiter({ count: 1, perMs: USER_EXPORT_INTERVAL_MS });
    limiters.set(ctx, limiter);
  }
  return limiter;
}

const json = (value: unknown) => JSON.stringify(value);

/**
 * The user's archive as JSON text pieces (rule EX7), written as it is read: conversations one
 * at a time, messages a page at a time, through the same services as the API (so the member's
 * history bound, rule PG5, applies). Files are listed with their download URLs, not inlined.
 */
async function* userArchive(ctx: GatewayContext, me: User): AsyncGenerator<string> {
  const settings = await ctx.settings.get(me);
  yield `{"format":${json(USER_EXPORT_FORMAT)},"version":1,"exportedAt":${Date.now()}`;
  yield `,"account":${json({ id: me.id, username: me.username, createdAt: me.createdAt })},"settings":${json(settings)},"conversations":[`;
  const summaries = await ctx.conversations.list(me);
  let firstConversation = true;
  for (const summary of summaries) {
    const { lastMessage: _last, unreadCount: _u, mentionCount: _m, ...conversation } = summary;
    const id = summary.id;
    const members = await ctx.conversations.listMembers(me, id);
    yield `${firstConversation ? '' : ','}{"conversation":${json(conversation)}`;
    yield `,"members":${json(members)},"messages":[`;
    firstConversation = false;
    const files: unknown[] = [];
    let after = 0;
    let firstMessage = true;
    for (;;) {
      const page = await ctx.messages.history(me, id, { before: null, after, limit: PAGE });
      for (const message of page) {
        yield `${firstMessage ? '' : ','}${json(message)}`;
        firstMessage = false;
        if (message.sender === me.id)
          for (const file of message.attachments)
            files.push({
              ...file,
              conversationId: id,
              seq: message.seq,
              url: `/api/v1/files/${file.id}`,
            });
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.seq;
    }
    yield `],"myFiles":${json(files)}}`;
  }
  yield ']}\n';
}

/** A user's own data export (rules EX7-EX8). */
export const exportRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/v1/me/export',
    summary:
      'Download your data as one JSON archive (format parley-user-export, version 1): your account, ' +
      'settings, every conversation you are in with its members and every message you may read, and ' +
      'the files you sent (metadata and download URLs). Streamed; once a minute per user',
    tag: 'Accounts',
    auth: true,
    responses: {
      200: {
        description: 'The archive (Content-Disposition: attachment)',
        schema: z
          .object({ format: z.literal(USER_EXPORT_FORMAT), version: z.literal(1) })
          .passthrough(),
      },
      429: { description: 'rate_limited (one export a minute)', schema: ErrorSchema },
    },
    handler: ({ ctx, principal }) => {
      const me = principal.user;
      if (!limiterOf(ctx).take(me.id))
        throw new AppError('rate_limited', 'one data export a minute; try again shortly');
      const pieces = userArchive(ctx, me);
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const next = await pieces.next();
            if (next.done) controller.close();
            else controller.enqueue(encoder.encode(next.value));
          } catch (err) {
            ctx.log.warn({ err }, 'user export failed');
            controller.error(err);
          }
        },
        async cancel() {
          await pieces.return(undefined);
        },
      });
      const day = new Date().toISOString().slice(0, 10);
      return new Response(body, {
        status: 200,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-disposition': `attachment; filename="parley-${me.username}-${day}.json"`,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        },
      });
    },
  }),
];
