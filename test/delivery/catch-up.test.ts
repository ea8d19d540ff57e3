import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seqOf } from '../../src/domain/model.js';
import { subjects } from '../../src/ports/bus.js';
import type { Principal } from '../../src/services/accounts.js';
import { startWorld, type World } from './world.js';

/** A world with a DM between two users and a live socket of the second. */
async function withDm(
  options: Parameters<typeof startWorld>[0],
  body: (t: { world: World; alice: Principal; bob: Principal; dm: string }) => Promise<void>,
): Promise<void> {
  const world = await startWorld(options);
  try {
    const alice = await world.user('alice');
    const bob = await world.user('bob');
    const { conversation } = await world.conversations.getOrCreateDm(alice.user, bob.user.username);
    await body({ world, alice, bob, dm: conversation.id });
  } finally {
    await world.dispose();
  }
}

/** `promise`, or a rejection after `ms`. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends a message whose bus event is lost; resolves with its seq. */
async function sendLost(world: World, alice: Principal, dm: string, body: string): Promise<number> {
  const before = (await world.conversations.latestSeqs([dm])).get(dm) ?? 0;
  world.bus.drop = (e) => e.type === 'timeline' && seqOf(e.entry) === before + 1;
  try {
    return await world.send(alice.user, dm, body);
  } finally {
    world.bus.drop = null;
  }
}

