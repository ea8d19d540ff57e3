import { setCookie, deleteCookie } from 'hono/cookie';
import { AppError } from '../../../domain/errors.js';
import {
  CredentialsBody,
  DeleteAccountBody,
  ErrorSchema,
  UserSchema,
} from '../../../protocol/schemas.js';
import { z } from 'zod';
import { TokenSchema } from '../../../protocol/registration-schemas.js';
import { clientIp } from '../context.js';
import { SESSION_COOKIE } from '../origin.js';
import { defineRoute } from '../route.js';

const tag = 'Accounts';
const LoginResponse = z.object({ token: z.string(), user: UserSchema });
/** Registration: the credentials, and the invite code in invite-only mode (rule RG2). */
const RegisterBody = CredentialsBody.extend({ invite: TokenSchema.optional() });

/** Registration, login, logout and the current account. */
export const authRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/v1/auth/register',
    summary: 'Register a new account (username 3-32 of a-z 0-9 _ . -, password 8-128 characters)',
    tag,
    auth: false,
    body: RegisterBody,
    responses: {
      201: { description: 'The new user', schema: z.object({ user: UserSchema }) },
      400: { description: 'invalid_request', schema: ErrorSchema },
      403: {
        description:
          'origin_not_allowed (a browser on a foreign origin), registration_closed (closed, or invite-only without a code), invite_invalid',
        schema: ErrorSchema,
      },
      409: { description: 'username_taken', schema: ErrorSchema },
      415: {
        description: 'unsupported_media_type (the body is not application/json)',
        schema: ErrorSchema,
      },
      429: { description: 'rate_limited', schema: ErrorSchema },
      503: { description: 'unavailable (too many password checks at once)', schema: ErrorSchema },
    },
    async handler({ c, ctx, body }) {
      if (!ctx.limiters.register.take(clientIp(c)))
        throw new AppError('rate_limited', 'too many registrations; try later');
      const user = await ctx.registration.register(body.username, body.password, body.invite);
      return c.json({ user }, 201);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/auth/login',
    summary: 'Log in; returns a session token and sets an HttpOnly session cookie',
    tag,
    auth: false,
    body: CredentialsBody,
    responses: {
      200: { description: 'Session token and user', schema: LoginResponse },
      401: {
        description: 'invalid_credentials (same answer for unknown user and wrong password)',
        schema: ErrorSchema,
      },
      403: {
        description:
          'origin_not_allowed (a browser on a foreign origin); account_suspended (right password, suspended account)',
        schema: ErrorSchema,
      },
      415: {
        description: 'unsupported_media_type (the body is not application/json)',
        schema: ErrorSchema,
      },
      429: {
        description:
          'rate_limited (login attempts, or failed password checks of the account or address)',
        schema: ErrorSchema,
      },
      503: { description: 'unavailable (too many password checks at once)', schema: ErrorSchema },
    },
    async handler({ c, ctx, body }) {
      if (!ctx.limiters.login.take(clientIp(c)))
        throw new AppError('rate_limited', 'too many login attempts; try later');
      const { token, principal } = await ctx.accounts.login(body.username, body.password, {
        ip: clientIp(c),
      });
      setCookie(c, SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'Strict',
        path: '/',
        maxAge: ctx.config.limits.sessionDays * 86_400,
        // Over TLS (to the node or to a trusted proxy, rule S10) the cookie never travels in clear.
        secure: c.get('client').secure,
      });
      return c.json({ token, user: principal.user }, 200);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/auth/logout',
    summary: "Log out: revokes this session's token and closes its sockets",
    tag,
    auth: true,
    responses: {
      204: { description: 'Logged out' },
      401: { description: 'unauthorized', schema: ErrorSchema },
    },
    async handler({ c, ctx, principal }) {
      await ctx.accounts.logout(principal);
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      return c.body(null, 204);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/me',
    summary: 'The current user, and whether they are a server admin',
    tag,
    auth: true,
    responses: {
      200: {
        description: 'The user',
        schema: z.object({ user: UserSchema, admin: z.boolean() }),
      },
    },
    handler: async ({ c, ctx, principal }) =>
      c.json({ user: principal.user, admin: await ctx.admin.isAdmin(principal.user.id) }),
  }),
  defineRoute({
    method: 'delete',
    path: '/api/v1/me',
    summary:
      'Delete the account (password confirmation); see docs/SPEC.md A6 for what happens to groups and messages',
    tag,
    auth: true,
    body: DeleteAccountBody,
    responses: {
      204: { description: 'Deleted' },
      403: { description: 'forbidden (wrong password)', schema: ErrorSchema },
      429: {
        description: 'rate_limited (failed password checks of the account or address)',
        schema: ErrorSchema,
      },
    },
    async handler({ c, ctx, principal, body }) {
      await ctx.accounts.deleteAccount(principal, body.password, { ip: clientIp(c) });
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      return c.body(null, 204);
    },
  }),
];
