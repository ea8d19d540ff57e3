import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { openPostgresStore } from '../adapters/postgres/postgres-store.js';
import { openSqliteStore, sqlitePath } from '../adapters/sqlite/sqlite-store.js';
import { AppError } from '../domain/errors.js';
import { createLogger } from '../log/logger.js';
import type { AdminUserRecord, Store } from '../ports/store.js';
import { AdminRoles } from '../services/admin-roles.js';
import { AuditLog } from '../services/audit.js';
import { registerAdminClientCommands } from './admin-client.js';

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

interface LocalOptions {
  data: string;
  store: string;
}

function withLocation(command: Command): Command {
  return command
    .option(
      '--data <dir>',
      'data directory of the node [env PARLEY_DATA]',
      process.env.PARLEY_DATA ?? './data',
    )
    .option(
      '--store <store>',
      'sqlite (in --data) or the PostgreSQL URL of the cluster [env PARLEY_STORE]',
      process.env.PARLEY_STORE ?? 'sqlite',
    );
}

async function runLocal(opts: LocalOptions, fn: (roles: AdminRoles) => Promise<void>) {
  let store: Store;
  try {
    store = await openStoreAt({ dataDir: opts.data, store: opts.store });
  } catch (err) {
    console.error(`parley: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  try {
    await fn(operatorRoles(store));
  } catch (err) {
    console.error(`parley: ${err instanceof AppError ? err.message : String(err)}`);
    process.exitCode = 1;
  } finally {
    await store.close();
  }
}

/**
 * `parley admin`: on the server host, `grant USER` / `revoke USER` / `list` act on the store
 * directly (rule AD1: the bootstrap, audited with no actor); the other subcommands are an
 * admin's client commands over HTTP with the saved session (rule AD10).
 */
export function registerAdmin(program: Command): void {
  const admin = program
    .command('admin')
    .description(
      'server admins: grant|revoke|list run on the server host against the store; users|suspend|unsuspend|delete|audit talk to a node as the logged-in admin',
    );
  withLocation(
    admin
      .command('grant')
      .description('make USER a server admin (run on the server host; works while nodes run)')
      .argument('<user>', 'username'),
  ).action(async (username: string, opts: LocalOptions) => {
    await runLocal(opts, async (roles) => {
      const user = await roles.userByName(username);
      await roles.setAdmin(null, user.id, true);
      console.log(`${user.username} is a server admin`);
    });
  });
  withLocation(
    admin
      .command('revoke')
      .description("take USER's server admin role away (run on the server host)")
      .argument('<user>', 'username'),
  ).action(async (username: string, opts: LocalOptions) => {
    await runLocal(opts, async (roles) => {
      const user = await roles.userByName(username);
      await roles.setAdmin(null, user.id, false);
      const left = await roles.listAdmins();
      console.log(`${user.username} is no longer a server admin`);
      if (left.length === 0)
        console.log('the server has no admin now: `parley admin grant USER` makes one');
    });
  });
  withLocation(
    admin.command('list').description('list the server admins (run on the server host)'),
  ).action(async (opts: LocalOptions) => {
    await runLocal(opts, async (roles) => {
      const admins = await roles.listAdmins();
      if (admins.length === 0) console.log('no server admin: `parley admin grant USER` makes one');
      for (const a of admins) console.log(a.username);
    });
  });
  registerAdminClientCommands(admin);
}
