import { sql } from 'kysely';
import type { AccountStatus, User, UserSettings, UserWithSecret } from '../../domain/model.js';
import type { UserQuery, UsersStore } from '../../ports/store.js';
import { insertUnique, sqlAggregate, type SqlExecutor } from './executor.js';
import { num, toUser, toUserWithSecret } from './rows.js';

/** The columns of a user without its password hash. */
const PUBLIC_COLUMNS = ['id', 'username', 'created_at', 'deleted_at'] as const;

/** Accounts (UsersStore) over SQL. */
export const users = sqlAggregate<UsersStore>({
  userWrites: ['createUser', 'markUserDeleted', 'updateUserSettings'],
  ops(x: SqlExecutor): UsersStore {
    const { db } = x;
    const getUserSettings = async (id: string): Promise<UserSettings | null> => {
      const row = await db
        .selectFrom('users')
        .select(['share_read_markers', 'dnd_until', 'share_last_seen', 'email'])
        .where('id', '=', id)
        .executeTakeFirst();
      return row
        ? {
            shareReadMarkers: num(row.share_read_markers) === 1,
            doNotDisturbUntil: row.dnd_until === null ? null : num(row.dnd_until),
            shareLastSeen: num(row.share_last_seen) === 1,
            email: row.email,
          }
        : null;
    };
    return {
      async createUser(user: UserWithSecret): Promise<User> {
        await insertUnique(x, 'username', () =>
          db
            .insertInto('users')
            .values({
              id: user.id,
              username: user.username,
              password_hash: user.passwordHash,
              created_at: user.createdAt,
              deleted_at: null,
            })
            .execute(),
        );
        return { id: user.id, username: user.username, createdAt: user.createdAt, deletedAt: null };
      },

      async getUserById(id: string): Promise<User | null> {
        const row = await db
          .selectFrom('users')
          .select(PUBLIC_COLUMNS)
          .where('id', '=', id)
          .executeTakeFirst();
        return row ? toUser(row) : null;
      },

      async getUserByUsername(username: string): Promise<User | null> {
        const row = await db
          .selectFrom('users')
          .select(PUBLIC_COLUMNS)
          .where('username', '=', username)
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        return row ? toUser(row) : null;
      },

      async getAccountStatus(id: string): Promise<AccountStatus | null> {
        const row = await db
          .selectFrom('users')
          .select(['admin', 'suspended_at'])
          .where('id', '=', id)
          .executeTakeFirst();
        return row
          ? {
              admin: num(row.admin) === 1,
              suspendedAt: row.suspended_at === null ? null : num(row.suspended_at),
            }
          : null;
      },

      async getUserSecretByUsername(username: string): Promise<UserWithSecret | null> {
        const row = await db
          .selectFrom('users')
          .selectAll()
          .where('username', '=', username)
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        return row ? toUserWithSecret(row) : null;
      },

      async getUserSecretById(id: string): Promise<UserWithSecret | null> {
        const row = await db
          .selectFrom('users')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirst();
        return row ? toUserWithSecret(row) : null;
      },

      async searchUsers(query: UserQuery): Promise<User[]> {
        let q = db.selectFrom('users').select(PUBLIC_COLUMNS).where('deleted_at', 'is', null);
        if (query.like !== null) q = q.where(sql<boolean>`username like ${query.like} escape '\\'`);
        if (query.afterUsername !== null) q = q.where('username', '>', query.afterUsername);
        const rows = await q.orderBy('username').limit(query.limit).execute();
        return rows.map(toUser);
      },

      async markUserDeleted(id: string, at: number): Promise<void> {
        await db.updateTable('users').set({ deleted_at: at }).where('id', '=', id).execute();
      },

      getUserSettings,

      async updateUserSettings(
        id: string,
        patch: Partial<UserSettings>,
      ): Promise<UserSettings | null> {
        const set: {
          share_read_markers?: number;
          dnd_until?: number | null;
          share_last_seen?: number;
          email?: string | null;
        } = {};
        if (patch.shareReadMarkers !== undefined)
          set.share_read_markers = patch.shareReadMarkers ? 1 : 0;
        if (patch.doNotDisturbUntil !== undefined) set.dnd_until = patch.doNotDisturbUntil;
        if (patch.shareLastSeen !== undefined) set.share_last_seen = patch.shareLastSeen ? 1 : 0;
        if (patch.email !== undefined) set.email = patch.email;
        if (Object.keys(set).length > 0)
          await db.updateTable('users').set(set).where('id', '=', id).execute();
        return getUserSettings(id);
      },

      async usersInDoNotDisturb(ids: string[], now: number): Promise<Set<string>> {
        if (ids.length === 0) return new Set();
        const rows = await db
          .selectFrom('users')
          .select('id')
          .where('id', 'in', ids)
          .where('dnd_until', '>', now)
          .execute();
        return new Set(rows.map((r) => r.id));
      },

      async usersHidingReadMarkers(ids: string[]): Promise<Set<string>> {
        if (ids.length === 0) return new Set();
        const rows = await db
          .selectFrom('users')
          .select('id')
          .where('id', 'in', ids)
          .where('share_read_markers', '=', 0)
          .execute();
        return new Set(rows.map((r) => r.id));
      },
    };
  },
});
