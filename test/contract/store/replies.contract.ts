import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Conversation, Message, User } from '../../../src/domain/model.js';
import { DELETED, must, useStore, type Fixture, type OpenStore } from './fixture.js';

const NONE = { mentions: [], mentionsAll: false };

/** A reply to `parent` as the message service stores one (rule R1). */
function replyTo(parent: Message) {
  return { replyTo: parent.seq, threadRoot: parent.threadRoot ?? parent.seq };
}

/** Every read that returns `seq`'s message, as each returns it. */
async function everyRead(fx: Fixture, group: Conversation, reader: User, message: Message) {
  const { store } = fx;
  const history = await store.listMessages(group.id, { before: null, after: null, limit: 100 });
  const timeline = await store.listTimeline(group.id, 0, 100);
  const [summary] = await store.listSummariesForUser(reader.id);
  return {
    getMessage: await store.getMessage(group.id, message.seq),
    byClientId: await store.getMessageByClientId(message.sender, message.clientMsgId),
    history: history.find((m) => m.seq === message.seq),
    timeline: timeline.flatMap((e) =>
      e.kind === 'message' && e.message.seq === message.seq ? [e.message] : [],
    )[0],
    summary: summary?.lastMessage?.seq === message.seq ? summary.lastMessage : 'not last',
  };
}

