import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { must, rejectsWith, useStore, type OpenStore } from './fixture.js';

/** Profiles (ProfilesStore): display name, status, avatar pointer, last seen (rules PR1-PR6). */
export function profilesContract(open: OpenStore): void {
  describe('profiles: display name, status, avatar, last seen', () => {
    const fx = useStore(open);

    it('[PR1][PR3] a new user has an empty profile; updates change the fields given, null clears', async () => {
      const { store } = fx();
      const a = await fx().user();
      const [fresh] = await store.getProfiles([a.id]);
      assert.deepEqual(fresh, {
        userId: a.id,
        username: a.username,
        deletedAt: null,
        displayName: null,
        statusText: null,
        avatarBlobId: null,
        avatarUpdatedAt: null,
        lastSeenAt: null,
        shareLastSeen: true,
      });
      assert.equal(
        await store.updateProfile(a.id, { displayName: 'Ann 😀', statusText: 'hi' }),
        true,
      );
      assert.equal(await store.updateProfile(a.id, { statusText: null }), true);
      const got = must(await store.getProfileByUsername(a.username));
      assert.deepEqual([got.displayName, got.statusText], ['Ann 😀', null]);
      assert.equal(await store.updateProfile('no-such-user', { displayName: 'x' }), false);
      assert.equal(await store.updateProfile('no-such-user', {}), false);
      assert.equal(await store.getProfileByUsername('no-such-user'), null);
      await rejectsWith(
        store.updateProfile(a.id, { displayName: 'bell\u0007' }),
        'invalid_request',
      );
    });

    it('[PR4] setAvatar answers the blob it replaced; null clears the stamp too', async () => {
      const { store } = fx();
      const a = await fx().user();
      assert.equal(await store.setAvatar(a.id, 'blob-1', 1_000), null);
      assert.equal(await store.setAvatar(a.id, 'blob-2', 2_000), 'blob-1');
      let [p] = await store.getProfiles([a.id]);
      assert.deepEqual([p?.avatarBlobId, p?.avatarUpdatedAt], ['blob-2', 2_000]);
      assert.equal(await store.setAvatar(a.id, null, 3_000), 'blob-2');
      [p] = await store.getProfiles([a.id]);
      assert.deepEqual([p?.avatarBlobId, p?.avatarUpdatedAt], [null, null]);
      assert.equal(await store.setAvatar('no-such-user', null, 1), undefined);
    });

    it('[PR6] touchLastSeen never moves back; getProfiles reads many, deleted users included', async () => {
      const { store } = fx();
      const [a, b] = [await fx().user(), await fx().user()];
      await store.touchLastSeen(a.id, 5_000);
      await store.touchLastSeen(a.id, 4_000);
      await store.touchLastSeen(b.id, 7_000);
      await store.markUserDeleted(b.id, 8_000);
      const got = await store.getProfiles([a.id, b.id, a.id, 'unknown']);
      const byId = new Map(got.map((p) => [p.userId, p]));
      assert.equal(got.length, 2);
      assert.equal(byId.get(a.id)?.lastSeenAt, 5_000);
      assert.equal(byId.get(b.id)?.deletedAt, 8_000);
      assert.equal(await store.getProfileByUsername(b.username), null);
      assert.deepEqual(await store.getProfiles([]), []);
      await store.updateUserSettings(a.id, { shareLastSeen: false });
      assert.equal((await store.getProfiles([a.id]))[0]?.shareLastSeen, false);
    });
  });
}
