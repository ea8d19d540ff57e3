import { sql } from 'kysely';
import type { Message } from '../../domain/model.js';
import { searchTokens } from '../../domain/search.js';
import type { SearchQuery, SearchStore } from '../../ports/store.js';
import { sqlAggregate, type SqlExecutor } from './executor.js';
import { boundForUser, decorateMessages } from './message-views.js';
import { MESSAGE_COLUMNS, toMessage } from './rows.js';

/** A row of the query: the message's columns and its sender's name. */
type MessageRow = Parameters<typeof toMessage>[0];

/**
 * Full-text search over messages (SearchStore, rules Q1-Q3) in one query: the engine's index
 * (SqlEngine.fullText) finds the messages holding every prefix, and only those of the
 * conversations the user is a member of as the query runs, not deleted, are kept. `newest`
 * orders by message id (the same list on every engine) and resumes after the last id;
 * `relevance` orders by the engine's score, then id, and resumes at an offset.
 */
export const search = sqlAggregate<SearchStore>({
  userWrites: [],
  ops(x: SqlExecutor): SearchStore {
    const { db, engine } = x;
    const fullText = engine.fullText;
    return {
      async searchMessages(userId: string, query: SearchQuery): Promise<Message[]> {
        // Only what the tokenizer makes can be in the index: anything else matches nothing,
        // on every engine, whatever its query syntax would make of it.
        if (query.prefixes.length === 0 || !query.prefixes.every(isToken)) return [];
        if (query.limit <= 0) return [];
        await fullText.catchUp?.(db);
        const filters = [
          fullText.matches(query.prefixes),
          sql`messages.deleted_at is null`,
          // Members only, and only what they may read (rule PG5).
          sql`exists (select 1 from members where members.conversation_id = messages.conversation_id and members.user_id = ${userId} and messages.seq >= members.history_from)`,
        ];
        if (query.conversationId !== null) {
          filters.push(sql`messages.conversation_id = ${query.conversationId}`);
        }
        if (query.senderId !== null) filters.push(sql`messages.sender_id = ${query.senderId}`);
        const { position } = query;
        if (position.kind === 'newest' && position.beforeId !== null) {
          filters.push(sql`messages.id < ${position.beforeId}`);
        }
        const relevance = query.order === 'relevance';
        const order = relevance
          ? sql`${fullText.score(query.prefixes)} desc, messages.id desc`
          : sql`messages.id desc`;
        const offset = position.kind === 'offset' ? position.offset : 0;
        const { rows } = await sql<MessageRow>`
          select ${sql.join(MESSAGE_COLUMNS.map((c) => sql.ref(`messages.${c}`)))},
            users.username as sender_name, users.deleted_at as sender_deleted_at
          from ${fullText.from}
          left join users on users.id = messages.sender_id
          where ${sql.join(filters, sql` and `)}
          order by ${order}
          limit ${query.limit} offset ${offset}`.execute(db);
        return boundForUser(db, userId, await decorateMessages(db, rows.map(toMessage)));
      },
    };
  },
});

/** True if `prefix` is one search token, as domain/search.ts makes them. */
function isToken(prefix: string): boolean {
  const tokens = searchTokens(prefix);
  return tokens.length === 1 && tokens[0] === prefix;
}