/** Reply previews, reply counts and threads (rules R1-R3). */
export function repliesContract(open: OpenStore): void {
  describe('replies and threads', () => {
    const fx = useStore(open);

    it('[R2] every read of a reply carries its parent’s preview as of the read', async () => {
      const { store } = fx();
      const [owner, other] = [await fx().user(), await fx().user()];
      const group = await fx().group(owner, [other]);
      // 199 letters then astral emoji: the snippet counts code points, not UTF-16 units.
      const long = `${'a'.repeat(199)}👋👋 and more`;
      const parent = await fx().send(group, other, long);
      const reply = await fx().send(group, owner, 'answer', undefined, replyTo(parent));
      const preview = {
        seq: parent.seq,
        sender: other.id,
        senderName: other.username,
        snippet: `${'a'.repeat(199)}👋`,
        deleted: false,
      };
      assert.deepEqual(reply.reply, preview);
      assert.equal(reply.replyTo, parent.seq);
      assert.equal(reply.threadRoot, parent.seq);
      const expected = { ...reply, reply: preview };
      assert.deepEqual(await everyRead(fx(), group, owner, reply), {
        getMessage: expected,
        byClientId: expected,
        history: expected,
        timeline: expected,
        summary: expected,
      });

      await store.editMessage(group.id, parent.seq, 'short now', fx().tick(), NONE);
      assert.equal((await store.getMessage(group.id, reply.seq))?.reply?.snippet, 'short now');
      await store.deleteMessage(group.id, parent.seq, fx().tick());
      const gone = { ...preview, snippet: '', deleted: true };
      const deletedParent = { ...expected, reply: gone };
      assert.deepEqual(await everyRead(fx(), group, owner, reply), {
        getMessage: deletedParent,
        byClientId: deletedParent,
        history: deletedParent,
        timeline: deletedParent,
        summary: deletedParent,
      });
      assert.equal((await store.getMessage(group.id, parent.seq))?.reply, null);
    });

    it('[R2] a parent whose sender deleted their account is quoted under the deleted name', async () => {
      const { store } = fx();
      const [owner, other] = [await fx().user(), await fx().user()];
      const group = await fx().group(owner, [other]);
      const parent = await fx().send(group, other, 'bye');
      const reply = await fx().send(group, owner, 'see you', undefined, replyTo(parent));
      await store.markUserDeleted(other.id, fx().tick());
      const read = must(await store.getMessage(group.id, reply.seq));
      assert.equal(read.reply?.senderName, DELETED);
      assert.equal(read.reply?.snippet, 'bye');
    });

    it('[R3] replyCount counts the live replies of a root; listThread pages them', async () => {
      const { store } = fx();
      const [owner, other] = [await fx().user(), await fx().user()];
      const group = await fx().group(owner, [other]);
      const root = await fx().send(group, owner, 'root');
      const r1 = await fx().send(group, other, 'one', undefined, replyTo(root));
      await fx().send(group, owner, 'unrelated');
      const r2 = await fx().send(group, owner, 'two', undefined, replyTo(r1));
      const r3 = await fx().send(group, other, 'three', undefined, replyTo(root));
      assert.equal(r2.replyTo, r1.seq);
      assert.equal(r2.threadRoot, root.seq);
      await store.deleteMessage(group.id, r3.seq, fx().tick());

      assert.equal((await store.getMessage(group.id, root.seq))?.replyCount, 2);
      assert.equal((await store.getMessage(group.id, r1.seq))?.replyCount, 0);
      const history = await store.listMessages(group.id, { before: null, after: null, limit: 10 });
      assert.deepEqual(
        history.map((m) => [m.body, m.replyCount]),
        [
          ['root', 2],
          ['one', 0],
          ['unrelated', 0],
          ['two', 0],
          ['', 0],
        ],
      );

      const thread = await store.listThread(group.id, root.seq, 0, 10);
      assert.deepEqual(
        thread.map((m) => m.seq),
        [r1.seq, r2.seq, r3.seq],
      );
      assert.equal(thread[1]?.reply?.snippet, 'one');
      assert.deepEqual(thread[2]?.deletedAt !== null, true);
      assert.deepEqual(
        (await store.listThread(group.id, root.seq, r1.seq, 1)).map((m) => m.seq),
        [r2.seq],
      );
      assert.deepEqual(await store.listThread(group.id, r1.seq, 0, 10), []);
    });

    it('[S6][R3] a seq past the store’s integer range names nothing, alike on every engine', async () => {
      const { store } = fx();
      const owner = await fx().user();
      const group = await fx().group(owner);
      const message = await fx().send(group, owner, 'only');
      const big = 2 ** 40;
      assert.equal(await store.getMessage(group.id, big), null);
      assert.equal(await store.getMessageRecord(group.id, big), null);
      assert.deepEqual(await store.listThread(group.id, big, 0, 5), []);
      assert.deepEqual(await store.listThread(group.id, message.seq, big, 5), []);
      assert.deepEqual(await store.listTimeline(group.id, big, 5), []);
      assert.deepEqual(
        await store.listMessages(group.id, { before: null, after: big, limit: 5 }),
        [],
      );
      assert.deepEqual(
        (await store.listMessages(group.id, { before: big, after: null, limit: 5 })).map(
          (m) => m.seq,
        ),
        [message.seq],
      );
      assert.deepEqual(
        (await store.listMessages(group.id, { before: big, after: 0, limit: 5 })).map((m) => m.seq),
        [message.seq],
      );
    });

    it('[R1] getMessageRecord reads the row alone, without preview, count or reactions', async () => {
      const { store } = fx();
      const owner = await fx().user();
      const group = await fx().group(owner);
      const root = await fx().send(group, owner, 'root');
      const reply = await fx().send(group, owner, 'reply', undefined, replyTo(root));
      const record = must(await store.getMessageRecord(group.id, reply.seq));
      assert.equal(record.replyTo, root.seq);
      assert.equal(record.senderName, owner.username);
      assert.equal((record as Partial<Message>).reply ?? null, null);
      assert.equal(await store.getMessageRecord(group.id, reply.seq + 1), null);
    });
  });
}

