import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rejectsDuplicate, useStore, type OpenStore } from './fixture.js';

/** Transactions and the store's lifecycle (TransactionsStore, StoreHealth). */
export function transactionsContract(open: OpenStore): void {
  describe('transactions and lifecycle', () => {
    const fx = useStore(open);

    it('[G1] a transaction commits all its writes and returns the callback’s value', async () => {
      const { store } = fx();
      const owner = await fx().user();
      const conversation = fx().conversation('group', owner, 'atomic');
      const result = await store.transaction(async (tx) => {
        await tx.createConversation(conversation, null);
        await tx.addMember(fx().member(conversation, owner, 'owner'));
        const seq = await tx.nextSeq(conversation.id, fx().tick(), false);
        await tx.insertEvent({
          conversationId: conversation.id,
          seq,
          type: 'conversation.created',
          actor: owner.id,
          data: { name: 'atomic', members: [] },
          createdAt: fx().tick(),
        });
        assert.equal((await tx.getConversation(conversation.id))?.lastSeq, 1);
        return 'done';
      });
      assert.equal(result, 'done');
      assert.equal((await store.getConversation(conversation.id))?.lastSeq, 1);
      assert.equal(await store.countMembers(conversation.id), 1);
      assert.equal((await store.listTimeline(conversation.id, 0, 10)).length, 1);
    });

    it('[G1] a throw inside a transaction rolls every write back and rethrows', async () => {
      const { store } = fx();
      const owner = await fx().user();
      const existing = await fx().group(owner);
      const fresh = fx().conversation('group', owner);
      const failure = new Error('boom');
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.createConversation(fresh, null);
          await tx.addMember(fx().member(fresh, owner));
          const seq = await tx.nextSeq(existing.id, fx().tick(), true);
          await tx.insertMessage({
            id: fx().id('msg'),
            conversationId: existing.id,
            seq,
            sender: owner.id,
            clientMsgId: 'rolled-back',
            body: 'never',
            createdAt: fx().tick(),
            editedAt: null,
            deletedAt: null,
            replyTo: null,
            threadRoot: null,
            mentions: [],
            mentionsAll: false,
          });
          await tx.renameConversation(existing.id, 'renamed');
          await tx.markUserDeleted(owner.id, fx().tick());
          throw failure;
        }),
        (err) => err === failure,
      );
      assert.equal(await store.getConversation(fresh.id), null);
      assert.equal(await store.getMember(fresh.id, owner.id), null);
      assert.deepEqual(await store.getConversation(existing.id), existing);
      assert.equal(await store.getMessageByClientId(owner.id, 'rolled-back'), null);
      assert.deepEqual(await store.getUserById(owner.id), owner);
      assert.equal(await store.nextSeq(existing.id, fx().tick(), true), 1);
    });

    it('[G1] a failing statement inside a transaction rolls back the earlier writes', async () => {
      const { store } = fx();
      const taken = await fx().user();
      const newcomer = fx().username();
      await rejectsDuplicate(
        store.transaction(async (tx) => {
          await tx.createUser({
            id: fx().id('u'),
            username: newcomer,
            passwordHash: 'h',
            createdAt: fx().tick(),
            deletedAt: null,
          });
          await tx.createUser({
            id: fx().id('u'),
            username: taken.username,
            passwordHash: 'h',
            createdAt: fx().tick(),
            deletedAt: null,
          });
        }),
        'username',
      );
      assert.equal(await store.getUserByUsername(newcomer), null);
    });

    it('[O3] ping answers and engine names the adapter', async () => {
      const { store } = fx();
      await store.ping();
      assert.equal(typeof store.engine, 'string');
      assert.ok(store.engine.length > 0);
    });
  });
}
