import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { User } from '../../../src/domain/model.js';
import type { PushSubscriptionRecord } from '../../../src/ports/store.js';
import { useStore, type Fixture, type OpenStore } from './fixture.js';

/** Opens a session for `user` expiring at `expiresAt`; answers its id. */
async function session(fx: Fixture, user: User, expiresAt = 4_000_000_000_000): Promise<string> {
  const id = fx.id('s');
  await fx.store.createSession({
    id,
    userId: user.id,
    tokenHash: `hash-${id}`,
    createdAt: fx.tick(),
    expiresAt,
    lastSeenAt: fx.tick(),
  });
  return id;
}

/** A subscription record of `user` made by `sessionId`, created now. */
function subscription(
  fx: Fixture,
  user: User,
  sessionId: string,
  endpoint = `https://push.example.com/${fx.id('e')}`,
): PushSubscriptionRecord {
  return {
    id: fx.id('p'),
    userId: user.id,
    sessionId,
    endpoint,
    p256dh: `key-${endpoint}`,
    auth: `auth-${endpoint}`,
    createdAt: fx.tick(),
  };
}

const endpoints = (subs: PushSubscriptionRecord[]) => subs.map((s) => s.endpoint);

/** Mute and do-not-disturb (MembersStore, UsersStore), Web Push subscriptions and secrets (PushStore). */
export function pushContract(open: OpenStore): void {
  describe('notifications: mute, do-not-disturb, push subscriptions, server secrets', () => {
    const fx = useStore(open);

    it('[N3] setMuted marks one member; mutedAmong names the muted of the ids given', async () => {
      const { store } = fx();
      const [a, b, c] = [await fx().user(), await fx().user(), await fx().user()];
      const group = await fx().group(a, [b, c]);
      const other = await fx().group(a, [b]);
      assert.equal(await store.setMuted(group.id, b.id, true), true);
      assert.equal(await store.setMuted(group.id, c.id, true), true);
      assert.deepEqual(await store.mutedAmong(group.id, [a.id, b.id, c.id]), new Set([b.id, c.id]));
      assert.deepEqual(await store.mutedAmong(other.id, [a.id, b.id]), new Set());
      assert.equal(await store.setMuted(group.id, c.id, false), true);
      assert.deepEqual(await store.mutedAmong(group.id, [a.id, b.id, c.id]), new Set([b.id]));
      assert.deepEqual(await store.mutedAmong(group.id, []), new Set());
      // Not a member: nothing to mute.
      assert.equal(await store.setMuted(other.id, c.id, true), false);
      assert.deepEqual(await store.mutedAmong(other.id, [c.id]), new Set());
    });

    it('[N4] doNotDisturbUntil is written and read back; usersInDoNotDisturb compares with now', async () => {
      const { store } = fx();
      const [a, b, c] = [await fx().user(), await fx().user(), await fx().user()];
      assert.deepEqual(await store.updateUserSettings(a.id, { doNotDisturbUntil: 5_000 }), {
        shareReadMarkers: true,
        doNotDisturbUntil: 5_000,
        shareLastSeen: true,
        email: null,
      });
      await store.updateUserSettings(b.id, { doNotDisturbUntil: 9_000, shareReadMarkers: false });
      assert.deepEqual(await store.getUserSettings(b.id), {
        shareReadMarkers: false,
        doNotDisturbUntil: 9_000,
        shareLastSeen: true,
        email: null,
      });
      const ids = [a.id, b.id, c.id];
      assert.deepEqual(await store.usersInDoNotDisturb(ids, 4_999), new Set([a.id, b.id]));
      assert.deepEqual(await store.usersInDoNotDisturb(ids, 5_000), new Set([b.id]));
      assert.deepEqual(await store.usersInDoNotDisturb([], 0), new Set());
      // A patch of the other setting keeps it; null turns it off.
      await store.updateUserSettings(a.id, { shareReadMarkers: false });
      assert.equal((await store.getUserSettings(a.id))?.doNotDisturbUntil, 5_000);
      await store.updateUserSettings(a.id, { doNotDisturbUntil: null });
      assert.equal((await store.getUserSettings(a.id))?.doNotDisturbUntil, null);
      assert.deepEqual(await store.usersInDoNotDisturb(ids, 0), new Set([b.id]));
    });

    it('[N6] a saved subscription is listed for its user while its session lives', async () => {
      const { store } = fx();
      const [a, b] = [await fx().user(), await fx().user()];
      const live = await session(fx(), a);
      const expiring = await session(fx(), a, 10_000);
      const first = subscription(fx(), a, live);
      const second = subscription(fx(), a, expiring);
      const ofB = subscription(fx(), b, await session(fx(), b));
      for (const s of [first, second, ofB]) await store.savePushSubscription(s, 20);
      assert.deepEqual(await store.listPushSubscriptions([a.id], 9_999), [first, second]);
      // A session expired at `now` takes its subscriptions out of the list.
      assert.deepEqual(await store.listPushSubscriptions([a.id], 10_000), [first]);
      assert.deepEqual(endpoints(await store.listPushSubscriptions([a.id, b.id], 0)), [
        first.endpoint,
        second.endpoint,
        ofB.endpoint,
      ]);
      assert.deepEqual(await store.listPushSubscriptions([], 0), []);
    });

    it('[N6] saving a known endpoint moves it to the new user and session with the new keys', async () => {
      const { store } = fx();
      const [a, b] = [await fx().user(), await fx().user()];
      const old = subscription(fx(), a, await session(fx(), a));
      await store.savePushSubscription(old, 20);
      const moved = {
        ...subscription(fx(), b, await session(fx(), b), old.endpoint),
        p256dh: 'new-key',
        auth: 'new-auth',
      };
      await store.savePushSubscription(moved, 20);
      assert.deepEqual(await store.listPushSubscriptions([a.id], 0), []);
      assert.deepEqual(await store.listPushSubscriptions([b.id], 0), [moved]);
    });

    it('[N6] a user keeps at most maxPerUser subscriptions: the oldest go first', async () => {
      const { store } = fx();
      const a = await fx().user();
      const b = await fx().user();
      const s = await session(fx(), a);
      const made = [];
      for (let i = 0; i < 5; i++) {
        const sub = subscription(fx(), a, s);
        made.push(sub);
        await store.savePushSubscription(sub, 3);
      }
      const ofB = subscription(fx(), b, await session(fx(), b));
      await store.savePushSubscription(ofB, 3);
      assert.deepEqual(await store.listPushSubscriptions([a.id], 0), made.slice(2));
      assert.deepEqual(await store.listPushSubscriptions([b.id], 0), [ofB]);
      // Saving a kept endpoint again makes it the newest: the next new one drops another.
      const renewed = { ...made[2]!, id: fx().id('p'), createdAt: fx().tick() };
      await store.savePushSubscription(renewed, 3);
      const next = subscription(fx(), a, s);
      await store.savePushSubscription(next, 3);
      assert.deepEqual(endpoints(await store.listPushSubscriptions([a.id], 0)), [
        made[4]!.endpoint,
        renewed.endpoint,
        next.endpoint,
      ]);
    });

    it('[N6] subscriptions are deleted by endpoint (optionally of one user), by session, by user', async () => {
      const { store } = fx();
      const [a, b] = [await fx().user(), await fx().user()];
      const [s1, s2] = [await session(fx(), a), await session(fx(), a)];
      const subs = [
        subscription(fx(), a, s1),
        subscription(fx(), a, s1),
        subscription(fx(), a, s2),
      ];
      const ofB = subscription(fx(), b, await session(fx(), b));
      for (const s of [...subs, ofB]) await store.savePushSubscription(s, 20);

      assert.equal(await store.deletePushSubscription(ofB.endpoint, a.id), false);
      assert.equal(await store.deletePushSubscription(subs[0]!.endpoint, a.id), true);
      assert.equal(await store.deletePushSubscription(subs[0]!.endpoint, a.id), false);
      assert.equal(await store.deleteSessionPushSubscriptions(s1), 1);
      assert.deepEqual(await store.listPushSubscriptions([a.id], 0), [subs[2]]);
      assert.equal(await store.deleteUserPushSubscriptions(a.id), 1);
      assert.deepEqual(await store.listPushSubscriptions([a.id], 0), []);
      assert.equal(await store.deletePushSubscription(ofB.endpoint), true);
      assert.deepEqual(await store.listPushSubscriptions([b.id], 0), []);
    });

    it('[N6] deleteOrphanPushSubscriptions deletes those whose session is gone', async () => {
      const { store } = fx();
      const a = await fx().user();
      const [kept, gone] = [await session(fx(), a), await session(fx(), a, 20_000)];
      const [k, g] = [subscription(fx(), a, kept), subscription(fx(), a, gone)];
      await store.savePushSubscription(k, 20);
      await store.savePushSubscription(g, 20);
      // Other tests' sessions share this store: counts are at least this test's own.
      await store.deleteOrphanPushSubscriptions();
      assert.ok((await store.deleteExpiredSessions(20_000)) >= 1);
      assert.ok((await store.deleteOrphanPushSubscriptions()) >= 1);
      assert.equal(await store.deleteOrphanPushSubscriptions(), 0);
      // The orphan row itself is gone, not only hidden from the list.
      assert.deepEqual(await store.listPushSubscriptions([a.id], 0), [k]);
      assert.equal(await store.deletePushSubscription(g.endpoint), false);
    });

    it('[N5] ensureServerSecret keeps the first value written; racing writers all read it back', async () => {
      const { store } = fx();
      const name = fx().id('secret');
      assert.equal(await store.ensureServerSecret(name, 'first', 1), 'first');
      assert.equal(await store.ensureServerSecret(name, 'second', 2), 'first');

      const raced = fx().id('secret');
      const values = Array.from({ length: 8 }, (_, i) => `value-${i}`);
      const answers = await Promise.all(
        values.map((v, i) => store.ensureServerSecret(raced, v, i)),
      );
      assert.equal(new Set(answers).size, 1, `every writer read one value: ${answers.join(', ')}`);
      assert.ok(values.includes(answers[0]!));
      // Inside transactions too (a node creating the keys while another does).
      const again = fx().id('secret');
      const inTx = await Promise.all(
        values.map((v, i) => store.transaction((tx) => tx.ensureServerSecret(again, v, i))),
      );
      assert.equal(new Set(inTx).size, 1, `every transaction read one value: ${inTx.join(', ')}`);
    });
  });
}
