import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../sql/schema.js';

/**
 * A direct connection to a SQLite store's database file, for export (read-only, beside a node
 * that may be running: WAL lets readers and its writer go on together) and import.
 */
export function rawSqliteDb(file: string, readonly: boolean): Kysely<Database> {
  const sqlite = new BetterSqlite3(file, { readonly, fileMustExist: true });
  sqlite.pragma('busy_timeout = 5000');
  if (!readonly) sqlite.pragma('foreign_keys = ON');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
}