/** Mention rows, the mention list and the @all policy (rules R6-R8). */
export function mentionsContract(open: OpenStore): void {
  describe('mentions', () => {
    const fx = useStore(open);

    it('[R6] [R8] listMentions finds named and @all mentions in current conversations, newest first', async () => {
      const { store } = fx();
      const [owner, bob, carol] = [await fx().user(), await fx().user(), await fx().user()];
      const group = await fx().group(owner, [bob, carol]);
      const other = await fx().group(owner, [bob]);
      const named = await fx().send(group, owner, '@bob hi', undefined, {
        mentions: [bob.id],
      });
      const both = await fx().send(group, carol, '@bob @owner', undefined, {
        mentions: [bob.id, owner.id].sort(),
      });
      const all = await fx().send(other, owner, '@all', undefined, { mentionsAll: true });
      await fx().send(group, owner, 'no mention');
      const own = await fx().send(group, bob, '@all mine', undefined, { mentionsAll: true });

      const page = await store.listMentions(bob.id, { before: null, limit: 10 });
      assert.deepEqual(
        page.map((m) => m.seq),
        [all.seq, both.seq, named.seq],
      );
      assert.deepEqual(page[1]?.mentions, [bob.id, owner.id].sort());
      assert.equal(page[0]?.mentionsAll, true);
      assert.ok(!page.some((m) => m.id === own.id), 'not the user’s own');
      const first = await store.listMentions(bob.id, { before: null, limit: 2 });
      assert.deepEqual(
        first.map((m) => m.id),
        [all.id, both.id],
      );
      const next = await store.listMentions(bob.id, { before: both.id, limit: 2 });
      assert.deepEqual(
        next.map((m) => m.id),
        [named.id],
      );
      assert.deepEqual(
        (await store.listMentions(carol.id, { before: null, limit: 10 })).map((m) => m.id),
        [own.id],
      );

      // Only conversations the user is a member of now.
      await store.removeMember(other.id, bob.id);
      assert.deepEqual(
        (await store.listMentions(bob.id, { before: null, limit: 10 })).map((m) => m.id),
        [both.id, named.id],
      );
    });

    it('[R6] an edit replaces the mentions, a deletion clears them', async () => {
      const { store } = fx();
      const [owner, bob, carol] = [await fx().user(), await fx().user(), await fx().user()];
      const group = await fx().group(owner, [bob, carol]);
      const message = await fx().send(group, owner, '@bob', undefined, { mentions: [bob.id] });
      await store.editMessage(group.id, message.seq, '@carol', fx().tick(), {
        mentions: [carol.id],
        mentionsAll: false,
      });
      const edited = must(await store.getMessage(group.id, message.seq));
      assert.deepEqual([edited.mentions, edited.mentionsAll], [[carol.id], false]);
      assert.deepEqual(await store.listMentions(bob.id, { before: null, limit: 10 }), []);
      assert.deepEqual(
        (await store.listMentions(carol.id, { before: null, limit: 10 })).map((m) => m.id),
        [message.id],
      );
      const [carolView] = await store.listSummariesForUser(carol.id);
      assert.equal(carolView?.mentionCount, 1);

      await store.editMessage(group.id, message.seq, '@all', fx().tick(), {
        mentions: [],
        mentionsAll: true,
      });
      assert.equal((await store.getSummaryForUser(group.id, bob.id))?.mentionCount, 1);
      await store.deleteMessage(group.id, message.seq, fx().tick());
      const deleted = must(await store.getMessage(group.id, message.seq));
      assert.deepEqual([deleted.mentions, deleted.mentionsAll], [[], false]);
      assert.deepEqual(await store.listMentions(carol.id, { before: null, limit: 10 }), []);
      assert.equal((await store.getSummaryForUser(group.id, bob.id))?.mentionCount, 0);
    });

    it('[R8] mentionCount counts unread mentions of the user or @all, not read or own ones', async () => {
      const { store } = fx();
      const [owner, bob] = [await fx().user(), await fx().user()];
      const group = await fx().group(owner, [bob]);
      const first = await fx().send(group, owner, '@bob', undefined, { mentions: [bob.id] });
      await fx().send(group, owner, '@all', undefined, { mentionsAll: true });
      await fx().send(group, bob, '@all from bob', undefined, { mentionsAll: true });
      await fx().send(group, owner, 'plain');
      assert.equal((await store.getSummaryForUser(group.id, bob.id))?.mentionCount, 2);
      assert.equal((await store.getSummaryForUser(group.id, owner.id))?.mentionCount, 1);
      await store.raiseReadMarker(group.id, bob.id, first.seq);
      assert.equal((await store.getSummaryForUser(group.id, bob.id))?.mentionCount, 1);
    });

    it('[R7] setAllMentions sets the group’s policy; a new conversation has members', async () => {
      const { store } = fx();
      const owner = await fx().user();
      const group = await fx().group(owner);
      assert.equal((await store.getConversation(group.id))?.allMentions, 'members');
      await store.setAllMentions(group.id, 'admins');
      assert.equal((await store.getConversation(group.id))?.allMentions, 'admins');
      assert.equal((await store.getSummaryForUser(group.id, owner.id))?.allMentions, 'admins');
    });

    it('[R6] deleting a conversation deletes its mention rows', async () => {
      const { store } = fx();
      const [owner, bob] = [await fx().user(), await fx().user()];
      const group = await fx().group(owner, [bob]);
      await fx().send(group, owner, '@bob', undefined, { mentions: [bob.id] });
      await store.deleteConversation(group.id);
      assert.deepEqual(await store.listMentions(bob.id, { before: null, limit: 10 }), []);
    });
  });
}
