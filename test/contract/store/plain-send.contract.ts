import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Conversation, User } from '../../../src/domain/model.js';
import type { PlainMessage } from '../../../src/ports/store.js';
import { must, rejectsWith, useStore, type Fixture, type OpenStore } from './fixture.js';

/** The plain send's short path (TimelineStore.appendPlainMessage, issue 18). */
export function plainSendContract(open: OpenStore): void {
  describe('plain send', () => {
    const fx = useStore(open);

    const plain = (
      f: Fixture,
      c: Conversation,
      sender: User,
      over: Partial<PlainMessage> = {},
    ) => ({
      id: f.id('msg'),
      conversationId: c.id,
      sender: sender.id,
      clientMsgId: f.id('cm'),
      body: 'plain hello',
      createdAt: f.tick(),
      ...over,
    });
    const append = (f: Fixture, m: PlainMessage) =>
      f.store.transaction((tx) => tx.appendPlainMessage(m));
    const lastSeq = async (f: Fixture, c: Conversation) =>
      must(await f.store.getConversation(c.id)).lastSeq;

    it('[G2][G5] stores the message at the next seq, as insertMessage would', async () => {
      const f = fx();
      const [a, b] = [await f.user(), await f.user()];
      const dm = await f.dm(a, b);
      const before = await f.send(dm, b, 'first');
      const m = plain(f, dm, a);
      assert.equal(await append(f, m), before.seq + 1);
      assert.equal(await append(f, plain(f, dm, b)), before.seq + 2);
      const stored = must(await f.store.getMessage(dm.id, before.seq + 1));
      assert.equal(stored.id, m.id);
      assert.equal(stored.body, 'plain hello');
      assert.equal(stored.sender, a.id);
      assert.equal(stored.createdAt, m.createdAt);
      assert.deepEqual(stored.mentions, []);
      assert.equal(stored.replyTo, null);
      assert.equal(must(await f.store.getMessageByClientId(a.id, m.clientMsgId)).seq, stored.seq);
      const conversation = must(await f.store.getConversation(dm.id));
      assert.equal(conversation.lastSeq, before.seq + 2);
    });

    it('[G3] a retry (same sender and clientMsgId, any conversation) is null and writes nothing', async () => {
      const f = fx();
      const [a, b] = [await f.user(), await f.user()];
      const dm = await f.dm(a, b);
      const group = await f.group(a);
      const m = plain(f, dm, a);
      const seq = must(await append(f, m));
      assert.equal(await append(f, { ...m, id: f.id('msg') }), null);
      assert.equal(await append(f, { ...m, id: f.id('msg'), conversationId: group.id }), null);
      assert.equal(await lastSeq(f, dm), seq);
      assert.equal(await lastSeq(f, group), 0);
    });

    it('[G6] a non-member or an unknown conversation is null and writes nothing', async () => {
      const f = fx();
      const [a, b, outsider] = [await f.user(), await f.user(), await f.user()];
      const dm = await f.dm(a, b);
      assert.equal(await append(f, plain(f, dm, outsider)), null);
      assert.equal(await append(f, plain(f, { ...dm, id: f.id('gone') }, a)), null);
      assert.equal(await lastSeq(f, dm), 0);
    });

    it('[PG10] a member muted past createdAt is null; a mute that ended is no bar', async () => {
      const f = fx();
      const [owner, muted, done] = [await f.user(), await f.user(), await f.user()];
      const group = await f.group(owner);
      const at = f.tick();
      await f.store.addMember({ ...f.member(group, muted), mutedUntil: at + 1 });
      await f.store.addMember({ ...f.member(group, done), mutedUntil: at });
      assert.equal(await append(f, plain(f, group, muted, { createdAt: at })), null);
      assert.equal(await lastSeq(f, group), 0);
      assert.equal(await append(f, plain(f, group, done, { createdAt: at })), 1);
    });

    it('a DM whose peer is gone is null and writes nothing', async () => {
      const f = fx();
      const [a, b] = [await f.user(), await f.user()];
      const dm = await f.dm(a, b);
      await f.store.removeMember(dm.id, b.id);
      assert.equal(await append(f, plain(f, dm, a)), null);
      assert.equal(await lastSeq(f, dm), 0);
    });

    it('[G3] two transactions with one clientMsgId at once: one stores, the other is null', async () => {
      const f = fx();
      const [a, b] = [await f.user(), await f.user()];
      const dm = await f.dm(a, b);
      const m = plain(f, dm, a);
      let appended!: () => void;
      const first = new Promise<void>((resolve) => (appended = resolve));
      const results = await Promise.all([
        f.store.transaction(async (tx) => {
          const seq = await tx.appendPlainMessage(m);
          appended();
          // Still open while the second one starts: on PostgreSQL it waits for this lock.
          await new Promise((resolve) => setImmediate(resolve));
          return seq;
        }),
        first.then(() =>
          f.store.transaction((tx) => tx.appendPlainMessage({ ...m, id: f.id('msg') })),
        ),
      ]);
      assert.deepEqual(results, [1, null]);
      assert.equal(await lastSeq(f, dm), 1);
      assert.equal(must(await f.store.getMessageByClientId(a.id, m.clientMsgId)).id, m.id);
    });

    it('[S6] a body outside the alphabet is invalid_request before any statement', async () => {
      const f = fx();
      const [a, b] = [await f.user(), await f.user()];
      const dm = await f.dm(a, b);
      await rejectsWith(append(f, plain(f, dm, a, { body: 'nul \u0000 here' })), 'invalid_request');
      assert.equal(await lastSeq(f, dm), 0);
    });
  });
}
