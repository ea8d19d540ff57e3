import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.js';

/**
 * The server archive of `parley export` / `parley import` (rules EX1-EX6): NDJSON, one JSON
 * object per line. The first line is the header, then one line per row of each table in
 * {@link ARCHIVE_TABLES} (in that order, so an import meets every row after the rows it refers
 * to), then a trailer with the row counts (a truncated file is refused).
 */
/** A direct connection to a store's database, as export and import use it. */
export type ArchiveDb = Kysely<Database>;

export const ARCHIVE_FORMAT = 'parley-export';
export const ARCHIVE_VERSION = 1;

/** The first line. */
export interface ArchiveHeader {
  format: typeof ARCHIVE_FORMAT;
  version: number;
  /** Epoch milliseconds of the snapshot. */
  exportedAt: number;
  /** The newest migration applied to the exported store (e.g. `0005_community`). */
  schemaMigration: string;
  /** The engine it came from (`sqlite` or `postgres`); informational. */
  engine: string;
  tables: string[];
}

/** A row line: `t` the table, `r` the row (column names as in the schema; bytes as base64). */
export interface ArchiveRow {
  t: string;
  r: Record<string, unknown>;
}

/** The last line. */
export interface ArchiveTrailer {
  end: true;
  counts: Record<string, number>;
}

/** A table of the archive: its primary key (keyset paging order) and its byte columns. */
export interface ArchiveTable {
  name: keyof Database;
  key: readonly string[];
  bytes?: readonly string[];
}

/**
 * Every table the archive carries, parents first. Left out on purpose (rule EX2): `sessions`
 * (log-in tokens of the old deployment: users log in again with their passwords),
 * `push_subscriptions` (bound to those sessions; browsers subscribe again when they log in),
 * `password_resets` (one-time links an hour long), `server_secrets` (the VAPID key pair: a new
 * one is made, which only the dropped subscriptions used), `presence` and `nodes` (runtime state
 * of running nodes).
 */
export const ARCHIVE_TABLES: readonly ArchiveTable[] = [
  { name: 'users', key: ['id'] },
  { name: 'blobs', key: ['id'] },
  { name: 'blob_chunks', key: ['blob_id', 'idx'], bytes: ['data'] },
  { name: 'conversations', key: ['id'] },
  { name: 'members', key: ['conversation_id', 'user_id'] },
  { name: 'messages', key: ['id'] },
  { name: 'events', key: ['conversation_id', 'seq'] },
  { name: 'reactions', key: ['conversation_id', 'seq', 'emoji', 'user_id'] },
  { name: 'mentions', key: ['conversation_id', 'seq', 'user_id'] },
  { name: 'attachments', key: ['id'] },
  { name: 'invites', key: ['id'] },
  { name: 'audit_log', key: ['id'] },
  { name: 'server_settings', key: ['name'] },
];

/** Columns an engine computes itself and the archive leaves out (PostgreSQL's search vector). */
const COMPUTED_COLUMNS = new Set(['search_vector']);

/** Rows read per page. */
const PAGE_ROWS = 500;

/** A clear, expected failure of export or import (the CLI prints its message). */
export class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveError';
  }
}

/** The newest migration applied to `db`, or null if none. */
export async function latestMigration(db: Kysely<Database>): Promise<string | null> {
  try {
    const rows = await sql<{
      name: string;
    }>`select name from kysely_migration order by name desc limit 1`.execute(db);
    return rows.rows[0]?.name ?? null;
  } catch {
    return null;
  }
}

/**
 * Reads every row of the archive's tables inside one read transaction (a consistent snapshot:
 * PostgreSQL REPEATABLE READ, SQLite a WAL read transaction), page by page by primary key, and
 * hands each line to `write` (awaited, so a slow file applies back-pressure). Nothing is kept.
 */
