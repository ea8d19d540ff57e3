import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { User } from '../../../src/domain/model.js';
import {
  DELETED,
  dmKey,
  must,
  rejectsDuplicate,
  rejectsNotFound,
  useStore,
  type OpenStore,
} from './fixture.js';

/** Conversation rows, seqs and summaries (ConversationsStore). */
export function conversationsContract(open: OpenStore): void {
  conversationRowsContract(open);
  summariesContract(open);
}

function conversationRowsContract(open: OpenStore): void {
  describe('conversations', () => {
    const fx = useStore(open);

    it('[C2] a created conversation reads back unchanged', async () => {
      const { store } = fx();
      const owner = await fx().user();
      const conversation = fx().conversation('group', owner, 'Team ☕');
      await store.createConversation(conversation, null);
      assert.deepEqual(await store.getConversation(conversation.id), conversation);
      assert.equal(await store.getConversation('no-such-conversation'), null);
    });

    it('[C1] a DM is found by its key; a second one with the same key is a duplicate dm_key', async () => {
      const { store } = fx();
      const [a, b] = [await fx().user(), await fx().user()];
      const dm = await fx().dm(a, b);
      assert.deepEqual(await store.getDmByKey(dmKey(a, b)), dm);
      assert.equal(await store.getDmByKey(`${a.id}:nobody`), null);
      await rejectsDuplicate(
        store.createConversation(fx().conversation('dm', b), dmKey(a, b)),
        'dm_key',
      );
    });

    it('[C2] groups have no DM key, so any number of them coexist', async () => {
      const { store } = fx();
      const owner = await fx().user();
      const [g1, g2] = [await fx().group(owner), await fx().group(owner)];
      assert.deepEqual(await store.getConversation(g1.id), g1);
      assert.deepEqual(await store.getConversation(g2.id), g2);
    });

    it('[C4] renameConversation changes the name only', async () => {
      const { store } = fx();
      const group = await fx().group(await fx().user(), [], 'before');
      await store.renameConversation(group.id, 'after');
      assert.deepEqual(await store.getConversation(group.id), { ...group, name: 'after' });
    });

    it('[C5] deleteConversation removes its members, messages and events, and nothing else', async () => {
      const { store } = fx();
      const [owner, member] = [await fx().user(), await fx().user()];
      const doomed = await fx().group(owner, [member]);
      const kept = await fx().group(owner, [member]);
      await fx().event(doomed, owner, 'conversation.created', { name: 'group' });
      const message = await fx().send(doomed, member, 'bye', 'client-1');
      const keptMessage = await fx().send(kept, member);

      await store.deleteConversation(doomed.id);

      assert.equal(await store.getConversation(doomed.id), null);
      assert.deepEqual(await store.listMembers(doomed.id), []);
      assert.equal(await store.countMembers(doomed.id), 0);
      assert.equal(await store.getMember(doomed.id, owner.id), null);
      assert.equal(await store.getMessage(doomed.id, message.seq), null);
      assert.equal(await store.getMessageByClientId(member.id, 'client-1'), null);
      assert.deepEqual(await store.listTimeline(doomed.id, 0, 100), []);
      assert.deepEqual(await store.listConversationIdsForUser(member.id), [kept.id]);
      assert.deepEqual(await store.getMessage(kept.id, keptMessage.seq), keptMessage);
      assert.equal(await store.countMembers(kept.id), 2);
    });

    it('[G2] nextSeq counts 1, 2, 3… with no gaps, events and messages alike', async () => {
      const { store } = fx();
      const group = await fx().group(await fx().user());
      const seqs: number[] = [];
      for (let i = 0; i < 6; i++)
        seqs.push(await store.nextSeq(group.id, fx().tick(), i % 2 === 0));
      assert.deepEqual(seqs, [1, 2, 3, 4, 5, 6]);
      assert.equal((await store.getConversation(group.id))?.lastSeq, 6);
    });

    it('[G2] sequences are per conversation', async () => {
      const { store } = fx();
      const owner = await fx().user();
      const [g1, g2] = [await fx().group(owner), await fx().group(owner)];
      assert.equal(await store.nextSeq(g1.id, fx().tick(), true), 1);
      assert.equal(await store.nextSeq(g1.id, fx().tick(), true), 2);
      assert.equal(await store.nextSeq(g2.id, fx().tick(), true), 1);
    });

    it('[G2] concurrent transactions each take a distinct seq, together gap-free', async () => {
      const { store } = fx();
      const sender = await fx().user();
      const group = await fx().group(sender);
      const sent = await Promise.all(
        Array.from({ length: 25 }, (_, i) => fx().send(group, sender, `concurrent ${i}`)),
      );
      const seqs = sent.map((m) => m.seq).sort((x, y) => x - y);
      assert.deepEqual(
        seqs,
        Array.from({ length: 25 }, (_, i) => i + 1),
      );
      assert.equal((await store.getConversation(group.id))?.lastSeq, 25);
    });

    it('[C10] nextSeq moves lastMessageAt for messages only', async () => {
      const { store } = fx();
      const group = await fx().group(await fx().user());
      const messageAt = fx().tick();
      await store.nextSeq(group.id, messageAt, true);
      await store.nextSeq(group.id, fx().tick(), false);
      const read = await store.getConversation(group.id);
      assert.equal(read?.lastMessageAt, messageAt);
      assert.equal(read?.lastSeq, 2);
    });

    it('[Store] nextSeq of an unknown conversation is RecordNotFoundError', async () => {
      await rejectsNotFound(
        fx().store.nextSeq('no-such-conversation', fx().tick(), true),
        'conversation',
      );
    });

    it('[G3] lockConversation in a transaction changes nothing, for unknown ids too', async () => {
      const { store } = fx();
      const group = await fx().group(await fx().user());
      const seq = await store.transaction(async (tx) => {
        await tx.lockConversation(group.id);
        await tx.lockConversation('no-such-conversation');
        return tx.nextSeq(group.id, fx().tick(), false);
      });
      assert.equal(seq, 1);
      assert.deepEqual(await store.getConversation(group.id), { ...group, lastSeq: 1 });
    });
  });
}

