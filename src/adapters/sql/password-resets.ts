import type { PasswordResetRecord, PasswordsStore } from '../../ports/store.js';
import { sqlAggregate, type SqlExecutor } from './executor.js';
import { num } from './rows.js';

/** Password changes, the sessions they end, and reset links (PasswordsStore) over SQL. */
export const passwordResets = sqlAggregate<PasswordsStore>({
  userWrites: [
    'setPasswordHash',
    'deleteSessionsExcept',
    'createPasswordReset',
    'takePasswordReset',
  ],
  ops({ db }: SqlExecutor): PasswordsStore {
    return {
      async setPasswordHash(userId: string, passwordHash: string, at: number): Promise<void> {
        await db
          .updateTable('users')
          .set({ password_hash: passwordHash, password_changed_at: at })
          .where('id', '=', userId)
          .execute();
      },

      async deleteSessionsExcept(userId: string, keepSessionId: string | null) {
        let sessions = db.selectFrom('sessions').select('id').where('user_id', '=', userId);
        if (keepSessionId !== null) sessions = sessions.where('id', '!=', keepSessionId);
        const ids = (await sessions.execute()).map((r) => r.id);
        if (ids.length === 0) return [];
        await db.deleteFrom('push_subscriptions').where('session_id', 'in', ids).execute();
        const rows = await db
          .deleteFrom('sessions')
          .where('id', 'in', ids)
          .returning('id')
          .execute();
        return rows.map((r) => r.id).sort();
      },

      async createPasswordReset(r: PasswordResetRecord): Promise<void> {
        await db
          .insertInto('password_resets')
          .values({
            token_hash: r.tokenHash,
            user_id: r.userId,
            created_by: r.createdBy,
            created_at: r.createdAt,
            expires_at: r.expiresAt,
            used_at: null,
          })
          .execute();
      },

      async takePasswordReset(tokenHash: string, now: number): Promise<string | null> {
        const row = await db
          .updateTable('password_resets')
          .set({ used_at: now })
          .where('token_hash', '=', tokenHash)
          .where('used_at', 'is', null)
          .where('expires_at', '>', now)
          .returning('user_id')
          .executeTakeFirst();
        return row?.user_id ?? null;
      },

      async countPasswordResets(userId: string, since: number): Promise<number> {
        const row = await db
          .selectFrom('password_resets')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('user_id', '=', userId)
          .where('created_by', 'is', null)
          .where('created_at', '>=', since)
          .executeTakeFirstOrThrow();
        return num(row.n);
      },

      async deleteExpiredPasswordResets(before: number): Promise<number> {
        const result = await db
          .deleteFrom('password_resets')
          .where('expires_at', '<', before)
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      },
    };
  },
});
