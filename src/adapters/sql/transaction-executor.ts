import { sql, type Kysely } from 'kysely';
import {
  StoreUnavailableError,
  TransactionConflictError,
  type TransactionOps,
} from '../../ports/store.js';
import type { SqlEngine } from './engine.js';
import { sqlExecutor } from './executor.js';
import { checkArguments } from './input-check.js';
import { lazyStoreOps, USER_WRITES, type Operation } from './operations.js';
import type { Database } from './schema.js';

/**
 * How every store operation runs: alone ({@link autocommit}) or in a transaction
 * ({@link transaction}), in both cases through the engine's guard, with its input checked
 * (rule S6), and answered only once the commits before its answer are durable (G1): engines
 * whose COMMIT returns before the flush (SQLite) are waited for here, after every operation,
 * reads included, so nothing a power cut could take back is acknowledged or shown.
 */
export class TransactionExecutor {
  readonly #engine: SqlEngine;

  constructor(engine: SqlEngine) {
    this.#engine = engine;
  }

  /** Runs one operation outside a transaction (its statements commit as they run). */
  autocommit<T>(method: string, args: readonly unknown[], call: () => Promise<T>): Promise<T> {
    const run = async () => {
      checkArguments(method, args);
      const result = await call();
      await this.#durable();
      return result;
    };
    if (!this.#engine.guard) return run();
    return this.#engine.guard(run, { userWrite: USER_WRITES.has(method) });
  }

  /** Runs `fn` in one transaction (see Store.transaction). */
  transaction<T>(fn: (tx: TransactionOps) => Promise<T>): Promise<T> {
    if (!this.#engine.guard) return this.#transaction(fn, () => false);
    return this.#engine.guard((expired) => this.#transaction(fn, expired), { userWrite: true });
  }

  async #transaction<T>(
    fn: (tx: TransactionOps) => Promise<T>,
    expired: () => boolean,
  ): Promise<T> {
    try {
      const result = await this.#engine.db.transaction().execute(async (trx) => {
        // A transaction whose caller was already answered `unavailable` (it waited that long
        // for a connection, or ran that long) rolls back instead of committing unseen; only a
        // COMMIT already sent may land late (and an idempotent retry finds it, G3).
        if (expired()) throw lateTransaction();
        const tx = new OpenTransaction(trx, this.#engine);
        const value = await fn(tx.ops);
        if (expired()) throw lateTransaction();
        tx.refuseCommitIfFailed();
        return value;
      });
      // COMMIT has returned; the flush may still be running (SQLite): nobody hears of the
      // commit before it is on disk.
      await this.#durable();
      return result;
    } catch (err) {
      throw this.#classified(err);
    }
  }

  #durable(): Promise<void> {
    return this.#engine.durable ? this.#engine.durable() : Promise.resolve();
  }

  /** A lost race as TransactionConflictError; anything else as it was. */
  #classified(err: unknown): unknown {
    return this.#engine.isTransientConflict?.(err)
      ? new TransactionConflictError({ cause: err })
      : err;
  }
}

/** One open transaction: its operations, savepoints, and whether a statement in it failed. */
class OpenTransaction {
  readonly ops: TransactionOps;
  readonly #trx: Kysely<Database>;
  readonly #engine: SqlEngine;
  /** The first failure of a statement its caller may carry on after, or of refused input. */
  #failedStatement: unknown = null;
  /** Savepoints open at once: their names only need to differ while nested. */
  #depth = 0;

  constructor(trx: Kysely<Database>, engine: SqlEngine) {
    this.#trx = trx;
    this.#engine = engine;
    const x = sqlExecutor(trx, engine, (err) => (this.#failedStatement = err));
    // Refused input counts as a failed statement: a caller that carries on past it (a group
    // commit's other jobs) gets the same answer on every engine, PostgreSQL's.
    const checked = (method: string, operation: Operation): Operation => {
      return async (...args) => {
        try {
          checkArguments(method, args);
        } catch (refusal) {
          this.#failedStatement ??= refusal;
          throw refusal;
        }
        return operation(...args);
      };
    };
    this.ops = lazyStoreOps(x, checked, {
      savepoint: <T>(run: () => Promise<T>) => this.#savepoint(run),
    });
  }

  /**
   * PostgreSQL aborts a transaction at its first failed statement and turns its COMMIT into a
   * silent ROLLBACK: never report such a transaction as committed (G1). SQLite would commit
   * the rest; refusing there too keeps the engines alike.
   */
  refuseCommitIfFailed(): void {
    if (this.#failedStatement === null) return;
    throw new Error('a statement failed inside the transaction, so it was rolled back', {
      cause: this.#failedStatement,
    });
  }

  async #savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const name = sql.raw(`parley_sp_${++this.#depth}`);
    const failedBefore = this.#failedStatement;
    try {
      await sql`savepoint ${name}`.execute(this.#trx);
      let result: T;
      try {
        result = await fn();
        // A statement failed and `fn` swallowed its error: PostgreSQL has aborted everything
        // since the savepoint, so `fn`'s work did not happen and must not be reported done.
        if (this.#failedStatement !== failedBefore)
          throw new Error('a statement failed inside the savepoint, so it was rolled back', {
            cause: this.#failedStatement,
          });
      } catch (err) {
        await this.#rollbackTo(name, failedBefore);
        if (this.#engine.isTransientConflict?.(err))
          throw new TransactionConflictError({ cause: err });
        throw err;
      }
      await sql`release savepoint ${name}`.execute(this.#trx);
      return result;
    } finally {
      this.#depth--;
    }
  }

  /** Undoes what ran since the savepoint; if even that fails, the transaction must not commit. */
  async #rollbackTo(name: ReturnType<typeof sql.raw>, failedBefore: unknown): Promise<void> {
    try {
      await sql`rollback to savepoint ${name}`.execute(this.#trx);
      this.#failedStatement = failedBefore;
    } catch (err) {
      this.#failedStatement = err;
    }
  }
}

/** The error that rolls back a transaction begun or finished after its caller's deadline. */
function lateTransaction(): StoreUnavailableError {
  return new StoreUnavailableError(
    'timeout',
    'the transaction passed its deadline before committing, so it was rolled back',
  );
}