function summariesContract(open: OpenStore): void {
  describe('conversation summaries', () => {
    const fx = useStore(open);

    it('[C10] conversations are ordered by latest message time (creation time before any)', async () => {
      const { store } = fx();
      const me = await fx().user();
      const first = await fx().group(me, [], 'first');
      const second = await fx().group(me, [], 'second');
      await fx().group(me, [], 'third');
      await fx().send(first, me);
      await fx().event(second, me);
      const names = (await store.listSummariesForUser(me.id)).map((s) => s.name);
      assert.deepEqual(names, ['first', 'third', 'second']);
    });

    it('[C10] unreadCount counts others’ live messages after the read marker', async () => {
      const { store } = fx();
      const [me, bob] = [await fx().user(), await fx().user()];
      const group = await fx().group(me, [bob]);
      const unread = async (user: User) =>
        (await store.getSummaryForUser(group.id, user.id))?.unreadCount;

      const b1 = await fx().send(group, bob);
      await fx().send(group, bob);
      await fx().event(group, bob);
      const b3 = await fx().send(group, bob);
      await fx().send(group, me);
      assert.equal(await unread(me), 3);
      assert.equal(await unread(bob), 1);

      await store.raiseReadMarker(group.id, me.id, b1.seq);
      assert.equal(await unread(me), 2);
      await store.deleteMessage(group.id, b3.seq, fx().tick());
      assert.equal(await unread(me), 1);
    });

    it('[C10] a summary carries role, read marker, member count and the last message', async () => {
      const { store } = fx();
      const [me, bob, carol] = [await fx().user(), await fx().user(), await fx().user()];
      const group = await fx().group(me, [bob, carol], 'team');
      const empty = must(await store.getSummaryForUser(group.id, bob.id));
      assert.equal(empty.lastMessage, null);

      await fx().send(group, me, 'one');
      const last = await fx().send(group, bob, 'two');
      await fx().event(group, me, 'member.removed', { userId: carol.id });
      await store.removeMember(group.id, carol.id);
      await store.raiseReadMarker(group.id, bob.id, 1);

      const summary = must(await store.getSummaryForUser(group.id, bob.id));
      const conversation = must(await store.getConversation(group.id));
      assert.deepEqual(summary, {
        ...conversation,
        role: 'member',
        lastReadSeq: 1,
        unreadCount: 0,
        mentionCount: 0,
        memberCount: 2,
        peer: null,
        muted: false,
        lastMessage: last,
      });
      assert.equal((await store.getSummaryForUser(group.id, me.id))?.role, 'owner');
    });

    it('[C10] a DM names the peer; a deleted peer shows as [deleted]', async () => {
      const { store } = fx();
      const [me, bob] = [await fx().user(), await fx().user()];
      const dm = await fx().dm(me, bob);
      assert.equal((await store.getSummaryForUser(dm.id, me.id))?.peer, bob.username);
      assert.equal((await store.getSummaryForUser(dm.id, bob.id))?.peer, me.username);

      await store.markUserDeleted(bob.id, fx().tick());
      await store.removeMember(dm.id, bob.id);
      const summary = must(await store.getSummaryForUser(dm.id, me.id));
      assert.equal(summary.peer, DELETED);
      assert.equal(summary.memberCount, 1);
    });

    it('[G6] getSummaryForUser answers null to non-members and for unknown conversations', async () => {
      const { store } = fx();
      const [me, stranger] = [await fx().user(), await fx().user()];
      const group = await fx().group(me);
      assert.equal(await store.getSummaryForUser(group.id, stranger.id), null);
      assert.equal(await store.getSummaryForUser('no-such-conversation', me.id), null);
      assert.deepEqual(await store.listSummariesForUser(stranger.id), []);
    });

    it('[C10] getSummaryForUser agrees with the list', async () => {
      const { store } = fx();
      const [me, bob] = [await fx().user(), await fx().user()];
      const dm = await fx().dm(me, bob);
      const group = await fx().group(bob, [me]);
      await fx().send(dm, bob);
      await fx().send(group, bob);
      for (const summary of await store.listSummariesForUser(me.id)) {
        assert.deepEqual(await store.getSummaryForUser(summary.id, me.id), summary);
      }
      assert.deepEqual(
        (await store.listSummariesForUser(me.id)).map((s) => s.id),
        [group.id, dm.id],
      );
    });
  });
}
