import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSqliteStore } from '../src/adapters/sqlite/sqlite-store.js';
import { AppError } from '../src/domain/errors.js';
import type { Store, StoreOps } from '../src/ports/store.js';
import { CommitBatcher } from '../src/services/commit-batcher.js';

/** A real SQLite store whose transactions are counted and whose commits are observable. */
function counting(store: Store) {
  const stats = { transactions: 0, committed: 0 };
  const wrapped: Store = Object.create(store) as Store;
  wrapped.transaction = async <T>(fn: (tx: StoreOps) => Promise<T>) => {
    stats.transactions++;
    const result = await store.transaction(fn);
    stats.committed++;
    return result;
  };
  return { wrapped, stats };
}

describe('group commit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-batch-'));
  let store: Store;
  before(async () => {
    store = await openSqliteStore(join(dir, 'parley.db'));
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('[G1] concurrent jobs share transactions, and each resolves only after its commit', async () => {
    const { wrapped, stats } = counting(store);
    const batcher = new CommitBatcher(wrapped);
    const now = Date.now();
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        batcher
          .submit(async (tx) => {
            await tx.createUser({
              id: `u${i}`,
              username: `user${i}`,
              passwordHash: 'x',
              createdAt: now,
              deletedAt: null,
            });
            const committedBefore = stats.committed;
            return { i, committedBefore };
          })
          .then((r) => ({ ...r, committedAfter: stats.committed })),
      ),
    );
    assert.ok(
      stats.transactions < 20,
      `expected batching, got ${stats.transactions} transactions for 200 jobs`,
    );
    for (const r of results)
      assert.ok(r.committedAfter > r.committedBefore, 'resolved after its commit');
    assert.equal(
      (await store.searchUsers({ like: 'user%', afterUsername: null, limit: 1000 })).length,
      200,
    );
  });

  it('[G1] a failing job is rejected alone; the rest of its batch commits', async () => {
    const batcher = new CommitBatcher(store);
    const now = Date.now();
    const outcomes = await Promise.allSettled([
      batcher.submit((tx) =>
        tx.createUser({
          id: 'ok1',
          username: 'okone',
          passwordHash: 'x',
          createdAt: now,
          deletedAt: null,
        }),
      ),
      batcher.submit(() => Promise.reject(new AppError('forbidden'))),
      batcher.submit((tx) =>
        tx.createUser({
          id: 'ok2',
          username: 'oktwo',
          passwordHash: 'x',
          createdAt: now,
          deletedAt: null,
        }),
      ),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.ok(await store.getUserById('ok1'));
    assert.ok(await store.getUserById('ok2'));
  });

  it('[G1][G2] an unexpected error in a job aborts its whole batch, so no seq is left unused', async () => {
    const batcher = new CommitBatcher(store);
    const now = Date.now();
    const outcomes = await Promise.allSettled([
      batcher.submit((tx) =>
        tx.createUser({
          id: 'x1',
          username: 'xone',
          passwordHash: 'x',
          createdAt: now,
          deletedAt: null,
        }),
      ),
      batcher.submit(async (tx) => {
        await tx.createUser({
          id: 'x2',
          username: 'xtwo',
          passwordHash: 'x',
          createdAt: now,
          deletedAt: null,
        });
        throw new Error('disk trouble after a write');
      }),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['rejected', 'rejected'],
    );
    assert.equal(await store.getUserById('x1'), null);
    assert.equal(await store.getUserById('x2'), null);
  });

  it('[G1] a failed commit rejects every job of the batch and writes nothing', async () => {
    const failing: Store = Object.create(store) as Store;
    failing.transaction = (fn) =>
      store.transaction(async (tx) => {
        await fn(tx);
        throw new Error('commit failed');
      });
    const batcher = new CommitBatcher(failing);
    const now = Date.now();
    const outcomes = await Promise.allSettled(
      [1, 2, 3].map((i) =>
        batcher.submit((tx) =>
          tx.createUser({
            id: `f${i}`,
            username: `fail${i}`,
            passwordHash: 'x',
            createdAt: now,
            deletedAt: null,
          }),
        ),
      ),
    );
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['rejected', 'rejected', 'rejected'],
    );
    assert.equal(await store.getUserById('f1'), null);
  });

  it('[G2] with concurrency, a key waits for its batch in flight while other keys go ahead', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let first = true;
    const gated: Store = Object.create(store) as Store;
    gated.transaction = async (fn) => {
      if (first) {
        first = false;
        await gate;
      }
      return store.transaction(fn);
    };
    const batcher = new CommitBatcher(gated, { concurrency: 2 });
    const order: string[] = [];
    const a1 = batcher.submit(() => Promise.resolve(void order.push('a1')), { lockKey: 'A' });
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const a2 = batcher.submit(() => Promise.resolve(void order.push('a2')), { lockKey: 'A' });
    const b1 = batcher.submit(() => Promise.resolve(void order.push('b1')), { lockKey: 'B' });
    await b1;
    assert.deepEqual(order, ['b1'], 'B committed while A was still in flight');
    open();
    await Promise.all([a1, a2]);
    assert.deepEqual(order, ['b1', 'a1', 'a2'], 'A kept its order');
    await batcher.drained();
  });

  it('[O4] drained() waits for every submitted job', async () => {
    const batcher = new CommitBatcher(store);
    let done = 0;
    for (let i = 0; i < 10; i++) void batcher.submit(() => Promise.resolve(void done++));
    await batcher.drained();
    assert.equal(done, 10);
  });
});
