import type { PushStore, PushSubscriptionRecord } from '../../ports/store.js';
import { sqlAggregate, type SqlExecutor } from './executor.js';
import { num } from './rows.js';

type Row = {
  id: string;
  user_id: string;
  session_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  created_at: number | string;
};

function toSubscription(r: Row): PushSubscriptionRecord {
  return {
    id: r.id,
    userId: r.user_id,
    sessionId: r.session_id,
    endpoint: r.endpoint,
    p256dh: r.p256dh,
    auth: r.auth,
    createdAt: num(r.created_at),
  };
}

/** Web Push subscriptions and server secrets (PushStore) over SQL. */
export const push = sqlAggregate<PushStore>({
  // Secrets are the deployment's bookkeeping, not users' data.
  userWrites: [
    'savePushSubscription',
    'deletePushSubscription',
    'deleteSessionPushSubscriptions',
    'deleteUserPushSubscriptions',
  ],
  ops({ db }: SqlExecutor): PushStore {
    return {
      async savePushSubscription(s: PushSubscriptionRecord, maxPerUser: number): Promise<void> {
        const moved = {
          id: s.id,
          user_id: s.userId,
          session_id: s.sessionId,
          p256dh: s.p256dh,
          auth: s.auth,
          created_at: s.createdAt,
        };
        await db
          .insertInto('push_subscriptions')
          .values({ ...moved, endpoint: s.endpoint })
          .onConflict((oc) => oc.column('endpoint').doUpdateSet(moved))
          .execute();
        // The newest `maxPerUser` stay (ids are ULIDs: they order like creation times).
        const kept = db
          .selectFrom('push_subscriptions')
          .select('id')
          .where('user_id', '=', s.userId)
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(maxPerUser);
        await db
          .deleteFrom('push_subscriptions')
          .where('user_id', '=', s.userId)
          .where('id', 'not in', kept)
          .execute();
      },

      async listPushSubscriptions(userIds: string[], now: number) {
        if (userIds.length === 0) return [];
        const rows = await db
          .selectFrom('push_subscriptions as p')
          .innerJoin('sessions as s', 's.id', 'p.session_id')
          .selectAll('p')
          .where('p.user_id', 'in', userIds)
          .where('s.expires_at', '>', now)
          .orderBy('p.created_at')
          .orderBy('p.id')
          .execute();
        return rows.map(toSubscription);
      },

      async deletePushSubscription(endpoint: string, userId?: string): Promise<boolean> {
        let q = db.deleteFrom('push_subscriptions').where('endpoint', '=', endpoint);
        if (userId !== undefined) q = q.where('user_id', '=', userId);
        const result = await q.executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      },

      async deleteSessionPushSubscriptions(sessionId: string): Promise<number> {
        const result = await db
          .deleteFrom('push_subscriptions')
          .where('session_id', '=', sessionId)
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      },

      async deleteUserPushSubscriptions(userId: string): Promise<number> {
        const result = await db
          .deleteFrom('push_subscriptions')
          .where('user_id', '=', userId)
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      },

      async deleteOrphanPushSubscriptions(): Promise<number> {
        const result = await db
          .deleteFrom('push_subscriptions')
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('sessions')
                  .select('sessions.id')
                  .whereRef('sessions.id', '=', 'push_subscriptions.session_id'),
              ),
            ),
          )
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      },

      async ensureServerSecret(name: string, value: string, at: number): Promise<string> {
        await db
          .insertInto('server_secrets')
          .values({ name, value, created_at: at })
          .onConflict((oc) => oc.column('name').doNothing())
          .execute();
        const row = await db
          .selectFrom('server_secrets')
          .select('value')
          .where('name', '=', name)
          .executeTakeFirstOrThrow();
        return row.value;
      },
    };
  },
});
