import { z } from 'zod';
import { ErrorSchema, UserSettingsBody, UserSettingsSchema } from '../../../protocol/schemas.js';
import { defineRoute } from '../route.js';

const tag = 'Accounts';
const Settings = z.object({ settings: UserSettingsSchema });

/** The current user's own settings (rule R9). */
export const settingsRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/v1/me/settings',
    summary:
      'Your settings: shareReadMarkers (default true: others see how far you have read) and ' +
      'doNotDisturbUntil (epoch ms until which nothing notifies you; null: off)',
    tag,
    auth: true,
    responses: { 200: { description: 'The settings', schema: Settings } },
    handler: async ({ c, ctx, principal }) =>
      c.json({ settings: await ctx.settings.get(principal.user) }),
  }),
  defineRoute({
    method: 'patch',
    path: '/api/v1/me/settings',
    summary:
      'Change your settings (fields left out keep their value). With shareReadMarkers false, others see ' +
      'your lastReadSeq as 0 and get no receipts of yours. doNotDisturbUntil: an epoch ms time at most ten ' +
      'years ahead (a past time is off), or null to turn do-not-disturb off',
    tag,
    auth: true,
    body: UserSettingsBody,
    responses: {
      200: { description: 'The settings', schema: Settings },
      400: { description: 'invalid_request', schema: ErrorSchema },
    },
    handler: async ({ c, ctx, principal, body }) =>
      c.json({ settings: await ctx.settings.update(principal.user, body) }),
  }),
];
