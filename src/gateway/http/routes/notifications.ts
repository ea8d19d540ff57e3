import { ConversationPath, ErrorSchema, MuteBody } from '../../../protocol/schemas.js';
import { defineRoute } from '../route.js';

const tag = 'Notifications';

/** Per-conversation mute (rule N3). */
export const notificationRoutes = [
  defineRoute({
    method: 'put',
    path: '/api/v1/conversations/:id/mute',
    params: ConversationPath,
    summary:
      'Mute or unmute a conversation for yourself: a muted one never notifies you (no desktop ' +
      'notification, push or bell); unread and mention counts still show. Your sockets get ' +
      '`conversation.muted`; summaries carry `muted`',
    tag,
    auth: true,
    body: MuteBody,
    responses: {
      200: { description: 'Muted or not, as now stored', schema: MuteBody },
      400: { description: 'invalid_request', schema: ErrorSchema },
      404: { description: 'not_found (also for non-members)', schema: ErrorSchema },
    },
    handler: async ({ c, ctx, principal, params, body }) =>
      c.json({
        muted: await ctx.notifications.setMuted(principal.user, params.id, body.muted),
      }),
  }),
];
