import { sql, type Kysely } from 'kysely';
import type { Message, StoredMessage } from '../../domain/model.js';
import { MAX_SEQ } from '../../domain/replies.js';
import { searchText } from '../../domain/search.js';
import type {
  HistoryQuery,
  MentionsQuery,
  MessageMentions,
  TimelineStore,
} from '../../ports/store.js';
import { sqlAggregate, type SqlExecutor } from './executor.js';
import { replaceMentionRows } from './mention-rows.js';
import { boundForUser, decorateMessage, decorateMessages } from './message-views.js';
import { MESSAGE_COLUMNS, toMessage } from './rows.js';
import type { Database } from './schema.js';

/** Messages with their sender's name and deletion time (users left-joined: a sender may be gone). */
export function messagesWithSender(db: Kysely<Database>) {
  return db
    .selectFrom('messages')
    .leftJoin('users', 'users.id', 'messages.sender_id')
    .select(MESSAGE_COLUMNS.map((c) => `messages.${c}` as const))
    .select(['users.username as sender_name', 'users.deleted_at as sender_deleted_at']);
}

/** The insert of one message row, without its mention rows (compiled once, see PreparedQueries). */
export async function insertMessageRow(x: SqlExecutor, m: StoredMessage): Promise<void> {
  const { db } = x;
  await x.prepared(
    'insertMessage',
    (
      id: string,
      conversation: string,
      seq: number,
      sender: string,
      clientMsgId: string,
      body: string,
      createdAt: number,
      editedAt: number | null,
      deletedAt: number | null,
      replyTo: number | null,
      threadRoot: number | null,
      mentions: string,
      mentionsAll: number,
      searchText: string,
    ) =>
      db.insertInto('messages').values({
        id,
        conversation_id: conversation,
        seq,
        sender_id: sender,
        client_msg_id: clientMsgId,
        body,
        created_at: createdAt,
        edited_at: editedAt,
        deleted_at: deletedAt,
        reply_to: replyTo,
        thread_root: threadRoot,
        mentions,
        mentions_all: mentionsAll,
        search_text: searchText,
      }),
    m.id,
    m.conversationId,
    m.seq,
    m.sender,
    m.clientMsgId,
    m.body,
    m.createdAt,
    m.editedAt,
    m.deletedAt,
    m.replyTo,
    m.threadRoot,
    JSON.stringify(m.mentions),
    m.mentionsAll ? 1 : 0,
    // Indexed by the engine's full-text index (rule Q1); a deleted message has none.
    m.deletedAt === null ? searchText(m.body) : '',
  );
}

/** The message half of the timeline; events and the merged read are in timeline.ts. */
type MessageOps = Pick<
  TimelineStore,
  | 'insertMessage'
  | 'getMessage'
  | 'getMessageRecord'
  | 'getMessageByClientId'
  | 'editMessage'
  | 'deleteMessage'
  | 'listMessages'
  | 'listThread'
  | 'listMentions'
>;

