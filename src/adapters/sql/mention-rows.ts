import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Replaces the `mentions` rows of one message (rule R6): one row per mentioned user, so
 * mention counts and the mention list read an index instead of every message's JSON.
 */
export async function replaceMentionRows(
  db: Kysely<Database>,
  conversationId: string,
  seq: number,
  userIds: readonly string[],
  { fresh = false }: { fresh?: boolean } = {},
): Promise<void> {
  if (!fresh) {
    await db
      .deleteFrom('mentions')
      .where('conversation_id', '=', conversationId)
      .where('seq', '=', seq)
      .execute();
  }
  if (userIds.length === 0) return;
  await db
    .insertInto('mentions')
    .values(userIds.map((userId) => ({ conversation_id: conversationId, seq, user_id: userId })))
    .execute();
}
