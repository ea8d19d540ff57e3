import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Argon2Hasher } from '../src/adapters/argon2/argon2-hasher.js';
import { MemoryBus } from '../src/adapters/memory-bus/memory-bus.js';
import { openPostgresStore } from '../src/adapters/postgres/postgres-store.js';
import { startPostgres, type PostgresServer } from '../src/supervisor/postgres-server.js';
import { waitUntil } from '../src/supervisor/processes.js';
import { isAppError } from '../src/domain/errors.js';
import { DEFAULT_LIMITS } from '../src/domain/limits.js';
import type { Conversation, User } from '../src/domain/model.js';
import { createLogger } from '../src/log/logger.js';
import type { Store } from '../src/ports/store.js';
import { ConversationService } from '../src/services/conversations.js';
import { MessageService } from '../src/services/messages.js';
import { storeContract } from './contract/store.contract.js';

// One throwaway server for the whole file; every store gets a database of its own.
let server: Promise<PostgresServer> | null = null;
/** Server log lines reporting a deadlock it broke by aborting a transaction. */
const deadlocks: string[] = [];
const postgres = () =>
  (server ??= startPostgres({
    onLine: (_name, line) => {
      if (line.includes('deadlock detected')) deadlocks.push(line);
    },
  }));
let databases = 0;
/** A fresh, empty database on the shared server. */
async function freshDatabase(prefix: string): Promise<string> {
  databases += 1;
  // A natural-language default collation (ICU en-US sorts `a_b` before `a%b`): the contract's
  // username order then passes only because the schema compares text by bytes.
  return (await postgres()).createDatabase(`${prefix}_${databases}`, { icuLocale: 'en-US' });
}

after(async () => {
  if (server) await (await server).stop();
});

storeContract('postgres', async () => {
  const store = await openPostgresStore(await freshDatabase('contract'), { poolSize: 4 });
  return { store, dispose: () => store.close() };
});

/** A chat node's services on its own store: what src/node/node.ts builds, minus the gateways. */
function chatNode(store: Store, nodeId: string) {
  const deps = {
    store,
    bus: new MemoryBus(),
    hasher: new Argon2Hasher(),
    limits: DEFAULT_LIMITS,
    log: createLogger({ level: 'silent', nodeId, pretty: false }),
    now: Date.now,
  };
  const conversations = new ConversationService(deps);
  return { conversations, messages: new MessageService(deps, conversations) };
}

/** Waits until `n` sessions of `database` are blocked on a lock. */
async function blockedOnLock(database: string, n: number): Promise<void> {
  const srv = await postgres();
  const query = `select count(*) from pg_stat_activity where datname = '${database}' and wait_event_type = 'Lock'`;
  await waitUntil(async () => Number(await srv.psql(query)) >= n, {
    timeoutMs: 10_000,
    what: `${n} session(s) waiting for a lock`,
  });
}

