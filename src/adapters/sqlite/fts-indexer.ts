import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../sql/schema.js';

/**
 * Rows indexed per transaction: big enough that FTS5's cost per commit is spread thin (about
 * 14 µs a message at this size), small enough that the single connection is never held for
 * long (a few milliseconds) away from the sends queued behind it.
 */
export const INDEX_CHUNK = 500;
/** How often the indexer looks for messages not indexed yet. */
const INDEX_EVERY_MS = 100;

/**
 * Keeps SQLite's FTS5 index (`messages_fts`) up to date behind the sends (migration 0007): every
 * INDEX_EVERY_MS it indexes the messages above `messages_fts_indexed.upto`, a chunk per
 * transaction; a search calls {@link catchUp} first, so it never misses a committed message.
 * The index is derived data: it commits like any write (a crash loses a chunk and its `upto`
 * together, and the next pass redoes it).
 */
export class FtsIndexer {
  readonly #db: Kysely<Database>;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  start(): void {
    this.#timer = setInterval(() => this.#tick(), INDEX_EVERY_MS);
    this.#timer.unref();
  }

  /**
   * Indexes every message committed so far (on `db`, the store's database or the transaction
   * the caller is in). Concurrent passes never index a row twice: each chunk reads `upto` in
   * its own transaction, and the engine runs one at a time.
   */
  async catchUp(db: Kysely<Database> = this.#db): Promise<void> {
    while ((await indexChunk(db)) > 0);
  }

  /** Stops the timer; resolves once a pass in flight has ended. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  #tick(): void {
    if (this.#running) return;
    // A failure (the disk full, say) is left to the next pass, and to the next search's
    // catch-up, which reports it to its caller.
    this.#running = this.catchUp()
      .catch(() => undefined)
      .finally(() => (this.#running = null));
  }
}

/** Where the index stands: `upto`, and the highest rowid of messages (0 when there are none). */
async function state(db: Kysely<Database>): Promise<{ upto: number; top: number }> {
  const { rows } = await sql<{ upto: number; top: number | null }>`
    select upto, (select max(rowid) from messages) as top from messages_fts_indexed`.execute(db);
  return { upto: Number(rows[0]?.upto ?? 0), top: Number(rows[0]?.top ?? 0) };
}

/** Indexes up to INDEX_CHUNK rows above `upto` in one transaction; how many remain above them. */
async function indexChunk(db: Kysely<Database>): Promise<number> {
  const run = async (trx: Kysely<Database> | Transaction<Database>): Promise<number> => {
    // The write lock first, then the reads: they see the newest commit of every process on
    // the file (`parley admin` may write beside the node), so the insert can never find its
    // snapshot stale (SQLITE_BUSY_SNAPSHOT) or index a row another pass indexed.
    await sql`update messages_fts_indexed set upto = upto`.execute(trx);
    const { upto, top } = await state(trx);
    if (top <= upto) return 0;
    const to = Math.min(top, upto + INDEX_CHUNK);
    await sql`insert into messages_fts(rowid, search_text)
      select rowid, search_text from messages where rowid > ${upto} and rowid <= ${to}`.execute(
      trx,
    );
    await sql`update messages_fts_indexed set upto = ${to}`.execute(trx);
    return top - to;
  };
  if (db.isTransaction) return run(db);
  // Mostly nothing is waiting: a read outside a transaction answers that, writing nothing.
  const { upto, top } = await state(db);
  if (top <= upto) return 0;
  return db.transaction().execute(run);
}
