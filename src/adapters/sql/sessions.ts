import type { Session } from '../../domain/model.js';
import type { SessionsStore } from '../../ports/store.js';
import { sqlAggregate, type SqlExecutor } from './executor.js';
import { toSession } from './rows.js';

/** Login sessions (SessionsStore) over SQL. */
export const sessions = sqlAggregate<SessionsStore>({
  // Touches and purges are the node's bookkeeping: they go on while users' writes are refused.
  userWrites: ['createSession', 'deleteSession', 'deleteUserSessions'],
  ops({ db }: SqlExecutor): SessionsStore {
    return {
      async createSession(session: Session): Promise<void> {
        await db
          .insertInto('sessions')
          .values({
            id: session.id,
            user_id: session.userId,
            token_hash: session.tokenHash,
            created_at: session.createdAt,
            expires_at: session.expiresAt,
            last_seen_at: session.lastSeenAt,
          })
          .execute();
      },

      async getSessionByTokenHash(tokenHash: string): Promise<Session | null> {
        const row = await db
          .selectFrom('sessions')
          .selectAll()
          .where('token_hash', '=', tokenHash)
          .executeTakeFirst();
        return row ? toSession(row) : null;
      },

      async touchSession(id: string, at: number): Promise<void> {
        await db.updateTable('sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
      },

      async deleteSession(id: string): Promise<void> {
        await db.deleteFrom('sessions').where('id', '=', id).execute();
      },

      async deleteUserSessions(userId: string): Promise<void> {
        await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
      },

      async deleteExpiredSessions(now: number): Promise<number> {
        const result = await db
          .deleteFrom('sessions')
          .where('expires_at', '<=', now)
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      },

      async liveSessionIds(ids: string[], now: number): Promise<string[]> {
        if (ids.length === 0) return [];
        const rows = await db
          .selectFrom('sessions')
          .select('id')
          .where('id', 'in', ids)
          .where('expires_at', '>', now)
          .execute();
        return rows.map((r) => r.id);
      },
    };
  },
});
