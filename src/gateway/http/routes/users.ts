import { z } from 'zod';
import { ErrorSchema, UserPath, UserQuery } from '../../../protocol/schemas.js';
import { defineRoute } from '../route.js';

const tag = 'Users';
const PublicUser = z.object({
  id: z.string(),
  username: z.string(),
  createdAt: z.number(),
  online: z.boolean(),
});

/** Listing and finding users. */
export const userRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/v1/users',
    summary:
      'List users; q filters with * as a wildcard (no * means "contains"); paged by ?after=username',
    tag,
    auth: true,
    query: UserQuery,
    responses: {
      200: {
        description: 'A page of users',
        schema: z.object({ users: z.array(PublicUser), next: z.string().nullable() }),
      },
      400: { description: 'invalid_request', schema: ErrorSchema },
    },
    async handler({ c, ctx, query }) {
      const page = await ctx.users.search(query.q ?? '', {
        limit: query.limit ?? 50,
        after: query.after ?? null,
      });
      const online = await ctx.onlineAmong(page.users.map((u) => u.id));
      return c.json({
        users: page.users.map((u) => ({
          id: u.id,
          username: u.username,
          createdAt: u.createdAt,
          online: online.has(u.id),
        })),
        next: page.next,
      });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/users/:username',
    params: UserPath,
    summary: 'One user by name',
    tag,
    auth: true,
    responses: {
      200: { description: 'The user', schema: z.object({ user: PublicUser }) },
      404: { description: 'not_found', schema: ErrorSchema },
    },
    async handler({ c, ctx, params }) {
      const u = await ctx.users.get(params.username);
      const online = await ctx.onlineAmong([u.id]);
      return c.json({
        user: {
          id: u.id,
          username: u.username,
          createdAt: u.createdAt,
          online: online.has(u.id),
        },
      });
    },
  }),
];
