import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Store } from '../../ports/store.js';
import type { FullTextSearch } from '../sql/engine.js';
import { migrate } from '../sql/migrations.js';
import { createSqlStore } from '../sql/sql-store.js';
import { isPostgresUnavailable } from './errors.js';
import type { Database } from '../sql/schema.js';
import { AdvisoryLeases } from './advisory-lease.js';
import { PostgresMonitor, type StoreLog } from './monitor.js';
import { readReplication } from './replication.js';

/** Options for {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** Connections in the pool; default 10. */
  poolSize?: number;
  /**
   * Hears connection errors that no query is waiting for (PostgreSQL restarted, network cut).
   * The pool replaces such connections; the next query reports any lasting outage itself.
   */
  onConnectionError?: (err: Error) => void;
  /**
   * Milliseconds a caller waits for any store call before it is answered `unavailable`
   * (StoreUnavailableError); the call is not cancelled (a commit may land later). Default 5000.
   */
  deadlineMs?: number;
  /** Users' writes are refused while fewer synchronous standbys back commits (rule K10). Default 0. */
  requireSyncStandbys?: number;
  /** How often the replication state is read; default 2000 ms (the heartbeat's period). */
  replicationCheckMs?: number;
  /**
   * Resolve at once when the database cannot be reached, serve `unavailable` and keep trying
   * with backoff (logged) until it can (rule K7). Default false: the first failure rejects.
   */
  waitForDatabase?: boolean;
  log?: StoreLog;
}

/**
 * TCP keepalive starts probing an idle connection after this long (the OS default is two
 * hours), so a silent network partition ends sessions, and with them the leases they hold,
 * in about this plus the OS's probe interval times its probe count.
 */
export const KEEPALIVE_DELAY_MS = 10_000;

/** The OID of PostgreSQL's `bigint` (int8), which `pg` returns as a string by default. */
const INT8_OID = 20;
const UNIQUE_VIOLATION = '23505';
/** SQLSTATEs of a transaction that lost a race with another one: retrying may succeed. */
const TRANSIENT_CONFLICTS = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  UNIQUE_VIOLATION, // a concurrent transaction committed the same key first
]);

/**
 * Opens the PostgreSQL database at `url` (`postgres://user@host:port/db`) as the shared SQL
 * store, after checking the settings guarantee G1 relies on and applying the migrations (safe
 * when several nodes start at once: Kysely's migrator takes an advisory lock). With
 * `waitForDatabase`, an unreachable database does not fail the open: see the option.
 */
export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<Store> {
  // Per pool, not pg's global registry: bigint columns hold epoch milliseconds and counts,
  // far below 2^53, so numbers are exact; the domain records expect numbers.
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, (value: string) => Number(value));
  const connection: pg.ClientConfig = {
    connectionString: url,
    types,
    application_name: 'parley',
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
    connectionTimeoutMillis: 10_000,
  };
  const deadlineMs = options.deadlineMs ?? 5_000;
  const pool = new pg.Pool({ ...connection, max: options.poolSize ?? 10 });
  // Without a listener, an error on an idle or checked-out connection would crash the node.
  const onError = (err: Error) => options.onConnectionError?.(err);
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));

  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const monitor = new PostgresMonitor({
    async open() {
      await checkDurability(db);
      // Collation "C": text orders by bytes as on SQLite, whatever the database's locale.
      await migrate(db, {
        byteCollation: 'C',
        bytes: 'bytea',
        fullText: 'tsvector',
        appendFunction: true,
      });
    },
    readReplication: () => readReplication(db),
    deadlineMs,
    requireSyncStandbys: options.requireSyncStandbys ?? 0,
    checkEveryMs: options.replicationCheckMs ?? 2_000,
    retry: options.waitForDatabase ?? false,
    ...(options.log ? { log: options.log } : {}),
  });
  try {
    await monitor.start();
  } catch (err) {
    await db.destroy();
    throw err;
  }
  // A lease's queries get the deadline too: a lease query that fails ends its session, so a
  // lock taken after its caller gave up is dropped with it.
  const leases = new AdvisoryLeases({ ...connection, query_timeout: deadlineMs });
  return createSqlStore({
    name: 'postgres',
    db,
    rowLocks: true,
    appendFunction: true,
    fullText: TSVECTOR_SEARCH,
    tryLease: (name) => leases.tryLease(name),
    guard: (call, guardOptions) => monitor.guard(call, guardOptions),
    problem: () => monitor.problem(),
    syncStandbys: () => monitor.syncStandbys(),
    closing: () => monitor.close(),
    close: () => leases.close(),
    isUniqueViolation: (err) => sqlState(err) === UNIQUE_VIOLATION,
    isTransientConflict: (err) => TRANSIENT_CONFLICTS.has(sqlState(err) ?? ''),
    isUnavailable: isPostgresUnavailable,
  });
}

/**
 * Search through the generated `messages.search_vector` and its GIN index (rule Q1): a tsquery
 * of quoted prefix lexemes, all required (`'dep':* & 'café':*`; a `'` or backslash escaped), cast
 * from text rather than parsed by to_tsquery, so no dictionary changes a term and it matches
 * exactly what SQLite matches; relevance is ts_rank, scaled down for longer messages.
 */
const TSVECTOR_SEARCH: FullTextSearch = {
  from: sql`messages`,
  matches: (prefixes) => sql<boolean>`messages.search_vector @@ ${tsquery(prefixes)}::tsquery`,
  // Normalization 1 divides by 1 + log(lexemes): a short message ranks above a long one
  // with the same matches, as bm25 ranks them.
  score: (prefixes) =>
    sql<number>`ts_rank(messages.search_vector, ${tsquery(prefixes)}::tsquery, 1)`,
};

/** The tsquery text requiring every prefix. */
function tsquery(prefixes: readonly string[]): string {
  return prefixes.map((p) => `'${p.replace(/['\\]/g, (c) => `\\${c}`)}':*`).join(' & ');
}

/** Refuses a server that would acknowledge commits it has not flushed (guarantee G1). */
async function checkDurability(db: Kysely<Database>): Promise<void> {
  const setting = async (name: 'fsync' | 'synchronous_commit') => {
    const { rows } = await sql<{ value: string }>`select current_setting(${name}) as value`.execute(
      db,
    );
    return rows[0]?.value;
  };
  const fsync = await setting('fsync');
  const synchronousCommit = await setting('synchronous_commit');
  if (fsync !== 'on' || synchronousCommit === 'off') {
    throw new Error(
      `PostgreSQL must run with fsync=on and synchronous_commit on (found fsync=${fsync}, ` +
        `synchronous_commit=${synchronousCommit}): otherwise an acknowledged message can be lost`,
    );
  }
}

/** The SQLSTATE of a PostgreSQL error, if `err` is one. */
function sqlState(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}
