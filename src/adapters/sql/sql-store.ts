import { sql } from 'kysely';
import { StoreUnavailableError, type Lease, type Store } from '../../ports/store.js';
import type { SqlEngine } from './engine.js';
import { sqlExecutor } from './executor.js';
import { storeOps, wrapOperations } from './operations.js';
import { TransactionExecutor } from './transaction-executor.js';

/**
 * The one query code path for every SQL engine: the Store port over Kysely. An engine adapter
 * (adapters/sqlite, adapters/postgres) supplies a {@link SqlEngine}; the aggregates
 * (users.ts … registry.ts) supply the operations, each run by the TransactionExecutor.
 */
export function createSqlStore(engine: SqlEngine): Store {
  const executor = new TransactionExecutor(engine);
  const ops = wrapOperations(
    storeOps(sqlExecutor(engine.db, engine)),
    (method, operation) =>
      (...args) =>
        executor.autocommit(method, args, () => operation(...args)),
  );
  return {
    ...ops,
    engine: engine.name,
    reportsSyncStandbys: engine.syncStandbys !== undefined,
    // Row-locking engines serve concurrent transactions from a pool. SQLite has one writer,
    // but its flush runs after the commit: one batch commits while the previous one's fsync runs.
    writeConcurrency: engine.rowLocks ? 4 : engine.durable ? 2 : 1,
    transaction: (fn) => executor.transaction(fn),
    tryLease: (name) => (engine.tryLease ? engine.tryLease(name) : localLease(engine, name)),
    isUnavailable: (err) =>
      hasCause(err, StoreUnavailableError) || (engine.isUnavailable?.(err) ?? false),
    async ping(timeoutMs?: number): Promise<void> {
      const call = async () => {
        await sql`select 1`.execute(engine.db);
      };
      if (!engine.guard) return call();
      await engine.guard(call, {
        userWrite: false,
        ...(timeoutMs === undefined ? {} : { deadlineMs: timeoutMs }),
      });
    },
    problem: () => engine.problem?.() ?? null,
    syncStandbys: () => engine.syncStandbys?.() ?? null,
    async close(): Promise<void> {
      await engine.closing?.();
      await engine.db.destroy();
      await engine.close?.();
    },
  };
}

/** Leases held in this process, for engines with a single node (SQLite). */
const localLeases = new Set<string>();

/** Takes `name` among this process's leases of the engine; null if held. */
function localLease(engine: SqlEngine, name: string): Promise<Lease | null> {
  const key = `${engine.name}:${name}`;
  if (localLeases.has(key)) return Promise.resolve(null);
  localLeases.add(key);
  return Promise.resolve({
    lost: new Promise<void>(() => undefined),
    release: () => {
      localLeases.delete(key);
      return Promise.resolve();
    },
  });
}

/** True if `err` or one of its causes (a few levels deep) is an instance of `type`. */
function hasCause(err: unknown, type: abstract new (...args: never[]) => unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; depth++) {
    if (e instanceof type) return true;
    e = typeof e === 'object' ? (e as { cause?: unknown }).cause : undefined;
  }
  return false;
}