describe('delivery core: catch-up (K6), slow consumers (W7), relays (G7, W6)', () => {
  it('[K6] after a bus reconnect every socket catches up from the store, once', async () => {
    await withDm({ lossy: true }, async ({ world, alice, bob, dm }) => {
      const { socket, opened } = world.open(bob);
      assert.equal(await opened, true);
      const lost = await sendLost(world, alice, dm, 'sent during the outage');
      assert.deepEqual(socket.seqs(dm), []);
      world.bus.reconnected();
      await socket.next((f) => f.type === 'message' && f.message.seq === lost);
      assert.equal(world.metrics.busReconnects.get(), 1);
      const next = await world.send(alice.user, dm, 'live again');
      await socket.next((f) => f.type === 'message' && f.message.seq === next);
      assert.deepEqual(socket.seqs(dm), [lost, next]);
    });
  });

  it('[K6] on a lossy bus the sweep reads positions and delivers what the bus lost', async () => {
    await withDm({ lossy: true, settings: { sweepMs: 100 } }, async ({ world, alice, bob, dm }) => {
      const { socket, opened } = world.open(bob);
      assert.equal(await opened, true);
      const lost = await sendLost(world, alice, dm, 'lost without a reconnect');
      await socket.next((f) => f.type === 'message' && f.message.seq === lost);
      assert.deepEqual(socket.seqs(dm), [lost]);
      assert.ok(world.metrics.sweepCatchUps.get() >= 1);
    });
  });

  it('[K6] on a bus that declares itself lossless no position is swept (the core reads bus.lossy)', async () => {
    await withDm({ lossy: false, settings: { sweepMs: 50 } }, async ({ world, alice, bob, dm }) => {
      const { socket, opened } = world.open(bob);
      assert.equal(await opened, true);
      let latestReads = 0;
      world.hooks.before.latestSeqs = () => {
        latestReads += 1;
        return Promise.resolve();
      };
      const sweptSessions = new Promise<void>((resolve) => {
        let n = 0;
        world.hooks.before.liveSessions = () => {
          if (++n === 3) resolve();
          return Promise.resolve();
        };
      });
      await sendLost(world, alice, dm, 'lost');
      // The sweep's timer does not hold the process open; this one does, and bounds the wait.
      const keepAlive = setTimeout(() => undefined, 5_000);
      await sweptSessions;
      clearTimeout(keepAlive);
      assert.equal(latestReads, 0);
      assert.deepEqual(socket.seqs(dm), []);
    });
  });

  it('[K6] on a lossy bus an entry committed just after subscribing is caught up by the position check', async () => {
    await withDm(
      { lossy: true, settings: { subscribeCheckMs: 50 } },
      async ({ world, alice, bob, dm }) => {
        const { socket, opened } = world.open(bob);
        assert.equal(await opened, true);
        const lost = await sendLost(world, alice, dm, 'before the subscription spread');
        await socket.next((f) => f.type === 'message' && f.message.seq === lost);
        assert.deepEqual(socket.seqs(dm), [lost]);
      },
    );
  });

  it('[K6] on a lossy bus a join whose event was lost closes the socket at the second sweep (1001); a delivered join does not', async () => {
    await withDm({ lossy: true, settings: { sweepMs: 50 } }, async ({ world, alice, bob }) => {
      let sweeps = 0;
      let onSweep: (() => void) | null = null;
      world.hooks.after.membershipCounts = () => {
        sweeps++;
        onSweep?.();
        return Promise.resolve();
      };
      const sweepsFromNow = (n: number) =>
        new Promise<void>((resolve) => {
          const until = sweeps + n;
          onSweep = () => {
            if (sweeps >= until) resolve();
          };
        });
      const bobs = world.open(bob);
      const alices = world.open(alice);
      assert.equal(await bobs.opened, true);
      assert.equal(await alices.opened, true);

      // Alice's join of a new DM arrives: her socket follows it and stays open.
      const carol = await world.user('carol');
      await world.conversations.getOrCreateDm(carol.user, alice.user.username);
      await alices.socket.next((f) => f.type === 'event' && f.event.type === 'conversation.added');
      // Bob's join of another is lost on the bus.
      world.bus.drop = (e) => e.type === 'joined' && e.userId === bob.user.id;
      await world.conversations.getOrCreateDm(carol.user, bob.user.username);
      world.bus.drop = null;

      // The core's sweep timer is unref'd: a timer of the test's keeps the loop alive meanwhile.
      assert.equal(await within(5_000, bobs.socket.closed()), 1001);
      await within(5_000, sweepsFromNow(3));
      assert.equal(
        alices.session.state.kind,
        'live',
        'a socket that follows all its conversations stays open',
      );
    });
  });

  it('[K6] the sweep closes sockets whose session ended without a revocation on the bus (4004)', async () => {
    await withDm({ settings: { sweepMs: 100 } }, async ({ world, bob }) => {
      const { socket, opened } = world.open(bob);
      assert.equal(await opened, true);
      await world.store.deleteUserSessions(bob.user.id);
      assert.equal(await socket.closed(), 4004);
      assert.equal(world.core.isOnline(bob.user.id), false);
    });
  });

  it('[W7] a socket with more than the limit unsent is closed (4013); the others keep receiving', async () => {
    await withDm(
      { settings: { maxSocketBufferBytes: 1_000 } },
      async ({ world, alice, bob, dm }) => {
        const slow = world.open(bob);
        const fast = world.open(bob);
        assert.equal(await slow.opened, true);
        assert.equal(await fast.opened, true);
        slow.socket.bufferedBytes = 1_001;
        const seq = await world.send(alice.user, dm, 'to the fast one');
        assert.equal(await slow.socket.closed(), 4013);
        assert.equal(slow.session.state.kind, 'closing');
        await fast.socket.next((f) => f.type === 'message' && f.message.seq === seq);
        assert.deepEqual(slow.socket.seqs(dm), []);
        assert.equal(world.metrics.slowConsumers.get(), 1);
        assert.equal(world.core.size, 1);
      },
    );
  });

  it('[W8] a replay the store cannot read closes the socket with 1001 (reconnect and sync); shutdown closes with 1001', async () => {
    await withDm({}, async ({ world, alice, bob, dm }) => {
      const seq = await world.send(alice.user, dm, 'to replay');
      const broken = world.open(bob, { [dm]: seq - 1 });
      world.hooks.before.readTimeline = () => Promise.reject(new Error('the store went away'));
      try {
        assert.equal(await broken.opened, true);
        assert.equal(await broken.socket.closed(), 1001);
        assert.equal(broken.session.state.kind, 'closing');
      } finally {
        delete world.hooks.before.readTimeline;
      }
      const other = world.open(alice);
      assert.equal(await other.opened, true);
      world.core.closeAll(1001, 'server shutting down');
      assert.equal(await other.socket.closed(), 1001);
      assert.equal(world.core.size, 0);
    });
  });

  it('[G7] typing reaches the conversation’s other members, not the typist, at most every 2 s', async () => {
    await withDm({}, async ({ world, alice, bob, dm }) => {
      const a = world.open(alice);
      const b = world.open(bob);
      assert.equal(await a.opened, true);
      assert.equal(await b.opened, true);
      world.core.typing(a.session, dm);
      world.core.typing(a.session, dm);
      const typing = await b.socket.next((f) => f.type === 'typing');
      assert.deepEqual(typing, {
        type: 'typing',
        conversationId: dm,
        userId: alice.user.id,
        username: alice.user.username,
      });
      await world.bus.flush();
      assert.equal(b.socket.frames.filter((f) => f.type === 'typing').length, 1);
      assert.ok(!a.socket.frames.some((f) => f.type === 'typing'));
    });
  });

  it('[W6] presence, read markers and conversation.deleted become frames for the right sockets', async () => {
    await withDm({}, async ({ world, alice, bob, dm }) => {
      const owner = await world.user('owner');
      const group = await world.conversations.groups.createGroup(owner.user, 'g', [
        bob.user.username,
      ]);
      const a = world.open(alice);
      const b = world.open(bob);
      const b2 = world.open(bob);
      for (const s of [a, b, b2]) assert.equal(await s.opened, true);
      world.bus.publish(subjects.conversation(dm), {
        type: 'presence',
        conversationId: dm,
        userId: alice.user.id,
        username: alice.user.username,
        online: true,
      });
      const presence = await b.socket.next((f) => f.type === 'presence');
      assert.equal(presence.online, true);
      await world.readMarkers.markRead(bob.user, dm, 1);
      for (const s of [b, b2]) {
        const read = await s.socket.next((f) => f.type === 'event' && f.event.type === 'read');
        assert.equal(read.event.conversationId, dm);
      }
      await world.conversations.groups.deleteGroup(owner.user, group.id);
      await b.socket.next((f) => f.type === 'event' && f.event.type === 'conversation.deleted');
      assert.equal(b.session.cursors.follows(group.id), false);
      assert.ok(!a.socket.frames.some((f) => f.type === 'presence' || f.type === 'event'));
    });
  });
});
