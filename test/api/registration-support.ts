import assert from 'node:assert/strict';
import { openPostgresStore } from '../../src/adapters/postgres/postgres-store.js';
import { openSqliteStore, sqlitePath } from '../../src/adapters/sqlite/sqlite-store.js';
import type { Store } from '../../src/ports/store.js';
import type { Deployment } from '../helpers/deployment.js';

/**
 * Runs `fn` on a second connection to the deployment's store, beside the running nodes (as
 * the operator's `parley admin` does on the server host).
 */
export async function withStore<T>(d: Deployment, fn: (store: Store) => Promise<T>): Promise<T> {
  const { config } = d.nodes[0]!;
  const store =
    config.store.kind === 'sqlite'
      ? await openSqliteStore(sqlitePath(config.dataDir))
      : await openPostgresStore(config.store.url);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Makes `username` a server admin, straight in the store. */
export async function grantAdmin(d: Deployment, username: string): Promise<void> {
  await withStore(d, async (store) => {
    const user = await store.getUserByUsername(username);
    assert.ok(user, `${username} exists`);
    await store.setUserAdmin(user.id, true);
  });
}