export async function exportArchive(
  db: Kysely<Database>,
  engine: string,
  write: (line: string) => Promise<void>,
  now: () => number = Date.now,
): Promise<ArchiveTrailer> {
  const schemaMigration = await latestMigration(db);
  if (!schemaMigration) throw new ArchiveError('the store has no Parley schema (never migrated)');
  const run = async (trx: Transaction<Database>) => {
    if (engine === 'postgres') await sql`set transaction read only`.execute(trx);
    const header: ArchiveHeader = {
      format: ARCHIVE_FORMAT,
      version: ARCHIVE_VERSION,
      exportedAt: now(),
      schemaMigration,
      engine,
      tables: ARCHIVE_TABLES.map((t) => t.name),
    };
    await write(JSON.stringify(header));
    const counts: Record<string, number> = {};
    for (const table of ARCHIVE_TABLES) {
      counts[table.name] = 0;
      for await (const row of readTable(trx, table)) {
        await write(JSON.stringify({ t: table.name, r: encodeRow(row) } satisfies ArchiveRow));
        counts[table.name]! += 1;
      }
    }
    const trailer: ArchiveTrailer = { end: true, counts };
    await write(JSON.stringify(trailer));
    return trailer;
  };
  const builder = db.transaction();
  return engine === 'postgres'
    ? builder.setIsolationLevel('repeatable read').execute(run)
    : builder.execute(run);
}

/** Every row of `table`, in primary-key order, read a page at a time (keyset paging). */
export async function* readTable(
  db: Kysely<Database>,
  table: ArchiveTable,
): AsyncGenerator<Record<string, unknown>> {
  const keys = table.key.map((k) => sql.ref(k));
  let after: unknown[] | null = null;
  for (;;) {
    const where: ReturnType<typeof sql> =
      after === null
        ? sql`1 = 1`
        : sql`(${sql.join(keys)}) > (${sql.join(after.map((v) => sql.val(v)))})`;
    const page = await sql<
      Record<string, unknown>
    >`select * from ${sql.table(table.name)} where ${where} order by ${sql.join(keys)} limit ${sql.lit(PAGE_ROWS)}`.execute(
      db,
    );
    for (const row of page.rows) yield row;
    if (page.rows.length < PAGE_ROWS) return;
    const last = page.rows[page.rows.length - 1]!;
    after = table.key.map((k) => last[k]);
  }
}

/** The row as the archive writes it: computed columns dropped, bytes as base64 strings. */
function encodeRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (COMPUTED_COLUMNS.has(column)) continue;
    out[column] = value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value;
  }
  return out;
}

/** The tables of the archive that already hold rows in `db` (an import needs none). */
export async function nonEmptyTables(db: Kysely<Database>): Promise<string[]> {
  const found: string[] = [];
  for (const table of ARCHIVE_TABLES) {
    const res = await sql`select 1 as one from ${sql.table(table.name)} limit 1`.execute(db);
    if (res.rows.length > 0) found.push(table.name);
  }
  return found;
}

