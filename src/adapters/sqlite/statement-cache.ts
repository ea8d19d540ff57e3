import type BetterSqlite3 from 'better-sqlite3';
import { trackedStatement, type WalSync } from './wal-sync.js';

/**
 * Kysely prepares every query anew; the hot paths run the same few SQL texts thousands of
 * times a second, so prepared statements are kept per SQL text (bounded) and reused. Each is
 * wrapped so the WAL sync counts the commits it makes.
 */
export function withStatementCache(
  sqlite: BetterSqlite3.Database,
  walSync: WalSync,
): BetterSqlite3.Database {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return new Proxy(sqlite, {
    get(target, property, receiver) {
      if (property !== 'prepare') return Reflect.get(target, property, receiver) as unknown;
      return (source: string) => {
        let statement = cache.get(source);
        if (!statement) {
          statement = trackedStatement(target, target.prepare(source), walSync);
          if (cache.size >= 500) cache.delete(cache.keys().next().value!);
          cache.set(source, statement);
        }
        return statement;
      };
    },
  });
}