/** Messages (part of TimelineStore) over SQL. */
export const messages = sqlAggregate<MessageOps>({
  userWrites: ['insertMessage', 'editMessage', 'deleteMessage'],
  ops(x: SqlExecutor): MessageOps {
    const { db } = x;
    const bySeq = (conversationId: string, seq: number) =>
      db
        .updateTable('messages')
        .where('conversation_id', '=', conversationId)
        .where('seq', '=', seq);

    const record = async (conversationId: string, seq: number): Promise<Message | null> => {
      // Past the integer column no row exists; PostgreSQL would refuse the comparison itself.
      if (seq > MAX_SEQ) return null;
      const row = await messagesWithSender(db)
        .where('messages.conversation_id', '=', conversationId)
        .where('messages.seq', '=', seq)
        .executeTakeFirst();
      return row ? toMessage(row) : null;
    };

    return {
      async insertMessage(m: StoredMessage): Promise<void> {
        await insertMessageRow(x, m);
        // A plain send writes no mention rows: no statement.
        if (m.mentions.length > 0) {
          await replaceMentionRows(db, m.conversationId, m.seq, m.mentions, { fresh: true });
        }
      },

      async getMessage(conversationId: string, seq: number): Promise<Message | null> {
        return decorateMessage(db, await record(conversationId, seq));
      },

      getMessageRecord: record,

      async getMessageByClientId(sender: string, clientMsgId: string): Promise<Message | null> {
        const { rows } = await x.prepared(
          'getMessageByClientId',
          (s: string, id: string) =>
            messagesWithSender(db)
              .where('messages.sender_id', '=', s)
              .where('messages.client_msg_id', '=', id),
          sender,
          clientMsgId,
        );
        // Found only on a retry (G3): a first send reads nothing more.
        return rows[0] ? decorateMessage(db, toMessage(rows[0])) : null;
      },

      async editMessage(
        conversationId: string,
        seq: number,
        body: string,
        at: number,
        mentions: MessageMentions,
      ): Promise<void> {
        await bySeq(conversationId, seq)
          .set({
            body,
            // Re-indexed in the edit's own statement (rule Q5).
            search_text: searchText(body),
            edited_at: at,
            mentions: JSON.stringify(mentions.mentions),
            mentions_all: mentions.mentionsAll ? 1 : 0,
          })
          .execute();
        await replaceMentionRows(db, conversationId, seq, mentions.mentions);
      },

      async deleteMessage(
        conversationId: string,
        seq: number,
        at: number,
        by: string | null = null,
      ): Promise<void> {
        await bySeq(conversationId, seq)
          .set({
            body: '',
            search_text: '',
            deleted_at: at,
            deleted_by: by,
            mentions: '[]',
            mentions_all: 0,
          })
          .execute();
        await replaceMentionRows(db, conversationId, seq, []);
        await db
          .deleteFrom('reactions')
          .where('conversation_id', '=', conversationId)
          .where('seq', '=', seq)
          .execute();
      },

      async listMessages(conversationId: string, query: HistoryQuery): Promise<Message[]> {
        if (query.after !== null && query.after >= MAX_SEQ) return [];
        if (query.before !== null && query.before > MAX_SEQ) query = { ...query, before: null };
        if (query.after !== null) {
          let q = messagesWithSender(db)
            .where('messages.conversation_id', '=', conversationId)
            .where('messages.seq', '>', query.after);
          if (query.before !== null) q = q.where('messages.seq', '<', query.before);
          const rows = await q.orderBy('messages.seq', 'asc').limit(query.limit).execute();
          return decorateMessages(db, rows.map(toMessage));
        }
        // The newest page, or the one before a seq: what clients read most, compiled once.
        const page = (c: string) =>
          messagesWithSender(db).where('messages.conversation_id', '=', c);
        const { rows } =
          query.before === null
            ? await x.prepared(
                'listMessages.newest',
                (c: string, limit: number) => page(c).orderBy('messages.seq', 'desc').limit(limit),
                conversationId,
                query.limit,
              )
            : await x.prepared(
                'listMessages.before',
                (c: string, before: number, limit: number) =>
                  page(c)
                    .where('messages.seq', '<', before)
                    .orderBy('messages.seq', 'desc')
                    .limit(limit),
                conversationId,
                query.before,
                query.limit,
              );
        return decorateMessages(db, rows.map(toMessage).reverse());
      },

      async listThread(
        conversationId: string,
        rootSeq: number,
        afterSeq: number,
        limit: number,
      ): Promise<Message[]> {
        if (rootSeq > MAX_SEQ || afterSeq >= MAX_SEQ) return [];
        const rows = await messagesWithSender(db)
          .where('messages.conversation_id', '=', conversationId)
          .where('messages.thread_root', '=', rootSeq)
          .where('messages.seq', '>', afterSeq)
          .orderBy('messages.seq')
          .limit(limit)
          .execute();
        return decorateMessages(db, rows.map(toMessage));
      },

      async listMentions(userId: string, query: MentionsQuery): Promise<Message[]> {
        // Two index reads (named: the mentions table; @all: the member's conversations), each
        // at most `limit` newest first, merged: an OR of both would scan every message.
        const page = (named: boolean) => {
          let q = messagesWithSender(db)
            .where('messages.deleted_at', 'is', null)
            .where('messages.sender_id', '<>', userId)
            // Only what the member may read (rule PG5): from their history bound on.
            .where((eb) =>
              eb.exists(
                eb
                  .selectFrom('members')
                  .select('members.conversation_id')
                  .whereRef('members.conversation_id', '=', 'messages.conversation_id')
                  .where('members.user_id', '=', userId)
                  .whereRef('messages.seq', '>=', 'members.history_from'),
              ),
            );
          q = named
            ? q.where((eb) =>
                eb.exists(
                  eb
                    .selectFrom('mentions as mn')
                    .select('mn.seq')
                    .whereRef('mn.conversation_id', '=', 'messages.conversation_id')
                    .whereRef('mn.seq', '=', 'messages.seq')
                    .where('mn.user_id', '=', userId),
                ),
              )
            : // A literal 1, not a parameter, so both engines may use the partial index
              // messages_mentions_all (a bound value does not imply the index's predicate).
              q.where(sql<boolean>`messages.mentions_all = 1`);
          if (query.before !== null) q = q.where('messages.id', '<', query.before);
          return q.orderBy('messages.id', 'desc').limit(query.limit).execute();
        };
        const [named, all] = [await page(true), await page(false)];
        const byId = new Map([...named, ...all].map((row) => [row.id, row]));
        const rows = [...byId.values()]
          .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
          .slice(0, query.limit);
        return boundForUser(db, userId, await decorateMessages(db, rows.map(toMessage)));
      },
    };
  },
});
