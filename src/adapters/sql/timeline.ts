import { sql, type Kysely } from 'kysely';
import type { TimelineEntry, TimelineEvent } from '../../domain/model.js';
import { MAX_SEQ } from '../../domain/replies.js';
import type { TimelineStore } from '../../ports/store.js';
import { sqlAggregate, type SqlExecutor } from './executor.js';
import { decorateMessages } from './message-views.js';
import { toTimelineEntry, type TimelineRow } from './rows.js';
import type { Database } from './schema.js';

/** The event half of the timeline and the merged read; messages are in messages.ts. */
type EventOps = Pick<TimelineStore, 'insertEvent' | 'redactEdits' | 'listTimeline'>;

/** Timeline events and the merged timeline (part of TimelineStore) over SQL. */
export const timeline = sqlAggregate<EventOps>({
  userWrites: ['insertEvent', 'redactEdits'],
  ops(x: SqlExecutor): EventOps {
    const { db } = x;
    return {
      async insertEvent(e: TimelineEvent): Promise<void> {
        await db
          .insertInto('events')
          .values({
            conversation_id: e.conversationId,
            seq: e.seq,
            type: e.type,
            actor_id: e.actor,
            // The message an edit or deletion is about, for redactEdits.
            target_seq: 'seq' in e.data && typeof e.data.seq === 'number' ? e.data.seq : null,
            data: JSON.stringify(e.data),
            created_at: e.createdAt,
          })
          .execute();
      },

      async redactEdits(conversationId: string, seq: number): Promise<void> {
        await db
          .updateTable('events')
          .set({ data: JSON.stringify({ seq, body: '' }) })
          .where('conversation_id', '=', conversationId)
          .where('target_seq', '=', seq)
          .where('type', '=', 'message.edited')
          .execute();
      },

      async listTimeline(
        conversationId: string,
        afterSeq: number,
        limit: number,
      ): Promise<TimelineEntry[]> {
        // Past the integer column no entry exists; PostgreSQL would refuse the comparison itself.
        if (afterSeq >= MAX_SEQ) return [];
        const { rows } = await x.prepared(
          'listTimeline',
          (c: string, after: number, n: number) => timelineQuery(db, c, after, n),
          conversationId,
          afterSeq,
          limit,
        );
        const entries = rows.map(toTimelineEntry);
        const messages = await decorateMessages(
          db,
          entries.flatMap((e) => (e.kind === 'message' ? [e.message] : [])),
        );
        let next = 0;
        return entries.map((e) =>
          e.kind === 'message' ? { kind: 'message', message: messages[next++]! } : e,
        );
      },
    };
  },
});

/** The columns of a timeline row (see timelineQuery), in the order both tables give them. */
const TIMELINE_COLUMNS = [
  'kind',
  'seq',
  'conversation_id',
  'created_at',
  'id',
  'sender_id',
  'client_msg_id',
  'body',
  'edited_at',
  'deleted_at',
  'deleted_by',
  'sender_name',
  'sender_deleted_at',
  'reply_to',
  'thread_root',
  'mentions',
  'mentions_all',
  'type',
  'actor_id',
  'data',
] as const;

/**
 * Messages and events after `after`, merged in seq order, at most `n`, in one statement:
 * one snapshot (the statement's under PostgreSQL's read committed, the read transaction's on
 * SQLite). Seqs are allocated one transaction at a time per conversation (nextSeq's update
 * of the conversation row) and committed with their entry, so a snapshot holding seq k holds
 * every seq below it: the page is the timeline's entries after the cursor up to some seq,
 * with no hole (rule W5), and shorter than `n` only where the timeline ended at that
 * snapshot. A statement per table could see a commit land between them and return k+1
 * without k; bounding them by a last seq read first would take a third round trip and cut
 * pages short while more entries exist. Each branch reads at most `n` rows along its
 * (conversation_id, seq) key. UNION pairs columns by position, hence TIMELINE_COLUMNS; the
 * other table's columns are cast nulls (PostgreSQL types a bare null in a subquery as text,
 * which it cannot match with bigint).
 */
function timelineQuery(db: Kysely<Database>, conversationId: string, after: number, n: number) {
  const text = sql<string | null>`cast(null as text)`;
  const time = sql<number | null>`cast(null as bigint)`;
  const int = sql<number | null>`cast(null as integer)`;
  const messages = db
    .selectFrom('messages')
    .leftJoin('users', 'users.id', 'messages.sender_id')
    .select([
      sql<'message'>`'message'`.as('kind'),
      'messages.seq',
      'messages.conversation_id',
      'messages.created_at',
      'messages.id',
      'messages.sender_id',
      'messages.client_msg_id',
      'messages.body',
      'messages.edited_at',
      'messages.deleted_at',
      'messages.deleted_by',
      'users.username as sender_name',
      'users.deleted_at as sender_deleted_at',
      'messages.reply_to',
      'messages.thread_root',
      'messages.mentions',
      'messages.mentions_all',
      text.as('type'),
      text.as('actor_id'),
      text.as('data'),
    ])
    .where('messages.conversation_id', '=', conversationId)
    .where('messages.seq', '>', after)
    .orderBy('messages.seq')
    .limit(n);
  const events = db
    .selectFrom('events')
    .select([
      sql<'event'>`'event'`.as('kind'),
      'seq',
      'conversation_id',
      'created_at',
      text.as('id'),
      text.as('sender_id'),
      text.as('client_msg_id'),
      text.as('body'),
      time.as('edited_at'),
      time.as('deleted_at'),
      text.as('deleted_by'),
      text.as('sender_name'),
      time.as('sender_deleted_at'),
      int.as('reply_to'),
      int.as('thread_root'),
      text.as('mentions'),
      int.as('mentions_all'),
      'type',
      'actor_id',
      'data',
    ])
    .where('conversation_id', '=', conversationId)
    .where('seq', '>', after)
    .orderBy('seq')
    .limit(n);
  return db
    .selectFrom(messages.as('m'))
    .select(TIMELINE_COLUMNS)
    .$castTo<TimelineRow>()
    .unionAll(db.selectFrom(events.as('e')).select(TIMELINE_COLUMNS).$castTo<TimelineRow>())
    .orderBy('seq')
    .limit(n);
}
