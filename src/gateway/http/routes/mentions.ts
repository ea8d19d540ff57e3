import { ErrorSchema, MentionsPageSchema, MentionsQuery } from '../../../protocol/schemas.js';
import { defineRoute } from '../route.js';

/** The messages that mention the signed-in user (rule R8). */
export const mentionRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/v1/mentions',
    summary:
      'Messages that mention you (by name or @all) in your conversations, newest first; ' +
      'before = a message id (exclusive), limit 1-100 (default 50); nextBefore pages on',
    tag: 'Messages',
    auth: true,
    query: MentionsQuery,
    responses: {
      200: { description: 'Messages and the next page’s before', schema: MentionsPageSchema },
      400: { description: 'invalid_request (before or limit)', schema: ErrorSchema },
    },
    async handler({ c, ctx, principal, query }) {
      const page = await ctx.mentions.list(principal.user, {
        before: query.before ?? null,
        limit: query.limit ?? 50,
      });
      return c.json(page);
    },
  }),
];
