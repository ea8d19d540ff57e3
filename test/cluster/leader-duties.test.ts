import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MemoryBus } from '../../src/adapters/memory-bus/memory-bus.js';
import { openSqliteStore, sqlitePath } from '../../src/adapters/sqlite/sqlite-store.js';
import { newToken, ulid } from '../../src/domain/ids.js';
import { DEFAULT_LIMITS } from '../../src/domain/limits.js';
import type { User } from '../../src/domain/model.js';
import { createLogger } from '../../src/log/logger.js';
import { subjects, type BusEvent } from '../../src/ports/bus.js';
import type { Store } from '../../src/ports/store.js';
import { ClusterService } from '../../src/services/cluster.js';
import { ConversationService } from '../../src/services/conversations.js';
import type { ServiceDeps } from '../../src/services/deps.js';
import { LeaderDuties, REAP_AFTER_MS } from '../../src/services/leader.js';
import { PresenceService } from '../../src/services/presence.js';

/** A node row whose last heartbeat was `ageMs` ago. */
const nodeRow = (id: string, ageMs: number) => ({
  id,
  url: `http://${id}.test`,
  startedAt: Date.now() - ageMs - 1_000,
  heartbeatAt: Date.now() - ageMs,
  connections: 1,
  draining: false,
});

/** Lets the in-process bus deliver what was published. */
const delivered = () => new Promise((resolve) => setImmediate(resolve));

