import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * Durable commits without blocking the event loop (guarantee G1).
 *
 * SQLite runs with `synchronous=NORMAL` in WAL mode: a COMMIT appends its frames to the WAL
 * file (into the OS page cache) and returns without an fsync, so the event loop is not held
 * for the disk's flush time. Durability is then provided here: after a commit, the store
 * awaits {@link durable}, which fsyncs the WAL file through a descriptor of its own on libuv's
 * thread pool. On Linux, fsync flushes every dirty page of the file, whichever descriptor wrote
 * it, so once it resolves every frame committed before it started is on disk, and SQLite's
 * recovery replays them after a crash. One fsync covers every commit made before it started
 * (group commit); commits made while one runs wait for the next.
 *
 * Reads wait too: whatever an operation returns was read after some commits, and it is handed
 * back only once those are durable, so no client ever sees a message that a power cut could
 * take back (as PostgreSQL shows a commit only after its WAL flush).
 *
 * Checkpoints stay safe under NORMAL: SQLite syncs the WAL before copying it into the database
 * and syncs the database after. The WAL file keeps its inode for the connection's lifetime
 * (restarts rewrite it in place; only closing the last connection deletes it, after a full
 * checkpoint), so the descriptor opened once stays right.
 */
export class WalSync {
  readonly #walPath: string;
  #handle: Promise<FileHandle> | null = null;
  /** Commits seen so far (autocommit writes and COMMITs). */
  #commits = 0;
  /** Every commit up to this count is durable. */
  #durable = 0;
  #inFlight: { covers: number; done: Promise<void> } | null = null;
  #next: Promise<void> | null = null;
  #flushes = 0;

  constructor(databaseFile: string) {
    this.#walPath = `${databaseFile}-wal`;
  }

  /** Commits counted so far. */
  get commits(): number {
    return this.#commits;
  }

  /** fsyncs started so far. */
  get flushes(): number {
    return this.#flushes;
  }

  /** Counts a statement that ended a transaction, or wrote outside one (autocommit). */
  noteStatement(wasInTransaction: boolean, nowInTransaction: boolean, readonly: boolean): void {
    if (nowInTransaction) return;
    if (wasInTransaction || !readonly) this.#commits += 1;
  }

  /** Resolves once every commit made so far is on disk; at once if they already are. */
  durable(): Promise<void> {
    const target = this.#commits;
    if (target <= this.#durable) return Promise.resolve();
    if (this.#inFlight) {
      if (this.#inFlight.covers >= target) return this.#inFlight.done;
      // The running fsync may have started before this commit: wait for the next one.
      this.#next ??= this.#inFlight.done
        .catch(() => undefined)
        .then(() => {
          this.#next = null;
          return this.#start().done;
        });
      return this.#next;
    }
    return this.#start().done;
  }

  /** Closes the WAL descriptor. */
  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    if (handle) await (await handle.catch(() => null))?.close();
  }

  #start(): { covers: number; done: Promise<void> } {
    const covers = this.#commits;
    this.#flushes += 1;
    const sync = this.#sync();
    const flight = {
      covers,
      done: sync.then(
        () => {
          if (covers > this.#durable) this.#durable = covers;
          if (this.#inFlight === flight) this.#inFlight = null;
        },
        (err: unknown) => {
          if (this.#inFlight === flight) this.#inFlight = null;
          throw new Error('fsync of the SQLite WAL failed; the commit may not be durable', {
            cause: err,
          });
        },
      ),
    };
    this.#inFlight = flight;
    return flight;
  }

  async #sync(): Promise<void> {
    if (!this.#handle) {
      this.#handle = (async () => {
        const handle = await open(this.#walPath, 'r');
        // The WAL's directory entry must be durable too (it exists from the first write on).
        const dir = await open(dirname(this.#walPath), 'r');
        try {
          await dir.sync();
        } finally {
          await dir.close();
        }
        return handle;
      })();
      this.#handle.catch(() => (this.#handle = null));
    }
    await (await this.#handle).sync();
  }
}

/**
 * Wraps a better-sqlite3 statement so that `sync` hears of every commit it makes. Kysely's
 * SQLite driver uses `reader`, `all`, `run` and `iterate`.
 */
export function trackedStatement(
  sqlite: BetterSqlite3.Database,
  statement: BetterSqlite3.Statement,
  sync: WalSync,
): BetterSqlite3.Statement {
  const readonly = statement.readonly;
  const tracked = <T>(run: () => T): T => {
    const was = sqlite.inTransaction;
    try {
      return run();
    } finally {
      sync.noteStatement(was, sqlite.inTransaction, readonly);
    }
  };
  const wrapper = {
    reader: statement.reader,
    readonly,
    source: statement.source,
    all: (...params: unknown[]) => tracked(() => statement.all(...params)),
    get: (...params: unknown[]) => tracked(() => statement.get(...params)),
    run: (...params: unknown[]) => tracked(() => statement.run(...params)),
    iterate: (...params: unknown[]) => tracked(() => statement.iterate(...params)),
  };
  return wrapper as unknown as BetterSqlite3.Statement;
}
