import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { AppError, isAppError } from '../../../domain/errors.js';
import {
  AvatarPath,
  AvatarQuery,
  ProfileBody,
  ProfileSchema,
  ProfilesQuery,
} from '../../../protocol/profile-schemas.js';
import { ErrorSchema, UserPath } from '../../../protocol/schemas.js';
import { AVATAR_MAX_BYTES, DISPLAY_NAME_MAX, STATUS_TEXT_MAX } from '../../../services/profiles.js';
import { defineRoute } from '../route.js';

const tag = 'Profiles';
/** The avatar upload: its body is the image's raw bytes, exempt from the JSON body rules (S8). */
export const AVATAR_PATH = '/api/v1/me/avatar';
const One = z.object({ profile: ProfileSchema });
const invalid = {
  description: 'invalid_request (details.field, details.reason)',
  schema: ErrorSchema,
};

/** Profiles: display name, status, avatar and last seen (rules PR1-PR7). */
export const profileRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/v1/users/:username/profile',
    params: UserPath,
    summary:
      "A user's profile: displayName, statusText, avatarUrl, online, and lastSeenAt (null when they " +
      'hide it or were never seen)',
    tag,
    auth: true,
    responses: {
      200: { description: 'The profile', schema: One },
      404: { description: 'not_found', schema: ErrorSchema },
    },
    handler: async ({ c, ctx, principal, params }) =>
      c.json({ profile: await ctx.profiles.byUsername(principal.user, params.username) }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/profiles',
    query: ProfilesQuery,
    summary:
      'Profiles of up to 100 users by id (?ids=a,b,c), in the order asked; unknown ids are left out, ' +
      'a deleted user reads as [deleted]',
    tag,
    auth: true,
    responses: {
      200: { description: 'The profiles', schema: z.object({ profiles: z.array(ProfileSchema) }) },
      400: invalid,
    },
    handler: async ({ c, ctx, principal, query }) =>
      c.json({
        profiles: await ctx.profiles.byIds(principal.user, query.ids.split(',')),
      }),
  }),
  defineRoute({
    method: 'patch',
    path: '/api/v1/me/profile',
    body: ProfileBody,
    summary:
      `Change your display name (1-${DISPLAY_NAME_MAX} characters) and status text (at most ` +
      `${STATUS_TEXT_MAX}); trimmed, one line; null or blank clears; fields left out keep their value`,
    tag,
    auth: true,
    responses: { 200: { description: 'Your profile', schema: One }, 400: invalid },
    handler: async ({ c, ctx, principal, body }) =>
      c.json({ profile: await ctx.profiles.update(principal.user, body) }),
  }),
  defineRoute({
    method: 'put',
    path: AVATAR_PATH,
    summary:
      `Set your avatar: the body is the image's raw bytes (JPEG, PNG, WebP or GIF, at most ` +
      `${AVATAR_MAX_BYTES} bytes), re-encoded to a 256x256 WebP without metadata`,
    tag,
    auth: true,
    rawBody: { contentType: 'application/octet-stream', description: "The image's bytes" },
    responses: {
      200: { description: 'Your profile', schema: One },
      400: { description: 'invalid_request (empty body)', schema: ErrorSchema },
      413: { description: 'payload_too_large (details.max: bytes)', schema: ErrorSchema },
      415: {
        description: 'unsupported_media_type (not an image that decodes)',
        schema: ErrorSchema,
      },
    },
    async handler({ c, ctx, principal }) {
      const incoming = c.env.incoming;
      try {
        const profile = await ctx.profiles.setAvatar(principal.user, {
          declaredBytes: declaredLength(incoming),
          body: incoming,
        });
        return c.json({ profile });
      } catch (err) {
        if (!incoming.complete) c.header('connection', 'close');
        if (isAppError(err) || !incoming.destroyed) throw err;
        throw new AppError('invalid_request', 'the upload was interrupted', { cause: err });
      }
    },
  }),
  defineRoute({
    method: 'delete',
    path: AVATAR_PATH,
    summary: 'Remove your avatar (a generated one shows instead)',
    tag,
    auth: true,
    responses: { 200: { description: 'Your profile', schema: One } },
    handler: async ({ c, ctx, principal }) =>
      c.json({ profile: await ctx.profiles.removeAvatar(principal.user) }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/users/:id/avatar',
    params: AvatarPath,
    query: AvatarQuery,
    summary:
      "A user's avatar (image/webp, 256x256). With ?v= (as avatarUrl gives it) cached for ever: a new " +
      'upload changes the URL',
    tag,
    auth: true,
    responses: {
      200: { description: 'The image (image/webp)' },
      404: { description: 'not_found (no avatar)', schema: ErrorSchema },
    },
    async handler({ ctx, params, query }) {
      const file = await ctx.profiles.avatar(params.id);
      return new Response(file.data, {
        status: 200,
        headers: {
          'content-type': file.contentType,
          'content-length': String(file.size),
          'x-content-type-options': 'nosniff',
          'content-security-policy': "sandbox; default-src 'none'",
          'cache-control':
            query.v === file.version ? 'private, max-age=31536000, immutable' : 'private, no-cache',
        },
      });
    },
  }),
];

/** Content-Length as a number; null when absent (chunked); a malformed one is refused. */
function declaredLength(incoming: IncomingMessage): number | null {
  const header = incoming.headers['content-length'];
  if (header === undefined) return null;
  if (!/^\d{1,16}$/.test(header))
    throw new AppError('invalid_request', 'Content-Length must be a number');
  return Number(header);
}
