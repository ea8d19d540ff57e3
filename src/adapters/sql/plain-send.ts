import { sql } from 'kysely';
import { searchText } from '../../domain/search.js';
import type { PlainMessage, TimelineStore } from '../../ports/store.js';
import { sqlAggregate, type SqlExecutor } from './executor.js';
import { insertMessageRow } from './messages.js';
import { num } from './rows.js';

/** The name of the PostgreSQL function migration 0006 installs (see plainSendMigration). */
export const APPEND_FUNCTION = 'parley_append_message';

type PlainSendOps = Pick<TimelineStore, 'appendPlainMessage'>;

/**
 * The plain send (issue 18). On an engine with the server-side function (PostgreSQL) it is one
 * statement, one round trip: the function runs the general path's statements in their order,
 * each under its own snapshot (read committed, a volatile function), so its lock-then-lookup
 * is exactly the general path's (G3). On SQLite (one writer, no other transaction between
 * statements) it is two: an update taking the seq only where every condition holds, and the
 * insert, instead of the general path's four.
 */
export const plainSend = sqlAggregate<PlainSendOps>({
  userWrites: ['appendPlainMessage'],
  ops(x: SqlExecutor): PlainSendOps {
    return {
      async appendPlainMessage(m: PlainMessage): Promise<number | null> {
        const tokens = searchText(m.body);
        if (x.engine.appendFunction) return viaFunction(x, m, tokens);
        const seq = await conditionalNextSeq(x, m);
        if (seq === null) return null;
        await insertMessageRow(x, {
          ...m,
          seq,
          editedAt: null,
          deletedAt: null,
          replyTo: null,
          threadRoot: null,
          mentions: [],
          mentionsAll: false,
        });
        return seq;
      },
    };
  },
});

async function viaFunction(
  x: SqlExecutor,
  m: PlainMessage,
  tokens: string,
): Promise<number | null> {
  const { rows } = await x.prepared(
    'appendPlainMessage.function',
    (
      id: string,
      conversation: string,
      sender: string,
      clientMsgId: string,
      body: string,
      search: string,
      at: number,
    ) =>
      x.db.selectNoFrom(
        sql<
          number | null
        >`${sql.id(APPEND_FUNCTION)}(${id}, ${conversation}, ${sender}, ${clientMsgId}, ${body}, ${search}, cast(${at} as bigint))`.as(
          'seq',
        ),
      ),
    m.id,
    m.conversationId,
    m.sender,
    m.clientMsgId,
    m.body,
    tokens,
    m.createdAt,
  );
  const seq = rows[0]?.seq;
  return seq === null || seq === undefined ? null : num(seq);
}

/**
 * Takes the next seq of the conversation if the sender may send a plain message there now:
 * no message of theirs with this clientMsgId (else it is a retry, G3), a member (G6) not muted
 * (PG10), not a DM whose peer is gone. Null, updating nothing, otherwise.
 */
async function conditionalNextSeq(x: SqlExecutor, m: PlainMessage): Promise<number | null> {
  const { rows } = await x.prepared(
    'appendPlainMessage.nextSeq',
    (conversation: string, sender: string, clientMsgId: string, at: number) =>
      x.db
        .updateTable('conversations')
        .set((eb) => ({ last_seq: eb('last_seq', '+', 1), last_message_at: at }))
        .where('conversations.id', '=', conversation)
        .where((eb) =>
          eb.and([
            eb.not(
              eb.exists(
                eb
                  .selectFrom('messages as e')
                  .select('e.seq')
                  .where('e.sender_id', '=', sender)
                  .where('e.client_msg_id', '=', clientMsgId),
              ),
            ),
            eb.exists(
              eb
                .selectFrom('members as m')
                .select('m.user_id')
                .whereRef('m.conversation_id', '=', 'conversations.id')
                .where('m.user_id', '=', sender)
                .where((w) => w.or([w('m.muted_until', 'is', null), w('m.muted_until', '<=', at)])),
            ),
            eb.or([
              eb('conversations.kind', '<>', 'dm'),
              eb(
                eb
                  .selectFrom('members as mm')
                  .select(eb.fn.countAll<number>().as('n'))
                  .whereRef('mm.conversation_id', '=', 'conversations.id'),
                '>=',
                2,
              ),
            ]),
          ]),
        )
        .returning('last_seq'),
    m.conversationId,
    m.sender,
    m.clientMsgId,
    m.createdAt,
  );
  const row = rows[0];
  return row ? num(row.last_seq) : null;
}
