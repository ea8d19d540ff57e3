import { z } from 'zod';
import {
  AccessBody,
  MuteBody,
  PublicGroupPageSchema,
  PublicGroupsQuery,
} from '../../../protocol/group-schemas.js';
import {
  ConversationPath,
  ConversationSchema,
  ErrorSchema,
  MemberPath,
  MemberSchema,
} from '../../../protocol/schemas.js';
import { defineRoute } from '../route.js';
import { present } from './conversations.js';

const tag = 'Conversations';
const One = z.object({ conversation: ConversationSchema });
const errors = {
  400: { description: 'invalid_request', schema: ErrorSchema },
  403: { description: 'forbidden (not owner/admin, or a higher role)', schema: ErrorSchema },
  404: { description: 'not_found (also for non-members)', schema: ErrorSchema },
};

/** Public groups: browse, join, access settings; moderation: mute (rules PG1-PG11). */
export const publicGroupRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/v1/groups/public',
    summary:
      'Public groups whose name contains q (case-insensitive), by name; `next` pages on (rule PG2)',
    tag,
    auth: true,
    query: PublicGroupsQuery,
    responses: { 200: { description: 'Public groups', schema: PublicGroupPageSchema }, ...errors },
    async handler({ c, ctx, principal, query }) {
      const page = await ctx.conversations.groups.listPublic(principal.user, {
        q: query.q ?? '',
        after: query.after ?? null,
        limit: query.limit ?? 50,
      });
      return c.json(page);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/conversations/:id/join',
    params: ConversationPath,
    summary:
      'Join a public group (201; 200 when already a member); private or unknown: not_found (PG4)',
    tag,
    auth: true,
    responses: {
      200: { description: 'Already a member', schema: One },
      201: { description: 'Joined', schema: One },
      409: { description: 'group_full', schema: ErrorSchema },
      ...errors,
    },
    async handler({ c, ctx, principal, params }) {
      const { created } = await ctx.conversations.groupMembers.join(principal.user, params.id);
      const conversation = await ctx.conversations.get(principal.user, params.id);
      return c.json({ conversation }, created ? 201 : 200);
    },
  }),
  defineRoute({
    method: 'put',
    path: '/api/v1/conversations/:id/access',
    params: ConversationPath,
    summary:
      "Set a group's visibility (private/public) and history (all/joined); owner or admin (PG3)",
    tag,
    auth: true,
    body: AccessBody,
    responses: { 200: { description: 'The group', schema: One }, ...errors },
    handler: async ({ c, ctx, principal, params, body }) =>
      c.json({
        conversation: await ctx.conversations.groups.setAccess(principal.user, params.id, body),
      }),
  }),
  defineRoute({
    method: 'put',
    path: '/api/v1/conversations/:id/members/:username/mute',
    params: MemberPath,
    summary: 'Mute a member for 1-43200 minutes; owner or admin over lower roles (rule PG10)',
    tag,
    auth: true,
    body: MuteBody,
    responses: {
      200: { description: 'The member', schema: z.object({ member: MemberSchema }) },
      ...errors,
    },
    async handler({ c, ctx, principal, params, body }) {
      const member = await ctx.conversations.groupMembers.mute(
        principal.user,
        params.id,
        params.username,
        body.minutes,
      );
      const [presented] = await present(ctx, principal.user, [member]);
      return c.json({ member: presented });
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/v1/conversations/:id/members/:username/mute',
    params: MemberPath,
    summary: 'Unmute a member (rule PG10)',
    tag,
    auth: true,
    responses: {
      200: { description: 'The member', schema: z.object({ member: MemberSchema }) },
      ...errors,
    },
    async handler({ c, ctx, principal, params }) {
      const member = await ctx.conversations.groupMembers.mute(
        principal.user,
        params.id,
        params.username,
        null,
      );
      const [presented] = await present(ctx, principal.user, [member]);
      return c.json({ member: presented });
    },
  }),
];
