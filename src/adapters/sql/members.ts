import { sql } from 'kysely';
import type { ConversationKind, Member, Role } from '../../domain/model.js';
import {
  RecordNotFoundError,
  type ConversationCursor,
  type MembersStore,
  type MemberView,
} from '../../ports/store.js';
import { sqlAggregate, type SqlExecutor } from './executor.js';
import { num, toMember } from './rows.js';

/** Memberships (MembersStore) over SQL. */
export const members = sqlAggregate<MembersStore>({
  userWrites: [
    'addMember',
    'removeMember',
    'setMemberRole',
    'raiseReadMarker',
    'setMuted',
    'setHistoryFrom',
    'setMutedUntil',
  ],
  ops(x: SqlExecutor): MembersStore {
    const { db } = x;
    const withUsers = () =>
      db
        .selectFrom('members')
        .innerJoin('users', 'users.id', 'members.user_id')
        .selectAll('members')
        .select(['users.username', 'users.deleted_at']);
    const byMember = (conversationId: string, userId: string) =>
      db
        .updateTable('members')
        .where('conversation_id', '=', conversationId)
        .where('user_id', '=', userId);

    return {
      async addMember(m): Promise<void> {
        await db
          .insertInto('members')
          .values({
            conversation_id: m.conversationId,
            user_id: m.userId,
            role: m.role,
            joined_at: m.joinedAt,
            last_read_seq: m.lastReadSeq,
            history_from: m.historyFrom ?? 0,
            muted_until: m.mutedUntil ?? null,
          })
          .execute();
      },

      async setHistoryFrom(conversationId: string, userId: string, seq: number): Promise<void> {
        await byMember(conversationId, userId).set({ history_from: seq }).execute();
      },

      async setMutedUntil(
        conversationId: string,
        userId: string,
        until: number | null,
      ): Promise<void> {
        await byMember(conversationId, userId).set({ muted_until: until }).execute();
      },

      async getMember(conversationId: string, userId: string): Promise<Member | null> {
        // Every read of a conversation checks membership first: compiled once.
        const { rows } = await x.prepared(
          'getMember',
          (c: string, u: string) =>
            withUsers().where('members.conversation_id', '=', c).where('members.user_id', '=', u),
          conversationId,
          userId,
        );
        const row = rows[0];
        return row ? toMember(row) : null;
      },

      async listMembers(conversationId: string): Promise<Member[]> {
        const rows = await withUsers()
          .where('members.conversation_id', '=', conversationId)
          .orderBy('members.joined_at')
          .orderBy('users.username')
          .execute();
        return rows.map(toMember);
      },

      async listMemberIds(conversationId: string): Promise<string[]> {
        const { rows } = await x.prepared(
          'listMemberIds',
          (c: string) =>
            db.selectFrom('members').select('user_id').where('conversation_id', '=', c),
          conversationId,
        );
        return rows.map((r) => r.user_id);
      },

      async getMemberView(conversationId: string, userId: string): Promise<MemberView | null> {
        const { rows } = await x.prepared(
          'getMemberView',
          (c: string, u: string) =>
            db
              .selectFrom('members as m')
              .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
              .select(['m.role', 'c.kind', 'm.muted_until'])
              .select((eb) =>
                eb
                  .selectFrom('members as mm')
                  .select(eb.fn.countAll<number>().as('n'))
                  .whereRef('mm.conversation_id', '=', 'c.id')
                  .as('member_count'),
              )
              .where('m.conversation_id', '=', c)
              .where('m.user_id', '=', u),
          conversationId,
          userId,
        );
        const row = rows[0];
        if (!row) return null;
        return {
          role: row.role as Role,
          kind: row.kind as ConversationKind,
          memberCount: num(row.member_count ?? 0),
          mutedUntil: row.muted_until === null ? null : num(row.muted_until),
        };
      },

      async countMembers(conversationId: string): Promise<number> {
        const row = await db
          .selectFrom('members')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('conversation_id', '=', conversationId)
          .executeTakeFirstOrThrow();
        return num(row.n);
      },

      async removeMember(conversationId: string, userId: string): Promise<void> {
        await db
          .deleteFrom('members')
          .where('conversation_id', '=', conversationId)
          .where('user_id', '=', userId)
          .execute();
      },

      async setMemberRole(conversationId: string, userId: string, role: Role): Promise<void> {
        await byMember(conversationId, userId).set({ role }).execute();
      },

      async raiseReadMarker(conversationId: string, userId: string, seq: number): Promise<number> {
        const row = await byMember(conversationId, userId)
          .set({
            last_read_seq: sql<number>`case when last_read_seq < ${seq} then ${seq} else last_read_seq end`,
          })
          .returning('last_read_seq')
          .executeTakeFirst();
        if (!row) throw new RecordNotFoundError('member');
        return num(row.last_read_seq);
      },

      async setMuted(conversationId: string, userId: string, muted: boolean): Promise<boolean> {
        const result = await byMember(conversationId, userId)
          .set({ muted: muted ? 1 : 0 })
          .executeTakeFirst();
        return Number(result.numUpdatedRows) > 0;
      },

      async mutedAmong(conversationId: string, userIds: string[]): Promise<Set<string>> {
        if (userIds.length === 0) return new Set();
        const rows = await db
          .selectFrom('members')
          .select('user_id')
          .where('conversation_id', '=', conversationId)
          .where('user_id', 'in', userIds)
          .where('muted', '=', 1)
          .execute();
        return new Set(rows.map((r) => r.user_id));
      },

      async listConversationIdsForUser(userId: string): Promise<string[]> {
        const rows = await db
          .selectFrom('members')
          .select('conversation_id')
          .where('user_id', '=', userId)
          .execute();
        return rows.map((r) => r.conversation_id);
      },

      async countConversationsOfUsers(userIds: string[]): Promise<Map<string, number>> {
        if (userIds.length === 0) return new Map();
        const rows = await db
          .selectFrom('members')
          .select(['user_id', (eb) => eb.fn.countAll<number>().as('n')])
          .where('user_id', 'in', userIds)
          .groupBy('user_id')
          .execute();
        return new Map(rows.map((r) => [r.user_id, num(r.n)]));
      },

      async listCursorsForUser(userId: string): Promise<ConversationCursor[]> {
        const rows = await db
          .selectFrom('members')
          .innerJoin('conversations', 'conversations.id', 'members.conversation_id')
          .select(['conversations.id', 'conversations.last_seq'])
          .where('members.user_id', '=', userId)
          .execute();
        return rows.map((r) => ({ conversationId: r.id, lastSeq: num(r.last_seq) }));
      },
    };
  },
});
