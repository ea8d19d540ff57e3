import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { openSqliteStore, sqlitePath } from '../../src/adapters/sqlite/sqlite-store.js';
import type { Store } from '../../src/ports/store.js';
import { Api, uniqueName, type TestUser } from '../helpers/api.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { WsClient } from '../helpers/ws.js';

/**
 * A store whose next read of a given user's positions answers with what it read before a
 * commit that `during` makes: the commit's live event reaches the hub while the socket is
 * still joining, the way a send on another socket may land in the middle of a `hello`.
 */
function racingStore(store: Store) {
  let armed: { userId: string; during: () => Promise<void> } | null = null;
  let heldRead: { conversationId: string; after: number; during: () => Promise<void> } | null =
    null;
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'listTimeline') {
        return async (conversationId: string, after: number, limit: number) => {
          const page = (await value.call(target, conversationId, after, limit)) as unknown;
          const hold = heldRead;
          if (hold && hold.conversationId === conversationId && hold.after === after) {
            heldRead = null;
            await hold.during();
          }
          return page;
        };
      }
      if (property !== 'listCursorsForUser') return value.bind(target);
      return async (userId: string) => {
        const positions = (await value.call(target, userId)) as unknown;
        const race = armed?.userId === userId ? armed : null;
        if (race) {
          armed = null;
          await race.during();
        }
        return positions;
      };
    },
  });
  return {
    store: wrapped,
    arm(userId: string, during: () => Promise<void>) {
      armed = { userId, during };
    },
    /** Runs `during` after the timeline page after `after` was read, before it is returned. */
    holdTimelineRead(conversationId: string, after: number, during: () => Promise<void>) {
      heldRead = { conversationId, after, during };
    },
  };
}

