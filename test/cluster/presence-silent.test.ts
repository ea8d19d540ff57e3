import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { MemoryBus } from '../../src/adapters/memory-bus/memory-bus.js';
import { openSqliteStore, sqlitePath } from '../../src/adapters/sqlite/sqlite-store.js';
import { ulid } from '../../src/domain/ids.js';
import { DEFAULT_LIMITS } from '../../src/domain/limits.js';
import type { ClusterNode, User } from '../../src/domain/model.js';
import { createLogger } from '../../src/log/logger.js';
import { subjects, type BusEvent } from '../../src/ports/bus.js';
import type { Store } from '../../src/ports/store.js';
import { ConversationService } from '../../src/services/conversations.js';
import type { ServiceDeps } from '../../src/services/deps.js';
import { PresenceService } from '../../src/services/presence.js';
import { waitUntil } from '../../src/supervisor/processes.js';
import { HEARTBEAT_MS, LIVE_WINDOW_MS } from '../../src/services/registry.js';

const NOW = 1_000_000_000;

/** A node row whose last heartbeat was `ageMs` before NOW. */
const nodeRow = (id: string, ageMs: number): ClusterNode => ({
  id,
  url: `http://${id}.test`,
  startedAt: NOW - ageMs - 60_000,
  heartbeatAt: NOW - ageMs,
  connections: 1,
  draining: false,
});

/** Lets the in-process bus deliver what was published. */
const delivered = () => new Promise((resolve) => setImmediate(resolve));

/**
 * [G7] The silent-node watch on one store with a fixed clock: which heartbeat ages make a node
 * silent, who speaks, and that a stalled node's users come back online.
 */
describe('presence: nodes that fall silent (embedded store, fixed clock)', () => {
  let dir: string;
  let store: Store;
  let deps: ServiceDeps;
  let alice: User;
  let bob: User;
  const heard: Array<{ userId: string; online: boolean }> = [];

  const newUser = (prefix: string) =>
    store.createUser({
      id: ulid(),
      username: `${prefix}${Math.random().toString(36).slice(2, 8)}`,
      passwordHash: 'unused',
      createdAt: NOW,
      deletedAt: null,
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-bus-silent-'));
    store = await openSqliteStore(sqlitePath(dir));
    const bus = new MemoryBus();
    deps = {
      store,
      bus,
      hasher: {
        hash: () => Promise.reject(new Error('unused')),
        verify: () => Promise.reject(new Error('unused')),
      },
      limits: DEFAULT_LIMITS,
      log: createLogger({ level: 'silent', nodeId: 'test' }),
      now: () => NOW,
    };
    alice = await newUser('alice');
    bob = await newUser('bob');
    const dm = await new ConversationService(deps).getOrCreateDm(alice, bob.username);
    bus.subscribe(subjects.conversation(dm.conversation.id), (event: BusEvent) => {
      if (event.type === 'presence') heard.push({ userId: event.userId, online: event.online });
    });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    heard.length = 0;
    for (const id of ['a', 'b', 'c']) {
      await store.clearPresence(id);
      await store.deleteNode(id);
    }
  });

  /** Writes the rows to the registry (presence checks read it) and returns them. */
  const registry = async (...nodes: ClusterNode[]): Promise<ClusterNode[]> => {
    for (const node of nodes) await store.upsertNode(node);
    return nodes;
  };

  it('[G7] a node busy for less than LIVE_WINDOW_MS - HEARTBEAT_MS is not silent; past the window its users go offline once', async () => {
    await store.setPresence(alice.id, 'b', true, NOW);
    const a = new PresenceService(deps, 'a');
    // b's heartbeat is due every HEARTBEAT_MS: stalled 4 s, its row is at most 6 s old.
    const stall = LIVE_WINDOW_MS - HEARTBEAT_MS;
    await a.watchNodes(await registry(nodeRow('a', 0), nodeRow('b', stall + HEARTBEAT_MS)));
    await delivered();
    assert.deepEqual(heard, [], 'a row exactly LIVE_WINDOW_MS old is still live');
    assert.deepEqual([...(await a.onlineAmong([alice.id]))], [alice.id]);
    await a.watchNodes(await registry(nodeRow('a', 0), nodeRow('b', LIVE_WINDOW_MS + 1)));
    await delivered();
    assert.deepEqual(heard, [{ userId: alice.id, online: false }]);
    // Still silent at the next check, then reaped by the leader: nothing more to announce.
    await a.watchNodes(await registry(nodeRow('a', 0), nodeRow('b', LIVE_WINDOW_MS + 1_001)));
    await store.deleteNode('b');
    await a.announceGone(await store.clearPresence('b'));
    await a.watchNodes(await registry(nodeRow('a', 0)));
    await delivered();
    assert.deepEqual(heard, [{ userId: alice.id, online: false }]);
  });

  it('[G7] every node checks, yet each user of a silent node is announced once; users online on a live node are not', async () => {
    await store.setPresence(alice.id, 'c', true, NOW);
    await store.setPresence(bob.id, 'c', true, NOW);
    await store.setPresence(bob.id, 'b', true, NOW);
    const nodes = await registry(
      nodeRow('a', 0),
      nodeRow('b', 0),
      nodeRow('c', LIVE_WINDOW_MS + 500),
    );
    await Promise.all([
      new PresenceService(deps, 'a').watchNodes(nodes),
      new PresenceService(deps, 'b').watchNodes(nodes),
    ]);
    await delivered();
    assert.deepEqual(heard, [{ userId: alice.id, online: false }], 'bob is online on b');
    assert.deepEqual([...(await store.clearPresence('c'))], [], 'c forgotten');
  });

  it('[G7] a stalled node puts its users back: recorded and announced online again', async () => {
    const b = new PresenceService(deps, 'b');
    await registry(nodeRow('b', 0));
    b.userOnline(alice, []);
    await waitUntil(async () => (await b.onlineAmong([alice.id])).has(alice.id), {
      timeoutMs: 5_000,
      what: 'alice recorded on b',
    });
    // b stalls: a finds it silent and announces alice offline.
    await new PresenceService(deps, 'a').watchNodes(
      await registry(nodeRow('a', 0), nodeRow('b', LIVE_WINDOW_MS + 100)),
    );
    await delivered();
    assert.deepEqual(heard, [{ userId: alice.id, online: false }]);
    // b's next heartbeat was late: it restores.
    await registry(nodeRow('b', 0));
    await b.restore();
    await delivered();
    assert.deepEqual(heard, [
      { userId: alice.id, online: false },
      { userId: alice.id, online: true },
    ]);
    assert.ok((await b.onlineAmong([alice.id])).has(alice.id), 'recorded again');
    // A user whose last socket closed meanwhile is not put back.
    b.userOffline(alice, [], () => false);
    await waitUntil(async () => !(await b.onlineAmong([alice.id])).has(alice.id), {
      timeoutMs: 5_000,
      what: 'alice forgotten on b',
    });
    heard.length = 0;
    await b.restore();
    await delivered();
    assert.ok(!(await b.onlineAmong([alice.id])).has(alice.id));
  });
});
