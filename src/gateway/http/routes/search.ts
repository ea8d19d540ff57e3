import { ErrorSchema, SearchPageSchema, SearchQuerySchema } from '../../../protocol/schemas.js';
import { defineRoute } from '../route.js';

/** Full-text search over the signed-in user's conversations (rules Q1-Q4). */
export const searchRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/v1/search',
    summary:
      'Search the messages of your conversations: q = words, each a word prefix, all required ' +
      '(at most 10 words, 200 characters); conversation = an id, sender = a username (unknown ' +
      'or not yours: no results); order = newest (default) or relevance; limit 1-50 (default ' +
      '20); cursor = the previous page’s nextCursor. Each result has a highlighted snippet',
    tag: 'Messages',
    auth: true,
    query: SearchQuerySchema,
    responses: {
      200: { description: 'Results and the next page’s cursor', schema: SearchPageSchema },
      400: {
        description: 'invalid_request (no words, too many, too long, limit, cursor)',
        schema: ErrorSchema,
      },
      429: { description: 'rate_limited (searches per user)', schema: ErrorSchema },
    },
    async handler({ c, ctx, principal, query }) {
      const page = await ctx.search.search(principal.user, {
        q: query.q,
        conversationId: query.conversation,
        sender: query.sender,
        order: query.order,
        cursor: query.cursor,
        limit: query.limit,
      });
      return c.json(page);
    },
  }),
];
