import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import { seqOf, type TimelineEvent } from '../../../src/domain/model.js';
import { DELETED, must, useStore, type OpenStore } from './fixture.js';
import { mentionsContract, repliesContract } from './replies.contract.js';

/** Messages, events and the merged timeline (TimelineStore). */
export function timelineContract(open: OpenStore): void {
  messagesContract(open);
  mergedTimelineContract(open);
  repliesContract(open);
  mentionsContract(open);
}

function messagesContract(open: OpenStore): void {
  describe('messages', () => {
    const fx = useStore(open);

    it('[G5] an inserted message is found by seq and by (sender, clientMsgId)', async () => {
      const { store } = fx();
      const sender = await fx().user();
      const group = await fx().group(sender);
      const seq = await store.nextSeq(group.id, fx().tick(), true);
      const message = {
        id: fx().id('msg'),
        conversationId: group.id,
        seq,
        sender: sender.id,
        clientMsgId: 'client-abc',
        body: 'héllo 👋 "quoted" <b>not html</b>\nsecond line',
        createdAt: 1_700_000_000_456,
        editedAt: null,
        deletedAt: null,
        replyTo: null,
        threadRoot: null,
        mentions: [],
        mentionsAll: false,
      };
      await store.insertMessage(message);
      const expected = {
        ...message,
        senderName: sender.username,
        reply: null,
        replyCount: 0,
        reactions: [],
        attachments: [],
        deletedBy: null,
      };
      assert.deepEqual(await store.getMessage(group.id, seq), expected);
      assert.deepEqual(await store.getMessageByClientId(sender.id, 'client-abc'), expected);
      assert.equal(await store.getMessage(group.id, seq + 1), null);
      assert.equal(await store.getMessageByClientId(sender.id, 'other'), null);
    });

    it('[G3] a second message with the same (sender, clientMsgId) is rejected', async () => {
      const { store } = fx();
      const [sender, other] = [await fx().user(), await fx().user()];
      const [g1, g2] = [await fx().group(sender, [other]), await fx().group(sender)];
      const original = await fx().send(g1, sender, 'original', 'same-id');
      await assert.rejects(fx().send(g1, sender, 'again', 'same-id'));
      await assert.rejects(fx().send(g2, sender, 'elsewhere', 'same-id'));
      assert.deepEqual(await store.getMessageByClientId(sender.id, 'same-id'), original);
      assert.equal((await store.getConversation(g2.id))?.lastSeq, 0);

      const theirs = await fx().send(g1, other, 'fine', 'same-id');
      assert.equal(theirs.clientMsgId, 'same-id');
    });

    it('[G2] a second entry at a taken seq is rejected', async () => {
      const sender = await fx().user();
      const group = await fx().group(sender);
      const message = await fx().send(group, sender);
      const { senderName: _, ...row } = message;
      await assert.rejects(
        fx().store.insertMessage({ ...row, id: fx().id('msg'), clientMsgId: 'fresh' }),
      );
      const event = await fx().event(group, sender);
      await assert.rejects(
        fx().store.insertEvent({ ...event, type: 'member.added' } as TimelineEvent),
      );
    });

    it('[M3] editMessage changes the body and sets editedAt', async () => {
      const { store } = fx();
      const sender = await fx().user();
      const group = await fx().group(sender);
      const message = await fx().send(group, sender, 'typo');
      const at = fx().tick();
      await store.editMessage(group.id, message.seq, 'fixed', at, {
        mentions: [],
        mentionsAll: false,
      });
      assert.deepEqual(await store.getMessage(group.id, message.seq), {
        ...message,
        body: 'fixed',
        editedAt: at,
      });
    });

    it('[M4] deleteMessage erases the body and sets deletedAt; the seq stays', async () => {
      const { store } = fx();
      const sender = await fx().user();
      const group = await fx().group(sender);
      const message = await fx().send(group, sender, 'secret', 'to-delete');
      const at = fx().tick();
      await store.deleteMessage(group.id, message.seq, at);
      const expected = { ...message, body: '', deletedAt: at };
      assert.deepEqual(await store.getMessage(group.id, message.seq), expected);
      assert.deepEqual(await store.getMessageByClientId(sender.id, 'to-delete'), expected);
      assert.deepEqual(
        await store.listMessages(group.id, { before: null, after: null, limit: 10 }),
        [expected],
      );
    });

    it('[M4] redactEdits erases the text of a message’s edit events only', async () => {
      const { store } = fx();
      const sender = await fx().user();
      const group = await fx().group(sender);
      const [a, b] = [await fx().send(group, sender, 'a'), await fx().send(group, sender, 'b')];
      const editA = await fx().event(group, sender, 'message.edited', {
        seq: a.seq,
        body: 'secret a',
      });
      const editB = await fx().event(group, sender, 'message.edited', {
        seq: b.seq,
        body: 'keep b',
      });
      await store.redactEdits(group.id, a.seq);
      const events = (await store.listTimeline(group.id, 0, 10)).flatMap((e) =>
        e.kind === 'event' ? [e.event] : [],
      );
      assert.deepEqual(
        events.map((e) => [e.seq, e.type === 'message.edited' ? e.data.body : null]),
        [
          [editA.seq, ''],
          [editB.seq, 'keep b'],
        ],
      );
    });

    it('[A6] a deleted sender’s messages stay, with senderName [deleted]', async () => {
      const { store } = fx();
      const [owner, gone] = [await fx().user(), await fx().user()];
      const group = await fx().group(owner, [gone]);
      const message = await fx().send(group, gone, 'still here');
      await store.markUserDeleted(gone.id, fx().tick());
      const expected = { ...message, senderName: DELETED };
      assert.deepEqual(await store.getMessage(group.id, message.seq), expected);
      assert.deepEqual(await store.getMessageByClientId(gone.id, message.clientMsgId), expected);
      assert.deepEqual(
        await store.listMessages(group.id, { before: null, after: null, limit: 5 }),
        [expected],
      );
      assert.deepEqual(await store.listTimeline(group.id, 0, 5), [
        { kind: 'message', message: expected },
      ]);
    });

    describe('[M2] history pages', () => {
      // Timeline: event 1, messages 2-9, event 10, message 11.
      let conversationId = '';
      before(async () => {
        const sender = await fx().user();
        const group = await fx().group(sender);
        conversationId = group.id;
        await fx().event(group, sender, 'conversation.created');
        for (let i = 2; i <= 9; i++) await fx().send(group, sender, `m${i}`);
        await fx().event(group, sender, 'member.added');
        await fx().send(group, sender, 'm11');
      });

      const page = async (before: number | null, after: number | null, limit: number) => {
        const messages = await fx().store.listMessages(conversationId, { before, after, limit });
        for (const m of messages) assert.equal(m.body, `m${m.seq}`);
        return messages.map((m) => m.seq);
      };

      it('[M2] without bounds: the latest `limit` messages, ascending, skipping event seqs', async () => {
        assert.deepEqual(await page(null, null, 3), [8, 9, 11]);
        assert.deepEqual(await page(null, null, 100), [2, 3, 4, 5, 6, 7, 8, 9, 11]);
      });

      it('[M2] before: the latest messages with a smaller seq, ascending', async () => {
        assert.deepEqual(await page(9, null, 3), [6, 7, 8]);
        assert.deepEqual(await page(3, null, 3), [2]);
        assert.deepEqual(await page(2, null, 3), []);
      });

      it('[M2] after: the earliest messages with a larger seq, ascending', async () => {
        assert.deepEqual(await page(null, 3, 3), [4, 5, 6]);
        assert.deepEqual(await page(null, 8, 3), [9, 11]);
        assert.deepEqual(await page(null, 11, 3), []);
      });

      it('[M2] before and after together bound both ends, paging forward from after', async () => {
        assert.deepEqual(await page(7, 3, 10), [4, 5, 6]);
        assert.deepEqual(await page(9, 3, 2), [4, 5]);
        assert.deepEqual(await page(4, 3, 10), []);
      });

      it('[M2] an unknown conversation has no history', async () => {
        assert.deepEqual(
          await fx().store.listMessages('no-such-conversation', {
            before: null,
            after: null,
            limit: 10,
          }),
          [],
        );
      });
    });
  });
}

