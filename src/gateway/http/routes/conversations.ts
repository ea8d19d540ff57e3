import { z } from 'zod';
import type { Member, User } from '../../../domain/model.js';
import {
  AddMemberBody,
  ConversationPath,
  ConversationSchema,
  DmBody,
  ErrorSchema,
  GroupBody,
  GroupSettingsBody,
  MemberPath,
  MemberSchema,
  RenameBody,
  RoleBody,
} from '../../../protocol/schemas.js';
import type { GatewayContext } from '../context.js';
import { defineRoute } from '../route.js';

const tag = 'Conversations';
const One = z.object({ conversation: ConversationSchema });
const errors = {
  400: { description: 'invalid_request', schema: ErrorSchema },
  403: { description: 'forbidden (not owner/admin)', schema: ErrorSchema },
  404: { description: 'not_found (also for non-members)', schema: ErrorSchema },
};

/**
 * Members with their presence (one store read for the whole list), as `viewer` may see them:
 * the read markers of others who do not share them read 0 (rule R9).
 */
export async function present(ctx: GatewayContext, viewer: User, members: Member[]) {
  const online = await ctx.onlineAmong(members.map((m) => m.userId));
  const seen = await ctx.settings.membersSeenBy(viewer, members);
  const now = Date.now();
  // A mute ends by itself (rule PG10): one that ended reads null.
  return seen.map((m) => ({
    ...m,
    mutedUntil: m.mutedUntil !== null && m.mutedUntil > now ? m.mutedUntil : null,
    online: online.has(m.userId),
  }));
}

/** Conversations, direct messages, groups and membership. */
export const conversationRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/v1/conversations',
    summary: 'Your conversations, latest activity first, with unread counts and last message',
    tag,
    auth: true,
    responses: {
      200: {
        description: 'Conversations',
        schema: z.object({ conversations: z.array(ConversationSchema) }),
      },
    },
    handler: async ({ c, ctx, principal }) =>
      c.json({ conversations: await ctx.conversations.list(principal.user) }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/conversations/dm',
    summary: 'Get or create the direct message with a user (201 when created, 200 when it existed)',
    tag,
    auth: true,
    body: DmBody,
    responses: {
      200: { description: 'Existing DM', schema: One },
      201: { description: 'New DM', schema: One },
      ...errors,
    },
    async handler({ c, ctx, principal, body }) {
      const { conversation, created } = await ctx.conversations.getOrCreateDm(
        principal.user,
        body.username,
      );
      return c.json({ conversation }, created ? 201 : 200);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/groups',
    summary: 'Create a group you own, with initial members',
    tag,
    auth: true,
    body: GroupBody,
    responses: {
      201: { description: 'New group', schema: One },
      409: { description: 'group_full', schema: ErrorSchema },
      ...errors,
    },
    async handler({ c, ctx, principal, body }) {
      const conversation = await ctx.conversations.groups.createGroup(
        principal.user,
        body.name,
        body.members,
        { visibility: body.visibility, history: body.history },
      );
      return c.json({ conversation }, 201);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/conversations/:id',
    params: ConversationPath,
    summary: 'One conversation',
    tag,
    auth: true,
    responses: { 200: { description: 'The conversation', schema: One }, ...errors },
    handler: async ({ c, ctx, principal, params }) =>
      c.json({ conversation: await ctx.conversations.get(principal.user, params.id) }),
  }),
  defineRoute({
    method: 'patch',
    path: '/api/v1/conversations/:id',
    params: ConversationPath,
    summary: 'Rename a group (owner or admin)',
    tag,
    auth: true,
    body: RenameBody,
    responses: { 200: { description: 'The renamed group', schema: One }, ...errors },
    handler: async ({ c, ctx, principal, params, body }) =>
      c.json({
        conversation: await ctx.conversations.groups.rename(principal.user, params.id, body.name),
      }),
  }),
  defineRoute({
    method: 'put',
    path: '/api/v1/conversations/:id/settings',
    params: ConversationPath,
    summary:
      'Set who may mention @all in a group (owner or admin; rule R7): allMentions members or admins. ' +
      'A change appends conversation.settings_changed; a DM is invalid_request',
    tag,
    auth: true,
    body: GroupSettingsBody,
    responses: { 200: { description: 'The group', schema: One }, ...errors },
    handler: async ({ c, ctx, principal, params, body }) =>
      c.json({
        conversation: await ctx.mentions.setAllMentions(
          principal.user,
          params.id,
          body.allMentions,
        ),
      }),
  }),
  defineRoute({
    method: 'delete',
    path: '/api/v1/conversations/:id',
    params: ConversationPath,
    summary: 'Delete a group and its history (owner)',
    tag,
    auth: true,
    responses: { 204: { description: 'Deleted' }, ...errors },
    async handler({ c, ctx, principal, params }) {
      await ctx.conversations.groups.deleteGroup(principal.user, params.id);
      return c.body(null, 204);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/conversations/:id/members',
    params: ConversationPath,
    summary: 'Members with roles and presence',
    tag,
    auth: true,
    responses: {
      200: { description: 'Members', schema: z.object({ members: z.array(MemberSchema) }) },
      ...errors,
    },
    async handler({ c, ctx, principal, params }) {
      const members = await ctx.conversations.listMembers(principal.user, params.id);
      return c.json({ members: await present(ctx, principal.user, members) });
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/conversations/:id/members',
    params: ConversationPath,
    summary: 'Add a member to a group (owner or admin)',
    tag,
    auth: true,
    body: AddMemberBody,
    responses: {
      201: { description: 'The new member', schema: z.object({ member: MemberSchema }) },
      409: { description: 'conflict (already a member) or group_full', schema: ErrorSchema },
      ...errors,
    },
    async handler({ c, ctx, principal, params, body }) {
      const member = await ctx.conversations.groupMembers.addMember(
        principal.user,
        params.id,
        body.username,
      );
      const [presented] = await present(ctx, principal.user, [member]);
      return c.json({ member: presented }, 201);
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/api/v1/conversations/:id/members/:username',
    params: MemberPath,
    summary: "Change a member's role (owner); role owner transfers ownership",
    tag,
    auth: true,
    body: RoleBody,
    responses: {
      200: { description: 'The member', schema: z.object({ member: MemberSchema }) },
      ...errors,
    },
    async handler({ c, ctx, principal, params, body }) {
      const member = await ctx.conversations.groupMembers.changeRole(
        principal.user,
        params.id,
        params.username,
        body.role,
      );
      const [presented] = await present(ctx, principal.user, [member]);
      return c.json({ member: presented });
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/v1/conversations/:id/members/:username',
    params: MemberPath,
    summary: 'Remove a member (owner: anyone; admin: plain members)',
    tag,
    auth: true,
    responses: { 204: { description: 'Removed' }, ...errors },
    async handler({ c, ctx, principal, params }) {
      await ctx.conversations.groupMembers.removeMember(principal.user, params.id, params.username);
      return c.body(null, 204);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/conversations/:id/leave',
    params: ConversationPath,
    summary: 'Leave a group (an owner hands ownership to the next admin, else the longest member)',
    tag,
    auth: true,
    responses: { 204: { description: 'Left' }, ...errors },
    async handler({ c, ctx, principal, params }) {
      await ctx.conversations.groupMembers.leave(principal.user, params.id);
      return c.body(null, 204);
    },
  }),
];
