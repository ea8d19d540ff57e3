import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DELETED, must, rejectsNotFound, useStore, type OpenStore } from './fixture.js';

/** Memberships and read markers (MembersStore). */
export function membersContract(open: OpenStore): void {
  describe('members', () => {
    const fx = useStore(open);

    it('[C6] an added member reads back with username, role, join time and read marker', async () => {
      const { store } = fx();
      const [owner, user] = [await fx().user(), await fx().user()];
      const group = await fx().group(owner);
      const member = { ...fx().member(group, user, 'admin'), lastReadSeq: 3 };
      await store.addMember(member);
      assert.deepEqual(await store.getMember(group.id, user.id), {
        ...member,
        username: user.username,
        historyFrom: 0,
        mutedUntil: null,
      });
      assert.equal(await store.getMember(group.id, 'no-such-user'), null);
      assert.equal(await store.getMember('no-such-conversation', user.id), null);
    });

    it('[G6] getMemberView gives role, kind and member count to members only', async () => {
      const { store } = fx();
      const [owner, other, outsider] = [await fx().user(), await fx().user(), await fx().user()];
      const group = await fx().group(owner, [other]);
      const dm = await fx().dm(owner, other);
      assert.deepEqual(await store.getMemberView(group.id, other.id), {
        role: 'member',
        kind: 'group',
        memberCount: 2,
        mutedUntil: null,
      });
      assert.deepEqual(await store.getMemberView(dm.id, owner.id), {
        role: 'member',
        kind: 'dm',
        memberCount: 2,
        mutedUntil: null,
      });
      assert.equal(await store.getMemberView(group.id, outsider.id), null);
      assert.equal(await store.getMemberView('no-such-conversation', owner.id), null);
    });

    it('[PG5][PG10] a history bound and a mute are written and read back', async () => {
      const { store } = fx();
      const [owner, other] = [await fx().user(), await fx().user()];
      const group = await fx().group(owner, [other]);
      await store.setHistoryFrom(group.id, other.id, 7);
      await store.setMutedUntil(group.id, other.id, 1_700_000_999_000);
      const member = await store.getMember(group.id, other.id);
      assert.equal(member?.historyFrom, 7);
      assert.equal(member?.mutedUntil, 1_700_000_999_000);
      assert.equal((await store.getMemberView(group.id, other.id))?.mutedUntil, 1_700_000_999_000);
      await store.setMutedUntil(group.id, other.id, null);
      assert.equal((await store.getMember(group.id, other.id))?.mutedUntil, null);
    });

    it('[C3] listMembers orders by join time, countMembers counts them', async () => {
      const { store } = fx();
      const [owner, b, c] = [await fx().user(), await fx().user(), await fx().user()];
      const group = await fx().group(owner, [c, b]);
      const members = await store.listMembers(group.id);
      assert.deepEqual(
        members.map((m) => [m.username, m.role]),
        [
          [owner.username, 'owner'],
          [c.username, 'member'],
          [b.username, 'member'],
        ],
      );
      assert.equal(await store.countMembers(group.id), 3);
      assert.deepEqual(
        (await store.listMemberIds(group.id)).sort(),
        [owner.id, b.id, c.id].sort(),
        'listMemberIds names the same members',
      );
      await store.removeMember(group.id, b.id);
      assert.deepEqual((await store.listMemberIds(group.id)).sort(), [owner.id, c.id].sort());
      assert.deepEqual(await store.listMemberIds('no-such-conversation'), []);
    });

    it('[C7] removeMember removes exactly that membership', async () => {
      const { store } = fx();
      const [owner, b, c] = [await fx().user(), await fx().user(), await fx().user()];
      const group = await fx().group(owner, [b, c]);
      await store.removeMember(group.id, b.id);
      assert.equal(await store.getMember(group.id, b.id), null);
      assert.equal(await store.countMembers(group.id), 2);
      assert.deepEqual(
        (await store.listMembers(group.id)).map((m) => m.userId),
        [owner.id, c.id],
      );
      assert.deepEqual(await store.listConversationIdsForUser(b.id), []);
    });

    it('[C8] setMemberRole changes the role only', async () => {
      const { store } = fx();
      const [owner, b] = [await fx().user(), await fx().user()];
      const group = await fx().group(owner, [b]);
      const before = must(await store.getMember(group.id, b.id));
      await store.setMemberRole(group.id, b.id, 'admin');
      assert.deepEqual(await store.getMember(group.id, b.id), { ...before, role: 'admin' });
    });

    it('[M5] raiseReadMarker raises the marker and never lowers it', async () => {
      const { store } = fx();
      const [owner, b] = [await fx().user(), await fx().user()];
      const group = await fx().group(owner, [b]);
      assert.equal(await store.raiseReadMarker(group.id, b.id, 5), 5);
      assert.equal(await store.raiseReadMarker(group.id, b.id, 3), 5);
      assert.equal((await store.getMember(group.id, b.id))?.lastReadSeq, 5);
      assert.equal(await store.raiseReadMarker(group.id, b.id, 7), 7);
      assert.equal((await store.getMember(group.id, owner.id))?.lastReadSeq, 0);
    });

    it('[M5] raiseReadMarker for a non-member is RecordNotFoundError', async () => {
      const group = await fx().group(await fx().user());
      const stranger = await fx().user();
      await rejectsNotFound(fx().store.raiseReadMarker(group.id, stranger.id, 1), 'member');
    });

    it('[W1] conversation ids and cursors list exactly the user’s conversations', async () => {
      const { store } = fx();
      const [me, other] = [await fx().user(), await fx().user()];
      const g1 = await fx().group(me);
      const g2 = await fx().group(other, [me]);
      await fx().group(other);
      await fx().send(g2, other);
      await fx().event(g2, other);

      assert.deepEqual(
        (await store.listConversationIdsForUser(me.id)).sort(),
        [g1.id, g2.id].sort(),
      );
      const cursors = await store.listCursorsForUser(me.id);
      assert.deepEqual(
        [...cursors].sort((x, y) => x.conversationId.localeCompare(y.conversationId)),
        [
          { conversationId: g1.id, lastSeq: 0 },
          { conversationId: g2.id, lastSeq: 2 },
        ].sort((x, y) => x.conversationId.localeCompare(y.conversationId)),
      );
      assert.deepEqual(await store.listCursorsForUser('no-such-user'), []);
      const latest = await store.latestSeqs([g2.id, g1.id, 'no-such-conversation']);
      assert.deepEqual(Object.fromEntries(latest.map((c) => [c.conversationId, c.lastSeq])), {
        [g1.id]: 0,
        [g2.id]: 2,
      });
      assert.deepEqual(await store.latestSeqs([]), []);
    });

    it('[K6] countConversationsOfUsers counts each user’s conversations; a user in none is absent', async () => {
      const { store } = fx();
      const [me, other, loner] = [await fx().user(), await fx().user(), await fx().user()];
      await fx().group(me);
      await fx().group(other, [me]);
      const counts = await store.countConversationsOfUsers([me.id, other.id, loner.id, 'nobody']);
      assert.deepEqual(Object.fromEntries(counts), { [me.id]: 2, [other.id]: 1 });
      assert.deepEqual(await store.countConversationsOfUsers([]), new Map());
    });

    it('[A6] a deleted user’s membership shows the name [deleted]', async () => {
      const { store } = fx();
      const [owner, gone] = [await fx().user(), await fx().user()];
      const group = await fx().group(owner, [gone]);
      await store.markUserDeleted(gone.id, fx().tick());
      assert.equal((await store.getMember(group.id, gone.id))?.username, DELETED);
    });
  });
}
