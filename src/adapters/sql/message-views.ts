import type { Kysely } from 'kysely';
import type { Message, ReplyPreview } from '../../domain/model.js';
import { boundedMessage } from '../../domain/history.js';
import { replyPreviewOf } from '../../domain/replies.js';
import { messageKey } from '../../ports/store.js';
import { attachmentsOfMessages } from './attachments.js';
import { reactionsOfMessages } from './reactions.js';
import { DELETED_USER_NAME, num } from './rows.js';
import type { Database } from './schema.js';

/**
 * Messages as every read returns them (rules R2-R4, F3): each with its parent's preview, its
 * thread's reply count, its reactions and its attachments, as of the read. A page costs at most
 * four queries (parents, reply counts, reactions, attachments), whatever its size and however many conversations it
 * spans, and none of them when nothing in the page needs it (no reply, no root, only deleted
 * messages).
 */
export async function decorateMessages(
  db: Kysely<Database>,
  messages: Message[],
): Promise<Message[]> {
  if (messages.length === 0) return messages;
  const byConversation = new Map<string, Message[]>();
  for (const m of messages) {
    const list = byConversation.get(m.conversationId);
    if (list) list.push(m);
    else byConversation.set(m.conversationId, [m]);
  }
  const live = new Map(
    [...byConversation].map(([conversationId, list]) => [
      conversationId,
      list.filter((m) => m.deletedAt === null).map((m) => m.seq),
    ]),
  );
  const liveRefs = messages.filter((m) => m.deletedAt === null);
  const [previews, counts, reactions, files] = await Promise.all([
    replyPreviews(db, byConversation),
    replyCounts(db, byConversation),
    reactionsOfMessages(db, live),
    attachmentsOfMessages(db, liveRefs),
  ]);
  return messages.map((m) => ({
    ...m,
    reply: m.replyTo === null ? null : (previews.get(key(m.conversationId, m.replyTo)) ?? null),
    replyCount: m.threadRoot === null ? (counts.get(key(m.conversationId, m.seq)) ?? 0) : 0,
    reactions: reactions.get(m.conversationId)?.get(m.seq) ?? [],
    attachments: files.get(messageKey(m)) ?? [],
  }));
}

/**
 * Messages of several conversations as `userId` may read them (rule PG5): each cut to its
 * conversation's history bound for the user (one query, none when nothing is bounded).
 */
export async function boundForUser(
  db: Kysely<Database>,
  userId: string,
  messages: Message[],
): Promise<Message[]> {
  if (messages.length === 0) return messages;
  const ids = [...new Set(messages.map((m) => m.conversationId))];
  const rows = await db
    .selectFrom('members')
    .select(['conversation_id', 'history_from'])
    .where('user_id', '=', userId)
    .where('conversation_id', 'in', ids)
    .where('history_from', '>', 0)
    .execute();
  if (rows.length === 0) return messages;
  const from = new Map(rows.map((r) => [r.conversation_id, num(r.history_from)]));
  return messages.flatMap((m) => {
    const b = boundedMessage(m, from.get(m.conversationId) ?? 0);
    return b ? [b] : [];
  });
}

/** One message decorated (see decorateMessages); null stays null. */
export async function decorateMessage(
  db: Kysely<Database>,
  message: Message | null,
): Promise<Message | null> {
  if (!message) return null;
  const [decorated] = await decorateMessages(db, [message]);
  return decorated ?? null;
}

function key(conversationId: string, seq: number): string {
  return `${conversationId}\u0000${seq}`;
}

/** The previews of every parent the page's replies quote, in one query. */
async function replyPreviews(
  db: Kysely<Database>,
  byConversation: Map<string, Message[]>,
): Promise<Map<string, ReplyPreview>> {
  const wanted: Array<[string, number[]]> = [];
  for (const [conversationId, list] of byConversation) {
    const seqs = [...new Set(list.flatMap((m) => (m.replyTo === null ? [] : [m.replyTo])))];
    if (seqs.length > 0) wanted.push([conversationId, seqs]);
  }
  const result = new Map<string, ReplyPreview>();
  if (wanted.length === 0) return result;
  const rows = await db
    .selectFrom('messages as p')
    .leftJoin('users as u', 'u.id', 'p.sender_id')
    .select([
      'p.conversation_id',
      'p.seq',
      'p.sender_id',
      'p.body',
      'p.deleted_at',
      'u.username',
      'u.deleted_at as sender_deleted_at',
    ])
    .where((eb) =>
      eb.or(
        wanted.map(([conversationId, seqs]) =>
          eb.and([eb('p.conversation_id', '=', conversationId), eb('p.seq', 'in', seqs)]),
        ),
      ),
    )
    .execute();
  for (const row of rows) {
    const preview = replyPreviewOf({
      seq: num(row.seq),
      sender: row.sender_id,
      senderName:
        row.username === null || row.sender_deleted_at !== null ? DELETED_USER_NAME : row.username,
      body: row.body,
      deletedAt: row.deleted_at === null ? null : num(row.deleted_at),
    });
    result.set(key(row.conversation_id, preview.seq), preview);
  }
  return result;
}

/** The live replies of every thread root in the page (rule R3), in one grouped query. */
async function replyCounts(
  db: Kysely<Database>,
  byConversation: Map<string, Message[]>,
): Promise<Map<string, number>> {
  const wanted: Array<[string, number[]]> = [];
  for (const [conversationId, list] of byConversation) {
    const roots = list.filter((m) => m.threadRoot === null).map((m) => m.seq);
    if (roots.length > 0) wanted.push([conversationId, roots]);
  }
  const result = new Map<string, number>();
  if (wanted.length === 0) return result;
  const rows = await db
    .selectFrom('messages as r')
    .select(['r.conversation_id', 'r.thread_root', (eb) => eb.fn.countAll<number>().as('n')])
    .where('r.deleted_at', 'is', null)
    .where((eb) =>
      eb.or(
        wanted.map(([conversationId, roots]) =>
          eb.and([eb('r.conversation_id', '=', conversationId), eb('r.thread_root', 'in', roots)]),
        ),
      ),
    )
    .groupBy(['r.conversation_id', 'r.thread_root'])
    .execute();
  for (const row of rows) {
    if (row.thread_root !== null)
      result.set(key(row.conversation_id, num(row.thread_root)), num(row.n));
  }
  return result;
}