function mergedTimelineContract(open: OpenStore): void {
  describe('timeline', () => {
    const fx = useStore(open);

    it('[G2] an event’s JSON data round-trips intact', async () => {
      const { store } = fx();
      const actor = await fx().user();
      const group = await fx().group(actor);
      const data = {
        name: 'Ünïcode ☕ "quotes" \\ back',
        userIds: [actor.id, 'x'],
        nested: { deep: { n: 42, f: 1.5, t: true, nil: null } },
        empty: {},
      };
      const event = await fx().event(group, actor, 'conversation.created', data);
      assert.deepEqual(await store.listTimeline(group.id, 0, 10), [{ kind: 'event', event }]);
    });

    it('[G4] listTimeline merges messages and events in seq order after the cursor', async () => {
      const { store } = fx();
      const [owner, bob] = [await fx().user(), await fx().user()];
      const group = await fx().group(owner);
      const entries = [
        { kind: 'event' as const, event: await fx().event(group, owner, 'conversation.created') },
        {
          kind: 'event' as const,
          event: await fx().event(group, owner, 'member.added', { userId: bob.id }),
        },
        { kind: 'message' as const, message: await fx().send(group, owner, 'one') },
        { kind: 'message' as const, message: await fx().send(group, owner, 'two') },
        {
          kind: 'event' as const,
          event: await fx().event(group, owner, 'conversation.renamed', { name: 'x' }),
        },
        { kind: 'message' as const, message: await fx().send(group, owner, 'three') },
      ];
      assert.deepEqual(entries.map(seqOf), [1, 2, 3, 4, 5, 6]);

      assert.deepEqual(await store.listTimeline(group.id, 0, 100), entries);
      assert.deepEqual(await store.listTimeline(group.id, 2, 100), entries.slice(2));
      assert.deepEqual(await store.listTimeline(group.id, 6, 100), []);
    });

    it('[G4] listTimeline returns at most `limit` entries, the earliest after the cursor', async () => {
      const { store } = fx();
      const owner = await fx().user();
      const group = await fx().group(owner);
      for (let i = 0; i < 3; i++) await fx().event(group, owner);
      for (let i = 0; i < 3; i++) await fx().send(group, owner);
      await fx().event(group, owner);
      const seqs = async (after: number, limit: number) =>
        (await store.listTimeline(group.id, after, limit)).map(seqOf);
      assert.deepEqual(await seqs(0, 2), [1, 2]);
      assert.deepEqual(await seqs(2, 3), [3, 4, 5]);
      assert.deepEqual(await seqs(3, 4), [4, 5, 6, 7]);
      assert.deepEqual(await seqs(5, 1), [6]);
    });

    it('[G4] paging the timeline by its last seq yields every entry exactly once', async () => {
      const { store } = fx();
      const owner = await fx().user();
      const group = await fx().group(owner);
      for (let i = 0; i < 17; i++) {
        if (i % 3 === 0) await fx().event(group, owner);
        else await fx().send(group, owner);
      }
      const seen: number[] = [];
      let cursor = 0;
      for (;;) {
        const page = await store.listTimeline(group.id, cursor, 4);
        if (page.length === 0) break;
        seen.push(...page.map(seqOf));
        cursor = seqOf(must(page.at(-1)));
      }
      assert.deepEqual(
        seen,
        Array.from({ length: 17 }, (_, i) => i + 1),
      );
    });

    // The SQL stores read the timeline in one statement, so no commit can land inside the read
    // and there is nothing to hook between reads: what is checked instead is the promise
    // itself under real contention. Writers commit messages, events and both in one
    // transaction while readers page from cursors behind and at the head; any page holding
    // seq n+1 without n fails (a WebSocket replay built on it would skip n for good). The
    // former read, one statement per table, failed this on PostgreSQL within a few dozen
    // reads on every run (SQLite's one connection happened to run its two reads back to back).
    it('[W5][M6] under concurrent commits listTimeline returns a prefix after the cursor, never a hole', async () => {
      const { store } = fx();
      const owner = await fx().user();
      const group = await fx().group(owner);
      const both = () =>
        store.transaction(async (tx) => {
          const createdAt = fx().tick();
          await tx.lockConversation(group.id);
          const seq = await tx.nextSeq(group.id, createdAt, true);
          await tx.insertMessage({
            id: fx().id('msg'),
            conversationId: group.id,
            seq,
            sender: owner.id,
            clientMsgId: fx().id('m'),
            body: 'with an event',
            createdAt,
            editedAt: null,
            deletedAt: null,
            replyTo: null,
            threadRoot: null,
            mentions: [],
            mentionsAll: false,
          });
          await tx.insertEvent({
            conversationId: group.id,
            seq: await tx.nextSeq(group.id, createdAt, false),
            createdAt,
            type: 'conversation.renamed',
            actor: owner.id,
            data: { name: 'renamed', previous: null },
          });
        });
      const writes = [() => fx().send(group, owner), () => fx().event(group, owner), both];
      let writing = 3;
      const writer = async (first: number) => {
        try {
          for (let i = first; i < first + 40; i++) await must(writes[i % writes.length])();
        } finally {
          writing -= 1;
        }
      };
      let reads = 0;
      let head = 0;
      const reader = async (limit: number, behind: number) => {
        while (writing > 0 || reads < 20) {
          const after = Math.max(0, head - behind);
          const seqs = (await store.listTimeline(group.id, after, limit)).map(seqOf);
          assert.ok(seqs.length <= limit, `at most ${limit}`);
          assert.deepEqual(
            seqs,
            Array.from({ length: seqs.length }, (_, i) => after + 1 + i),
            `read ${reads} after ${after}: no hole`,
          );
          head = Math.max(head, after + seqs.length);
          reads += 1;
          // A SQLite read completes in microtasks and Kysely's one-connection mutex is not
          // fair: readers that never yield to the event loop would starve the writers.
          await setImmediate();
        }
      };
      await Promise.all([
        writer(0),
        writer(1),
        writer(2),
        reader(1000, 1000),
        reader(5, 3),
        reader(50, 0),
      ]);
      const lastSeq = must(await store.getConversation(group.id)).lastSeq;
      assert.equal(lastSeq, 3 * 40 + 40, '120 transactions, 40 of them with two entries');
      const all = (await store.listTimeline(group.id, 0, 1000)).map(seqOf);
      assert.deepEqual(
        all,
        Array.from({ length: lastSeq }, (_, i) => i + 1),
      );
      assert.equal(
        (await store.listTimeline(group.id, 0, 7)).length,
        7,
        'a full page when more exist',
      );
    });
  });
}
