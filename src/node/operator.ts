import { existsSync } from 'node:fs';
import { openPostgresStore } from '../adapters/postgres/postgres-store.js';
import { openSqliteStore, sqlitePath } from '../adapters/sqlite/sqlite-store.js';
import { createLogger } from '../log/logger.js';
import type { AdminUserRecord, Store } from '../ports/store.js';
import { AdminRoles } from '../services/admin-roles.js';
import { AuditLog } from '../services/audit.js';

/*
 * The operator's store commands (`parley admin grant|revoke|list`, rule AD1) compose a store
 * and the admin roles service outside a running node, so they live with the composition root.
 */

/** Where the operator's commands find the store: the same --data / --store as `parley serve`. */
export interface StoreLocation {
  dataDir: string;
  /** `sqlite` (in dataDir) or a PostgreSQL URL. */
  store: string;
}

/** Opens the store a node of this location uses (SQLite: only if its database exists). */
export async function openStoreAt(where: StoreLocation): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(where.store)) return openPostgresStore(where.store);
  if (where.store !== 'sqlite')
    throw new Error(`--store must be sqlite or a postgres:// URL, not "${where.store}"`);
  const file = sqlitePath(where.dataDir);
  if (!existsSync(file)) throw new Error(`no database at ${file} (is --data right?)`);
  return openSqliteStore(file);
}

/** What `parley admin grant|revoke|list` do, on an open store (the operator is the actor). */
export function operatorRoles(store: Store): AdminRoles {
  return new AdminRoles(
    { store, log: createLogger({ level: 'silent', nodeId: 'cli' }) },
    new AuditLog({ now: Date.now }),
  );
}

/**
 * Grants (or revokes) the server admin role of `username` in the store at `where`, as
 * `parley admin grant` does (rule AD1): the bootstrap of the first admin. Also used by tests.
 */
export async function setAdminAt(
  where: StoreLocation,
  username: string,
  admin: boolean,
): Promise<AdminUserRecord> {
  const store = await openStoreAt(where);
  try {
    const roles = operatorRoles(store);
    const user = await roles.userByName(username);
    return await roles.setAdmin(null, user.id, admin);
  } finally {
    await store.close();
  }
}

/** The store location of a node's configuration (tests pass a TestNode's config). */
export function locationOf(config: {
  dataDir: string;
  store: { kind: 'sqlite' } | { kind: 'postgres'; url: string };
}): StoreLocation {
  return {
    dataDir: config.dataDir,
    store: config.store.kind === 'postgres' ? config.store.url : 'sqlite',
  };
}

/**
 * Opens the store at `where`, runs `fn` with the operator's admin roles on it, and closes the
 * store again, whatever `fn` does. A store that cannot be opened rejects before `fn` runs.
 */
export async function withOperatorRoles(
  where: StoreLocation,
  fn: (roles: AdminRoles) => Promise<void>,
): Promise<void> {
  const store = await openStoreAt(where);
  try {
    await fn(operatorRoles(store));
  } finally {
    await store.close();
  }
}
