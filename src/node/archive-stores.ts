import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  openSync,
  rmSync,
} from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { openPostgresStore } from '../adapters/postgres/postgres-store.js';
import { rawPostgresDb } from '../adapters/postgres/raw.js';
import {
  ArchiveError,
  exportArchive,
  importArchive,
  type ArchiveDb,
  type ArchiveTrailer,
} from '../adapters/sql/archive.js';
import { rawSqliteDb } from '../adapters/sqlite/raw.js';
import { openSqliteStore, sqlitePath } from '../adapters/sqlite/sqlite-store.js';

/** Where a node's store is: the same --data / --store as `parley serve` and `parley backup`. */
export interface ArchiveLocation {
  dataDir: string;
  /** `sqlite` (in dataDir) or a PostgreSQL URL. */
  store: string;
}

/** A direct connection to a store's database, for export and import only. */
export interface RawStore {
  engine: 'sqlite' | 'postgres';
  db: ArchiveDb;
  close(): Promise<void>;
}

function isPostgres(store: string): boolean {
  return /^postgres(ql)?:\/\//.test(store);
}

function checkStore(store: string): void {
  if (store !== 'sqlite' && !isPostgres(store))
    throw new ArchiveError(`--store must be sqlite or a postgres:// URL, not "${store}"`);
}

const postgresDb = (url: string) => rawPostgresDb(url, 'parley-export');

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
  const db = rawSqliteDb(file, true);
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
  const db = rawSqliteDb(file, false);
  return { engine: 'sqlite', db, close: () => db.destroy() };
}

/**
 * Writes the whole store at `where` to `out` (a new file, owner-only: it holds password
 * hashes) as the NDJSON archive (rule EX1), from one consistent snapshot while a node may run.
 */
export async function exportToFile(where: ArchiveLocation, out: string): Promise<ArchiveTrailer> {
  const source = openSource(where);
  try {
    // Created owner-only and never over an existing file.
    closeSync(openSync(out, 'wx', 0o600));
    const stream = createWriteStream(out, { flags: 'w' });
    try {
      const write = async (line: string) => {
        if (!stream.write(line + '\n')) await once(stream, 'drain');
      };
      const trailer = await exportArchive(source.db, source.engine, write);
      stream.end();
      await once(stream, 'finish');
      return trailer;
    } catch (err) {
      stream.destroy();
      rmSync(out, { force: true });
      throw err;
    }
  } finally {
    await source.close();
  }
}

/** Imports the archive `file` into the empty store at `where` (rule EX4). */
export async function importFromFile(
  where: ArchiveLocation,
  file: string,
): Promise<Record<string, number>> {
  if (!existsSync(file)) throw new ArchiveError(`no archive at ${file}`);
  const target = await openTarget(where);
  try {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    return await importArchive(target.db, lines);
  } finally {
    await target.close();
  }
}
