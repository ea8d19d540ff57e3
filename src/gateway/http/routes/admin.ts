import type { AdminUserRecord, AuditRecord } from '../../../ports/store.js';
import {
  AdminUserPath,
  AdminUserResponse,
  AdminUsersQuery,
  AdminUsersResponse,
  AuditQuery,
  AuditResponse,
  DeleteUserQuery,
  SuspendBody,
} from '../../../protocol/admin-schemas.js';
import { ErrorSchema } from '../../../protocol/schemas.js';
import { defineRoute, type ResponseSpec } from '../route.js';

const tag = 'Admin';
const refusals: Record<number, ResponseSpec> = {
  401: { description: 'unauthorized', schema: ErrorSchema },
  403: { description: 'forbidden (not a server admin)', schema: ErrorSchema },
};
const onUser: Record<number, ResponseSpec> = {
  ...refusals,
  400: { description: 'invalid_request', schema: ErrorSchema },
  404: { description: 'not_found (no such user)', schema: ErrorSchema },
};

/** An account as the admin routes answer it (rule AD3). */
function adminUserDto(u: AdminUserRecord) {
  return {
    id: u.id,
    username: u.username,
    createdAt: u.createdAt,
    deletedAt: u.deletedAt,
    admin: u.admin,
    suspendedAt: u.suspendedAt,
    suspendedReason: u.suspendedReason,
    lastSeenAt: u.lastSeenAt,
    email: u.email,
  };
}

function auditDto(e: AuditRecord) {
  let data: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(e.data);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      data = parsed as Record<string, unknown>;
  } catch {
    // A row written by hand: shown without details rather than failing the page.
  }
  return {
    id: e.id,
    at: e.at,
    actor:
      e.actorId === null ? null : { userId: e.actorId, username: e.actorUsername ?? '[deleted]' },
    action: e.action,
    targetUser:
      e.targetUserId === null
        ? null
        : { userId: e.targetUserId, username: e.targetUsername ?? '[deleted]' },
    targetConversationId: e.targetConversationId,
    data,
  };
}

/** Server administration (rules AD3-AD8): users, suspension, deletion, the admin role, audit. */
export const adminRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/v1/admin/users',
    summary:
      'Server admins: list accounts by username (q as in GET /users; status active|suspended|deleted), with last activity and email',
    tag,
    auth: true,
    query: AdminUsersQuery,
    responses: {
      200: {
        description: 'A page of accounts; `next` is the cursor of the next',
        schema: AdminUsersResponse,
      },
      400: { description: 'invalid_request', schema: ErrorSchema },
      ...refusals,
    },
    async handler({ c, ctx, principal, query }) {
      const page = await ctx.admin.listUsers(principal.user, {
        q: query.q ?? '',
        after: query.after ?? null,
        limit: query.limit ?? 50,
        status: query.status ?? null,
      });
      return c.json({ users: page.users.map(adminUserDto), next: page.next });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/admin/users/:id',
    params: AdminUserPath,
    summary: 'Server admins: one account by id (deleted ones too)',
    tag,
    auth: true,
    responses: { 200: { description: 'The account', schema: AdminUserResponse }, ...onUser },
    async handler({ c, ctx, principal, params }) {
      const user = await ctx.admin.getUser(principal.user, params.id);
      return c.json({ user: adminUserDto(user) });
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/admin/users/:id/suspend',
    params: AdminUserPath,
    body: SuspendBody,
    summary:
      'Server admins: suspend an account (its sessions end, its sockets close on every node with 4004, its logins are refused with account_suspended)',
    tag,
    auth: true,
    responses: {
      200: { description: 'The suspended account', schema: AdminUserResponse },
      ...onUser,
      409: {
        description: 'conflict (yourself, an admin, or a deleted account)',
        schema: ErrorSchema,
      },
    },
    async handler({ c, ctx, principal, params, body }) {
      const user = await ctx.admin.suspend(principal.user, params.id, body.reason?.trim() || null);
      return c.json({ user: adminUserDto(user) });
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/admin/users/:id/unsuspend',
    params: AdminUserPath,
    summary: 'Server admins: lift a suspension',
    tag,
    auth: true,
    responses: {
      200: { description: 'The account', schema: AdminUserResponse },
      ...onUser,
      409: { description: 'conflict (a deleted account)', schema: ErrorSchema },
    },
    async handler({ c, ctx, principal, params }) {
      const user = await ctx.admin.unsuspend(principal.user, params.id);
      return c.json({ user: adminUserDto(user) });
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/v1/admin/users/:id',
    params: AdminUserPath,
    query: DeleteUserQuery,
    summary:
      'Server admins: delete an account as rule A6 does; messages=keep (default) leaves their messages under "[deleted]", messages=erase erases each as a deletion by the admin',
    tag,
    auth: true,
    responses: {
      204: { description: 'Deleted' },
      ...onUser,
      409: { description: 'conflict (yourself or an admin)', schema: ErrorSchema },
    },
    async handler({ c, ctx, principal, params, query }) {
      await ctx.admin.deleteUser(principal.user, params.id, query.messages ?? 'keep');
      return c.body(null, 204);
    },
  }),
  defineRoute({
    method: 'put',
    path: '/api/v1/admin/users/:id/admin',
    params: AdminUserPath,
    summary: 'Server admins: make the account a server admin',
    tag,
    auth: true,
    responses: {
      200: { description: 'The account', schema: AdminUserResponse },
      ...onUser,
      409: { description: 'conflict (a deleted or suspended account)', schema: ErrorSchema },
    },
    async handler({ c, ctx, principal, params }) {
      const user = await ctx.admin.setAdminBy(principal.user, params.id, true);
      return c.json({ user: adminUserDto(user) });
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/v1/admin/users/:id/admin',
    params: AdminUserPath,
    summary: 'Server admins: revoke the server admin role (never the last admin)',
    tag,
    auth: true,
    responses: {
      200: { description: 'The account', schema: AdminUserResponse },
      ...onUser,
      409: { description: 'conflict (the last admin, or a deleted account)', schema: ErrorSchema },
    },
    async handler({ c, ctx, principal, params }) {
      const user = await ctx.admin.setAdminBy(principal.user, params.id, false);
      return c.json({ user: adminUserDto(user) });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/admin/audit',
    summary: 'Server admins: the audit log, newest first; page with ?before=<nextBefore>',
    tag,
    auth: true,
    query: AuditQuery,
    responses: {
      200: { description: 'A page of entries', schema: AuditResponse },
      400: { description: 'invalid_request', schema: ErrorSchema },
      ...refusals,
    },
    async handler({ c, ctx, principal, query }) {
      const page = await ctx.admin.auditPage(
        principal.user,
        query.before ?? null,
        query.limit ?? 50,
      );
      return c.json({ entries: page.entries.map(auditDto), nextBefore: page.nextBefore });
    },
  }),
];