describe('a socket joining while its conversations have traffic', () => {
  let dataDir: string;
  let node: TestNode;
  let race: ReturnType<typeof racingStore>;
  let api: Api;
  let alice: TestUser;
  let bob: TestUser;
  let dm: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-test-'));
    race = racingStore(await openSqliteStore(sqlitePath(dataDir)));
    node = await startTestNode({ dataDir, overrides: { store: race.store } });
    api = new Api(node.url);
    alice = await api.signup(uniqueName('alice'));
    bob = await api.signup(uniqueName('bob'));
    dm = await api.dm(alice, bob.username);
  });
  after(async () => {
    await node?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  for (const how of ['a first hello', 'a hello with current cursors'] as const)
    it(`[W5][G4] an entry committed while ${how} reads positions arrives at once, once`, async () => {
      let sent: { seq: number; id: string } | null = null;
      race.arm(bob.id, async () => {
        const response = await api.send(alice, dm, `during ${how}`);
        sent = response.body.message;
      });
      const current = await api.request('GET', `/api/v1/conversations/${dm}`, {
        token: bob.token,
      });
      const lastSeq: number = current.body.conversation.lastSeq;
      const cursors = how === 'a first hello' ? undefined : { [dm]: lastSeq };
      const { client, ready } = await WsClient.open(node.url, bob.token, cursors);
      try {
        assert.ok(sent, 'the commit landed during the positions read');
        const { seq, id } = sent as { seq: number; id: string };
        assert.equal(ready.cursors[dm], seq - 1, 'ready predates the commit');
        // No later traffic: nothing but the hub's own catch-up can bring it.
        const got = await client.next((f) => f.type === 'message', 2_000);
        assert.equal(got.message.id, id);
        await client.roundTrip();
        assert.equal(client.all('message').length, 1, 'delivered once');
      } finally {
        await client.close();
      }
    });

  it('[W5][G6] a group joined while the socket says hello follows `ready`: conversation.added, then its timeline', async () => {
    let group = '';
    race.arm(bob.id, async () => {
      group = await api.group(alice, uniqueName('joined-during-hello'), [bob.username]);
    });
    const { client, ready } = await WsClient.open(node.url, bob.token);
    try {
      assert.ok(group, 'the group was created during the positions read');
      assert.equal(ready.cursors[group], undefined, 'ready predates the group');
      const added = await client.next(
        (f) =>
          f.type === 'event' &&
          f.event.type === 'conversation.added' &&
          f.event.conversationId === group,
        2_000,
      );
      const created = await client.next(
        (f) => f.type === 'event' && f.event.conversationId === group && f.event.seq === 1,
        2_000,
      );
      const at = (frame: unknown) => client.frames.indexOf(frame as never);
      assert.ok(
        at(client.frames.find((f) => f.type === 'ready')) < at(added),
        'nothing of it before ready',
      );
      assert.ok(at(added) < at(created), 'conversation.added precedes its first entry');
      const message = await api.send(alice, group, 'after the join');
      const live = await client.next(
        (f) => f.type === 'message' && f.message.conversationId === group,
        2_000,
      );
      assert.equal(live.message.id, message.body.message.id);
    } finally {
      await client.close();
    }
  });

  it('[G4][G6] a removal the user has since undone by joining again: the replay goes on past it', async () => {
    const group = await api.group(alice, uniqueName('left-and-back'), [bob.username]);
    const before = await api.request('GET', `/api/v1/conversations/${group}`, { token: bob.token });
    const cursor: number = before.body.conversation.lastSeq;
    // While bob is away: removed, added again, and a message.
    const removed = await api.request(
      'DELETE',
      `/api/v1/conversations/${group}/members/${bob.username}`,
      {
        token: alice.token,
      },
    );
    assert.equal(removed.status, 204);
    const added = await api.request('POST', `/api/v1/conversations/${group}/members`, {
      token: alice.token,
      body: { username: bob.username },
    });
    assert.equal(added.status, 201);
    const missed = await api.send(alice, group, 'while bob was away');
    const { client } = await WsClient.open(node.url, bob.token, { [group]: cursor });
    try {
      const got = await client.next(
        (f) => f.type === 'message' && f.message.id === missed.body.message.id,
        2_000,
      );
      const frames = client.frames.filter(
        (f) => (f.event?.conversationId ?? f.message?.conversationId) === group,
      );
      const kinds = frames.map((f) => (f.type === 'message' ? 'message' : f.event.type));
      assert.deepEqual(kinds, ['member.removed', 'conversation.added', 'member.added', 'message']);
      assert.ok(got);
      const message = await api.send(alice, group, 'live again');
      const live = await client.next(
        (f) => f.type === 'message' && f.message.id === message.body.message.id,
        2_000,
      );
      assert.ok(live, 'the socket follows the group again');
    } finally {
      await client.close();
    }
  });

  it('[W5][G4] a sync from an older cursor while a replay page is being read: the page is read again, nothing skipped', async () => {
    const group = await api.group(alice, uniqueName('sync-back'), [bob.username]);
    for (let i = 0; i < 4; i++) await api.send(alice, group, `m${i}`);
    // seq 1 is conversation.created, 2-5 the messages. Bob says hello at 3: the replay reads
    // the page after 3 (4, 5); while it is being read, bob asks again from 1.
    // The replay may read before this side has seen `ready` (the node sends it first; a
    // loaded machine delivers it later): the held read waits for the open client.
    let opened!: (client: WsClient) => void;
    const open = new Promise<WsClient>((resolve) => (opened = resolve));
    const synced = new Promise<void>((resolve) => {
      race.holdTimelineRead(group, 3, async () => {
        const c = await open;
        c.send({ type: 'sync', cursors: { [group]: 1 }, ref: 'back' });
        await c.roundTrip();
        resolve();
      });
    });
    const { client } = await WsClient.open(node.url, bob.token, { [group]: 3 });
    opened(client);
    try {
      await synced;
      const answered = await client.next((f) => f.type === 'synced' && f.ref === 'back', 2_000);
      assert.equal(answered.cursors[group], 5);
      const seqs = client.frames
        .filter((f) => (f.message?.conversationId ?? f.event?.conversationId) === group)
        .map((f) => (f.type === 'message' ? f.message.seq : f.event.seq));
      assert.deepEqual(seqs, [2, 3, 4, 5], 'from the older cursor, in order, nothing skipped');
    } finally {
      await client.close();
    }
  });
});
