import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../src/domain/errors.js';
import { DEFAULT_LIMITS } from '../../src/domain/limits.js';
import { MessageService } from '../../src/services/messages.js';
import { startWorld } from '../delivery/world.js';

const rateLimited = (err: unknown): boolean => isAppError(err, 'rate_limited');

describe('MessageService: the send rate and retries (G3), one rule for REST and sockets', () => {
  it('[G3][M1] over the rate a retry of a stored message is answered with it; anything else is rate_limited and stores nothing', async () => {
    const world = await startWorld();
    try {
      const alice = await world.user('alice');
      const bob = await world.user('bob');
      const { conversation } = await world.conversations.getOrCreateDm(
        alice.user,
        bob.user.username,
      );
      const dm = conversation.id;
      const group = await world.conversations.groups.createGroup(alice.user, 'team', [
        bob.user.username,
      ]);
      let allowed = true;
      const messages = new MessageService(
        { store: world.store, bus: world.bus, limits: DEFAULT_LIMITS, now: Date.now },
        world.conversations,
        { sendAllowed: () => allowed },
      );

      const first = await messages.send(alice.user, dm, 'c-1', 'hello');
      assert.equal(first.created, true);
      allowed = false;
      // The retry the client sends after a lost ack: the stored message, not created again.
      const retry = await messages.send(alice.user, dm, 'c-1', 'hello');
      assert.equal(retry.created, false);
      assert.deepEqual(retry.message, first.message);
      // A new send, the same id in another conversation, another user's id: rate_limited.
      await assert.rejects(messages.send(alice.user, dm, 'c-2', 'new'), rateLimited);
      await assert.rejects(messages.send(alice.user, group.id, 'c-1', 'hello'), rateLimited);
      await assert.rejects(messages.send(bob.user, dm, 'c-1', 'hello'), rateLimited);

      allowed = true;
      const later = await messages.send(alice.user, dm, 'c-2', 'new');
      assert.equal(later.created, true, 'the refused send was not stored');
      const history = await messages.history(alice.user, dm, {
        before: null,
        after: null,
        limit: 100,
      });
      assert.deepEqual(
        history.map((m) => m.clientMsgId),
        ['c-1', 'c-2'],
        'each message stored once, in order',
      );
      await messages.drained();
    } finally {
      await world.dispose();
    }
  });
});
