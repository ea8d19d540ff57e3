import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useStore, type OpenStore } from './fixture.js';

/** A user's own settings (part of UsersStore, rule R9). */
export function settingsContract(open: OpenStore): void {
  describe('user settings', () => {
    const fx = useStore(open);

    it('[R9] a new account shares its read markers; unknown ids have no settings', async () => {
      const { store } = fx();
      const alice = await fx().user();
      assert.deepEqual(await store.getUserSettings(alice.id), {
        shareReadMarkers: true,
        doNotDisturbUntil: null,
        shareLastSeen: true,
        email: null,
      });
      assert.equal(await store.getUserSettings('no-such-id'), null);
      assert.equal(await store.updateUserSettings('no-such-id', { shareReadMarkers: false }), null);
    });

    it('[R9] updateUserSettings changes what it is given and answers every setting', async () => {
      const { store } = fx();
      const alice = await fx().user();
      const bob = await fx().user();
      assert.deepEqual(await store.updateUserSettings(alice.id, { shareReadMarkers: false }), {
        shareReadMarkers: false,
        doNotDisturbUntil: null,
        shareLastSeen: true,
        email: null,
      });
      assert.deepEqual(await store.updateUserSettings(alice.id, {}), {
        shareReadMarkers: false,
        doNotDisturbUntil: null,
        shareLastSeen: true,
        email: null,
      });
      assert.deepEqual(await store.getUserSettings(alice.id), {
        shareReadMarkers: false,
        doNotDisturbUntil: null,
        shareLastSeen: true,
        email: null,
      });
      assert.deepEqual(await store.getUserSettings(bob.id), {
        shareReadMarkers: true,
        doNotDisturbUntil: null,
        shareLastSeen: true,
        email: null,
      });
      assert.deepEqual(await store.updateUserSettings(alice.id, { shareReadMarkers: true }), {
        shareReadMarkers: true,
        doNotDisturbUntil: null,
        shareLastSeen: true,
        email: null,
      });
    });

    it('[R9] usersHidingReadMarkers names, of the ids given, those who do not share', async () => {
      const { store } = fx();
      const [a, b, c] = [await fx().user(), await fx().user(), await fx().user()];
      await store.updateUserSettings(a.id, { shareReadMarkers: false });
      await store.updateUserSettings(c.id, { shareReadMarkers: false });
      assert.deepEqual(
        await store.usersHidingReadMarkers([a.id, b.id, 'no-such-id']),
        new Set([a.id]),
      );
      assert.deepEqual(await store.usersHidingReadMarkers([]), new Set());
    });
  });
}
