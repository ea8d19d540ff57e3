import { sql } from 'kysely';
import type { User, UserWithSecret } from '../../domain/model.js';
import type { UserQuery, UsersStore } from '../../ports/store.js';
import { insertUnique, sqlAggregate, type SqlExecutor } from './executor.js';
import { toUser, toUserWithSecret } from './rows.js';

/** The columns of a user without its password hash. */
const PUBLIC_COLUMNS = ['id', 'username', 'created_at', 'deleted_at'] as const;

/** Accounts (UsersStore) over SQL. */
export const users = sqlAggregate<UsersStore>({
  userWrites: ['createUser', 'markUserDeleted'],
  ops(x: SqlExecutor): UsersStore {
    const { db } = x;
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
    };
  },
});
