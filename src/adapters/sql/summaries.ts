import type { Kysely } from 'kysely';
import type { ConversationSummary, Role } from '../../domain/model.js';
import type { ConversationsStore } from '../../ports/store.js';
import { sqlAggregate, type SqlExecutor } from './executor.js';
import { decorateMessages } from './message-views.js';
import { messagesWithSender } from './messages.js';
import { boundedMessage } from '../../domain/history.js';
import { DELETED_USER_NAME, num, toConversation, toMessage } from './rows.js';
import type { Database } from './schema.js';

/** A user's view of their conversations (part of ConversationsStore). */
type SummaryOps = Pick<ConversationsStore, 'listSummariesForUser' | 'getSummaryForUser'>;

/** Conversation summaries (rule C10) over SQL: reads only. */
export const summaries = sqlAggregate<SummaryOps>({
  userWrites: [],
  ops({ db }: SqlExecutor): SummaryOps {
    return {
      listSummariesForUser: (userId: string) => summariesOf(db, userId, null),
      async getSummaryForUser(conversationId: string, userId: string) {
        const [summary] = await summariesOf(db, userId, conversationId);
        return summary ?? null;
      },
    };
  },
});

/**
 * The user's conversations (or only `only`), latest message first: each with the member's
 * role and read marker, unread and member counts, the DM peer's name and the last message.
 */
async function summariesOf(
  db: Kysely<Database>,
  userId: string,
  only: string | null,
): Promise<ConversationSummary[]> {
  let q = db
    .selectFrom('members as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .selectAll('c')
    .select(['m.role', 'm.last_read_seq', 'm.muted', 'm.history_from'])
    .select((eb) => [
      eb
        .selectFrom('messages as x')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('x.conversation_id', '=', 'c.id')
        .whereRef('x.seq', '>', 'm.last_read_seq')
        .whereRef('x.seq', '>=', 'm.history_from')
        .whereRef('x.sender_id', '<>', 'm.user_id')
        .where('x.deleted_at', 'is', null)
        .as('unread_count'),
      // Unread mentions (rule R8): named in the message, or @all, by someone else, not deleted.
      eb
        .selectFrom('messages as y')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('y.conversation_id', '=', 'c.id')
        .whereRef('y.seq', '>', 'm.last_read_seq')
        .whereRef('y.seq', '>=', 'm.history_from')
        .whereRef('y.sender_id', '<>', 'm.user_id')
        .where('y.deleted_at', 'is', null)
        .where((w) =>
          w.or([
            w('y.mentions_all', '=', 1),
            w.exists(
              w
                .selectFrom('mentions as z')
                .select('z.seq')
                .whereRef('z.conversation_id', '=', 'y.conversation_id')
                .whereRef('z.seq', '=', 'y.seq')
                .whereRef('z.user_id', '=', 'm.user_id'),
            ),
          ]),
        )
        .as('mention_count'),
      eb
        .selectFrom('members as mm')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('mm.conversation_id', '=', 'c.id')
        .as('member_count'),
    ])
    .where('m.user_id', '=', userId);
  if (only !== null) q = q.where('c.id', '=', only);
  const rows = await q.orderBy('c.last_message_at', 'desc').orderBy('c.id', 'desc').execute();
  if (rows.length === 0) return [];

  const ids = rows.map((r) => r.id);
  const lastMessages = await messagesWithSender(db)
    .innerJoin(
      (eb) =>
        eb
          .selectFrom('messages')
          .select(['conversation_id', (e) => e.fn.max('seq').as('max_seq')])
          .where('conversation_id', 'in', ids)
          .groupBy('conversation_id')
          .as('lm'),
      (join) =>
        join
          .onRef('lm.conversation_id', '=', 'messages.conversation_id')
          .onRef('lm.max_seq', '=', 'messages.seq'),
    )
    .execute();
  const decorated = await decorateMessages(db, lastMessages.map(toMessage));
  const lastByConversation = new Map(decorated.map((m) => [m.conversationId, m]));

  const peerIds = rows.flatMap((r) =>
    r.dm_key ? r.dm_key.split(':').filter((id) => id !== userId) : [],
  );
  const peers = peerIds.length
    ? await db
        .selectFrom('users')
        .select(['id', 'username', 'deleted_at'])
        .where('id', 'in', peerIds)
        .execute()
    : [];
  const peerName = new Map(
    peers.map((p) => [p.id, p.deleted_at === null ? p.username : DELETED_USER_NAME]),
  );

  return rows.map((r) => {
    const peerId = r.dm_key?.split(':').find((id) => id !== userId) ?? null;
    return {
      ...toConversation(r),
      role: r.role as Role,
      lastReadSeq: num(r.last_read_seq),
      unreadCount: num(r.unread_count ?? 0),
      mentionCount: num(r.mention_count ?? 0),
      memberCount: num(r.member_count ?? 0),
      peer: peerId === null ? null : (peerName.get(peerId) ?? DELETED_USER_NAME),
      muted: num(r.muted) === 1,
      // Nothing from before the member's history bound (rule PG5).
      lastMessage: boundedMessage(lastByConversation.get(r.id) ?? null, num(r.history_from)),
    };
  });
}
