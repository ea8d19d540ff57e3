import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Session } from '../../src/delivery/session.js';
import { gate, startWorld, type World } from './world.js';

/** The session's state (read through a call, so the compiler does not narrow it between awaits). */
function stateOf(session: Session): string {
  return session.state.kind;
}

describe('delivery core: opening and closing sessions', () => {
  let world: World;
  before(async () => {
    world = await startWorld();
  });
  after(() => world.dispose());

  it('[W1] ready carries the user, the node and every conversation’s latest seq; the principal never changes', async () => {
    const alice = await world.user('alice');
    const bob = await world.user('bob');
    const { conversation: dm } = await world.conversations.getOrCreateDm(
      alice.user,
      bob.user.username,
    );
    const seq = await world.send(alice.user, dm.id, 'hello');
    const { socket, session, opened } = world.open(alice);
    assert.equal(stateOf(session), 'authenticating');
    assert.equal(await opened, true);
    assert.equal(stateOf(session), 'live');
    const ready = await socket.next((f) => f.type === 'ready');
    assert.equal(ready.nodeId, 'test');
    assert.equal(ready.user.id, alice.user.id);
    assert.deepEqual(ready.cursors, { [dm.id]: seq });
    assert.equal(socket.frames[0]?.type, 'ready');
    assert.equal(session.principal, alice);
    assert.equal(world.core.isOnline(alice.user.id), true);
    socket.hangUp();
    assert.equal(stateOf(session), 'closing');
    assert.equal(world.core.isOnline(alice.user.id), false);
  });

  it('[G6] a session logged out before it opened is closed with 4004 and leaves nothing behind', async () => {
    const carol = await world.user('carol');
    const before = world.core.size;
    await world.accounts.logout(carol);
    const { socket, opened } = world.open(carol);
    assert.equal(await opened, false);
    assert.equal(await socket.closed(), 4004);
    assert.equal(socket.frames.length, 0, 'no ready, nothing delivered');
    assert.equal(world.core.size, before);
  });

  it('[G6] hello vs logout: a logout committed while the positions are read closes the socket (4004) without ready', async () => {
    const dave = await world.user('dave');
    const held = gate();
    const reading = gate();
    world.hooks.before.positions = async () => {
      reading.open();
      await held.wait;
    };
    try {
      const { socket, session, opened } = world.open(dave);
      await reading.wait;
      assert.equal(stateOf(session), 'syncing');
      // The revocation travels on the bus; the session subscribed to it before reading.
      await world.accounts.logout(dave);
      assert.equal(await socket.closed(), 4004);
      held.open();
      assert.equal(await opened, false);
      assert.ok(!socket.frames.some((f) => f.type === 'ready'));
      assert.equal(world.core.isOnline(dave.user.id), false);
    } finally {
      delete world.hooks.before.positions;
    }
  });

  it('[G6] hello vs removal: a member removed while the positions are read is not followed after ready', async () => {
    const owner = await world.user('owner');
    const erin = await world.user('erin');
    const group = await world.conversations.groups.createGroup(owner.user, 'team', [
      erin.user.username,
    ]);
    const held = gate();
    const reading = gate();
    world.hooks.before.positions = async () => {
      reading.open();
      await held.wait;
    };
    const opening = world.open(erin);
    const { socket } = opening;
    try {
      await reading.wait;
      // Erin's conversation ids were read (the group among them): the removal comes between.
      await world.conversations.groupMembers.removeMember(owner.user, group.id, erin.user.username);
      held.open();
      assert.equal(await opening.opened, true);
    } finally {
      delete world.hooks.before.positions;
    }
    const ready = await socket.next((f) => f.type === 'ready');
    assert.equal(ready.cursors[group.id], undefined);
    assert.equal(opening.session.cursors.follows(group.id), false, 'not even as joining');
    await world.send(owner.user, group.id, 'after the removal');
    // A sentinel on a conversation erin does follow: delivery is in bus order.
    const { conversation: dm } = await world.conversations.getOrCreateDm(
      owner.user,
      erin.user.username,
    );
    await socket.next((f) => f.type === 'event' && f.event.type === 'conversation.added');
    await world.send(owner.user, dm.id, 'sentinel');
    await socket.next((f) => f.type === 'message' && f.message.body === 'sentinel');
    assert.deepEqual(socket.seqs(group.id), [], 'nothing of the group after the removal');
    socket.hangUp();
  });

  it('[W6] a conversation joined while the session opens is announced after ready, then its timeline', async () => {
    const owner = await world.user('owner');
    const frank = await world.user('frank');
    const group = await world.conversations.groups.createGroup(owner.user, 'later', []);
    const first = await world.send(owner.user, group.id, 'before frank');
    const held = gate();
    const reading = gate();
    world.hooks.after.positions = async () => {
      reading.open();
      await held.wait;
    };
    let opening;
    try {
      opening = world.open(frank);
      await reading.wait;
      await world.conversations.groupMembers.addMember(owner.user, group.id, frank.user.username);
      // Committed after the positions were read, before ready: ready cannot list it.
      await world.bus.flush();
      await new Promise((resolve) => setImmediate(resolve));
      held.open();
      assert.equal(await opening.opened, true);
    } finally {
      delete world.hooks.after.positions;
    }
    const { socket } = opening;
    const added = await socket.next(
      (f) => f.type === 'event' && f.event.type === 'conversation.added',
    );
    const ready = await socket.next((f) => f.type === 'ready');
    assert.equal(ready.cursors[group.id], undefined);
    const readyAt = socket.frames.indexOf(ready);
    assert.ok(readyAt >= 0 && readyAt < socket.frames.indexOf(added), 'added comes after ready');
    const later = await world.send(owner.user, group.id, 'after frank');
    await socket.next((f) => f.type === 'message' && f.message.seq === later);
    const seqs = socket.seqs(group.id);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      'in order',
    );
    assert.equal(new Set(seqs).size, seqs.length, 'no repeats');
    assert.ok(!seqs.includes(first), 'nothing from before the join');
    assert.equal(seqs.at(-1), later);
    socket.hangUp();
  });

  it('[G7] presence is told of a user’s first socket and of their last one only', async () => {
    const gina = await world.user('gina');
    const name = gina.user.username;
    const a = world.open(gina);
    const b = world.open(gina);
    await Promise.all([a.opened, b.opened]);
    a.socket.hangUp();
    assert.deepEqual(
      world.presence.filter((p) => p.endsWith(name)),
      [`online ${name}`],
    );
    b.socket.hangUp();
    assert.deepEqual(
      world.presence.filter((p) => p.endsWith(name)),
      [`online ${name}`, `offline ${name}`],
    );
  });

  it('[G6] logout closes only the sessions of the ended session; closeAll closes the rest (1001)', async () => {
    const hank = await world.user('hank');
    const { principal: other } = await world.accounts.login(
      hank.user.username,
      'correct horse battery',
      { ip: '127.0.0.1' },
    );
    const a = world.open(hank);
    const b = world.open(other);
    await Promise.all([a.opened, b.opened]);
    await world.accounts.logout(hank);
    assert.equal(await a.socket.closed(), 4004);
    assert.equal(b.socket.isOpen, true);
    assert.equal(world.core.isOnline(hank.user.id), true);
    b.socket.hangUp();
  });

  it('[G6] a store failure while opening detaches the session and rejects', async () => {
    const ivan = await world.user('ivan');
    world.hooks.before.conversationIds = () => Promise.reject(new Error('the store went away'));
    try {
      const { socket, session, opened } = world.open(ivan);
      await assert.rejects(opened, /the store went away/);
      assert.equal(stateOf(session), 'closing');
      assert.equal(world.core.isOnline(ivan.user.id), false);
      assert.equal(socket.isOpen, true, 'the gateway answers the error and closes the socket');
    } finally {
      delete world.hooks.before.conversationIds;
    }
  });
});
