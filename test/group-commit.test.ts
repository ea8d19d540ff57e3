import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openPostgresStore } from '../src/adapters/postgres/postgres-store.js';
import { openSqliteStore } from '../src/adapters/sqlite/sqlite-store.js';
import { startPostgres, type PostgresServer } from '../src/supervisor/postgres-server.js';
import { AppError, isAppError } from '../src/domain/errors.js';
import type { Store, StoreOps, TransactionOps } from '../src/ports/store.js';
import { CommitBatcher } from '../src/services/group-commit.js';

/** A real SQLite store whose transactions are counted and whose commits are observable. */
function counting(store: Store) {
  const stats = { transactions: 0, committed: 0 };
  const wrapped: Store = Object.create(store) as Store;
  wrapped.transaction = async <T>(fn: (tx: TransactionOps) => Promise<T>) => {
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

/** A conversation with its owner, written outside any batch. */
async function seedConversation(store: Store, prefix: string) {
  const at = Date.now();
  const owner = await store.createUser({
    id: `${prefix}-owner`,
    username: `${prefix}owner`,
    passwordHash: 'x',
    createdAt: at,
    deletedAt: null,
  });
  const conversation = {
    id: `${prefix}-c`,
    kind: 'group' as const,
    name: prefix,
    createdBy: owner.id,
    createdAt: at,
    lastSeq: 0,
    lastMessageAt: at,
    allMentions: 'members' as const,
    visibility: 'private' as const,
    history: 'all' as const,
  };
  await store.createConversation(conversation, null);
  await store.addMember({
    conversationId: conversation.id,
    userId: owner.id,
    role: 'owner',
    joinedAt: at,
    lastReadSeq: 0,
  });
  return { owner, conversation };
}

/** A send as the message service runs it in a batch: lock, take the next seq, insert. */
function sendJob(conversationId: string, sender: string, clientMsgId: string, body: string) {
  return async (tx: StoreOps) => {
    await tx.lockConversation(conversationId);
    const at = Date.now();
    const seq = await tx.nextSeq(conversationId, at, true);
    await tx.insertMessage({
      id: `msg-${clientMsgId}`,
      conversationId,
      seq,
      sender,
      clientMsgId,
      body,
      createdAt: at,
      editedAt: null,
      deletedAt: null,
      replyTo: null,
      threadRoot: null,
      mentions: [],
      mentionsAll: false,
    });
    return seq;
  };
}

/** A store of one engine and how to throw it away. */
interface Harness {
  store: Store;
  dispose(): Promise<void>;
}

/** Opens an empty store of each engine; PostgreSQL is a throwaway server of this file. */
const engines: Array<{ name: string; open: () => Promise<Harness> }> = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'parley-batch-'));
      const store = await openSqliteStore(join(dir, 'parley.db'));
      return {
        store,
        async dispose() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      postgres ??= startPostgres();
      const store = await openPostgresStore(await (await postgres).createDatabase('batch'), {
        poolSize: 2,
      });
      return { store, dispose: () => store.close() };
    },
  },
];
let postgres: Promise<PostgresServer> | undefined;
after(async () => {
  if (postgres) await (await postgres).stop();
});

for (const engine of engines) {
  describe(`group commit isolates a failing job: ${engine.name}`, () => {
    let store: Store;
    let harness: Harness | undefined;
    before(async () => {
      harness = await engine.open();
      store = harness.store;
    });
    after(() => harness?.dispose());

    it('[G1][G2][S6] a job failing with an engine error after a write fails alone; the others of its batch commit, gap-free', async () => {
      const { owner, conversation } = await seedConversation(store, 'engine');
      let transactions = 0;
      const counted: Store = Object.create(store) as Store;
      counted.transaction = (fn) => {
        transactions++;
        return store.transaction(fn);
      };
      counted.isUnavailable = (err) => store.isUnavailable(err);
      const batcher = new CommitBatcher(counted);
      const [first, failing, last] = await Promise.allSettled([
        batcher.submit(sendJob(conversation.id, owner.id, 'first', 'one'), {
          lockKey: conversation.id,
        }),
        batcher.submit(
          async (tx) => {
            // Takes a seq, then a statement the engine refuses: a member row for no user
            // violates the foreign key on both engines (not a domain refusal, not a race).
            await tx.nextSeq(conversation.id, Date.now(), false);
            await tx.addMember({
              conversationId: conversation.id,
              userId: 'nobody',
              role: 'member',
              joinedAt: Date.now(),
              lastReadSeq: 0,
            });
          },
          { lockKey: conversation.id },
        ),
        batcher.submit(sendJob(conversation.id, owner.id, 'last', 'two'), {
          lockKey: conversation.id,
        }),
      ]);
      assert.deepEqual(first, { status: 'fulfilled', value: 1 });
      assert.deepEqual(last, { status: 'fulfilled', value: 2 }, 'the failed job’s seq was undone');
      assert.equal(failing.status, 'rejected');
      assert.ok(!isAppError(failing.reason), 'the job hears its own engine error');
      assert.equal(transactions, 2, 'one optimistic pass, one isolated pass');
      assert.equal((await store.getConversation(conversation.id))?.lastSeq, 2);
      assert.deepEqual(
        (await store.listMessages(conversation.id, { before: null, after: null, limit: 10 })).map(
          (m) => [m.seq, m.body],
        ),
        [
          [1, 'one'],
          [2, 'two'],
        ],
      );
      assert.equal(await store.getMember(conversation.id, 'nobody'), null);
    });

    it('[G1][S6] a send with NUL in its body is refused with invalid_request and fails no other send of its batch', async () => {
      const { owner, conversation } = await seedConversation(store, 'nul');
      const batcher = new CommitBatcher(store);
      const outcomes = await Promise.allSettled(
        ['before', 'a\u0000b', 'after'].map((body, i) =>
          batcher.submit(sendJob(conversation.id, owner.id, `nul-${i}`, body), {
            lockKey: conversation.id,
          }),
        ),
      );
      assert.deepEqual(
        outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as AppError).code)),
        [1, 'invalid_request', 2],
      );
    });

    it('[G1] a job that swallows a failed statement’s error is rolled back alone', async () => {
      const { owner, conversation } = await seedConversation(store, 'swallow');
      const batcher = new CommitBatcher(store);
      const outcomes = await Promise.allSettled([
        batcher.submit(sendJob(conversation.id, owner.id, 'sw-1', 'kept')),
        batcher.submit(async (tx) => {
          // The duplicate username is an answer (DuplicateKeyError), but its statement failed:
          // PostgreSQL has aborted the transaction, so the batch cannot commit as it is.
          await tx
            .createUser({
              id: 'swallow-dup',
              username: owner.username,
              passwordHash: 'x',
              createdAt: Date.now(),
              deletedAt: null,
            })
            .catch(() => undefined);
        }),
        batcher.submit(sendJob(conversation.id, owner.id, 'sw-3', 'also kept')),
      ]);
      assert.deepEqual(
        outcomes.map((o) => o.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.equal(await store.getUserById('swallow-dup'), null);
      assert.equal((await store.getConversation(conversation.id))?.lastSeq, 2);
    });
  });
}
