import { sql } from 'kysely';
import type {
  AllMentionsPolicy,
  Conversation,
  GroupVisibility,
  HistoryVisibility,
} from '../../domain/model.js';
import {
  RecordNotFoundError,
  type ConversationCursor,
  type ConversationsStore,
} from '../../ports/store.js';
import type { PublicGroupQuery, PublicGroupRecord } from '../../ports/store/conversations.js';
import { deleteConversationAttachments } from './attachments.js';
import { insertUnique, sqlAggregate, type SqlExecutor } from './executor.js';
import { num, toConversation } from './rows.js';

/** The conversation rows and their sequence counter; summaries are in summaries.ts. */
type ConversationRows = Omit<ConversationsStore, 'listSummariesForUser' | 'getSummaryForUser'>;

/** Conversations and their seq counter (ConversationsStore, less the summaries) over SQL. */
export const conversations = sqlAggregate<ConversationRows>({
  userWrites: [
    'createConversation',
    'renameConversation',
    'setAllMentions',
    'setAccess',
    'deleteConversation',
    'nextSeq',
  ],
  ops(x: SqlExecutor): ConversationRows {
    const { db } = x;
    return {
      async createConversation(c: Conversation, dmKey: string | null): Promise<void> {
        await insertUnique(x, 'dm_key', () =>
          db
            .insertInto('conversations')
            .values({
              id: c.id,
              kind: c.kind,
              name: c.name,
              dm_key: dmKey,
              created_by: c.createdBy,
              created_at: c.createdAt,
              last_seq: c.lastSeq,
              last_message_at: c.lastMessageAt,
              all_mentions: c.allMentions,
              visibility: c.visibility,
              history: c.history,
            })
            .execute(),
        );
      },

      async getConversation(id: string): Promise<Conversation | null> {
        const { rows } = await x.prepared(
          'getConversation',
          (c: string) => db.selectFrom('conversations').selectAll().where('id', '=', c),
          id,
        );
        const row = rows[0];
        return row ? toConversation(row) : null;
      },

      async getDmByKey(dmKey: string): Promise<Conversation | null> {
        const row = await db
          .selectFrom('conversations')
          .selectAll()
          .where('dm_key', '=', dmKey)
          .executeTakeFirst();
        return row ? toConversation(row) : null;
      },

      async renameConversation(id: string, name: string): Promise<void> {
        await db.updateTable('conversations').set({ name }).where('id', '=', id).execute();
      },

      async setAllMentions(id: string, policy: AllMentionsPolicy): Promise<void> {
        await db
          .updateTable('conversations')
          .set({ all_mentions: policy })
          .where('id', '=', id)
          .execute();
      },

      async setAccess(
        id: string,
        visibility: GroupVisibility,
        history: HistoryVisibility,
      ): Promise<void> {
        await db
          .updateTable('conversations')
          .set({ visibility, history })
          .where('id', '=', id)
          .execute();
      },

      async listPublicGroups(
        userId: string,
        query: PublicGroupQuery,
      ): Promise<PublicGroupRecord[]> {
        let q = db
          .selectFrom('conversations as c')
          .select(['c.id', 'c.name', 'c.last_message_at'])
          .select((eb) => [
            eb
              .selectFrom('members as mm')
              .select(eb.fn.countAll<number>().as('n'))
              .whereRef('mm.conversation_id', '=', 'c.id')
              .as('member_count'),
            eb
              .selectFrom('members as me')
              .select('me.user_id')
              .whereRef('me.conversation_id', '=', 'c.id')
              .where('me.user_id', '=', userId)
              .as('joined'),
          ])
          .where('c.visibility', '=', 'public')
          .where('c.kind', '=', 'group');
        if (query.q !== '') {
          // Case-insensitive contains on both engines: lower() of both sides, LIKE's wildcards escaped.
          const pattern = `%${query.q.toLowerCase().replace(/[\\%_]/g, (ch: string) => `\\${ch}`)}%`;
          q = q.where(sql<boolean>`lower(c.name) like ${pattern} escape '\\'`);
        }
        if (query.after !== null) {
          const { name, id } = query.after;
          q = q.where((eb) =>
            eb.or([
              eb('c.name', '>', name),
              eb.and([eb('c.name', '=', name), eb('c.id', '>', id)]),
            ]),
          );
        }
        const rows = await q.orderBy('c.name').orderBy('c.id').limit(query.limit).execute();
        return rows.map((r) => ({
          id: r.id,
          name: r.name ?? '',
          memberCount: num(r.member_count ?? 0),
          lastMessageAt: num(r.last_message_at),
          joined: r.joined !== null && r.joined !== undefined,
        }));
      },

      async deleteConversation(id: string): Promise<void> {
        // Explicit child deletes keep this independent of the engine's foreign-key enforcement.
        await deleteConversationAttachments(db, id);
        await db.deleteFrom('reactions').where('conversation_id', '=', id).execute();
        await db.deleteFrom('mentions').where('conversation_id', '=', id).execute();
        await db.deleteFrom('events').where('conversation_id', '=', id).execute();
        await db.deleteFrom('messages').where('conversation_id', '=', id).execute();
        await db.deleteFrom('members').where('conversation_id', '=', id).execute();
        await db.deleteFrom('conversations').where('id', '=', id).execute();
      },

      async lockConversation(id: string): Promise<void> {
        // NO KEY UPDATE conflicts with itself and with nextSeq's UPDATE, but not with the KEY
        // SHARE locks that foreign-key checks take, so inserting members or messages is not blocked.
        if (!x.engine.rowLocks) return;
        await db
          .selectFrom('conversations')
          .select('id')
          .where('id', '=', id)
          .forNoKeyUpdate()
          .execute();
      },

      async nextSeq(conversationId: string, at: number, isMessage: boolean): Promise<number> {
        const { rows } = isMessage
          ? await x.prepared(
              'nextSeq.message',
              (id: string, time: number) =>
                db
                  .updateTable('conversations')
                  .set((eb) => ({ last_seq: eb('last_seq', '+', 1), last_message_at: time }))
                  .where('id', '=', id)
                  .returning('last_seq'),
              conversationId,
              at,
            )
          : await x.prepared(
              'nextSeq.event',
              (id: string) =>
                db
                  .updateTable('conversations')
                  .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
                  .where('id', '=', id)
                  .returning('last_seq'),
              conversationId,
            );
        const row = rows[0];
        if (!row) throw new RecordNotFoundError('conversation');
        return num(row.last_seq);
      },

      async latestSeqs(conversationIds: string[]): Promise<ConversationCursor[]> {
        if (conversationIds.length === 0) return [];
        const rows = await db
          .selectFrom('conversations')
          .select(['id', 'last_seq'])
          .where('id', 'in', conversationIds)
          .execute();
        return rows.map((r) => ({ conversationId: r.id, lastSeq: num(r.last_seq) }));
      },
    };
  },
});
