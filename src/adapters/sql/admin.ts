import { sql } from 'kysely';
import type {
  AdminStore,
  AdminUserQuery,
  AdminUserRecord,
  AuditInsert,
  AuditRecord,
} from '../../ports/store/admin.js';
import { sqlAggregate, type SqlExecutor } from './executor.js';
import { num, numOrNull } from './rows.js';

/** Server admins, suspension and the audit log (AdminStore) over SQL. */
export const admin = sqlAggregate<AdminStore>({
  userWrites: ['setUserSuspended', 'setUserAdmin', 'insertAuditEntry', 'setMessageDeletedBy'],
  ops(x: SqlExecutor): AdminStore {
    const { db } = x;
    const selectUsers = () =>
      db
        .selectFrom('users')
        .select([
          'users.id',
          'users.username',
          'users.created_at',
          'users.deleted_at',
          'users.admin',
          'users.suspended_at',
          'users.suspended_reason',
          'users.last_seen_at',
          'users.email',
        ])
        .select((eb) =>
          eb
            .selectFrom('sessions')
            .select((inner) => inner.fn.max('sessions.last_seen_at').as('m'))
            .whereRef('sessions.user_id', '=', 'users.id')
            .as('session_seen'),
        );
    type UserRow = Awaited<ReturnType<ReturnType<typeof selectUsers>['executeTakeFirstOrThrow']>>;
    const toAdminUser = (row: UserRow): AdminUserRecord => {
      const seen = numOrNull(row.last_seen_at);
      const sessionSeen = numOrNull(row.session_seen);
      return {
        id: row.id,
        username: row.username,
        createdAt: num(row.created_at),
        deletedAt: numOrNull(row.deleted_at),
        admin: num(row.admin) === 1,
        suspendedAt: numOrNull(row.suspended_at),
        suspendedReason: row.suspended_reason,
        lastSeenAt: seen === null ? sessionSeen : Math.max(seen, sessionSeen ?? 0),
        email: row.email,
      };
    };
    return {
      async listAdminUsers(query: AdminUserQuery): Promise<AdminUserRecord[]> {
        let q = selectUsers();
        if (query.like !== null)
          q = q.where(sql<boolean>`users.username like ${query.like} escape '\\'`);
        if (query.status === 'deleted') q = q.where('users.deleted_at', 'is not', null);
        else if (query.status === 'suspended')
          q = q.where('users.deleted_at', 'is', null).where('users.suspended_at', 'is not', null);
        else if (query.status === 'active')
          q = q.where('users.deleted_at', 'is', null).where('users.suspended_at', 'is', null);
        const after = query.after;
        if (after !== null)
          q = q.where((eb) =>
            eb.or([
              eb('users.username', '>', after.username),
              eb.and([eb('users.username', '=', after.username), eb('users.id', '>', after.id)]),
            ]),
          );
        const rows = await q
          .orderBy('users.username')
          .orderBy('users.id')
          .limit(query.limit)
          .execute();
        return rows.map(toAdminUser);
      },

      async getAdminUser(id: string): Promise<AdminUserRecord | null> {
        const row = await selectUsers().where('users.id', '=', id).executeTakeFirst();
        return row ? toAdminUser(row) : null;
      },

      async setUserSuspended(id: string, at: number | null, reason: string | null): Promise<void> {
        await db
          .updateTable('users')
          .set({ suspended_at: at, suspended_reason: at === null ? null : reason })
          .where('id', '=', id)
          .execute();
      },

      async setUserAdmin(id: string, isAdmin: boolean): Promise<void> {
        await db
          .updateTable('users')
          .set({ admin: isAdmin ? 1 : 0 })
          .where('id', '=', id)
          .execute();
      },

      async lockAdminIds(): Promise<string[]> {
        let q = db
          .selectFrom('users')
          .select('id')
          .where('admin', '=', 1)
          .where('deleted_at', 'is', null)
          .orderBy('id');
        if (x.engine.rowLocks) q = q.forUpdate();
        const rows = await q.execute();
        return rows.map((r) => r.id);
      },

      async insertAuditEntry(entry: AuditInsert): Promise<void> {
        await db
          .insertInto('audit_log')
          .values({
            id: entry.id,
            at: entry.at,
            actor_id: entry.actorId,
            action: entry.action,
            target_user_id: entry.targetUserId,
            target_conversation_id: entry.targetConversationId,
            data: entry.data,
          })
          .execute();
      },

      async listAuditEntries(before: string | null, limit: number): Promise<AuditRecord[]> {
        let q = db
          .selectFrom('audit_log')
          .leftJoin('users as actor', 'actor.id', 'audit_log.actor_id')
          .leftJoin('users as target', 'target.id', 'audit_log.target_user_id')
          .select([
            'audit_log.id',
            'audit_log.at',
            'audit_log.actor_id',
            'actor.username as actor_username',
            'audit_log.action',
            'audit_log.target_user_id',
            'target.username as target_username',
            'audit_log.target_conversation_id',
            'audit_log.data',
          ]);
        if (before !== null) q = q.where('audit_log.id', '<', before);
        const rows = await q.orderBy('audit_log.id', 'desc').limit(limit).execute();
        return rows.map((r) => ({
          id: r.id,
          at: num(r.at),
          actorId: r.actor_id,
          actorUsername: r.actor_username,
          action: r.action,
          targetUserId: r.target_user_id,
          targetUsername: r.target_username,
          targetConversationId: r.target_conversation_id,
          data: r.data,
        }));
      },

      async listUndeletedMessagesOf(userId: string, limit: number) {
        const rows = await db
          .selectFrom('messages')
          .select(['conversation_id', 'seq'])
          .where('sender_id', '=', userId)
          .where('deleted_at', 'is', null)
          .orderBy('conversation_id')
          .orderBy('seq')
          .limit(limit)
          .execute();
        return rows.map((r) => ({ conversationId: r.conversation_id, seq: num(r.seq) }));
      },

      async setMessageDeletedBy(conversationId: string, seq: number, by: string): Promise<void> {
        await db
          .updateTable('messages')
          .set({ deleted_by: by })
          .where('conversation_id', '=', conversationId)
          .where('seq', '=', seq)
          .execute();
      },
    };
  },
});
