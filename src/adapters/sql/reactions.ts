import type { Kysely } from 'kysely';
import type { ReactionGroup } from '../../domain/model.js';
import type { Reaction, ReactionsStore } from '../../ports/store.js';
import { sqlAggregate, type SqlExecutor } from './executor.js';
import { DELETED_USER_NAME, num } from './rows.js';
import type { Database } from './schema.js';

/** Reactions to messages (ReactionsStore, rule R4) over SQL. */
export const reactions = sqlAggregate<ReactionsStore>({
  userWrites: ['addReaction', 'removeReaction', 'deleteReactions'],
  ops({ db }: SqlExecutor): ReactionsStore {
    const one = (conversationId: string, seq: number) =>
      db
        .deleteFrom('reactions')
        .where('conversation_id', '=', conversationId)
        .where('seq', '=', seq);
    return {
      async addReaction(r: Reaction): Promise<boolean> {
        const result = await db
          .insertInto('reactions')
          .values({
            conversation_id: r.conversationId,
            seq: r.seq,
            emoji: r.emoji,
            user_id: r.userId,
            created_at: r.createdAt,
          })
          .onConflict((oc) =>
            oc.columns(['conversation_id', 'seq', 'emoji', 'user_id']).doNothing(),
          )
          .executeTakeFirst();
        return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
      },

      async removeReaction(conversationId, seq, emoji, userId): Promise<boolean> {
        const group = () =>
          db
            .selectFrom('reactions')
            .select(['user_id', 'created_at'])
            .where('conversation_id', '=', conversationId)
            .where('seq', '=', seq)
            .where('emoji', '=', emoji);
        const row = await group().where('user_id', '=', userId).executeTakeFirst();
        if (!row) return false;
        await one(conversationId, seq)
          .where('emoji', '=', emoji)
          .where('user_id', '=', userId)
          .execute();
        // The group keeps its place among the message's groups: when the removed reaction was
        // its first, the earliest remaining one takes over its time (later than every other
        // group's first before, earlier than every other user's of this group still).
        const at = num(row.created_at);
        const next = await group().orderBy('created_at').orderBy('user_id').executeTakeFirst();
        if (next && num(next.created_at) > at) {
          await db
            .updateTable('reactions')
            .set({ created_at: at })
            .where('conversation_id', '=', conversationId)
            .where('seq', '=', seq)
            .where('emoji', '=', emoji)
            .where('user_id', '=', next.user_id)
            .execute();
        }
        return true;
      },

      async lastReactionAt(conversationId, seq): Promise<number | null> {
        const row = await db
          .selectFrom('reactions')
          .select((eb) => eb.fn.max('created_at').as('at'))
          .where('conversation_id', '=', conversationId)
          .where('seq', '=', seq)
          .executeTakeFirst();
        return row?.at === null || row?.at === undefined ? null : num(row.at);
      },

      async listReactionEmoji(conversationId, seq): Promise<string[]> {
        const rows = await db
          .selectFrom('reactions')
          .select('emoji')
          .distinct()
          .where('conversation_id', '=', conversationId)
          .where('seq', '=', seq)
          .execute();
        return rows.map((r) => r.emoji);
      },

      async listReactions(conversationId, seq): Promise<ReactionGroup[]> {
        return (await reactionsOf(db, conversationId, [seq])).get(seq) ?? [];
      },

      async deleteReactions(conversationId, seq): Promise<void> {
        await one(conversationId, seq).execute();
      },
    };
  },
});

/**
 * The reactions of the messages `seqs` of a conversation (rule R4), in one query: for each
 * seq that has any, its groups ordered by their first reaction's time (then emoji), each
 * group's users in the order they reacted (then by id). A deleted account reads as
 * DELETED_USER_NAME, as everywhere else. Seqs without reactions are absent from the map.
 */
export async function reactionsOf(
  db: Kysely<Database>,
  conversationId: string,
  seqs: number[],
): Promise<Map<number, ReactionGroup[]>> {
  const all = await reactionsOfMessages(db, new Map([[conversationId, seqs]]));
  return all.get(conversationId) ?? new Map<number, ReactionGroup[]>();
}

/**
 * The reactions of messages of several conversations (`wanted`: conversation id → seqs), in
 * one query, as {@link reactionsOf} orders them: conversation id → seq → groups. Conversations
 * and seqs without reactions are absent; no query at all when no seq is wanted.
 */
export async function reactionsOfMessages(
  db: Kysely<Database>,
  wanted: ReadonlyMap<string, readonly number[]>,
): Promise<Map<string, Map<number, ReactionGroup[]>>> {
  const result = new Map<string, Map<number, ReactionGroup[]>>();
  const asked = [...wanted].filter(([, seqs]) => seqs.length > 0);
  if (asked.length === 0) return result;
  const rows = await db
    .selectFrom('reactions as r')
    .leftJoin('users as u', 'u.id', 'r.user_id')
    .select([
      'r.conversation_id',
      'r.seq',
      'r.emoji',
      'r.user_id',
      'r.created_at',
      'u.username',
      'u.deleted_at',
    ])
    .where((eb) =>
      eb.or(
        asked.map(([conversationId, seqs]) =>
          eb.and([
            eb('r.conversation_id', '=', conversationId),
            eb('r.seq', 'in', [...new Set(seqs)]),
          ]),
        ),
      ),
    )
    .orderBy('r.conversation_id')
    .orderBy('r.seq')
    .orderBy('r.created_at')
    .orderBy('r.user_id')
    .execute();

  // Rows come in reaction order per message, so a group's first row is its first reaction.
  type Entry = { first: number; group: ReactionGroup };
  const groups = new Map<string, Map<number, Map<string, Entry>>>();
  for (const row of rows) {
    const seq = num(row.seq);
    let byConversation = groups.get(row.conversation_id);
    if (!byConversation)
      groups.set(row.conversation_id, (byConversation = new Map<number, Map<string, Entry>>()));
    let bySeq = byConversation.get(seq);
    if (!bySeq) byConversation.set(seq, (bySeq = new Map<string, Entry>()));
    let entry = bySeq.get(row.emoji);
    if (!entry) {
      entry = { first: num(row.created_at), group: { emoji: row.emoji, users: [] } };
      bySeq.set(row.emoji, entry);
    }
    entry.group.users.push({
      userId: row.user_id,
      username: row.username === null || row.deleted_at !== null ? DELETED_USER_NAME : row.username,
    });
  }
  for (const [conversationId, byConversation] of groups) {
    const out = new Map<number, ReactionGroup[]>();
    for (const [seq, bySeq] of byConversation) {
      const ordered = [...bySeq.values()].sort(
        (a, b) => a.first - b.first || compareCodeUnits(a.group.emoji, b.group.emoji),
      );
      out.set(
        seq,
        ordered.map((e) => e.group),
      );
    }
    result.set(conversationId, out);
  }
  return result;
}

/** The same order on every engine (not a collation's): by UTF-16 code units. */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
