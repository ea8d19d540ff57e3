import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Migration 0007 (SQLite's FTS5 index only; issue 18): messages are indexed for search in
 * batches after they commit instead of by a trigger inside each send's transaction. FTS5 pays
 * at every commit for the rows that commit added (its pending terms become a new segment): a
 * send alone in its transaction cost about 60 µs more with the trigger, against about 14 µs
 * per message in batches of hundreds (docs/benchmarks.md, issue 18).
 *
 * `messages_fts_indexed.upto` is the rowid up to which every message is in the index; the
 * indexer (adapters/sqlite/fts-indexer.ts) adds the rows above it and raises it in one
 * transaction, and every search first brings the index up to date, so a search finds exactly
 * what it found before. The triggers keep the indexed part exact: an edit or a delete of an
 * indexed row updates the index as before, one of a row not indexed yet leaves it to the
 * indexer, which reads the row as it is then. A new row whose rowid is not above `upto` (SQLite
 * reuses the rowid of the last row once it is deleted) is indexed at once by its trigger.
 */
export function deferredFtsMigration(fts5: boolean): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (!fts5) return;
      await sql`create table messages_fts_indexed (id integer primary key check (id = 1), upto integer not null)`.execute(
        db,
      );
      // Every message so far was indexed by the triggers of migration 0004.
      await sql`insert into messages_fts_indexed (id, upto) select 1, coalesce(max(rowid), 0) from messages`.execute(
        db,
      );
      for (const name of ['messages_fts_insert', 'messages_fts_delete', 'messages_fts_update'])
        await sql`drop trigger ${sql.id(name)}`.execute(db);
      const indexed = (row: 'new' | 'old') =>
        sql.raw(`${row}.rowid <= (select upto from messages_fts_indexed)`);
      await sql`create trigger messages_fts_insert after insert on messages when ${indexed('new')} begin
        insert into messages_fts(rowid, search_text) values (new.rowid, new.search_text);
      end`.execute(db);
      await sql`create trigger messages_fts_delete after delete on messages when ${indexed('old')} begin
        insert into messages_fts(messages_fts, rowid, search_text) values ('delete', old.rowid, old.search_text);
      end`.execute(db);
      await sql`create trigger messages_fts_update after update of search_text on messages when ${indexed('old')} begin
        insert into messages_fts(messages_fts, rowid, search_text) values ('delete', old.rowid, old.search_text);
        insert into messages_fts(rowid, search_text) values (new.rowid, new.search_text);
      end`.execute(db);
    },
  };
}
