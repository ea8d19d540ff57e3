import type { Context } from 'hono';
import { z } from 'zod';
import {
  CreatedInviteSchema,
  CreateInviteBody,
  InviteCheckQuery,
  InviteCheckSchema,
  InvitePath,
  InviteSchema,
  RegistrationSchema,
  RegistrationSettingsBody,
  RegistrationSettingsSchema,
} from '../../../protocol/registration-schemas.js';
import { ErrorSchema } from '../../../protocol/schemas.js';
import type { AppEnv, GatewayContext } from '../context.js';
import { defineRoute } from '../route.js';

const tag = 'Registration';

/** The base of links the node hands out: --public-url, else the origin the request came to. */
export function linkBase(c: Context<AppEnv>, ctx: GatewayContext): string {
  if (ctx.config.publicUrl !== null) return ctx.config.publicUrl;
  const scheme = c.get('client').secure ? 'https' : 'http';
  return `${scheme}://${c.req.header('host') ?? `${ctx.config.host}:${ctx.config.port}`}`;
}

/** Registration mode (RG1, RG2) and invites (RG3-RG5). */
export const registrationRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/v1/auth/registration',
    summary:
      'The registration mode (open, invite, closed); a logged-in caller also learns membersCanInvite',
    tag,
    auth: false,
    responses: { 200: { description: 'The mode', schema: RegistrationSchema } },
    async handler({ c, ctx, principal }) {
      const settings = await ctx.registration.settings();
      return c.json(principal ? settings : { mode: settings.mode });
    },
  }),
  defineRoute({
    method: 'put',
    path: '/api/v1/admin/registration',
    summary: 'Change the registration mode or whether members may create invites (server admins)',
    tag,
    auth: true,
    body: RegistrationSettingsBody,
    responses: {
      200: { description: 'The settings now', schema: RegistrationSettingsSchema },
      400: { description: 'invalid_request', schema: ErrorSchema },
      403: { description: 'forbidden (not a server admin)', schema: ErrorSchema },
      409: { description: 'conflict (the mode is fixed by --registration)', schema: ErrorSchema },
    },
    async handler({ c, ctx, principal, body }) {
      return c.json(await ctx.registration.update(principal.user, body));
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/invites',
    summary:
      'Create an invite (admins; members when membersCanInvite); the code is shown only in this answer',
    tag,
    auth: true,
    body: CreateInviteBody,
    responses: {
      201: {
        description: 'The invite with its code and link',
        schema: z.object({ invite: CreatedInviteSchema }),
      },
      400: {
        description: 'invalid_request (expiresInHours 1-720, maxUses 1-1000)',
        schema: ErrorSchema,
      },
      403: { description: 'forbidden (members may not create invites)', schema: ErrorSchema },
    },
    async handler({ c, ctx, principal, body }) {
      const { invite, code } = await ctx.registration.createInvite(principal.user, body);
      return c.json(
        { invite: { ...invite, code, url: `${linkBase(c, ctx)}/invite/${code}` } },
        201,
      );
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/invites',
    summary: 'Invites, newest first: every one for admins, their own for members (at most 500)',
    tag,
    auth: true,
    responses: {
      200: { description: 'The invites', schema: z.object({ invites: z.array(InviteSchema) }) },
    },
    async handler({ c, ctx, principal }) {
      return c.json({ invites: await ctx.registration.listInvites(principal.user) });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/invites/check',
    summary: 'Whether an invite code can be used now (no login needed)',
    tag,
    auth: false,
    query: InviteCheckQuery,
    responses: {
      200: { description: 'Usable', schema: InviteCheckSchema },
      403: {
        description: 'invite_invalid (unknown, used up, revoked or expired)',
        schema: ErrorSchema,
      },
    },
    async handler({ c, ctx, query }) {
      const { expiresAt } = await ctx.registration.checkInvite(query.code);
      return c.json({ valid: true as const, expiresAt });
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/v1/invites/:id',
    summary: 'Revoke an invite (its creator or an admin)',
    tag,
    auth: true,
    params: InvitePath,
    responses: {
      200: { description: 'The revoked invite', schema: z.object({ invite: InviteSchema }) },
      404: { description: 'not_found (unknown, or another member’s)', schema: ErrorSchema },
    },
    async handler({ c, ctx, principal, params }) {
      return c.json({ invite: await ctx.registration.revokeInvite(principal.user, params.id) });
    },
  }),
];
