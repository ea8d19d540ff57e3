import type { Compilable, Kysely, QueryResult } from 'kysely';
import { DuplicateKeyError, type UniqueKey } from '../../ports/store.js';
import type { SqlEngine } from './engine.js';
import { PreparedQueries } from './prepared.js';
import type { Database } from './schema.js';

/**
 * Where an aggregate's statements run: the database (each statement its own transaction) or
 * an open transaction. Every aggregate of adapters/sql is a factory over one of these.
 */
export interface SqlExecutor {
  /** The database, or the open transaction. */
  readonly db: Kysely<Database>;
  /** The engine's flags and classifiers (row locks, unique violations). */
  readonly engine: SqlEngine;
  /** Runs a hot-path query compiled once per engine (see PreparedQueries); `build` gets placeholders. */
  prepared<R, A extends unknown[]>(
    key: string,
    build: (...args: A) => Compilable<R>,
    ...args: A
  ): Promise<QueryResult<R>>;
  /**
   * Hears a statement the engine failed although its caller may carry on (a duplicate key
   * answered with DuplicateKeyError, refused input): inside a transaction, which PostgreSQL
   * has then aborted, it keeps the transaction from reporting a commit.
   */
  statementFailed(err: unknown): void;
}

/** Each engine's compiled hot-path queries, shared by all its executors. */
const preparedByEngine = new WeakMap<SqlEngine, PreparedQueries>();

/** An executor over `db` (the engine's database or one of its transactions). */
export function sqlExecutor(
  db: Kysely<Database>,
  engine: SqlEngine,
  statementFailed: (err: unknown) => void = () => undefined,
): SqlExecutor {
  let prepared = preparedByEngine.get(engine);
  if (!prepared) {
    prepared = new PreparedQueries();
    preparedByEngine.set(engine, prepared);
  }
  const queries = prepared;
  return {
    db,
    engine,
    statementFailed,
    prepared: (key, build, ...args) =>
      queries.run(db, key, build as unknown as (...a: never[]) => Compilable<never>, args),
  };
}

/**
 * Runs an insert whose unique key a caller is told about: the engine's unique violation
 * becomes {@link DuplicateKeyError} (`key`); any failure counts as a failed statement.
 */
export async function insertUnique(
  x: SqlExecutor,
  key: UniqueKey,
  insert: () => Promise<unknown>,
): Promise<void> {
  try {
    await insert();
  } catch (err) {
    x.statementFailed(err);
    if (x.engine.isUniqueViolation(err)) throw new DuplicateKeyError(key, { cause: err });
    throw err;
  }
}

/**
 * One aggregate of the Store port over SQL: its operations built over an executor (the
 * database or an open transaction), and which of them write users' data (refused while too
 * few synchronous standbys back commits: GuardOptions.userWrite).
 */
export interface SqlAggregate<Ops extends object> {
  ops(x: SqlExecutor): Ops;
  userWrites: ReadonlyArray<keyof Ops & string>;
}

/** Declares an aggregate (typing `userWrites` against its operations). */
export function sqlAggregate<Ops extends object>(aggregate: SqlAggregate<Ops>): SqlAggregate<Ops> {
  return aggregate;
}