/** Rows and bytes gathered before one multi-row insert. */
const BATCH_ROWS = 200;
const BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Imports an archive into the EMPTY, migrated store `db` (rule EX4): refuses a store holding
 * any row of the archive's tables, checks the header and trailer, and inserts every row as it
 * was (ids, seqs, counters) in multi-row batches inside one transaction, so a failure leaves
 * the store empty. Search indexes fill themselves (SQLite's indexer behind the sends,
 * PostgreSQL's generated column). Returns the row counts.
 */
export async function importArchive(
  db: Kysely<Database>,
  lines: AsyncIterable<string>,
): Promise<Record<string, number>> {
  // Taken before any await: a readline interface drops the lines emitted before it is iterated.
  const iterator = lines[Symbol.asyncIterator]();
  const busy = await nonEmptyTables(db);
  if (busy.length > 0)
    throw new ArchiveError(
      `the target store is not empty (${busy.join(', ')} hold rows); import needs a new, empty store`,
    );
  const migration = await latestMigration(db);
  return db.transaction().execute(async (trx) => {
    const first = await iterator.next();
    if (first.done) throw new ArchiveError('the archive is empty');
    const header = parseLine(first.value, 1) as Partial<ArchiveHeader>;
    if (header.format !== ARCHIVE_FORMAT)
      throw new ArchiveError('not a Parley export (the first line has no format "parley-export")');
    if (header.version !== ARCHIVE_VERSION)
      throw new ArchiveError(`archive version ${String(header.version)} is not supported (1 is)`);
    if (
      migration !== null &&
      typeof header.schemaMigration === 'string' &&
      header.schemaMigration > migration
    )
      throw new ArchiveError(
        `the archive comes from a newer schema (${header.schemaMigration}) than this node's (${migration}); upgrade this node first`,
      );
    const tables = new Map(ARCHIVE_TABLES.map((t) => [t.name as string, t]));
    const order = ARCHIVE_TABLES.map((t) => t.name as string);
    const counts: Record<string, number> = {};
    let batch: Record<string, unknown>[] = [];
    let batchTable: ArchiveTable | null = null;
    let batchBytes = 0;
    let position = -1;
    const flush = async () => {
      if (batchTable && batch.length > 0) await insertRows(trx, batchTable, batch);
      batch = [];
      batchBytes = 0;
    };
    let trailer: ArchiveTrailer | null = null;
    let lineNo = 1;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      lineNo += 1;
      if (next.value.trim() === '') continue;
      if (trailer) throw new ArchiveError(`line ${lineNo}: data after the end of the archive`);
      const parsed = parseLine(next.value, lineNo) as Partial<ArchiveRow & ArchiveTrailer>;
      if (parsed.end === true) {
        trailer = parsed as ArchiveTrailer;
        continue;
      }
      const table = typeof parsed.t === 'string' ? tables.get(parsed.t) : undefined;
      if (!table || typeof parsed.r !== 'object' || parsed.r === null)
        throw new ArchiveError(`line ${lineNo}: not a row of a known table`);
      const at = order.indexOf(table.name);
      if (at < position)
        throw new ArchiveError(`line ${lineNo}: ${table.name} rows after ${order[position]!} rows`);
      if (table !== batchTable) {
        await flush();
        batchTable = table;
        position = at;
      }
      const row = decodeRow(table, parsed.r);
      batch.push(row);
      batchBytes += next.value.length;
      counts[table.name] = (counts[table.name] ?? 0) + 1;
      if (batch.length >= BATCH_ROWS || batchBytes >= BATCH_BYTES) await flush();
    }
    await flush();
    if (!trailer) throw new ArchiveError('the archive is truncated (no end line)');
    for (const name of order) {
      const expected = trailer.counts[name] ?? 0;
      if ((counts[name] ?? 0) !== expected)
        throw new ArchiveError(
          `the archive is inconsistent: ${name} has ${counts[name] ?? 0} rows, its end line says ${expected}`,
        );
    }
    await checkCounters(trx);
    return Object.fromEntries(order.map((n) => [n, counts[n] ?? 0]));
  });
}

function parseLine(line: string, lineNo: number): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    throw new ArchiveError(`line ${lineNo}: not JSON`);
  }
}

const COLUMN_NAME = /^[a-z_][a-z0-9_]*$/;

function decodeRow(table: ArchiveTable, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (!COLUMN_NAME.test(column)) throw new ArchiveError(`${table.name}: bad column "${column}"`);
    if (table.bytes?.includes(column)) {
      if (typeof value !== 'string') throw new ArchiveError(`${table.name}.${column}: not base64`);
      out[column] = Buffer.from(value, 'base64');
    } else if (value !== null && typeof value === 'object') {
      throw new ArchiveError(`${table.name}.${column}: not a scalar`);
    } else {
      out[column] = value;
    }
  }
  return out;
}

/** One multi-row insert of rows of one table (their columns as the first row names them). */
async function insertRows(
  trx: Transaction<Database>,
  table: ArchiveTable,
  rows: Record<string, unknown>[],
): Promise<void> {
  const columns = Object.keys(rows[0]!);
  const values = rows.map((row) => {
    if (Object.keys(row).length !== columns.length)
      throw new ArchiveError(`${table.name}: rows with different columns`);
    return sql`(${sql.join(columns.map((c) => sql.val(row[c] ?? null)))})`;
  });
  await sql`insert into ${sql.table(table.name)} (${sql.join(columns.map((c) => sql.ref(c)))}) values ${sql.join(values)}`.execute(
    trx,
  );
}

/** Refuses an import whose conversations' counters lag their rows (a hand-edited archive). */
async function checkCounters(trx: Transaction<Database>): Promise<void> {
  const bad = await sql<{ id: string }>`select c.id from conversations c
    where c.last_seq < (select coalesce(max(e.seq), 0) from events e where e.conversation_id = c.id)
       or c.last_seq < (select coalesce(max(m.seq), 0) from messages m where m.conversation_id = c.id)
    limit 1`.execute(trx);
  if (bad.rows[0])
    throw new ArchiveError(
      `conversation ${bad.rows[0].id}: last_seq is below its newest event; the archive is inconsistent`,
    );
}
