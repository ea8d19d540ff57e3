import type { Kysely, RawBuilder, SqlBool } from 'kysely';
import type { Lease, StoreProblem, SyncStandbys } from '../../ports/store.js';
import type { Database } from './schema.js';

/**
 * What an engine adapter (adapters/sqlite, adapters/postgres) supplies to the shared SQL
 * store: its Kysely instance, how its driver reports conditions the store must tell apart, and
 * what it can do, as typed flags and optional hooks (never compared by name).
 */
export interface SqlEngine {
  name: string;
  db: Kysely<Database>;
  /** True if `err` is the engine's unique-constraint violation. */
  isUniqueViolation(err: unknown): boolean;
  /**
   * True if the engine takes row locks (`SELECT … FOR NO KEY UPDATE`) for
   * `lockConversation`; false if it runs one write transaction at a time, so needs none.
   */
  rowLocks: boolean;
  /**
   * True if migration 0006 installed the plain send's server-side function (PostgreSQL), so a
   * plain send is one round trip (plain-send.ts); absent: its statements run one by one.
   */
  appendFunction?: boolean;
  /** How the engine's full-text index over `messages.search_text` is queried (rule Q1). */
  fullText: FullTextSearch;
  /**
   * True if `err`, escaping a transaction, means it lost a race with a concurrent one and
   * rolled back (surfaced as TransactionConflictError). Engines with one writer leave it out.
   */
  isTransientConflict?(err: unknown): boolean;
  /** Takes a named lease across processes (PostgreSQL advisory lock); absent: in-process only. */
  tryLease?(name: string): Promise<Lease | null>;
  /** True if `err` means the engine is down or unreachable. */
  isUnavailable?(err: unknown): boolean;
  /**
   * Resolves once every commit made so far is durable. Engines whose COMMIT returns before
   * its flush (SQLite with its WAL fsynced off the event loop) supply it; the store's
   * executor awaits it after every operation, reads included, so nothing not durable is
   * acknowledged or shown.
   */
  durable?(): Promise<void>;
  /**
   * Wraps every store call (PostgreSQL: refuses calls before the database was reached and
   * migrated, refuses users' writes while too few synchronous standbys back commits, and
   * answers a call still running at its deadline with StoreUnavailableError, without
   * cancelling it). `call` gets `expired()`, true once its caller was answered.
   */
  guard?<T>(call: (expired: () => boolean) => Promise<T>, options: GuardOptions): Promise<T>;
  /** What keeps the engine from serving, as last observed; absent: nothing ever does. */
  problem?(): StoreProblem | null;
  /** The synchronous standbys behind commits; absent for engines without replication. */
  syncStandbys?(): SyncStandbys | null;
  /** Stops the engine's own work (timers, reconnects) before Kysely is destroyed. */
  closing?(): Promise<void>;
  /** Releases the engine's resources after Kysely is destroyed. */
  close?(): Promise<void>;
}

/** What {@link SqlEngine.guard} knows of a call. */
export interface GuardOptions {
  /**
   * True for writes of users' data (accounts, sessions, conversations, messages, markers),
   * whose success a user is told; false for reads and the node's own bookkeeping (registry,
   * presence, session touches and purges), which go on while users' writes are refused.
   */
  userWrite: boolean;
  /** Overrides the engine's deadline (readiness checks answer sooner). */
  deadlineMs?: number;
}

/**
 * One engine's full-text index over `messages.search_text` (migration 0004), as SQL fragments
 * the search query (search.ts) puts together. Both engines index the same tokens
 * (domain/search.ts) and match each query token as a token prefix, so they find the same
 * messages; only the relevance score is the engine's own.
 */
export interface FullTextSearch {
  /**
   * The FROM items: `messages` itself, or joined with the index table, so every other clause
   * may name `messages` (SQLite: the FTS5 table joined on the rowid).
   */
  from: RawBuilder<unknown>;
  /** True for messages whose tokens include, for each of `prefixes`, one starting with it. */
  matches(prefixes: readonly string[]): RawBuilder<SqlBool>;
  /** The relevance of a matching message (higher is better), in the query `matches` is in. */
  score(prefixes: readonly string[]): RawBuilder<number>;
  /**
   * Brings the index up to date before a search, on `db` (the store's database or the
   * caller's transaction); absent: the index is always up to date (PostgreSQL's generated
   * column). SQLite indexes behind the sends (migration 0007).
   */
  catchUp?(db: Kysely<Database>): Promise<void>;
}
