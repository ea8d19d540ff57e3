import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { openPostgresStore } from '../adapters/postgres/postgres-store.js';
import type { Database } from '../adapters/sql/schema.js';
import { openSqliteStore, sqlitePath } from '../adapters/sqlite/sqlite-store.js';
import { ArchiveError } from './archive.js';

/** Where a node's store is: the same --data / --store as `parley serve` and `parley backup`. */
export interface ArchiveLocation {
  dataDir: string;
  /** `sqlite` (in dataDir) or a PostgreSQL URL. */
  store: string;
}

/** A direct connection to a store's database, for export and import only. */
export interface RawStore {
  engine: 'sqlite' | 'postgres';
  db: Kysely<Database>;
  close(): Promise<void>;
}

const INT8_OID = 20;

function isPostgres(store: string): boolean {
  return /^postgres(ql)?:\/\//.test(store);
}

function checkStore(store: string): void {
  if (store !== 'sqlite' && !isPostgres(store))
    throw new ArchiveError(`--store must be sqlite or a postgres:// URL, not "${store}"`);
}

function postgresDb(url: string): Kysely<Database> {
  const types = new pg.TypeOverrides();
  // bigint columns hold epoch milliseconds and counts, far below 2^53 (as the store reads them).
  types.setTypeParser(INT8_OID, (value: string) => Number(value));
  const pool = new pg.Pool({
    connectionString: url,
    types,
    max: 1,
    application_name: 'parley-export',
  });
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

function sqliteDb(file: string, readonly: boolean): Kysely<Database> {
  const sqlite = new BetterSqlite3(file, { readonly, fileMustExist: true });
  sqlite.pragma('busy_timeout = 5000');
  if (!readonly) sqlite.pragma('foreign_keys = ON');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
}

/**
 * The store to export, opened read-only beside a node that may be running (SQLite in WAL mode
 * lets readers and the node's writer go on together; PostgreSQL serves any number of clients).
 */
export function openSource(where: ArchiveLocation): RawStore {
  checkStore(where.store);
  if (isPostgres(where.store)) {
    const db = postgresDb(where.store);
    return { engine: 'postgres', db, close: () => db.destroy() };
  }
  const file = sqlitePath(where.dataDir);
  if (!existsSync(file)) throw new ArchiveError(`no database at ${file} (is --data right?)`);
  const db = sqliteDb(file, true);
  return { engine: 'sqlite', db, close: () => db.destroy() };
}

/**
 * The store to import into: created and migrated as a node would (`openSqliteStore` /
 * `openPostgresStore`), then opened directly for the bulk inserts.
 */
export async function openTarget(where: ArchiveLocation): Promise<RawStore> {
  checkStore(where.store);
  if (isPostgres(where.store)) {
    await (await openPostgresStore(where.store)).close();
    const db = postgresDb(where.store);
    return { engine: 'postgres', db, close: () => db.destroy() };
  }
  const file = sqlitePath(where.dataDir);
  await (await openSqliteStore(file)).close();
  const db = sqliteDb(file, false);
  return { engine: 'sqlite', db, close: () => db.destroy() };
}
