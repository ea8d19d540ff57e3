import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Conversation, Message, User } from '../../../src/domain/model.js';
import { DELETED, useStore, type Fixture, type OpenStore } from './fixture.js';

/** Reactions to messages (ReactionsStore, rule R4). */
export function reactionsContract(open: OpenStore): void {
  describe('reactions', () => {
    const fx = useStore(open);

    async function setup(f: Fixture): Promise<{
      alice: User;
      bob: User;
      carol: User;
      group: Conversation;
      message: Message;
    }> {
      const [alice, bob, carol] = [await f.user(), await f.user(), await f.user()];
      const group = await f.group(alice, [bob, carol]);
      const message = await f.send(group, alice);
      return { alice, bob, carol, group, message };
    }

    function react(f: Fixture, c: Conversation, seq: number, emoji: string, user: User) {
      return f.store.addReaction({
        conversationId: c.id,
        seq,
        emoji,
        userId: user.id,
        createdAt: f.tick(),
      });
    }

    it('[R4] addReaction adds once: the same user and emoji again writes nothing and answers false', async () => {
      const f = fx();
      const { alice, group, message } = await setup(f);
      assert.equal(await react(f, group, message.seq, '👍', alice), true);
      assert.equal(await react(f, group, message.seq, '👍', alice), false);
      assert.deepEqual(await f.store.listReactions(group.id, message.seq), [
        { emoji: '👍', users: [{ userId: alice.id, username: alice.username }] },
      ]);
    });

    it('[R4] groups are ordered by their first reaction, users by reaction time', async () => {
      const f = fx();
      const { alice, bob, carol, group, message } = await setup(f);
      await react(f, group, message.seq, '🎉', bob);
      await react(f, group, message.seq, '👍', carol);
      await react(f, group, message.seq, '👍', alice);
      await react(f, group, message.seq, '🎉', carol);
      await react(f, group, message.seq, '👨‍👩‍👧‍👦', alice);
      const ref = (u: User) => ({ userId: u.id, username: u.username });
      assert.deepEqual(await f.store.listReactions(group.id, message.seq), [
        { emoji: '🎉', users: [ref(bob), ref(carol)] },
        { emoji: '👍', users: [ref(carol), ref(alice)] },
        { emoji: '👨‍👩‍👧‍👦', users: [ref(alice)] },
      ]);
      assert.deepEqual(
        (await f.store.listReactionEmoji(group.id, message.seq)).sort(),
        ['🎉', '👍', '👨‍👩‍👧‍👦'].sort(),
      );
    });

    it('[R4] groups whose first reactions tie are ordered by emoji, the same on every engine', async () => {
      const f = fx();
      const { alice, group, message } = await setup(f);
      const at = f.tick();
      for (const emoji of ['😀', '👍', '🇫🇷', '1️⃣'])
        await f.store.addReaction({
          conversationId: group.id,
          seq: message.seq,
          emoji,
          userId: alice.id,
          createdAt: at,
        });
      const order = (await f.store.listReactions(group.id, message.seq)).map((g) => g.emoji);
      assert.deepEqual(order, ['1️⃣', '🇫🇷', '👍', '😀']);
    });

    it('[R4] removeReaction removes only that user’s emoji and answers whether it was there', async () => {
      const f = fx();
      const { alice, bob, group, message } = await setup(f);
      await react(f, group, message.seq, '👍', alice);
      await react(f, group, message.seq, '👍', bob);
      assert.equal(await f.store.removeReaction(group.id, message.seq, '👍', alice.id), true);
      assert.equal(await f.store.removeReaction(group.id, message.seq, '👍', alice.id), false);
      assert.equal(await f.store.removeReaction(group.id, message.seq, '🎉', bob.id), false);
      assert.deepEqual(await f.store.listReactions(group.id, message.seq), [
        { emoji: '👍', users: [{ userId: bob.id, username: bob.username }] },
      ]);
    });

    it('[R4] removing a group’s first reaction keeps the group in its place and its users in order', async () => {
      const f = fx();
      const { alice, bob, carol, group, message } = await setup(f);
      await react(f, group, message.seq, '🎉', bob);
      await react(f, group, message.seq, '👍', carol);
      await react(f, group, message.seq, '🎉', carol);
      await react(f, group, message.seq, '🎉', alice);
      assert.equal(await f.store.removeReaction(group.id, message.seq, '🎉', bob.id), true);
      const ref = (u: User) => ({ userId: u.id, username: u.username });
      const expected = [
        { emoji: '🎉', users: [ref(carol), ref(alice)] },
        { emoji: '👍', users: [ref(carol)] },
      ];
      assert.deepEqual(await f.store.listReactions(group.id, message.seq), expected);
      // A later reaction joins the end; emptying a group and filling it again moves it last.
      await react(f, group, message.seq, '🎉', bob);
      expected[0]!.users.push(ref(bob));
      assert.deepEqual(await f.store.listReactions(group.id, message.seq), expected);
      for (const u of [carol, alice, bob])
        await f.store.removeReaction(group.id, message.seq, '🎉', u.id);
      await react(f, group, message.seq, '🎉', alice);
      assert.deepEqual(await f.store.listReactions(group.id, message.seq), [
        { emoji: '👍', users: [ref(carol)] },
        { emoji: '🎉', users: [ref(alice)] },
      ]);
    });

    it('[R4] lastReactionAt is the latest reaction’s time, null without any', async () => {
      const f = fx();
      const { alice, bob, group, message } = await setup(f);
      assert.equal(await f.store.lastReactionAt(group.id, message.seq), null);
      await react(f, group, message.seq, '👍', alice);
      const at = f.tick();
      await f.store.addReaction({
        conversationId: group.id,
        seq: message.seq,
        emoji: '🎉',
        userId: bob.id,
        createdAt: at,
      });
      assert.equal(await f.store.lastReactionAt(group.id, message.seq), at);
      assert.equal(await f.store.lastReactionAt(group.id, message.seq + 1), null);
    });

    it('[R4] deleteReactions clears one message, not its neighbours', async () => {
      const f = fx();
      const { alice, bob, group, message } = await setup(f);
      const other = await f.send(group, bob);
      await react(f, group, message.seq, '👍', alice);
      await react(f, group, message.seq, '🎉', bob);
      await react(f, group, other.seq, '👍', alice);
      await f.store.deleteReactions(group.id, message.seq);
      assert.deepEqual(await f.store.listReactions(group.id, message.seq), []);
      assert.deepEqual(await f.store.listReactionEmoji(group.id, message.seq), []);
      assert.equal((await f.store.listReactions(group.id, other.seq)).length, 1);
    });

    it('[R4] a reaction is a transaction’s write: rolled back with it', async () => {
      const f = fx();
      const { alice, group, message } = await setup(f);
      await assert.rejects(
        f.store.transaction(async (tx) => {
          await tx.addReaction({
            conversationId: group.id,
            seq: message.seq,
            emoji: '👍',
            userId: alice.id,
            createdAt: f.tick(),
          });
          throw new Error('rollback');
        }),
        /rollback/,
      );
      assert.deepEqual(await f.store.listReactions(group.id, message.seq), []);
    });

    it('[R4] a deleted account’s reactions stay, under the deleted-user name', async () => {
      const f = fx();
      const { bob, group, message } = await setup(f);
      await react(f, group, message.seq, '👍', bob);
      await f.store.markUserDeleted(bob.id, f.tick());
      assert.deepEqual(await f.store.listReactions(group.id, message.seq), [
        { emoji: '👍', users: [{ userId: bob.id, username: DELETED }] },
      ]);
    });

    it('[R4] reactions of one conversation never show in another', async () => {
      const f = fx();
      const { alice, bob, group, message } = await setup(f);
      const dm = await f.dm(alice, bob);
      const inDm = await f.send(dm, alice);
      assert.equal(inDm.seq, message.seq); // both seq 1: only the conversation tells them apart
      await react(f, group, message.seq, '👍', alice);
      assert.deepEqual(await f.store.listReactions(dm.id, inDm.seq), []);
      await f.store.deleteReactions(dm.id, inDm.seq);
      assert.equal((await f.store.listReactions(group.id, message.seq)).length, 1);
    });

    it('[R4] message reads carry the reactions: a history page, one message, and the summaries’ last messages of several conversations', async () => {
      const f = fx();
      const { alice, bob, group, message } = await setup(f);
      const dm = await f.dm(alice, bob);
      const inDm = await f.send(dm, bob);
      const second = await f.send(group, bob);
      await react(f, group, message.seq, '👍', bob);
      await react(f, group, second.seq, '🎉', alice);
      await react(f, dm, inDm.seq, '👋', alice);
      const ref = (u: User) => ({ userId: u.id, username: u.username });
      const page = await f.store.listMessages(group.id, { before: null, after: null, limit: 10 });
      assert.deepEqual(
        page.map((m) => [m.seq, m.reactions]),
        [
          [message.seq, [{ emoji: '👍', users: [ref(bob)] }]],
          [second.seq, [{ emoji: '🎉', users: [ref(alice)] }]],
        ],
      );
      assert.deepEqual((await f.store.getMessage(dm.id, inDm.seq))?.reactions, [
        { emoji: '👋', users: [ref(alice)] },
      ]);
      const summaries = await f.store.listSummariesForUser(alice.id);
      const last = new Map(summaries.map((c) => [c.id, c.lastMessage?.reactions]));
      assert.deepEqual(last.get(group.id), [{ emoji: '🎉', users: [ref(alice)] }]);
      assert.deepEqual(last.get(dm.id), [{ emoji: '👋', users: [ref(alice)] }]);
    });
  });
}
