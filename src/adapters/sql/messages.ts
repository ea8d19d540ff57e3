import type { Kysely } from 'kysely';
import type { Message, StoredMessage } from '../../domain/model.js';
import type { HistoryQuery, TimelineStore } from '../../ports/store.js';
import { sqlAggregate, type SqlExecutor } from './executor.js';
import { toMessage } from './rows.js';
import type { Database } from './schema.js';

/** Messages with their sender's name and deletion time (users left-joined: a sender may be gone). */
export function messagesWithSender(db: Kysely<Database>) {
  return db
    .selectFrom('messages')
    .leftJoin('users', 'users.id', 'messages.sender_id')
    .selectAll('messages')
    .select(['users.username as sender_name', 'users.deleted_at as sender_deleted_at']);
}

/** The message half of the timeline; events and the merged read are in timeline.ts. */
type MessageOps = Pick<
  TimelineStore,
  | 'insertMessage'
  | 'getMessage'
  | 'getMessageByClientId'
  | 'editMessage'
  | 'deleteMessage'
  | 'listMessages'
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

    return {
      async insertMessage(m: StoredMessage): Promise<void> {
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
        );
      },

      async getMessage(conversationId: string, seq: number): Promise<Message | null> {
        const row = await messagesWithSender(db)
          .where('messages.conversation_id', '=', conversationId)
          .where('messages.seq', '=', seq)
          .executeTakeFirst();
        return row ? toMessage(row) : null;
      },

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
        return rows[0] ? toMessage(rows[0]) : null;
      },

      async editMessage(
        conversationId: string,
        seq: number,
        body: string,
        at: number,
      ): Promise<void> {
        await bySeq(conversationId, seq).set({ body, edited_at: at }).execute();
      },

      async deleteMessage(conversationId: string, seq: number, at: number): Promise<void> {
        await bySeq(conversationId, seq).set({ body: '', deleted_at: at }).execute();
      },

      async listMessages(conversationId: string, query: HistoryQuery): Promise<Message[]> {
        let q = messagesWithSender(db).where('messages.conversation_id', '=', conversationId);
        if (query.after !== null) {
          q = q.where('messages.seq', '>', query.after);
          if (query.before !== null) q = q.where('messages.seq', '<', query.before);
          const rows = await q.orderBy('messages.seq', 'asc').limit(query.limit).execute();
          return rows.map(toMessage);
        }
        if (query.before !== null) q = q.where('messages.seq', '<', query.before);
        const rows = await q.orderBy('messages.seq', 'desc').limit(query.limit).execute();
        return rows.map(toMessage).reverse();
      },
    };
  },
});
