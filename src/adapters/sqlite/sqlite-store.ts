import { chmodSync, closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { Store } from '../../ports/store.js';
import type { FullTextSearch } from '../sql/engine.js';
import { migrate } from '../sql/migrations.js';
import { createSqlStore } from '../sql/sql-store.js';
import type { Database } from '../sql/schema.js';
import { FtsIndexer } from './fts-indexer.js';
import { withStatementCache } from './statement-cache.js';
import { WalSync } from './wal-sync.js';

/** The database file inside a node's data directory. */
export function sqlitePath(dataDir: string): string {
  return join(dataDir, 'parley.db');
}

/**
 * Opens (creating if needed) the SQLite database at `file` with the settings guarantee 1
 * relies on: WAL journal, `synchronous=NORMAL`, and every operation answered only once the
 * commits before it are fsynced off the event loop (see WalSync).
 */
export async function openSqliteStore(file: string): Promise<Store> {
  ownerOnly(file);
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const walSync = new WalSync(file);
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite, walSync) }),
  });
  await migrate(db, { bytes: 'blob', fullText: 'fts5' });
  await walSync.durable();
  const indexer = new FtsIndexer(db);
  indexer.start();
  return createSqlStore({
    name: 'sqlite',
    db,
    durable: () => walSync.durable(),
    closing: () => indexer.close(),
    close: () => walSync.close(),
    // One connection: Kysely runs its transactions one at a time, so nothing needs a row lock.
    rowLocks: false,
    fullText: fts5Search(indexer),
    isUniqueViolation: (err) =>
      typeof err === 'object' &&
      err !== null &&
      'code' in err &&
      (err.code === 'SQLITE_CONSTRAINT_UNIQUE' || err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'),
  });
}

/**
 * Search through the FTS5 table `messages_fts` (rule Q1): a query of quoted prefix terms, all
 * required (`"dep"* AND "café"*`; a `"` inside a term doubled); relevance is bm25, negated
 * so that higher is better. The index is filled behind the sends by `indexer` (migration 0007),
 * which each search asks to catch up first.
 */
export function fts5Search(indexer: FtsIndexer): FullTextSearch {
  return {
    from: sql`messages_fts join messages on messages.rowid = messages_fts.rowid`,
    matches: (prefixes) =>
      sql<boolean>`messages_fts match ${prefixes.map((p) => `"${p.replaceAll('"', '""')}"*`).join(' AND ')}`,
    score: () => sql<number>`-bm25(messages_fts)`,
    catchUp: (db) => indexer.catchUp(db),
  };
}

/** Owner-only permissions (rule S12): a directory the node creates is 0700, its files 0600. */
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/**
 * Creates the data directory (0700) and the database file (0600) before SQLite opens it:
 * SQLite gives the WAL and shared-memory files it creates the database file's permissions, so
 * all three are the owner's alone whatever the umask. Files of an older node are tightened.
 * A directory that already exists is left as the operator made it.
 */
function ownerOnly(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: DIR_MODE });
  closeSync(openSync(file, 'a', FILE_MODE));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path)) chmodSync(path, FILE_MODE);
  }
}

/**
 * Writes a consistent snapshot of the database at `file` to `out` using SQLite's online
 * backup API: it reads while the node keeps writing, so the node needs no downtime.
 */
export async function backupSqlite(file: string, out: string): Promise<{ pages: number }> {
  const sqlite = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    // Created empty and owner-only first (an empty file is an empty database to SQLite), so the
    // snapshot is never readable by others, and an existing file is never overwritten.
    closeSync(openSync(out, 'wx', FILE_MODE));
    sqlite.pragma('busy_timeout = 5000');
    // One step copies every page inside one read transaction: a concurrent writer (WAL mode
    // lets it continue) can then not force the backup to restart, so it always finishes.
    let result;
    try {
      result = await sqlite.backup(out, { progress: () => 2_000_000_000 });
    } catch (err) {
      rmSync(out, { force: true }); // ours, and no snapshot
      throw err;
    }
    chmodSync(out, FILE_MODE);
    return { pages: result.totalPages };
  } finally {
    sqlite.close();
  }
}
