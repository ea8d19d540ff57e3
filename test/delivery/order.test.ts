import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../src/domain/errors.js';
import { seqOf } from '../../src/domain/model.js';
import { subjects } from '../../src/ports/bus.js';
import type { Principal } from '../../src/services/accounts.js';
import { gate, startWorld, type FakeSocket, type World } from './world.js';

/** Every seq from `from` to `to`, inclusive. */
function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

describe('delivery core: order (W5) and resync (G4)', () => {
  let world: World;
  let alice: Principal;
  let bob: Principal;
  let dm: string;

  before(async () => {
    world = await startWorld();
    alice = await world.user('alice');
    bob = await world.user('bob');
    dm = (await world.conversations.getOrCreateDm(alice.user, bob.user.username)).conversation.id;
  });
  after(() => world.dispose());

  async function live(principal: Principal, cursors?: Record<string, number>) {
    const opening = world.open(principal, cursors);
    assert.equal(await opening.opened, true);
    return opening.socket;
  }

  async function lastSeq(conversationId: string): Promise<number> {
    return (await world.conversations.latestSeqs([conversationId])).get(conversationId) ?? 0;
  }

  it('[W5] concurrent sends reach every socket in seq order, without gaps or repeats, the sender’s too', async () => {
    const start = await lastSeq(dm);
    const sockets = [await live(bob), await live(alice)];
    const seqs = await Promise.all(
      range(1, 20).map((i) => world.send(i % 2 ? alice.user : bob.user, dm, `m${i}`)),
    );
    const last = Math.max(...seqs);
    for (const socket of sockets) {
      await socket.next((f) => f.type === 'message' && f.message.seq === last);
      assert.deepEqual(socket.seqs(dm), range(start + 1, last));
      socket.hangUp();
    }
  });

  it('[W5] an entry lost on the bus is read from the store when the next one shows the gap', async () => {
    const socket = await live(bob);
    const lost = (await lastSeq(dm)) + 1;
    world.bus.drop = (e) => e.type === 'timeline' && seqOf(e.entry) === lost;
    try {
      assert.equal(await world.send(alice.user, dm, 'lost live'), lost);
    } finally {
      world.bus.drop = null;
    }
    const next = await world.send(alice.user, dm, 'shows the gap');
    await socket.next((f) => f.type === 'message' && f.message.seq === next);
    assert.deepEqual(socket.seqs(dm), [lost, next]);
    const got = socket.frames.find((f) => f.type === 'message' && f.message.seq === lost);
    assert.equal(got?.message.body, 'lost live');
    socket.hangUp();
  });

  it('[W5] an entry the bus delivers again (at-least-once after a reconnect) is not sent twice', async () => {
    const socket = await live(bob);
    const seq = await world.send(alice.user, dm, 'once');
    await socket.next((f) => f.type === 'message' && f.message.seq === seq);
    const [entry] = await world.messages.readTimeline(bob.user.id, dm, seq - 1, 1);
    assert.ok(entry);
    world.bus.publish(subjects.conversation(dm), { type: 'timeline', entry });
    world.bus.publish(subjects.conversation(dm), { type: 'timeline', entry });
    const next = await world.send(alice.user, dm, 'after the repeats');
    await socket.next((f) => f.type === 'message' && f.message.seq === next);
    assert.deepEqual(socket.seqs(dm), [seq, next]);
    socket.hangUp();
  });

  it('[G4] hello cursors: every entry after the cursor, once, in order, then synced; sends meanwhile too', async () => {
    const from = await lastSeq(dm);
    await Promise.all(range(1, 5).map((i) => world.send(alice.user, dm, `offline ${i}`)));
    const opening = world.open(bob, { [dm]: from });
    // Sends racing the session's opening arrive live or by the replay, never both.
    const racing = await Promise.all(range(1, 5).map((i) => world.send(alice.user, dm, `r${i}`)));
    assert.equal(await opening.opened, true);
    const { socket } = opening;
    const last = Math.max(...racing);
    await socket.next((f) => f.type === 'message' && f.message.seq === last);
    const synced = await socket.next((f) => f.type === 'synced');
    assert.equal(socket.frames[0]?.type, 'ready');
    assert.ok(synced.cursors[dm] >= from + 5);
    assert.deepEqual(socket.seqs(dm), range(from + 1, last));
    socket.hangUp();
  });

  it('[G4] a sync from an older cursor replays again from it, then synced with the new cursor', async () => {
    const socket = await live(bob);
    const last = await lastSeq(dm);
    await world.core.sync(socket.session!, { [dm]: last - 3 }, 'r1');
    const synced = await socket.next((f) => f.type === 'synced');
    assert.deepEqual(synced, { type: 'synced', cursors: { [dm]: last }, ref: 'r1' });
    assert.deepEqual(socket.seqs(dm), range(last - 2, last));
    socket.hangUp();
  });

  it('[W5] a sync from an older cursor while a replay page is being read gets every entry from the older cursor', async () => {
    const socket = await live(bob);
    const last = await lastSeq(dm);
    const reading = gate();
    const held = gate();
    world.hooks.after.readTimeline = async () => {
      delete world.hooks.after.readTimeline;
      reading.open();
      await held.wait;
    };
    const first = world.core.sync(socket.session!, { [dm]: last - 2 });
    await reading.wait;
    // The page after last - 2 is read; the cursor moves back before it is delivered.
    const second = world.core.sync(socket.session!, { [dm]: last - 5 });
    held.open();
    await Promise.all([first, second]);
    const seqs = socket.seqs(dm);
    assert.deepEqual(seqs.slice(-5), range(last - 4, last), 'the second sync got all of its range');
    assert.equal(seqs.at(-1), last);
    socket.hangUp();
  });

  it('[G4] a sync naming a conversation the user is not in answers conversation.removed', async () => {
    const socket = await live(bob);
    const carol = await world.user('carol');
    const { conversation } = await world.conversations.getOrCreateDm(
      alice.user,
      carol.user.username,
    );
    await world.core.sync(socket.session!, { [conversation.id]: 0 });
    const removed = await socket.next((f) => f.type === 'event');
    assert.deepEqual(removed.event, {
      type: 'conversation.removed',
      conversationId: conversation.id,
    });
    const synced = await socket.next((f) => f.type === 'synced');
    assert.deepEqual(synced.cursors, {});
    socket.hangUp();
  });

  it('[W9] unknown ids in sync frames beyond the user’s limit are rate_limited', async () => {
    const socket = await live(bob);
    const allow = world.allowUnknownIds;
    world.allowUnknownIds = () => false;
    try {
      await assert.rejects(
        world.core.sync(socket.session!, { nonexistent: 0 }),
        (err) => err instanceof AppError && err.code === 'rate_limited',
      );
      // Ids the socket follows cost nothing.
      await world.core.sync(socket.session!, { [dm]: await lastSeq(dm) });
    } finally {
      world.allowUnknownIds = allow;
    }
    socket.hangUp();
  });

  it('[G6] a removed member’s socket gets member.removed, then nothing more of the group', async () => {
    const owner = await world.user('owner');
    const dave = await world.user('dave');
    const group = await world.conversations.groups.createGroup(owner.user, 'crew', [
      dave.user.username,
    ]);
    const socket: FakeSocket = await live(dave);
    await world.conversations.groupMembers.removeMember(owner.user, group.id, dave.user.username);
    await socket.next((f) => f.type === 'event' && f.event.type === 'member.removed');
    assert.equal(socket.session!.cursors.follows(group.id), false);
    await world.send(owner.user, group.id, 'not for dave');
    const { conversation: dm2 } = await world.conversations.getOrCreateDm(
      owner.user,
      dave.user.username,
    );
    await socket.next((f) => f.type === 'event' && f.event.type === 'conversation.added');
    const sentinel = await world.send(owner.user, dm2.id, 'sentinel');
    await socket.next((f) => f.type === 'message' && f.message.seq === sentinel);
    assert.ok(
      !socket.frames.some((f) => f.type === 'message' && f.message.body === 'not for dave'),
    );
    assert.throws(
      () => world.core.typing(socket.session!, group.id),
      (err) => err instanceof AppError && err.code === 'not_found',
    );
    socket.hangUp();
  });
});
