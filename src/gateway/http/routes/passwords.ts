import { z } from 'zod';
import { AppError } from '../../../domain/errors.js';
import {
  ChangePasswordBody,
  ForgotPasswordBody,
  IssuedResetSchema,
  IssueResetBody,
  PasswordResetBody,
  UserIdPath,
} from '../../../protocol/registration-schemas.js';
import { ErrorSchema } from '../../../protocol/schemas.js';
import { clientIp } from '../context.js';
import { defineRoute } from '../route.js';
import { linkBase } from './registration.js';

const tag = 'Passwords';

/** Password change (RG6), admin-issued reset links (RG8), forgot password by mail (RG9). */
export const passwordRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/v1/me/password',
    summary:
      "Change the password; the user's other sessions end (their sockets close), this one stays",
    tag,
    auth: true,
    body: ChangePasswordBody,
    responses: {
      204: { description: 'Changed' },
      400: { description: 'invalid_request (new password 8-128 characters)', schema: ErrorSchema },
      403: { description: 'forbidden (wrong current password)', schema: ErrorSchema },
      429: { description: 'rate_limited (failed password checks)', schema: ErrorSchema },
    },
    async handler({ c, ctx, principal, body }) {
      await ctx.passwords.change(principal, body.currentPassword, body.newPassword, {
        ip: clientIp(c),
      });
      return c.body(null, 204);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/admin/users/:id/password-reset',
    summary:
      'Issue a one-time reset link for a user (server admins; 1 hour); with send, also mail it when SMTP is configured',
    tag,
    auth: true,
    params: UserIdPath,
    body: IssueResetBody,
    responses: {
      201: {
        description: 'The link, when it expires, and whether it was mailed',
        schema: IssuedResetSchema,
      },
      403: { description: 'forbidden (not a server admin)', schema: ErrorSchema },
      404: { description: 'not_found (unknown or deleted user)', schema: ErrorSchema },
    },
    async handler({ c, ctx, principal, params, body }) {
      const issued = await ctx.passwords.issueReset(principal.user, params.id, {
        send: body.send === true,
        origin: linkBase(c, ctx),
      });
      return c.json(issued, 201);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/auth/password-reset',
    summary: 'Set a new password with a reset token; every session of the user ends',
    tag,
    auth: false,
    body: PasswordResetBody,
    responses: {
      204: { description: 'Password set' },
      400: {
        description:
          'reset_invalid (unknown, used or expired token), invalid_request (password 8-128)',
        schema: ErrorSchema,
      },
      429: { description: 'rate_limited', schema: ErrorSchema },
    },
    async handler({ c, ctx, body }) {
      // The same bucket as login: a token guesser is slowed like a password guesser.
      if (!ctx.limiters.login.take(clientIp(c)))
        throw new AppError('rate_limited', 'too many attempts; try later');
      await ctx.passwords.reset(body.token, body.password);
      return c.body(null, 204);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/auth/forgot',
    summary:
      'Ask for a reset link by mail; always 202 (whether the account exists, has an email, or mail is configured is not told)',
    tag,
    auth: false,
    body: ForgotPasswordBody,
    responses: {
      202: { description: 'Accepted', schema: z.object({}) },
      429: { description: 'rate_limited (10 requests per address per hour)', schema: ErrorSchema },
    },
    handler({ c, ctx, body }) {
      ctx.passwords.forgot(body.username, { ip: clientIp(c) });
      return c.json({}, 202);
    },
  }),
];
