import { z } from 'zod';
import { ErrorSchema, ReactionGroupSchema, ReactionPath } from '../../../protocol/schemas.js';
import { defineRoute } from '../route.js';

const tag = 'Reactions';
const path = '/api/v1/conversations/:id/messages/:seq/reactions/:emoji';
const Reactions = z.object({ reactions: z.array(ReactionGroupSchema) });
const responses = {
  200: { description: "The message's reactions as committed", schema: Reactions },
  400: {
    description:
      'invalid_request (not exactly one emoji, or longer than 64 UTF-16 units) or too_many_reactions (details.max)',
    schema: ErrorSchema,
  },
  404: {
    description: 'not_found (also for non-members, and for a seq that is not a message)',
    schema: ErrorSchema,
  },
  409: { description: 'conflict (the message was deleted)', schema: ErrorSchema },
};

/**
 * Reactions to a message (rule R4): `:emoji` is one emoji, percent-encoded in the path (the
 * router decodes it). Both routes are idempotent and answer the message's reactions.
 */
export const reactionRoutes = [
  defineRoute({
    method: 'put',
    path,
    params: ReactionPath,
    summary:
      'Add your reaction (one emoji) to a message; idempotent. At most 20 distinct emoji per message',
    tag,
    auth: true,
    responses,
    async handler({ c, ctx, principal, params }) {
      const reactions = await ctx.reactions.add(
        principal.user,
        params.id,
        params.seq,
        params.emoji,
      );
      return c.json({ reactions });
    },
  }),
  defineRoute({
    method: 'delete',
    path,
    params: ReactionPath,
    summary: 'Remove your reaction from a message; idempotent',
    tag,
    auth: true,
    responses,
    async handler({ c, ctx, principal, params }) {
      const reactions = await ctx.reactions.remove(
        principal.user,
        params.id,
        params.seq,
        params.emoji,
      );
      return c.json({ reactions });
    },
  }),
];