describe('PostgreSQL store', () => {
  let url: string;
  let database: string;
  let stores: Store[];
  let a: ReturnType<typeof chatNode>;
  let b: ReturnType<typeof chatNode>;
  let alice: User;
  let bob: User;

  before(async () => {
    url = await freshDatabase('nodes');
    database = new URL(url).pathname.slice(1);
    // Two nodes opening (and migrating) one fresh database at the same moment.
    stores = await Promise.all([openPostgresStore(url), openPostgresStore(url)]);
    const [storeA, storeB] = stores as [Store, Store];
    a = chatNode(storeA, 'node-a');
    b = chatNode(storeB, 'node-b');
    const user = (username: string) =>
      storeA.createUser({
        id: `u-${username}`,
        username,
        passwordHash: 'unused',
        createdAt: Date.now(),
        deletedAt: null,
      });
    [alice, bob] = [await user('alice'), await user('bob')];
  });
  after(async () => {
    for (const store of stores) await store.close();
  });

  const group = async (name: string): Promise<Conversation> => {
    const summary = await a.conversations.groups.createGroup(alice, name, ['bob']);
    return summary;
  };

  /** Asserts the conversation's timeline is 1..lastSeq with no gap and no repeat (G2). */
  const assertGapFree = async (conversationId: string) => {
    const store = stores[0] as Store;
    const lastSeq = (await store.getConversation(conversationId))?.lastSeq ?? 0;
    const timeline = await store.listTimeline(conversationId, 0, 10_000);
    assert.deepEqual(
      timeline.map((e) => (e.kind === 'message' ? e.message.seq : e.event.seq)),
      Array.from({ length: lastSeq }, (_, i) => i + 1),
    );
    return timeline;
  };

  it('[G1] the server runs with fsync and synchronous_commit on', async () => {
    const srv = await postgres();
    assert.equal(await srv.psql('show fsync'), 'on');
    assert.equal(await srv.psql('show synchronous_commit'), 'on');
    assert.equal(stores[0]?.engine, 'postgres');
  });

  it('[G1] a database that would acknowledge unflushed commits is refused', async () => {
    const unsafe = await freshDatabase('unsafe');
    const srv = await postgres();
    await srv.psql(
      `alter database ${new URL(unsafe).pathname.slice(1)} set synchronous_commit = off`,
    );
    await assert.rejects(openPostgresStore(unsafe), /synchronous_commit/);
  });

  it('[G2] lockConversation makes a second node’s transaction wait for the first’s commit', async () => {
    const conversation = await group('locks');
    const [storeA, storeB] = stores as [Store, Store];
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const first = storeA.transaction(async (tx) => {
      await tx.lockConversation(conversation.id);
      locked();
      await held;
      await tx.nextSeq(conversation.id, Date.now(), false);
      order.push('first commits');
    });
    await new Promise<void>((resolve) => (locked = resolve));
    const second = storeB.transaction(async (tx) => {
      await tx.lockConversation(conversation.id);
      order.push('second locks');
      return (await tx.getConversation(conversation.id))?.lastSeq;
    });
    try {
      await blockedOnLock(database, 1);
    } finally {
      release();
    }
    await first;
    // The read after the lock sees the seq the first transaction committed.
    assert.equal(await second, 2);
    assert.deepEqual(order, ['first commits', 'second locks']);
  });

  it('[G2] two nodes sending to the same conversations at once: every seq once, no gaps, no deadlock', async () => {
    const conversations = [await group('busy-1'), await group('busy-2'), await group('busy-3')];
    const sends = Array.from({ length: 300 }, (_, i) => {
      const node = i % 2 === 0 ? a : b;
      const sender = i % 3 === 0 ? bob : alice;
      const conversation = conversations[i % conversations.length] as Conversation;
      return node.messages.send(sender, conversation.id, `busy-${i}`, `message ${i}`);
    });
    const results = await Promise.all(sends);
    assert.ok(results.every((r) => r.created));
    for (const conversation of conversations) {
      const timeline = await assertGapFree(conversation.id);
      const bodies = timeline.flatMap((e) => (e.kind === 'message' ? [e.message.body] : []));
      assert.equal(bodies.length, 100);
      assert.equal(new Set(bodies).size, 100);
    }
    // Batches lock their conversations in one order on every node, so none waits in a cycle.
    assert.deepEqual(deadlocks, []);
  });

  it('[G3] the same send retried on two nodes at once is stored once; both get the original', async () => {
    const conversation = await group('retries');
    for (let i = 0; i < 40; i++) {
      const clientMsgId = `retry-${i}`;
      const [onA, onB] = await Promise.all([
        a.messages.send(alice, conversation.id, clientMsgId, `hello ${i}`),
        b.messages.send(alice, conversation.id, clientMsgId, `hello ${i}`),
      ]);
      assert.deepEqual(onA.message, onB.message);
      assert.deepEqual([onA.created, onB.created].sort(), [false, true]);
    }
    const timeline = await assertGapFree(conversation.id);
    assert.equal(timeline.filter((e) => e.kind === 'message').length, 40);
  });

  /**
   * Starts node A's send of `clientMsgId` by hand: it locks the conversation, takes its seq and
   * inserts, then holds its transaction open until `release()`; `committed` gives its seq.
   */
  const sendHeldOpen = async (conversationId: string, clientMsgId: string) => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const insertedNow = new Promise<void>((resolve) => (inserted = resolve));
    const committed = (stores[0] as Store).transaction(async (tx) => {
      await tx.lockConversation(conversationId);
      const seq = await tx.nextSeq(conversationId, Date.now(), true);
      await tx.insertMessage({
        id: `m-${clientMsgId}`,
        conversationId,
        seq,
        sender: alice.id,
        clientMsgId,
        body: 'first try',
        createdAt: Date.now(),
        editedAt: null,
        deletedAt: null,
        replyTo: null,
        threadRoot: null,
        mentions: [],
        mentionsAll: false,
      });
      inserted();
      await held;
      return seq;
    });
    await insertedNow;
    return { committed, release };
  };

  it('[G3] a retry arriving while the original’s commit is in flight returns the original', async () => {
    const conversation = await group('in-flight');
    const original = await sendHeldOpen(conversation.id, 'in-flight');
    // Node B's retry waits on the conversation lock, then finds the committed original.
    const retry = b.messages.send(alice, conversation.id, 'in-flight', 'first try');
    try {
      await blockedOnLock(database, 1);
    } finally {
      original.release();
    }
    const seq = await original.committed;
    const result = await retry;
    assert.equal(result.created, false);
    assert.equal(result.message.id, 'm-in-flight');
    assert.equal(result.message.seq, seq);
    await assertGapFree(conversation.id);
  });

  it('[G3] an id reused for another conversation while the first send commits is conflict', async () => {
    const [first, second] = [await group('reuse-1'), await group('reuse-2')];
    const original = await sendHeldOpen(first.id, 'reused');
    // Node B's insert waits on the uncommitted key, then hits it: its batch runs once more and
    // the second run sees the committed original.
    const elsewhere = b.messages.send(alice, second.id, 'reused', 'there');
    // Its refusal may come before the original's commit is awaited: handle it from the start.
    const refused = assert.rejects(elsewhere, (err) => isAppError(err, 'conflict'));
    try {
      await blockedOnLock(database, 1);
    } finally {
      original.release();
    }
    await original.committed;
    await refused;
    assert.equal((await stores[0]?.getConversation(second.id))?.lastSeq, 1);
    await assertGapFree(second.id);
  });

  it('[Store] a lease has one holder at a time and ends with its database session', async () => {
    const [storeA, storeB] = stores as [Store, Store];
    const first = await storeA.tryLease('test.lease');
    assert.ok(first, 'a free lease is taken');
    assert.equal(await storeB.tryLease('test.lease'), null);
    await first.release();
    const second = await storeB.tryLease('test.lease');
    assert.ok(second, 'a released lease is free');
    // The holder's session ends as when its node dies: the lease is lost, and free again.
    await (
      await postgres()
    ).psql(
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${database}' and application_name = 'parley lease'`,
    );
    await second.lost;
    const third = await storeA.tryLease('test.lease');
    assert.ok(third, 'a lost lease is free');
    await third.release();
  });

  it('[O5] reopening a database keeps its data and migrates nothing twice', async () => {
    const reopened = await openPostgresStore(url);
    try {
      assert.deepEqual(await reopened.getUserByUsername('alice'), alice);
    } finally {
      await reopened.close();
    }
  });
});

// Last in the file: it kills the shared server.
describe('PostgreSQL store across a server crash', () => {
  it('[G1] commits acknowledged before kill -9 of PostgreSQL are there after its restart', async () => {
    const srv = await postgres();
    const errors: Error[] = [];
    const store = await openPostgresStore(await freshDatabase('crash'), {
      onConnectionError: (err) => errors.push(err),
    });
    try {
      const users = [];
      for (let i = 0; i < 20; i++) {
        users.push(
          await store.createUser({
            id: `u-crash-${i}`,
            username: `crash${i}`,
            passwordHash: 'unused',
            createdAt: Date.now(),
            deletedAt: null,
          }),
        );
      }
      await srv.kill();
      await assert.rejects(store.ping());
      await srv.restart();
      // The pool drops the dead connections and opens new ones; the node never crashed.
      await waitUntil(() => store.ping().then(() => true), {
        timeoutMs: 20_000,
        what: 'the store to reconnect',
      });
      for (const user of users) assert.deepEqual(await store.getUserById(user.id), user);
    } finally {
      await store.close();
    }
  });
});
