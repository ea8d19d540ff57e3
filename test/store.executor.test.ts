import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { GuardOptions, SqlEngine } from '../src/adapters/sql/engine.js';
import { migrate } from '../src/adapters/sql/migrations.js';
import type { Database } from '../src/adapters/sql/schema.js';
import { createSqlStore } from '../src/adapters/sql/sql-store.js';
import { FtsIndexer } from '../src/adapters/sqlite/fts-indexer.js';
import { fts5Search } from '../src/adapters/sqlite/sqlite-store.js';
import type { User } from '../src/domain/model.js';
import { StoreUnavailableError, type Store } from '../src/ports/store.js';

/**
 * The transaction executor (adapters/sql/transaction-executor.ts) over a real SQLite database,
 * with the engine hooks it must honour made observable: `durable()` as a gate the test opens,
 * `guard` as a refusal of users' writes (what PostgreSQL does while too few synchronous
 * standbys back commits).
 */
describe('SQL store executor: durability and the guard', () => {
  let dir: string;
  let db: Kysely<Database>;
  /** Opens the gate every pending `durable()` waits on. */
  let openGate: () => void = () => undefined;
  let gate = Promise.resolve();
  let durableCalls = 0;
  let refuseUserWrites = false;
  const heard: GuardOptions[] = [];
  let store: Store;

  const closeGate = () => {
    gate = new Promise<void>((resolve) => (openGate = resolve));
  };
  const user = (id: string): User & { passwordHash: string } => ({
    id,
    username: id,
    passwordHash: 'x',
    createdAt: 1,
    deletedAt: null,
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-executor-'));
    db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: new BetterSqlite3(join(dir, 'parley.db')) }),
    });
    await migrate(db);
    const engine: SqlEngine = {
      name: 'sqlite-gated',
      db,
      rowLocks: false,
      fullText: fts5Search(new FtsIndexer(db)),
      isUniqueViolation: () => false,
      durable: () => {
        durableCalls++;
        return gate;
      },
      guard: (call, options) => {
        heard.push(options);
        if (refuseUserWrites && options.userWrite)
          return Promise.reject(new StoreUnavailableError('sync_standbys_missing', 'refused'));
        return call(() => false);
      },
    };
    store = createSqlStore(engine);
  });
  after(async () => {
    openGate();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Asserts that `promise` is still pending once `durable()` has been entered and turns pass. */
  async function pendingUntilDurable<T>(promise: Promise<T>): Promise<T> {
    let settled = false;
    void promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    const before = durableCalls;
    while (durableCalls === before && !settled) await setImmediate();
    for (let i = 0; i < 5; i++) await setImmediate();
    assert.equal(settled, false, 'answered before durable() resolved');
    openGate();
    return promise;
  }

  it('[G1] a transaction, an autocommit write and a read answer only after durable() resolves', async () => {
    closeGate();
    const committed = await pendingUntilDurable(
      store.transaction(async (tx) => {
        await tx.createUser(user('in-tx'));
        return 'committed';
      }),
    );
    assert.equal(committed, 'committed');

    closeGate();
    await pendingUntilDurable(store.createUser(user('autocommit')));

    closeGate();
    const read = await pendingUntilDurable(store.getUserById('in-tx'));
    assert.equal(read?.username, 'in-tx');
  });

  it('[K10] refused users’ writes refuse nothing else: reads and the node’s bookkeeping go on', async () => {
    refuseUserWrites = true;
    try {
      heard.length = 0;
      const refused = (err: unknown) => err instanceof StoreUnavailableError;
      await assert.rejects(store.createUser(user('refused')), refused);
      await assert.rejects(
        store.transaction(() => Promise.resolve()),
        refused,
      );
      await assert.rejects(store.renameConversation('c', 'x'), refused);
      await assert.rejects(
        store.insertEvent({
          conversationId: 'c',
          seq: 1,
          type: 'conversation.renamed',
          actor: 'a',
          data: { name: 'x', previous: null },
          createdAt: 1,
        }),
        refused,
      );
      assert.equal(await store.getUserById('refused'), null);
      await store.touchSession('no-such-session', 2);
      assert.equal(await store.deleteExpiredSessions(0), 0);
      await store.upsertNode({
        id: 'n1',
        url: 'http://n1.test',
        startedAt: 1,
        heartbeatAt: 2,
        connections: 0,
        draining: false,
      });
      await store.setPresence('in-tx', 'n1', true, 2);
      assert.deepEqual([...(await store.onlineUsers(['in-tx'], 0))], ['in-tx']);
      assert.deepEqual(
        heard.map((o) => o.userWrite),
        [true, true, true, true, false, false, false, false, false, false],
      );
    } finally {
      refuseUserWrites = false;
    }
  });
});
