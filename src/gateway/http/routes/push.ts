import { z } from 'zod';
import { ErrorSchema, PushSubscriptionBody } from '../../../protocol/schemas.js';
import { defineRoute } from '../route.js';

const tag = 'Notifications';
const PushKey = z.object({ publicKey: z.string() });
const UnsubscribeBody = z.object({ endpoint: z.string().min(1).max(2048) });

/** Web Push (rules N5-N7): the VAPID key to subscribe with, and the session's subscriptions. */
export const pushRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/v1/push/key',
    summary:
      "The deployment's VAPID public key (base64url), the applicationServerKey of " +
      'PushManager.subscribe; the same on every node',
    tag,
    auth: true,
    responses: { 200: { description: 'The key', schema: PushKey } },
    handler: async ({ c, ctx }) => c.json({ publicKey: await ctx.push.publicKey() }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/push/subscriptions',
    summary:
      "Register this browser's PushSubscription (its toJSON()) for the current session; an " +
      'endpoint registered before moves here. Endpoints must be https URLs; keys.p256dh a P-256 ' +
      'public key, keys.auth 16 bytes (base64url). At most 20 per user: the oldest is dropped. ' +
      'Logging out deletes the session\u2019s subscriptions',
    tag,
    auth: true,
    body: PushSubscriptionBody,
    responses: {
      201: { description: 'Stored', schema: z.object({}) },
      400: { description: 'invalid_request (endpoint or keys)', schema: ErrorSchema },
    },
    async handler({ c, ctx, principal, body }) {
      await ctx.push.subscribe(principal, body);
      return c.json({}, 201);
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/v1/push/subscriptions',
    summary: 'Forget one of your push subscriptions, by endpoint (idempotent)',
    tag,
    auth: true,
    body: UnsubscribeBody,
    responses: {
      204: { description: 'Gone (or never stored)' },
      400: { description: 'invalid_request', schema: ErrorSchema },
    },
    async handler({ c, ctx, principal, body }) {
      await ctx.push.unsubscribe(principal.user, body.endpoint);
      return c.body(null, 204);
    },
  }),
];
