import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SettingsService } from '../../src/services/settings.js';
import { startWorld, type World } from './world.js';

describe('delivery core: read receipts (R9)', () => {
  let world: World;
  before(async () => {
    world = await startWorld();
  });
  after(() => world.dispose());

  it('[R9] a marker moved forward reaches the other members’ sessions as a receipt frame; the reader’s get read; a reader who does not share sends none', async () => {
    const alice = await world.user('alice');
    const bob = await world.user('bob');
    const carol = await world.user('carol');
    const group = await world.conversations.groups.createGroup(alice.user, 'g', [
      bob.user.username,
      carol.user.username,
    ]);
    const seq = await world.send(alice.user, group.id, 'hello');
    const a = world.open(alice);
    const c = world.open(carol);
    const b = world.open(bob);
    for (const s of [a, b, c]) assert.equal(await s.opened, true);

    assert.equal(await world.readMarkers.markRead(bob.user, group.id, seq), seq);
    const expected = {
      type: 'event',
      event: { type: 'receipt', conversationId: group.id, userId: bob.user.id, seq },
    };
    for (const s of [a, c])
      assert.deepEqual(
        await s.socket.next((f) => f.type === 'event' && f.event.type === 'receipt'),
        expected,
      );
    await b.socket.next((f) => f.type === 'event' && f.event.type === 'read');
    assert.ok(!b.socket.frames.some((f) => f.type === 'event' && f.event.type === 'receipt'));

    // Carol does not share: her read moves her marker (her sockets hear of it), nobody else's.
    await new SettingsService({ store: world.store, now: Date.now }).update(carol.user, {
      shareReadMarkers: false,
    });
    assert.equal(await world.readMarkers.markRead(carol.user, group.id, seq), seq);
    await c.socket.next((f) => f.type === 'event' && f.event.type === 'read');
    // The in-process bus delivers in publish order: a later message fences the receipts.
    const fence = await world.send(carol.user, group.id, 'fence');
    await a.socket.next((f) => f.type === 'message' && f.message.seq === fence);
    const receipts = a.socket.frames.filter(
      (f) => f.type === 'event' && f.event.type === 'receipt',
    );
    assert.deepEqual(receipts, [expected], 'only bob’s');
  });
});