describe('cluster duties on one store: leader, presence, registry (embedded)', () => {
  let dir: string;
  let store: Store;
  let deps: ServiceDeps;
  let bus: MemoryBus;
  let alice: User;
  let bob: User;
  let dmId: string;
  const heard: BusEvent[] = [];

  const newUser = async (prefix: string) =>
    store.createUser({
      id: ulid(),
      username: `${prefix}${Math.random().toString(36).slice(2, 8)}`,
      passwordHash: 'unused',
      createdAt: Date.now(),
      deletedAt: null,
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-leader-'));
    store = await openSqliteStore(sqlitePath(dir));
    bus = new MemoryBus();
    deps = {
      store,
      bus,
      hasher: {
        hash: () => Promise.reject(new Error('unused')),
        verify: () => Promise.reject(new Error('unused')),
      },
      limits: DEFAULT_LIMITS,
      log: createLogger({ level: 'silent', nodeId: 'test' }),
      now: Date.now,
    };
    alice = await newUser('alice');
    bob = await newUser('bob');
    const dm = await new ConversationService(deps).getOrCreateDm(alice, bob.username);
    dmId = dm.conversation.id;
    bus.subscribe(subjects.conversation(dmId), (event) => heard.push(event));
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const presenceHeard = () =>
    heard.flatMap((e) => (e.type === 'presence' ? [{ userId: e.userId, online: e.online }] : []));

  it('[K4][G7] the leader reaps a silent node: its row and presence go, and only users not back elsewhere are announced offline', async () => {
    await store.upsertNode(nodeRow('dead', REAP_AFTER_MS + 5_000));
    await store.upsertNode(nodeRow('live', 0));
    await store.upsertNode(nodeRow('quiet', REAP_AFTER_MS - 10_000));
    await store.setPresence(alice.id, 'dead', true, Date.now() - REAP_AFTER_MS);
    await store.setPresence(bob.id, 'dead', true, Date.now() - REAP_AFTER_MS);
    await store.setPresence(bob.id, 'live', true, Date.now());
    heard.length = 0;

    const presence = new PresenceService(deps, 'live');
    const leader = new LeaderDuties(deps, presence);
    await leader.tick();
    await delivered();
    try {
      assert.equal(leader.leader, true);
      const ids = (await store.listNodes()).map((n) => n.id).sort();
      // Silent for less than REAP_AFTER_MS ('quiet') is not dead yet.
      assert.deepEqual(ids, ['live', 'quiet']);
      assert.deepEqual(presenceHeard(), [{ userId: alice.id, online: false }]);
      assert.deepEqual([...(await presence.onlineAmong([alice.id, bob.id]))], [bob.id]);
    } finally {
      await leader.release();
      await store.deleteNode('live');
      await store.deleteNode('quiet');
      await store.clearPresence('live');
    }
  });

  it('[K4] one leader at a time: a follower reaps nothing, and asks again for the lease every fifth heartbeat', async () => {
    const presence = new PresenceService(deps, 'n1');
    const first = new LeaderDuties(deps, presence);
    const second = new LeaderDuties(deps, presence);
    await first.tick();
    assert.equal(first.leader, true);
    try {
      await store.upsertNode(nodeRow('gone-1', REAP_AFTER_MS + 1_000));
      await second.tick();
      assert.equal(second.leader, false);
      assert.ok((await store.listNodes()).some((n) => n.id === 'gone-1'));
    } finally {
      await first.release();
    }
    // Released: the follower's next four heartbeats do not ask, the fifth takes over.
    for (let i = 0; i < 4; i++) {
      await second.tick();
      assert.equal(second.leader, false, `heartbeat ${i + 2} should not ask`);
    }
    await second.tick();
    assert.equal(second.leader, true);
    assert.ok(!(await store.listNodes()).some((n) => n.id === 'gone-1'));
    await second.release();
  });

  it('[A4][K4] the leader purges expired sessions and keeps live ones', async () => {
    const session = (expiresAt: number) => ({
      id: ulid(),
      userId: alice.id,
      tokenHash: newToken(),
      createdAt: Date.now() - 1_000,
      expiresAt,
      lastSeenAt: Date.now() - 1_000,
    });
    const expired = session(Date.now() - 1);
    const live = session(Date.now() + 60_000);
    await store.createSession(expired);
    await store.createSession(live);
    const leader = new LeaderDuties(deps, new PresenceService(deps, 'n2'));
    await leader.tick();
    try {
      assert.equal(await store.getSessionByTokenHash(expired.tokenHash), null);
      assert.equal((await store.getSessionByTokenHash(live.tokenHash))?.id, live.id);
    } finally {
      await leader.release();
    }
  });

  it("[K2][K7] a node's clock: an earlier run's sockets are forgotten at start; drain flags the row; stop removes row and presence", async () => {
    await store.setPresence(alice.id, 'self', true, Date.now() - 60_000);
    const cluster = new ClusterService(deps, {
      id: 'self',
      url: () => 'http://self.test',
      connections: () => 3,
    });
    await cluster.start();
    try {
      const row = (await store.listNodes()).find((n) => n.id === 'self');
      assert.deepEqual(
        row && { url: row.url, connections: row.connections, draining: row.draining },
        { url: 'http://self.test', connections: 3, draining: false },
      );
      assert.equal((await cluster.presence.onlineAmong([alice.id])).size, 0);
      assert.deepEqual(
        (await cluster.registry.pick())?.id,
        'self',
        'a live node that is not draining is offered',
      );

      heard.length = 0;
      cluster.presence.userOnline(alice, [dmId]);
      await waitFor(() => presenceHeard().length === 1);
      assert.deepEqual(presenceHeard(), [{ userId: alice.id, online: true }]);
      assert.deepEqual([...(await cluster.presence.onlineAmong([alice.id]))], [alice.id]);

      await cluster.drain();
      assert.equal((await store.listNodes()).find((n) => n.id === 'self')?.draining, true);
      assert.equal(await cluster.registry.pick(), null, 'a draining node is not offered');
    } finally {
      await cluster.stop();
    }
    assert.ok(!(await store.listNodes()).some((n) => n.id === 'self'));
    assert.equal((await store.clearPresence('self')).length, 0);
  });
});

/** Waits (briefly) until `done()`; presence writes are chained off the caller's path. */
async function waitFor(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(done(), 'timed out');
}
