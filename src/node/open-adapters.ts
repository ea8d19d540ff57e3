import { connectNatsBus } from '../adapters/nats/nats-bus.js';
import { openPostgresStore } from '../adapters/postgres/postgres-store.js';
import { MemoryBus } from '../adapters/memory-bus/memory-bus.js';
import { openSqliteStore, sqlitePath } from '../adapters/sqlite/sqlite-store.js';
import type { Config } from '../config/config.js';
import { prepareDataDir } from '../config/data-dir.js';
import type { Logger } from '../log/logger.js';
import type { Bus } from '../ports/bus.js';
import type { Store } from '../ports/store.js';

/** The Store the configuration names: embedded SQLite, or PostgreSQL in cluster mode. */
export async function openStore(config: Config, log: Logger): Promise<Store> {
  if (config.store.kind === 'sqlite') {
    prepareDataDir(config.dataDir);
    return openSqliteStore(sqlitePath(config.dataDir));
  }
  const { url } = config.store;
  try {
    return await openPostgresStore(url, {
      onConnectionError: (err) =>
        log.warn({ event: 'store.connection_error', err }, 'PostgreSQL connection error'),
      deadlineMs: config.storeTimeoutMs,
      requireSyncStandbys: config.requireSyncStandbys,
      waitForDatabase: true,
      log,
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot use PostgreSQL at ${redactUrl(url)}: ${reason}`, { cause: err });
  }
}

/** The Bus the configuration names: in-process, or NATS in cluster mode. */
export async function openBus(config: Config, log: Logger): Promise<Bus> {
  if (config.bus.kind === 'memory') return new MemoryBus();
  return connectNatsBus(config.bus.servers, { name: config.nodeId, log });
}

/** A connection URL without its password, for messages and logs. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured URL';
  }
}
